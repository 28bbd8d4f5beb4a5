/**
 * Regression (issue: nonces were unbounded): a 900 KB SignatureNonce was held for the whole
 * timestamp window, and on PostgreSQL a nonce over about 2.7 KB answered 500 (btree row size).
 * Nonces are now 1–64 printable ASCII characters, refused before any store sees them, and the
 * in-memory store holds a bounded number per AccessKey.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DatabaseNonceStore, MemoryNonceStore } from '../../../src/auth/nonce-store.js';
import { loadConfig } from '../../../src/config.js';
import { isApiError } from '../../../src/errors.js';
import { type Db, openDatabase } from '../../../src/store/dialect.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { createTestDatabase, skipDialect, type TestDatabase } from '../../helpers/database.js';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { signRequest } from '../../helpers/signer.js';

async function callWithNonce(
  c: TestContext,
  nonce: string,
  scheme: 'acs3' | 'rpc',
  accessKeyId = c.root.accessKeyId,
) {
  const signed = signRequest({
    accessKeyId,
    accessKeySecret: c.root.accessKeySecret,
    action: 'GetCallerIdentity',
    scheme,
    nonce,
    method: 'POST',
    // RPC parameters may travel in the body: the way to send a nonce bigger than a header.
    ...(scheme === 'rpc' ? { form: { Padding: 'x' } } : {}),
  });
  const res = await c.app.inject({
    method: signed.method,
    url: signed.url,
    headers: signed.headers,
    ...(signed.payload !== undefined ? { payload: signed.payload } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

forEachDialect('signature nonces are bounded', (t) => {
  for (const scheme of ['acs3', 'rpc'] as const) {
    it(`${scheme}: a 64-character nonce is accepted`, async () => {
      const r = await callWithNonce(t(), (scheme === 'rpc' ? 'r' : 'a').repeat(64), scheme);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });

    it(`${scheme}: a 3,000-character nonce is refused with a clear 400 (was 500 on PostgreSQL)`, async () => {
      const r = await callWithNonce(t(), 'n'.repeat(3000), scheme);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.Code, 'IncompleteSignature');
      assert.match(String(r.body.Message), /1 to 64 printable ASCII/);
      assert.equal(typeof r.body.RequestId, 'string');
    });

    it(`${scheme}: a nonce with a control character is refused`, async () => {
      const r = await callWithNonce(t(), `abc\u0000def`, scheme);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.Code, 'IncompleteSignature');
    });
  }

  it('rpc: a 900 KB nonce in the body is refused and not stored', async () => {
    const c = t();
    const r = await callWithNonce(c, 'n'.repeat(900_000), 'rpc');
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'IncompleteSignature');
    if (c.dialect === 'postgres') {
      const row = await c.services.db.kysely
        .selectFrom('nonces')
        .select((eb) => eb.fn.max(eb.fn('length', ['nonce'])).as('longest'))
        .executeTakeFirst();
      assert.ok(Number(row?.longest ?? 0) <= 64);
    }
  });

  it('an AccessKeyId holding NUL answers InvalidAccessKeyId.NotFound, not 500', async () => {
    const c = t();
    const r = await callWithNonce(c, 'b'.repeat(32), 'rpc', 'LTAI\u0000x');
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidAccessKeyId.NotFound');
  });
});

it('MemoryNonceStore: one AccessKey holds at most maxPerKey nonces; others are unaffected', () => {
  const store = new MemoryNonceStore(60_000, 3);
  const until = Date.now() + 60_000;
  for (const n of ['a', 'b', 'c']) assert.equal(store.claim('K1', n, until), true);
  assert.equal(store.claim('K1', 'a', until), false, 'a replay is still a replay');
  assert.throws(
    () => store.claim('K1', 'd', until),
    (e: unknown) => isApiError(e) && e.code === 'Throttling.User',
  );
  assert.equal(store.claim('K2', 'a', until), true);
  store.sweep(until + 120_000);
  assert.equal(store.size, 0);
  assert.equal(store.claim('K1', 'd', Date.now() + 60_000), true, 'room again once expired');
});

it('MemoryNonceStore: a replay is refused whichever of its sets a nonce is kept in, across generations', () => {
  const store = new MemoryNonceStore(60_000, 100_000);
  const now = Date.now();
  // Hex, UUIDs, short and one-character nonces, in two generations a slice apart.
  const nonces = [
    ...Array.from({ length: 2000 }, (_, i) => i.toString(16).padStart(32, '0')),
    ...Array.from({ length: 200 }, () => randomUUID()),
    'a',
    'ab',
    'é',
  ];
  for (const [i, n] of nonces.entries()) {
    assert.equal(store.claim('K', n, now + (i % 2) * 60_000), true);
  }
  for (const n of nonces) assert.equal(store.claim('K', n, now + 120_000), false, n);
  assert.equal(store.size, nonces.length);
  assert.equal(store.claim('K2', nonces[0]!, now), true, 'another key is another namespace');
});

forEachDialect(
  'one AccessKey holds at most DSHUB_NONCE_MAX_PER_KEY nonces (memory on SQLite, rows on PostgreSQL)',
  (t) => {
    it('the next request of that key is throttled; other keys are unaffected', async () => {
      const c = t();
      for (let i = 0; i < 3; i++) {
        const r = await callWithNonce(c, `quota-${i}-${c.dialect}`, 'acs3');
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const r = await callWithNonce(c, `quota-3-${c.dialect}`, 'acs3');
      assert.equal(r.status, 429, JSON.stringify(r.body));
      assert.equal(r.body.Code, 'Throttling.User');
      assert.match(String(r.body.Message), /at most 3/);
      if (c.dialect === 'postgres') {
        const row = await c.services.db.kysely
          .selectFrom('nonces')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('access_key_id', '=', c.root.accessKeyId)
          .executeTakeFirst();
        assert.equal(Number(row?.n), 3, 'no row beyond the bound');
      }
      const other = await c.newUser();
      const signed = signRequest({
        accessKeyId: other.accessKeyId,
        accessKeySecret: other.accessKeySecret,
        action: 'GetCallerIdentity',
        method: 'POST',
      });
      const res = await c.app.inject({
        method: signed.method,
        url: signed.url,
        headers: signed.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
    });
  },
  { DSHUB_NONCE_MAX_PER_KEY: '3' },
);

/**
 * PostgreSQL's claims of one event-loop turn travel together on one pipelined connection
 * (src/store/pg-pipeline.ts). Concurrency must not let a nonce through twice, nor a key past
 * its bound, within one process or across two sharing the database.
 */
