/**
 * Redis through ioredis. The password is sent with an explicit AUTH rather than ioredis' own
 * login, because ioredis only warns when a server without a password answers AUTH with an error,
 * while for a connectivity test a stored password the server does not expect is a wrong config.
 */

import type net from 'node:net';
import { AbstractConnector, Redis, ReplyError } from 'ioredis';
import { candidateLabel, within } from '../scope.js';
import { describeError, isNetworkError, StepFailure } from '../steps.js';
import { GRACEFUL_CLOSE_MS, type Probe, type ProbeContext } from './probe.js';

// ioredis types its ReplyError export as `any`; this gives instanceof a type to narrow to.
const RedisReplyError: abstract new (...args: never[]) => Error = ReplyError;

function isReplyError(err: unknown): err is Error {
  return err instanceof RedisReplyError;
}

/** The first word of a Redis error reply is its code (WRONGPASS, NOAUTH, ERR…). */
function replyCode(err: Error): string {
  return err.message.split(' ', 1)[0] ?? '';
}

function failure(ctx: ProbeContext, err: unknown, what: string): StepFailure {
  if (isReplyError(err)) return new StepFailure('ConfigError', `${what}: ${err.message}`);
  if (isNetworkError(err) || ctx.scope.peerClosed) {
    return new StepFailure(
      'Unreachable',
      `the connection to ${candidateLabel(ctx.candidate)} was lost: ${describeError(err)}`,
    );
  }
  return new StepFailure(
    'ConfigError',
    `${what}: ${describeError(err)} (is ${candidateLabel(ctx.candidate)} a Redis server?)`,
  );
}

export const redisProbe: Probe = async (ctx) => {
  const { target, candidate, scope, runner } = ctx;
  const dial = () => scope.dial(candidate, target.tls);
  // ioredis dials through its Connector; this one hands it a socket the scope owns, connected
  // to the checked address (with TLS and SNI when configured).
  class ScopedConnector extends AbstractConnector {
    constructor() {
      super(0);
    }
    connect(): Promise<net.Socket> {
      this.connecting = true;
      this.stream = dial();
      return Promise.resolve(this.stream);
    }
    override disconnect(): void {
      this.connecting = false;
      this.stream?.destroy();
    }
  }
  const redis = new Redis({
    host: candidate.ip,
    port: candidate.port,
    Connector: ScopedConnector,
    // Only tells ioredis to wait for 'secureConnect' on the TLS socket the connector returns.
    ...(target.tls ? { tls: {} } : {}),
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResubscribe: false,
    connectTimeout: 0,
    // No CLIENT SETINFO before the login: the test sends only what it reports on.
    disableClientInfo: true,
  });
  redis.on('error', () => {
    // Reported through connect() and the commands; a late one must not crash the process.
  });
  scope.defer(async (graceful) => {
    if (graceful) await within(redis.quit(), GRACEFUL_CLOSE_MS);
    redis.disconnect();
  });

  await runner.run('authenticate', 'ConfigError', async () => {
    try {
      await redis.connect();
    } catch (err) {
      throw failure(ctx, err, 'connecting to Redis failed');
    }
    const done: string[] = [];
    if (target.password !== undefined) {
      try {
        if (target.username !== undefined) await redis.auth(target.username, target.password);
        else await redis.auth(target.password);
      } catch (err) {
        if (isReplyError(err) && replyCode(err) === 'ERR') {
          // Typically "AUTH called without any password configured": the server has none.
          throw new StepFailure(
            'ConfigError',
            `Redis rejected AUTH: ${err.message}; the server may have no password, so remove it from the data source or set one on the server`,
          );
        }
        throw failure(ctx, err, 'Redis rejected AUTH; check the username and password');
      }
      done.push(
        target.username !== undefined
          ? `AUTH accepted for user '${target.username}'`
          : 'AUTH accepted',
      );
    } else {
      done.push('no password configured, so no AUTH sent');
    }
    if (target.redisDb !== undefined && target.redisDb !== 0) {
      try {
        await redis.select(target.redisDb);
      } catch (err) {
        throw failure(ctx, err, `database ${target.redisDb} cannot be selected`);
      }
      done.push(`selected database ${target.redisDb}`);
    }
    return { value: undefined, message: `connected; ${done.join('; ')}` };
  });

  await runner.run('run_test_query', 'ConfigError', async () => {
    let reply: string;
    try {
      reply = await redis.ping();
    } catch (err) {
      if (isReplyError(err) && replyCode(err) === 'NOAUTH') {
        throw new StepFailure(
          'ConfigError',
          `PING refused: ${err.message}; the server requires a password and none is configured`,
        );
      }
      throw failure(ctx, err, 'PING failed');
    }
    return { value: undefined, message: `PING answered ${reply}` };
  });
};
