/**
 * PostgreSQL wire protocol (PostgreSQL, Hologres, AnalyticDB for PostgreSQL, Redshift…) through
 * pg. TLS starts inside the protocol (SSLRequest), so the driver does it; its connection reports
 * the upgrade ('sslconnect'), which times the tls_handshake step.
 */
import tls from 'node:tls';
import pg from 'pg';
import { tlsFailure } from '../network.js';
import { candidateLabel, serverName, within } from '../scope.js';
import { describeError, isNetworkError, StepFailure } from '../steps.js';
import { GRACEFUL_CLOSE_MS, type Probe, type ProbeContext } from './probe.js';

/** SQLSTATEs that mean the server is there but cannot take us now. */
const TRANSIENT = new Set(['53300', '57P01', '57P02', '57P03']);

function loginFailure(ctx: ProbeContext, err: unknown): StepFailure {
  const { target, candidate } = ctx;
  const text = describeError(err);
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    if (TRANSIENT.has(code)) {
      return new StepFailure(
        'Unreachable',
        `the PostgreSQL server cannot accept the connection now: ${text}`,
      );
    }
    if (code === '3D000') {
      return new StepFailure(
        'ConfigError',
        `database '${target.database}' does not exist: ${text}`,
      );
    }
    if (code.startsWith('28')) {
      return new StepFailure(
        'ConfigError',
        `PostgreSQL rejected the login of user '${target.username}': ${text}; check the username and password (and the server's pg_hba.conf)`,
      );
    }
    return new StepFailure('ConfigError', `PostgreSQL refused the login: ${text}`);
  }
  if (isNetworkError(err) || ctx.scope.peerClosed) {
    return new StepFailure(
      'Unreachable',
      `the connection to ${candidateLabel(candidate)} was lost during the PostgreSQL login: ${text}`,
    );
  }
  return new StepFailure(
    'ConfigError',
    `PostgreSQL login failed: ${text}; check the username and password (is ${candidateLabel(candidate)} a PostgreSQL server?)`,
  );
}

function tlsStepFailure(ctx: ProbeContext, err: unknown): StepFailure {
  if (err instanceof pg.DatabaseError || isNetworkError(err) || ctx.scope.peerClosed) {
    return loginFailure(ctx, err);
  }
  return tlsFailure(ctx.candidate, err);
}

/** Resolves when the TLS session that pg starts after the server's 'S' is established. */
function watchTls(client: pg.Client): Promise<tls.TLSSocket> {
  return new Promise((resolve) => {
    client.connection.once('sslconnect', () => {
      const stream = client.connection.stream;
      if (stream instanceof tls.TLSSocket) stream.once('secureConnect', () => resolve(stream));
    });
  });
}

export const postgresProbe: Probe = async (ctx) => {
  const { target, candidate, scope, runner } = ctx;
  const servername = serverName(candidate);
  const client = new pg.Client({
    host: candidate.ip,
    port: candidate.port,
    user: target.username,
    // Always explicit: pg would otherwise fall back to PGPASSWORD or ~/.pgpass of this server.
    password: target.password ?? '',
    database: target.database,
    ssl: target.tls
      ? { rejectUnauthorized: target.tls.verify, ...(servername ? { servername } : {}) }
      : false,
    // pg dials the socket itself (to the checked IP above); the scope owns it all the same.
    stream: () => scope.newSocket(),
    application_name: 'dshub-connectivity',
    connectionTimeoutMillis: 0,
  });
  client.on('error', () => {
    // Reported through connect() and query(); a late one must not crash the process.
  });
  scope.defer(async (graceful) => {
    if (graceful) await within(client.end(), GRACEFUL_CLOSE_MS);
    client.connection.stream.destroy();
  });
  const tlsReady = target.tls ? watchTls(client) : undefined;
  const loggedIn = client.connect();
  loggedIn.catch(() => {});

  if (target.tls && tlsReady) {
    const verify = target.tls.verify;
    await runner.run('tls_handshake', 'ConfigError', async () => {
      let secure: tls.TLSSocket;
      try {
        secure = await Promise.race([
          tlsReady,
          loggedIn.then(() => {
            throw new Error('the login finished without TLS');
          }),
        ]);
      } catch (err) {
        throw tlsStepFailure(ctx, err);
      }
      const check = verify ? 'certificate verified' : 'certificate not verified';
      return {
        value: undefined,
        message: `${secure.getProtocol() ?? 'TLS'} established with ${candidateLabel(candidate)}; ${check}`,
      };
    });
  }

  await runner.run('authenticate', 'ConfigError', async () => {
    try {
      await loggedIn;
    } catch (err) {
      throw loginFailure(ctx, err);
    }
    return {
      value: undefined,
      message: `logged in as '${target.username}' to database '${target.database}'`,
    };
  });

  await runner.run('run_test_query', 'ConfigError', async () => {
    let row: { ok?: unknown; version?: unknown } | undefined;
    try {
      const result = await client.query<{ ok: number; version: string }>(
        "SELECT 1 AS ok, current_setting('server_version') AS version",
      );
      row = result.rows[0];
    } catch (err) {
      throw isNetworkError(err) || scope.peerClosed
        ? new StepFailure('Unreachable', `SELECT 1 failed: ${describeError(err)}`)
        : new StepFailure('ConfigError', `SELECT 1 failed: ${describeError(err)}`);
    }
    if (Number(row?.ok) !== 1) {
      throw new StepFailure(
        'ConfigError',
        'SELECT 1 did not return 1; is this a PostgreSQL server?',
      );
    }
    return { value: undefined, message: `SELECT 1 returned 1 (server ${String(row?.version)})` };
  });
};
