/**
 * MySQL wire protocol (MySQL, MariaDB, PolarDB, StarRocks, Doris…) through mysql2. TLS is
 * negotiated inside the protocol (after the server's greeting), so the driver does it; the
 * tls_handshake step is timed from inside the driver's login.
 */
import mysql from 'mysql2';
import { tlsFailure } from '../network.js';
import { candidateLabel, within } from '../scope.js';
import { describeError, errorCode, isNetworkError, StepFailure } from '../steps.js';
import { GRACEFUL_CLOSE_MS, type Probe, type ProbeContext } from './probe.js';

/** Server answers that mean the service is there but cannot take us now. */
const TRANSIENT = new Set([
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_TOO_MANY_USER_CONNECTIONS',
]);

function isServerError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { sqlState?: unknown }).sqlState === 'string'
  );
}

function loginFailure(ctx: ProbeContext, err: unknown): StepFailure {
  const { target, candidate } = ctx;
  const code = errorCode(err);
  const text = describeError(err);
  if (isServerError(err)) {
    if (code !== undefined && TRANSIENT.has(code)) {
      return new StepFailure(
        'Unreachable',
        `the MySQL server cannot accept the connection now: ${text}`,
      );
    }
    switch (code) {
      case 'ER_ACCESS_DENIED_ERROR':
      case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
        return new StepFailure(
          'ConfigError',
          `MySQL rejected the login of user '${target.username}': ${text}; check the username and password`,
        );
      case 'ER_DBACCESS_DENIED_ERROR':
        return new StepFailure(
          'ConfigError',
          `user '${target.username}' may not use database '${target.database}': ${text}`,
        );
      case 'ER_BAD_DB_ERROR':
        return new StepFailure(
          'ConfigError',
          `database '${target.database}' does not exist: ${text}`,
        );
      default:
        return new StepFailure('ConfigError', `MySQL refused the login: ${text}`);
    }
  }
  if (isNetworkError(err) || ctx.scope.peerClosed) {
    return new StepFailure(
      'Unreachable',
      `the connection to ${candidateLabel(candidate)} was lost during the MySQL login: ${text}`,
    );
  }
  return new StepFailure(
    'ConfigError',
    `MySQL login failed: ${text} (is ${candidateLabel(candidate)} a MySQL server?)`,
  );
}

function tlsStepFailure(ctx: ProbeContext, err: unknown): StepFailure {
  const code = errorCode(err);
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new StepFailure(
      'ConfigError',
      `the MySQL server at ${candidateLabel(ctx.candidate)} does not support TLS (HANDSHAKE_NO_SSL_SUPPORT); turn TLS off for this data source or enable it on the server`,
    );
  }
  if (code === 'HANDSHAKE_SSL_ERROR') return tlsFailure(ctx.candidate, err);
  return loginFailure(ctx, err);
}

/**
 * Resolves when mysql2 finishes its in-protocol TLS upgrade. mysql2 emits no event for it, so the
 * connection's startTLS is wrapped; were it ever renamed, TLS time is reported within the login
 * instead (undefined here), and failures are still told apart by the driver's HANDSHAKE_* codes.
 */
function watchTls(connection: object): Promise<void> | undefined {
  const conn = connection as { startTLS?: unknown };
  const original = conn.startTLS;
  if (typeof original !== 'function') return undefined;
  return new Promise<void>((resolve, reject) => {
    conn.startTLS = function (this: unknown, onSecure: (err?: Error) => void) {
      return original.call(this, (err?: Error) => {
        if (err) reject(err);
        else resolve();
        onSecure(err);
      });
    };
  });
}

export const mysqlProbe: Probe = async (ctx) => {
  const { target, candidate, scope, runner } = ctx;
  const conn = mysql.createConnection({
    // The stream is already dialled to the checked address; mysql2 uses host only as the TLS
    // server name, which must be the configured name, not the IP.
    stream: scope.dial(candidate),
    host: candidate.host,
    port: candidate.port,
    user: target.username,
    password: target.password ?? '',
    database: target.database,
    ssl: target.tls
      ? { rejectUnauthorized: target.tls.verify, verifyIdentity: target.tls.verify }
      : undefined,
    // The step timeouts bound the login; a driver timer would only outlive the test.
    connectTimeout: 0,
  });
  conn.on('error', () => {
    // Reported through the login and query callbacks; a late one must not crash the process.
  });
  scope.defer(async (graceful) => {
    if (graceful)
      await within(new Promise<void>((resolve) => conn.end(() => resolve())), GRACEFUL_CLOSE_MS);
    conn.destroy();
  });
  const tlsReady = target.tls ? watchTls(conn) : undefined;
  const loggedIn = new Promise<void>((resolve, reject) =>
    conn.connect((err) => (err ? reject(err) : resolve())),
  );
  loggedIn.catch(() => {});

  if (target.tls) {
    const verify = target.tls.verify;
    await runner.run('tls_handshake', 'ConfigError', async () => {
      try {
        await (tlsReady ? Promise.race([tlsReady, loggedIn]) : loggedIn);
      } catch (err) {
        throw tlsStepFailure(ctx, err);
      }
      const check = verify ? 'certificate verified' : 'certificate not verified';
      return {
        value: undefined,
        message: tlsReady
          ? `TLS established with ${candidateLabel(candidate)} by the MySQL protocol; ${check}`
          : `TLS negotiated by the MySQL driver during the login; ${check}`,
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
    let rows: unknown;
    try {
      [rows] = await conn.promise().query('SELECT 1 AS ok, VERSION() AS version');
    } catch (err) {
      throw isNetworkError(err) || ctx.scope.peerClosed
        ? new StepFailure('Unreachable', `SELECT 1 failed: ${describeError(err)}`)
        : new StepFailure('ConfigError', `SELECT 1 failed: ${describeError(err)}`);
    }
    const first = Array.isArray(rows)
      ? (rows[0] as { ok?: unknown; version?: unknown })
      : undefined;
    if (Number(first?.ok) !== 1) {
      throw new StepFailure('ConfigError', 'SELECT 1 did not return 1; is this a MySQL server?');
    }
    return { value: undefined, message: `SELECT 1 returned 1 (server ${String(first?.version)})` };
  });
};
