/**
 * The settings SQLite's server connection opens with (src/store/dialect.ts): write-ahead log,
 * the configured sync level, foreign keys enforced, a busy timeout, and the page cache's
 * ceiling from DSHUB_SQLITE_CACHE_MB (8 MiB by default).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { type Db, openDatabase } from '../../src/store/dialect.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function open(env: Record<string, string>): Db {
  const dir = mkdtempSync(join(tmpdir(), 'dshub-settings-'));
  dirs.push(dir);
  const config = loadConfig({ DSHUB_DATA_DIR: dir, ...env });
  if (config.database.kind !== 'sqlite') throw new Error('expected the embedded store');
  return openDatabase(config.database);
}

async function pragma(db: Db, name: string): Promise<unknown> {
  const r = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db.kysely);
  return Object.values(r.rows[0]!)[0];
}

describe('SQLite connection settings', () => {
  it('opens with WAL, NORMAL sync, foreign keys, a busy timeout and an 8 MiB page cache', async () => {
    const db = open({});
    try {
      assert.equal(await pragma(db, 'journal_mode'), 'wal');
      assert.equal(await pragma(db, 'synchronous'), 1);
      assert.equal(await pragma(db, 'foreign_keys'), 1);
      assert.equal(await pragma(db, 'busy_timeout'), 5000);
      // Negative: KiB.
      assert.equal(await pragma(db, 'cache_size'), -8 * 1024);
    } finally {
      await db.close();
    }
  });

  it('takes the page cache and the sync level from the configuration', async () => {
    const db = open({ DSHUB_SQLITE_CACHE_MB: '32', DSHUB_SQLITE_SYNCHRONOUS: 'FULL' });
    try {
      assert.equal(await pragma(db, 'cache_size'), -32 * 1024);
      assert.equal(await pragma(db, 'synchronous'), 2);
    } finally {
      await db.close();
    }
  });
});
