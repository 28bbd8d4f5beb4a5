/**
 * The ListDataSources index (src/datasources/list-index.ts, list-page.ts, name-grams.ts) against
 * a model: random inserts, environment moves and deletes, with buckets made tiny so that splits
 * and merges happen constantly; after every batch, every page of every order and filter must be
 * exactly the model's, and the bucket counts must be exactly what the groups imply.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kysely } from 'kysely';
import {
  addRecord,
  bucketLimits,
  ENV_BIT,
  type EnvType,
  lockWorkspace,
  moveRecord,
  removeRecord,
} from '../../src/datasources/list-index.js';
import { locate, type PageQuery, pageGroups } from '../../src/datasources/list-page.js';
import type { Database } from '../../src/store/schema.js';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import { newWorkspace, STANDARD_MODE } from '../helpers/workspaces.js';

interface Group {
  name: string;
  type: string;
  mask: number;
  firstId: number;
}

/** A small deterministic generator, so that a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

const ALPHABET = 'abcXYZ_019';
const TYPES = ['mysql', 'postgresql', 'hive'] as const;

function expectedPage(model: Map<string, Group>, q: PageQuery) {
  const needle = q.nameContains?.toLowerCase();
  const all = [...model.values()].filter(
    (g) =>
      (!q.types || q.types.includes(g.type)) &&
      (!q.envType || (g.mask & ENV_BIT[q.envType]) !== 0) &&
      (!needle || g.name.toLowerCase().includes(needle)),
  );
  const sign = q.order === 'Asc' ? 1 : -1;
  all.sort((a, b) =>
    q.sortBy === 'Name'
      ? sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      : sign * (a.firstId - b.firstId),
  );
  const from = (q.pageNumber - 1) * q.pageSize;
  return { total: all.length, names: all.slice(from, from + q.pageSize).map((g) => g.name) };
}

async function checkBuckets(c: TestContext, workspaceId: number, model: Map<string, Group>) {
  const k = c.services.db.kysely;
  const groups = await k
    .selectFrom('data_source_groups')
    .selectAll()
    .where('project_id', '=', workspaceId)
    .execute();
  assert.deepEqual(
    groups.map((g) => `${g.name}/${g.type}/${g.env_mask}/${g.first_id}`).sort(),
    [...model.values()].map((g) => `${g.name}/${g.type}/${g.mask}/${g.firstId}`).sort(),
    'groups',
  );
  for (const kind of ['id', 'name'] as const) {
    const rows = await k
      .selectFrom('data_source_list_buckets')
      .selectAll()
      .where('project_id', '=', workspaceId)
      .where('kind', '=', kind)
      .execute();
    const bounds = [...new Set(rows.map((r) => r.lo))].sort();
    const expected = new Map<string, number>();
    for (const g of model.values()) {
      const key = kind === 'id' ? String(g.firstId).padStart(16, '0') : g.name;
      const lo = bounds.filter((b) => b <= key).pop();
      assert.ok(lo !== undefined, `${kind}: no bucket holds ${key}`);
      const k2 = `${lo}|${g.type}|${g.mask}`;
      expected.set(k2, (expected.get(k2) ?? 0) + 1);
    }
    const actual = new Map(rows.map((r) => [`${r.lo}|${r.type}|${r.env_mask}`, Number(r.n)]));
    assert.deepEqual(
      [...actual].sort(),
      [...expected].sort(),
      `${kind} bucket counts disagree with the groups`,
    );
    for (const lo of bounds) {
      const total = rows.filter((r) => r.lo === lo).reduce((s, r) => s + Number(r.n), 0);
      assert.ok(total <= bucketLimits.splitAt, `${kind} bucket ${lo} holds ${total}`);
    }
  }
}

async function checkPages(
  c: TestContext,
  workspaceId: number,
  model: Map<string, Group>,
  r: ReturnType<typeof rng>,
) {
  const names = [...model.keys()];
  const long = names.length ? r.pick(names) : 'abc';
  const filters: Partial<PageQuery>[] = [
    {},
    { types: ['mysql'] },
    { types: ['mysql', 'hive'] },
    { envType: 'Dev' },
    { envType: 'Prod', types: ['postgresql'] },
    { nameContains: r.pick(ALPHABET.split('')) },
    { nameContains: long.slice(1, 4).toUpperCase() },
    { nameContains: 'zz%' },
  ];
  for (const sortBy of ['CreateTime', 'Id', 'Name'] as const) {
    for (const order of ['Asc', 'Desc'] as const) {
      for (const filter of filters) {
        const pageSize = r.pick([1, 3, 7]);
        const base = { workspaceId, sortBy, order, pageSize, pageNumber: 1, ...filter };
        const pages = Math.ceil(expectedPage(model, base).total / pageSize) + 1;
        for (let pageNumber = 1; pageNumber <= Math.min(pages, 25); pageNumber++) {
          const q = { ...base, pageNumber };
          const got = await pageGroups(c.services.db.kysely, q);
          assert.deepEqual(
            { total: got.total, names: got.groups.map((g) => g.name) },
            expectedPage(model, q),
            JSON.stringify(q),
          );
        }
      }
    }
  }
}

forEachDialect('the ListDataSources index', (t) => {
  it('finds the buckets a page touches', () => {
    const b = [
      { lo: 'a', n: 3 },
      { lo: 'd', n: 0 },
      { lo: 'f', n: 4 },
      { lo: 'm', n: 2 },
    ];
    assert.deepEqual(locate(b, 0, 2, true), { total: 9, first: 'a', after: 'd', skip: 0 });
    assert.deepEqual(locate(b, 3, 2, true), { total: 9, first: 'f', after: 'm', skip: 0 });
    assert.deepEqual(locate(b, 6, 3, true), { total: 9, first: 'f', after: undefined, skip: 3 });
    assert.equal(locate(b, 9, 3, true), undefined);
    const desc = [...b].reverse();
    assert.deepEqual(locate(desc, 0, 2, false), {
      total: 9,
      first: undefined,
      after: 'm',
      skip: 0,
    });
    assert.deepEqual(locate(desc, 1, 4, false), {
      total: 9,
      first: undefined,
      after: 'f',
      skip: 1,
    });
    assert.deepEqual(locate(desc, 8, 4, false), { total: 9, first: 'd', after: 'a', skip: 2 });
  });

  it('pages exactly like the model through inserts, moves, deletes, splits and merges', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const limits = { ...bucketLimits };
    bucketLimits.splitAt = 6;
    bucketLimits.mergeBelow = 2;
    const r = rng(c.dialect === 'sqlite' ? 7 : 11);
    const model = new Map<string, Group>();
    const k = c.services.db.kysely;
    let nextId = 1;
    const change = (fn: (trx: Kysely<Database>) => Promise<void>) =>
      k.transaction().execute(async (trx) => {
        await lockWorkspace(trx, ws);
        await fn(trx);
      });
    const bucketCount = async () =>
      (
        await k
          .selectFrom('data_source_list_buckets')
          .select(['kind', 'lo'])
          .distinct()
          .where('project_id', '=', ws)
          .execute()
      ).length;
    let peak = 0;
    try {
      const steps = c.dialect === 'sqlite' ? 480 : 360;
      for (let step = 1; step <= steps; step++) {
        // Grow, then shrink: splits dominate the first half, merges the second.
        const growing = step <= steps / 2;
        const roll = r.next();
        const existing = [...model.values()];
        if (roll < (growing ? 0.7 : 0.25) || existing.length < 5) {
          const g = existing.length && r.next() < 0.3 ? r.pick(existing) : undefined;
          const env: EnvType = g ? (g.mask & 1 ? 'Prod' : 'Dev') : r.pick(['Dev', 'Prod'] as const);
          if (g && g.mask === 3) continue;
          const name =
            g?.name ??
            Array.from({ length: 1 + r.int(6) }, () => r.pick(ALPHABET.split(''))).join('');
          if (!g && (model.has(name) || !/^[A-Za-z]/.test(name))) continue;
          const type = g?.type ?? r.pick(TYPES);
          const id = nextId++;
          await change(async (trx) => {
            await addRecord(trx, { workspaceId: ws, name, type, env, id });
          });
          if (g) g.mask |= ENV_BIT[env];
          else model.set(name, { name, type, mask: ENV_BIT[env], firstId: id });
        } else if (roll < (growing ? 0.8 : 0.35)) {
          const g = r.pick(existing);
          if (g.mask === 3) continue;
          const from: EnvType = g.mask === 1 ? 'Dev' : 'Prod';
          const to: EnvType = from === 'Dev' ? 'Prod' : 'Dev';
          await change((trx) => moveRecord(trx, { workspaceId: ws, name: g.name, from, to }));
          g.mask = ENV_BIT[to];
        } else {
          const g = r.pick(existing);
          const env: EnvType =
            g.mask === 3 ? r.pick(['Dev', 'Prod'] as const) : g.mask === 1 ? 'Dev' : 'Prod';
          await change((trx) => removeRecord(trx, { workspaceId: ws, name: g.name, env }));
          g.mask &= ~ENV_BIT[env];
          if (g.mask === 0) model.delete(g.name);
        }
        if (step % 60 === 0) {
          await checkBuckets(c, ws, model);
          await checkPages(c, ws, model, r);
          peak = Math.max(peak, await bucketCount());
        }
      }
      assert.ok(peak > 12, `buckets should have split (at most ${peak})`);
      assert.ok((await bucketCount()) < peak, 'buckets should have merged as groups went');
    } finally {
      Object.assign(bucketLimits, limits);
    }
  });
});