describe('postgres: nonce claims in flight together', async () => {
  const skip = await skipDialect('postgres');
  if (skip) {
    it(`skipped: ${skip}`, { skip }, () => {});
    return;
  }
  let database: TestDatabase;
  let dbA: Db;
  let dbB: Db;
  const open = () =>
    openDatabase(
      loadConfig({ DSHUB_DATABASE_URL: database.url!, DSHUB_DATA_DIR: database.dataDir }).database,
    );
  before(async () => {
    database = await createTestDatabase('postgres');
    dbA = open();
    dbB = open();
    await migrateToLatest(dbA);
  });
  after(async () => {
    await dbA?.close();
    await dbB?.close();
    await database?.drop();
  });
  const until = () => Date.now() + 60_000;

  it('the same nonce claimed 20 times in one turn is accepted exactly once', async () => {
    const store = new DatabaseNonceStore(dbA);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.claim('LTAIsame', 'n-one-turn', until())),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('two processes sharing the database, claiming the same nonces at once: each accepted once', async () => {
    const a = new DatabaseNonceStore(dbA);
    const b = new DatabaseNonceStore(dbB);
    const nonces = Array.from({ length: 50 }, (_, i) => `shared-${i}`);
    const results = await Promise.all(
      nonces.flatMap((n) => [a.claim('LTAIpair', n, until()), b.claim('LTAIpair', n, until())]),
    );
    for (let i = 0; i < nonces.length; i++) {
      assert.equal(
        Number(results[2 * i]) + Number(results[2 * i + 1]),
        1,
        `${nonces[i]} accepted exactly once`,
      );
    }
    assert.equal(await a.claim('LTAIpair', 'shared-0', until()), false, 'and refused after');
  });

  it('the per-key bound holds for claims in flight together; a refused duplicate does not count', async () => {
    const store = new DatabaseNonceStore(dbA, 3);
    assert.equal(await store.claim('LTAIbound', 'first', until()), true);
    assert.equal(await store.claim('LTAIbound', 'first', until()), false, 'a replay');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.claim('LTAIbound', `burst-${i}`, until())),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled' && r.value).length;
    const throttled = results.filter(
      (r) => r.status === 'rejected' && isApiError(r.reason) && r.reason.code === 'Throttling.User',
    ).length;
    assert.equal(accepted, 2, 'the bound is 3 and one is held');
    assert.equal(throttled, 8);
    const row = await dbA.kysely
      .selectFrom('nonces')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('access_key_id', '=', 'LTAIbound')
      .executeTakeFirst();
    assert.equal(Number(row?.n), 3, 'no row beyond the bound');
  });

  it('nonces with the characters of an array literal are stored as sent, and refused once used', async () => {
    const store = new DatabaseNonceStore(dbA);
    const odd = ['a"b', 'c\\d', '{e,f}', 'NULL', ' g ', "h'i"];
    const first = await Promise.all(odd.map((n) => store.claim('LTAIodd', n, until())));
    assert.deepEqual(first, [true, true, true, true, true, true]);
    const again = await Promise.all(odd.map((n) => store.claim('LTAIodd', n, until())));
    assert.deepEqual(again, [false, false, false, false, false, false]);
    const rows = await dbA.kysely
      .selectFrom('nonces')
      .select('nonce')
      .where('access_key_id', '=', 'LTAIodd')
      .execute();
    assert.deepEqual(rows.map((r) => r.nonce).sort(), [...odd].sort());
  });

  it('a failed batch fails each of its claims with the same error', async () => {
    const closed = open();
    const store = new DatabaseNonceStore(closed);
    await closed.close();
    const results = await Promise.allSettled(
      ['p', 'q', 'q'].map((n) => store.claim('LTAIbatchfail', n, until())),
    );
    assert.ok(results.every((r) => r.status === 'rejected'));
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason);
    assert.match(String(reasons[0]), /closed/);
    assert.ok(reasons.every((e) => e === reasons[0]));
  });

  it('a claim that fails reports the store error and gives its place in the bound back', async () => {
    const closed = open();
    const store = new DatabaseNonceStore(closed, 1);
    await closed.close();
    await assert.rejects(store.claim('LTAIfail', 'x', until()), /closed/);
    await assert.rejects(store.claim('LTAIfail', 'y', until()), /closed/, 'not Throttling.User');
  });
});
