/**
 * One server per SQLite data directory. Two processes serving one SQLite file would each keep
 * their own nonces (a replayed request refused by one is accepted by the other), so `serve`
 * takes an OS file lock on the data directory and a second one refuses to start.
 *
 * The lock is SQLite's own: an exclusive transaction, never committed, on `dshub.lock`. SQLite
 * locks with fcntl(2), which the kernel drops when the process ends however it ends, `kill -9`
 * included; no stale lock survives. `dshub admin` does not take it (it opens the store for one
 * command, and SQLite serialises its writes with the server's).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

export const LOCK_FILE = 'dshub.lock';
/** Who holds the lock, for the refusal message: the lock file itself cannot be read then. */
export const OWNER_FILE = 'dshub.lock.owner';

export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
}

export interface StoreLock {
  release(): void;
}

interface Owner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function describeOwner(dataDir: string): string {
  try {
    const o = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner;
    return `process ${o.pid} on ${o.host} (${o.command}, since ${o.since})`;
  } catch {
    return 'another process';
  }
}

/**
 * Takes the data directory's lock for this process, or throws StoreLockedError naming the
 * holder and the directory. `command` says what holds it (`dshub serve`).
 */
export function acquireStoreLock(dataDir: string, command: string): StoreLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new SQLite(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreLockedError(
        `the store in ${dataDir} is in use by ${describeOwner(dataDir)}: stop that process first, or give this one its own DSHUB_DATA_DIR (several servers can share a PostgreSQL store, DSHUB_DATABASE_URL)`,
      );
    }
    throw e;
  }
  const owner: Owner = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
  };
  writeFileSync(join(dataDir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dataDir, OWNER_FILE), { force: true });
      db.close();
    },
  };
}
