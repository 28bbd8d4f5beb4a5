/**
 * Start-up waits for a PostgreSQL that is not there yet (a container starting beside dshub, a
 * database restarting) instead of dying at once: it retries with growing pauses for a stated
 * time, saying each time what it waits for, then gives up with a message an operator can act on.
 */
import type { Logger } from '../observability/logger.js';
import { type Db, ping } from './dialect.js';

/** `host:port/database` of a PostgreSQL URL; never the user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return 'the configured server';
  }
}

function reasonOf(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  // pg reports "connect ECONNREFUSED" once per address tried in an AggregateError.
  const message = err.message || err.errors?.[0]?.message || String(e);
  return err.code && !message.includes(err.code) ? `${message} (${err.code})` : message;
}

/**
 * Resolves once the database answers; retries for `waitMs` (pauses 0.5 s, doubling, at most
 * 5 s), then throws an Error naming the server, the reason and DSHUB_DATABASE_URL.
 */
export async function waitForDatabase(
  db: Db,
  opts: { waitMs: number; where: string; logger: Logger },
): Promise<void> {
  const giveUpAt = Date.now() + opts.waitMs;
  let pause = 500;
  for (;;) {
    try {
      await ping(db);
      return;
    } catch (e) {
      const reason = reasonOf(e);
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        throw new Error(
          `the database at ${opts.where} did not answer within ${Math.round(opts.waitMs / 1000)} s (${reason}): check DSHUB_DATABASE_URL and that the server is running (DSHUB_DATABASE_WAIT_SECONDS sets how long to wait)`,
        );
      }
      const wait = Math.min(pause, left);
      opts.logger.warn(
        { database: opts.where, reason, retryInMs: wait },
        'waiting for the database',
      );
      await new Promise((r) => setTimeout(r, wait));
      pause = Math.min(pause * 2, 5000);
    }
  }
}
