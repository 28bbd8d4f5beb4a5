/**
 * SQLite WAL checkpoints from a worker thread (src/store/checkpointer.ts): while the worker
 * runs, the server's connection only keeps a backstop automatic checkpoint; the worker's
 * checkpoints reach the end of the WAL so the next write starts it over; a worker that cannot
 * start leaves SQLite's inline checkpoints in place; closing removes the WAL as before.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  BACKSTOP_PAGES,
  type CheckpointResult,
  INLINE_CHECKPOINT_PAGES,
} from '../../src/store/checkpointer.js';
import { type Db, openDatabase } from '../../src/store/dialect.js';
import { createTestContext } from '../helpers/harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function open(): { db: Db; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dshub-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'dshub.db');
  return {
    db: openDatabase({ kind: 'sqlite', file, synchronous: 'NORMAL', checkpointMs: 0 }),
    file,
  };
}

async function autocheckpoint(db: Db): Promise<number> {
  const r = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
  return r.rows[0]!.wal_autocheckpoint;
}

async function write(db: Db, rows: number): Promise<void> {
  for (let i = 0; i < rows; i++) {
    await sql`insert into t (v) values (${'x'.repeat(2000)})`.execute(db.kysely);
  }
}

/** Resolves with the first checkpoint report that satisfies `test`. */
function reports() {
  const seen: CheckpointResult[] = [];
  const waiters: {
    test: (r: CheckpointResult) => boolean;
    resolve: (r: CheckpointResult) => void;
  }[] = [];
  return {
    seen,
    onCheckpoint(r: CheckpointResult) {
      seen.push(r);
      for (const w of [...waiters]) {
        if (w.test(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    },
    /** Fails (rather than hangs) when no such report comes within 10 s. */
    next(test: (r: CheckpointResult) => boolean) {
      return new Promise<CheckpointResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`no such checkpoint report in 10 s; last: ${JSON.stringify(seen.at(-1))}`),
          );
        }, 10_000);
        waiters.push({
          test,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
  };
}

describe('SQLite checkpoints in a worker thread', () => {
  it('moves checkpoints to the worker, which reaches the end of the WAL', async () => {
    const { db, file } = open();
    try {
      await sql`create table t (id integer primary key, v text)`.execute(db.kysely);
      assert.equal(await autocheckpoint(db), INLINE_CHECKPOINT_PAGES);
      const r = reports();
      const ckpt = db.startCheckpoints?.({ intervalMs: 20, onCheckpoint: r.onCheckpoint });
      assert.ok(ckpt);
      assert.equal(await ckpt.ready, true);
      assert.equal(await autocheckpoint(db), BACKSTOP_PAGES);
      assert.equal(db.startCheckpoints?.({ intervalMs: 20 }), ckpt, 'one worker per store');

      await write(db, 200);
      // Reports posted during the writes arrive after them and may describe a shorter WAL
      // (waiting for that length again is what made this test fail now and then): wait until
      // two complete checkpoints in a row saw the same WAL, which is then the final one.
      const complete = (c: CheckpointResult) => !c.busy && c.checkpointed === c.log;
      let previous = await r.next((c) => complete(c) && c.log >= 200);
      for (;;) {
        const latest = await r.next(complete);
        if (latest.log === previous.log) break;
        previous = latest;
      }
      // Whether the next write then starts the WAL over is SQLite's decision (it also needs
      // every reader to have left the WAL); asserting it made this test hang now and then.
    } finally {
      await db.close();
    }
    assert.equal(existsSync(`${file}-wal`), false, 'the last connection removed the WAL');
  });

  it('keeps inline checkpoints when the worker cannot start', async () => {
    const { db } = open();
    const problems: unknown[] = [];
    const ckpt = db.startCheckpoints?.({
      intervalMs: 20,
      driver: join(tmpdir(), 'no-such-driver.cjs'),
      onProblem: (e) => problems.push(e),
    });
    assert.ok(ckpt);
    assert.equal(await ckpt.ready, false);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(problems.length, 1, 'reported once');
    assert.equal(await autocheckpoint(db), INLINE_CHECKPOINT_PAGES);
    await db.close();
  });

  it('restores inline checkpoints when stopped', async () => {
    const { db } = open();
    const ckpt = db.startCheckpoints?.({ intervalMs: 20 });
    assert.equal(await ckpt?.ready, true);
    await ckpt?.stop();
    assert.equal(await autocheckpoint(db), INLINE_CHECKPOINT_PAGES);
    await db.close();
  });

  it("is started by the server's housekeeping when DSHUB_SQLITE_CHECKPOINT_MS is set", async () => {
    for (const [ms, pages] of [
      ['0', INLINE_CHECKPOINT_PAGES],
      ['50', BACKSTOP_PAGES],
    ] as const) {
      const t = await createTestContext('sqlite', { DSHUB_SQLITE_CHECKPOINT_MS: ms });
      try {
        t.services.startHousekeeping();
        if (ms === '0') await new Promise((r) => setTimeout(r, 200));
        // With a worker running, this returns it (one per store): wait until it is ready.
        else assert.equal(await t.services.db.startCheckpoints?.({ intervalMs: 50 })?.ready, true);
        assert.equal(
          await autocheckpoint(t.services.db),
          pages,
          `DSHUB_SQLITE_CHECKPOINT_MS=${ms}`,
        );
      } finally {
        await t.close();
      }
    }
  });

  it('has nothing to do for an in-memory store', async () => {
    const db = openDatabase({
      kind: 'sqlite',
      file: ':memory:',
      synchronous: 'NORMAL',
      checkpointMs: 1000,
    });
    assert.equal(db.startCheckpoints?.({ intervalMs: 20 }), undefined);
    await db.close();
  });
});
