/**
 * PostgreSQL's prepared statements run pipelined (src/store/pg-pipeline.ts): the statements of
 * one event-loop turn leave in one write on one connection. Each must still get its own answer,
 * fail alone, and a lost connection must be replaced, not wedge the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../../src/config.js';
import { type Db, openDatabase } from '../../../src/store/dialect.js';
import { pipelinedLanes } from '../../../src/store/pg-pipeline.js';
import { createTestDatabase, skipDialect, type TestDatabase } from '../../helpers/database.js';

describe('postgres: pipelined prepared statements', async () => {
  const skip = await skipDialect('postgres');
  if (skip) {
    it(`skipped: ${skip}`, { skip }, () => {});
    return;
  }
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = await createTestDatabase('postgres');
    db = openDatabase(
      loadConfig({ DSHUB_DATABASE_URL: database.url!, DSHUB_DATA_DIR: database.dataDir }).database,
    );
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  const echo = (n: unknown, asyncCommit = false) =>
    db.runPrepared<{ n: number }>('test_echo', 'select $1::int8 as n', [n], { asyncCommit });

  it('statements sent in one turn each get their own answer, on both kinds of connection', async () => {
    const ns = Array.from({ length: 200 }, (_, i) => i);
    const answers = await Promise.all(ns.map((n) => echo(n, n % 2 === 0)));
    assert.deepEqual(
      answers.map((r) => r.rows[0]?.n),
      ns,
    );
  });

  it("rows are what pg's own path (the pool) answers, on every run of a statement (row shapes are remembered)", async () => {
    const text =
      "select $1::int8 as n, null::text as t, 'x' || $1::text as s, $1::int8 % 2 = 0 as even, " +
      "'{1,2}'::int4[] as list, now() - now() as span, 1 as dup, 2 as dup";
    for (let round = 0; round < 3; round++) {
      const ns = Array.from({ length: 40 }, (_, i) => round * 40 + i);
      const piped = await Promise.all(
        ns.map((n) => db.runPrepared<object>('test_shape', text, [n])),
      );
      for (const [i, n] of ns.entries()) {
        const expected = (
          await db.kysely.executeQuery(CompiledQuery.raw(text, [n]) as CompiledQuery<object>)
        ).rows;
        assert.deepEqual(piped[i]!.rows, expected);
        assert.deepEqual(Object.keys(piped[i]!.rows[0]!), Object.keys(expected[0]!));
      }
      // Each row is its own object: changing one changes no other.
      (piped[0]!.rows[0] as Record<string, unknown>).t = 'changed';
      assert.equal((piped[1]!.rows[0] as Record<string, unknown>).t, null);
    }
  });

  it('a statement sent from setImmediate leaves in that turn on lanes that do not cork turns (the nonce claims)', async () => {
    // Where a statement issued from an immediate callback stands when the next immediate runs:
    // an immediate queued from an immediate runs in the next iteration of the loop, so a turn's
    // cork would still hold the statement back then.
    const corkedLater = async (corkTurns: boolean) => {
      let client: pg.Client | undefined;
      const lanes = pipelinedLanes(
        1,
        () => {
          client = new pg.Client({ connectionString: database.url, pipeline: true });
          return client;
        },
        pg.Query,
        { corkTurns },
      );
      try {
        await lanes.query('warm', 'select 1 as n', []);
        return await new Promise<number>((resolve, reject) => {
          setImmediate(() => {
            lanes.query('from_immediate', 'select 2 as n', []).catch(reject);
            setImmediate(() => resolve(client!.connection.stream.writableCorked));
          });
        });
      } finally {
        await lanes.end();
      }
    };
    assert.equal(await corkedLater(false), 0, 'sent at once');
    assert.equal(await corkedLater(true), 1, 'held until the next turn ends');
  });

  it('a failing statement fails alone, with the error PostgreSQL gave it', async () => {
    const results = await Promise.allSettled([echo(1), echo('not a number'), echo(3)]);
    assert.equal(results[0].status === 'fulfilled' && results[0].value.rows[0]?.n, 1);
    assert.equal(results[2].status === 'fulfilled' && results[2].value.rows[0]?.n, 3);
    assert.equal(results[1].status, 'rejected');
    assert.equal((results[1] as PromiseRejectedResult).reason.code, '22P02');
    assert.equal((await echo(4)).rows[0]?.n, 4, 'the connection still serves');
  });

  it('a lost connection is replaced: the statements after it succeed', async () => {
    await Promise.all([echo(1), echo(2, true)]);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      assert.ok(killed.rowCount! >= 2, 'the pipelined connections were open');
    } finally {
      await admin.end();
    }
    // Statements in flight when the connection died fail; give the clients a moment to notice.
    for (let attempt = 0; ; attempt++) {
      const r = await Promise.allSettled([echo(5), echo(6, true)]);
      if (r.every((x) => x.status === 'fulfilled')) {
        assert.deepEqual(
          r.map((x) => (x as PromiseFulfilledResult<{ rows: { n: number }[] }>).value.rows[0]?.n),
          [5, 6],
        );
        break;
      }
      assert.ok(attempt < 20, 'the store never recovered from the lost connection');
      await new Promise((res) => setTimeout(res, 50));
    }
  });

  /** Lanes that listen on `channel`, counting the notices (and listening starts) they see. */
  const listeningLanes = (channel: string) => {
    const seen = { notices: 0, barriers: [] as string[] };
    const lanes = pipelinedLanes(
      1,
      () => new pg.Client({ connectionString: database.url, pipeline: true }),
      pg.Query,
      {
        corkTurns: false,
        listen: {
          channel,
          onNotice: () => seen.notices++,
          onBarrierStatement: (text) => seen.barriers.push(text),
        },
      },
    );
    return { lanes, seen };
  };

  it("a barrier rides on the next statement sent, and a commit's notice comes before it passes", async () => {
    const { lanes, seen } = listeningLanes('test_changes');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await lanes.query('warm', 'select 1 as n', []);
      for (let i = 0; i < 20; i++) {
        const before = seen.notices;
        await admin.query("select pg_notify('test_changes', '')");
        const barrier = lanes.barrier();
        await lanes.query('carrier', 'select 1 as n', []);
        await barrier;
        assert.equal(seen.notices, before + 1, `round ${i}: the notice came before the barrier`);
      }
      assert.deepEqual(seen.barriers, [], 'no statement sent for a barrier alone');
      // With nothing else sent in the turn, the barrier sends its own statement.
      const before = seen.notices;
      await admin.query("select pg_notify('test_changes', '')");
      await lanes.barrier();
      assert.equal(seen.notices, before + 1);
      assert.deepEqual(seen.barriers, ['select 1']);
    } finally {
      await admin.end();
      await lanes.end();
    }
  });

  it('passedSince: only once a statement handed over at or after that moment has been answered, with the notices before it handled', async () => {
    const { lanes, seen } = listeningLanes('test_passed');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await lanes.query('warm', 'select 1 as n', []);
      for (let i = 0; i < 20; i++) {
        const since = process.hrtime.bigint();
        assert.equal(lanes.passedSince(since), false, `round ${i}: nothing sent since`);
        const before = seen.notices;
        await admin.query("select pg_notify('test_passed', '')");
        const answered = lanes.query('after', 'select 1 as n', []);
        assert.equal(lanes.passedSince(since), false, `round ${i}: sent, not yet answered`);
        await answered;
        assert.equal(lanes.passedSince(since), true, `round ${i}: answered`);
        assert.equal(seen.notices, before + 1, `round ${i}: the notice came first`);
      }
    } finally {
      await admin.end();
      await lanes.end();
    }
  });

  it('a barrier fails on a connection whose notices do not arrive', async () => {
    // PostgreSQL cuts a LISTEN channel's name at 63 bytes, and pg_notify refuses a longer one: so
    // this connection's check that its own notice comes back fails.
    const { lanes } = listeningLanes('c'.repeat(70));
    try {
      assert.equal((await lanes.query('still_serves', 'select 1 as n', [])).rows[0]?.n, 1);
      await assert.rejects(lanes.barrier(), /does not receive change notices/);
    } finally {
      await lanes.end();
    }
  });

  it('after close, a statement is refused instead of reopening a connection', async () => {
    const other = openDatabase(
      loadConfig({ DSHUB_DATABASE_URL: database.url!, DSHUB_DATA_DIR: database.dataDir }).database,
    );
    assert.equal(
      (await other.runPrepared<{ n: number }>('t', 'select 1::int8 as n', [])).rows[0]?.n,
      1,
    );
    await other.close();
    await assert.rejects(other.runPrepared('t', 'select 1', []), /closed/);
  });
});
