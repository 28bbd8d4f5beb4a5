/**
 * Kafka through kafkajs' admin client: connect to the bootstrap server that answered tcp_connect
 * (API versions, then SASL when configured), then read the cluster metadata.
 *
 * kafkajs dials through our socket factory, which only knows the checked bootstrap address: a
 * broker the metadata advertises under another name was never resolved or checked against the
 * network policy, so it gets no connection (describing the cluster does not need one).
 */
import net from 'node:net';
import kafkajs, { type SASLOptions } from 'kafkajs';
import { candidateLabel, within } from '../scope.js';
import { describeError, isNetworkError, StepFailure } from '../steps.js';
import type { KafkaSasl } from '../target.js';
import type { Probe, ProbeContext } from './probe.js';

// kafkajs is CommonJS whose exports Node cannot list for named ESM imports; take them from the
// module object.
const {
  Kafka,
  KafkaJSConnectionError,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  logLevel,
} = kafkajs;

/** The name kafkajs knows the checked bootstrap server by; it never reaches DNS. */
const CHECKED_BROKER = 'dshub-checked-bootstrap';

/** Errors that say what went wrong, as opposed to kafkajs' wrappers around them. */
const MEANINGFUL = [
  KafkaJSSASLAuthenticationError,
  KafkaJSProtocolError,
  // Also covers KafkaJSConnectionClosedError, a subclass kafkajs' typings do not declare.
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
];

/** kafkajs wraps the error that mattered (retries exhausted, non-retriable…); find it. */
function rootCause(err: unknown): unknown {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && chain.length < 6 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain.find((e) => MEANINGFUL.some((c) => e instanceof c)) ?? chain.at(-1);
}

function failure(ctx: ProbeContext, err: unknown, what: string): StepFailure {
  const cause = rootCause(err);
  const text = describeError(cause);
  const where = candidateLabel(ctx.candidate);
  if (cause instanceof KafkaJSSASLAuthenticationError) {
    return new StepFailure(
      'ConfigError',
      `the broker rejected the SASL login: ${text}; check the mechanism, username and password`,
    );
  }
  if (cause instanceof KafkaJSProtocolError) {
    return new StepFailure('ConfigError', `${what}: the broker answered ${cause.type}: ${text}`);
  }
  if (
    cause instanceof KafkaJSConnectionError ||
    cause instanceof KafkaJSRequestTimeoutError ||
    isNetworkError(cause) ||
    ctx.scope.peerClosed
  ) {
    return new StepFailure('Unreachable', `${what}: the connection to ${where} failed: ${text}`);
  }
  return new StepFailure('ConfigError', `${what}: ${text} (is ${where} a Kafka broker?)`);
}

/** kafkajs types SASL options per mechanism; a union-typed mechanism has to be split here. */
function saslOptions(sasl: KafkaSasl): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export const kafkaProbe: Probe = async (ctx) => {
  const { target, candidate, scope, runner, stepTimeoutMs } = ctx;
  // Above the step timeout, so a hung broker is reported by our timer, in our words.
  const driverTimeout = stepTimeoutMs + 1000;
  const kafka = new Kafka({
    clientId: 'dshub-connectivity',
    brokers: [`${CHECKED_BROKER}:${candidate.port}`],
    ssl: target.tls ? { rejectUnauthorized: target.tls.verify } : false,
    ...(target.kafkaSasl ? { sasl: saslOptions(target.kafkaSasl) } : {}),
    connectionTimeout: driverTimeout,
    authenticationTimeout: driverTimeout,
    requestTimeout: driverTimeout,
    enforceRequestTimeout: true,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, onConnect }) => {
      if (host !== CHECKED_BROKER) {
        const refused = scope.newSocket();
        process.nextTick(() =>
          refused.destroy(
            new Error(`broker ${host} was not checked against the network policy; not connecting`),
          ),
        );
        return refused;
      }
      const socket = scope.dial(candidate, target.tls);
      socket.once(target.tls ? 'secureConnect' : 'connect', onConnect);
      return socket;
    },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  // kafkajs keeps timers and sockets until told to disconnect, passed or not.
  scope.defer(() => within(admin.disconnect(), 500));

  await runner.run('authenticate', 'ConfigError', async () => {
    try {
      await admin.connect();
    } catch (err) {
      throw failure(ctx, err, 'connecting to the Kafka broker failed');
    }
    return {
      value: undefined,
      message: target.kafkaSasl
        ? `SASL ${target.kafkaSasl.mechanism} login as '${target.kafkaSasl.username}' accepted by ${candidateLabel(candidate)}`
        : `connected to ${candidateLabel(candidate)} (no SASL configured)`,
    };
  });

  await runner.run('run_test_query', 'ConfigError', async () => {
    let cluster: Awaited<ReturnType<typeof admin.describeCluster>>;
    try {
      cluster = await admin.describeCluster();
    } catch (err) {
      throw failure(ctx, err, 'reading the cluster metadata failed');
    }
    const advertised = cluster.brokers
      .map((b) => (net.isIP(b.host) === 6 ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`))
      .join(', ');
    return {
      value: undefined,
      message: `metadata read: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s) (${advertised}), controller ${cluster.controller ?? 'unknown'}`,
    };
  });
};
