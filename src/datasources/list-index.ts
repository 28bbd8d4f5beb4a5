/**
 * The structures that make ListDataSources fast at any depth (list-page.ts reads them).
 * ListDataSources pages over name groups (the Dev and Prod records of one name), so each name
 * has one narrow row in `data_source_groups`, read through covering indexes. Plain LIMIT/OFFSET
 * would still walk every skipped entry (tens of milliseconds at 100,000 on PostgreSQL), and
 * COUNT(*) the whole workspace, so group keys are also kept in *counted buckets*: a bucket is a
 * key range [lo, next bucket's lo) with the number of groups in it per (type, environments). A
 * page reads the bucket counts (a few hundred rows at most), which give TotalCount and the
 * bucket where the page starts, then walks only the buckets the page touches.
 *
 * Two orders are indexed: 'id' (the id of the record that created the group: both the Id and
 * the CreateTime sort, since ids grow with time) and 'name'. Buckets split above
 * `bucketLimits.splitAt` groups and merge into their predecessor when small, so a workspace of
 * n groups has about n/1000 buckets per order. Every change runs inside the caller's
 * transaction, after `lockWorkspace`, so bucket counts and groups change together and never
 * concurrently within one workspace.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { param } from '../store/prepared.js';
import type { Database } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';
import { indexNames, unindexName } from './name-grams.js';

export type EnvType = 'Dev' | 'Prod';
export type SortBy = 'CreateTime' | 'Id' | 'Name';
export type Order = 'Asc' | 'Desc';

export const ENV_BIT: Readonly<Record<EnvType, number>> = { Dev: 1, Prod: 2 };

/** The masks of groups that hold a record of `env`. */
export function masksWith(env: EnvType): number[] {
  return [1, 2, 3].filter((m) => (m & ENV_BIT[env]) !== 0);
}

/** Bucket sizes. Mutable only so that tests can exercise splits and merges with few groups. */
export const bucketLimits = { splitAt: 2048, mergeBelow: 256 };

export type Kind = 'id' | 'name';
type Tx = Kysely<Database>;

export interface KindSpec {
  kind: Kind;
  column: 'first_id' | 'name';
  /** The lowest possible key: the bound of the bucket that holds keys below every other bound. */
  sentinel: string;
  keyOf(group: { first_id: number; name: string }): string;
  /** A bucket bound as the value to compare the column with. */
  decode(lo: string): string | number;
}

// Ids are padded so that text order is numeric order (ids stay below 2^53: 16 digits).
const pad = (id: number) => String(id).padStart(16, '0');

export const KINDS: Readonly<Record<Kind, KindSpec>> = {
  id: {
    kind: 'id',
    column: 'first_id',
    sentinel: pad(0),
    keyOf: (g) => pad(g.first_id),
    decode: Number,
  },
  name: { kind: 'name', column: 'name', sentinel: '', keyOf: (g) => g.name, decode: (lo) => lo },
};

export interface GroupRow {
  name: string;
  type: string;
  env_mask: number;
  first_id: number;
}

/** Thrown when a record joins a name whose other environment has another type. */
export class GroupTypeMismatch extends Error {
  override readonly name = 'GroupTypeMismatch';
  constructor(readonly existingType: string) {
    super(`the group already has type ${existingType}`);
  }
}

/**
 * Serialises changes to one workspace's data sources, until the transaction ends. Callers read
 * the workspace row first (see DataSourceService): taking that row's key-share lock before
 * this one keeps the lock order the same as a cascading workspace delete's.
 */
export async function lockWorkspace(trx: Tx, workspaceId: number): Promise<void> {
  await LOCK.run(trx, { workspaceId });
}

// The statements of every write (a record added: its group, its two orders' buckets), compiled
// once (store/prepared.ts); the rarer paths (splits, merges, removals) are built per call.
const LOCK = txStatement(
  'dshub_list_lock',
  (k) =>
    k
      .insertInto('data_source_list_state')
      .values({ project_id: param<number>('workspaceId'), version: 1 })
      .onConflict((oc) =>
        oc.column('project_id').doUpdateSet({ version: sql`data_source_list_state.version + 1` }),
      ),
  ['workspaceId'],
);

const BUCKET_OF = txStatement(
  'dshub_list_bucket_of',
  (k) =>
    k
      .selectFrom('data_source_list_buckets')
      .select('lo')
      .where('project_id', '=', param<number>('workspaceId'))
      .where('kind', '=', param<Kind>('kind'))
      .where('lo', '<=', param<string>('key'))
      .orderBy('lo', 'desc')
      .limit(1),
  ['workspaceId', 'kind', 'key'],
);

const BUCKET_TOTAL = txStatement(
  'dshub_list_bucket_total',
  (k) =>
    k
      .selectFrom('data_source_list_buckets')
      .select(sql<number | null>`sum(n)`.as('n'))
      .where('project_id', '=', param<number>('workspaceId'))
      .where('kind', '=', param<Kind>('kind'))
      .where('lo', '=', param<string>('lo')),
  ['workspaceId', 'kind', 'lo'],
);

const ADJUST = txStatement(
  'dshub_list_adjust',
  (k) =>
    k
      .insertInto('data_source_list_buckets')
      .values({
        project_id: param<number>('workspaceId'),
        kind: param<Kind>('kind'),
        lo: param<string>('lo'),
        type: param<string>('type'),
        env_mask: param<number>('mask'),
        n: param<number>('delta'),
      })
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'kind', 'lo', 'type', 'env_mask'])
          .doUpdateSet({ n: sql`data_source_list_buckets.n + excluded.n` }),
      ),
  ['workspaceId', 'kind', 'lo', 'type', 'mask', 'delta'],
);

const FIND_GROUP = txStatement(
  'dshub_list_find_group',
  (k) =>
    k
      .selectFrom('data_source_groups')
      .select(['name', 'type', 'env_mask', 'first_id'])
      .where('project_id', '=', param<number>('workspaceId'))
      .where('name', '=', param<string>('name')),
  ['workspaceId', 'name'],
);

const INSERT_GROUP = txStatement(
  'dshub_list_insert_group',
  (k) =>
    k.insertInto('data_source_groups').values({
      project_id: param<number>('workspaceId'),
      name: param<string>('name'),
      type: param<string>('type'),
      env_mask: param<number>('mask'),
      first_id: param<number>('firstId'),
      drift: 0,
    }),
  ['workspaceId', 'name', 'type', 'mask', 'firstId'],
);

async function bucketOf(
  trx: Tx,
  workspaceId: number,
  spec: KindSpec,
  key: string,
): Promise<string> {
  const { rows } = await BUCKET_OF.run(trx, { workspaceId, kind: spec.kind, key });
  return rows[0]?.lo ?? spec.sentinel;
}

async function bucketTotal(trx: Tx, workspaceId: number, kind: Kind, lo: string): Promise<number> {
  const { rows } = await BUCKET_TOTAL.run(trx, { workspaceId, kind, lo });
  return Number(rows[0]?.n ?? 0);
}

async function adjust(
  trx: Tx,
  workspaceId: number,
  kind: Kind,
  lo: string,
  type: string,
  mask: number,
  delta: number,
): Promise<void> {
  await ADJUST.run(trx, { workspaceId, kind, lo, type, mask, delta });
  if (delta < 0) await dropEmpty(trx, workspaceId, kind, lo, type, mask);
}

/** Empty counts are removed, so a bucket with no groups left disappears altogether. */
async function dropEmpty(
  trx: Tx,
  workspaceId: number,
  kind: Kind,
  lo: string,
  type: string,
  mask: number,
): Promise<void> {
  await trx
    .deleteFrom('data_source_list_buckets')
    .where('project_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('lo', '=', lo)
    .where('type', '=', type)
    .where('env_mask', '=', mask)
    .where('n', '<=', 0)
    .execute();
}

async function neighbour(
  trx: Tx,
  workspaceId: number,
  kind: Kind,
  lo: string,
  side: 'next' | 'previous',
): Promise<string | undefined> {
  const row = await trx
    .selectFrom('data_source_list_buckets')
    .select('lo')
    .where('project_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('lo', side === 'next' ? '>' : '<', lo)
    .orderBy('lo', side === 'next' ? 'asc' : 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.lo;
}

export function column(spec: KindSpec): RawBuilder<unknown> {
  return sql.ref(`data_source_groups.${spec.column}`);
}

/** Moves the upper half of a full bucket into a new bucket starting at its median key. */
async function split(trx: Tx, workspaceId: number, spec: KindSpec, lo: string, total: number) {
  const next = await neighbour(trx, workspaceId, spec.kind, lo, 'next');
  const inRange = (from: string) =>
    trx
      .selectFrom('data_source_groups')
      .where('project_id', '=', workspaceId)
      .where(column(spec), '>=', spec.decode(from))
      .$if(next !== undefined, (q) => q.where(column(spec), '<', spec.decode(next as string)));
  const median = await inRange(lo)
    .select(['first_id', 'name'])
    .orderBy(column(spec))
    .limit(1)
    .offset(Math.floor(total / 2))
    .executeTakeFirst();
  if (!median) return;
  const mid = spec.keyOf(median);
  const upper = await inRange(mid)
    .select(['type', 'env_mask', sql<number>`count(*)`.as('n')])
    .groupBy(['type', 'env_mask'])
    .execute();
  for (const u of upper) {
    const n = Number(u.n);
    await adjust(trx, workspaceId, spec.kind, lo, u.type, u.env_mask, -n);
    await adjust(trx, workspaceId, spec.kind, mid, u.type, u.env_mask, n);
  }
}

/** Folds a small bucket into its predecessor, keeping the number of buckets proportional. */
async function merge(trx: Tx, workspaceId: number, spec: KindSpec, lo: string, total: number) {
  if (total === 0) return; // already gone: its range now belongs to its predecessor
  const previous = await neighbour(trx, workspaceId, spec.kind, lo, 'previous');
  if (previous === undefined) return;
  if ((await bucketTotal(trx, workspaceId, spec.kind, previous)) + total > bucketLimits.splitAt) {
    return;
  }
  const rows = await trx
    .selectFrom('data_source_list_buckets')
    .select(['type', 'env_mask', 'n'])
    .where('project_id', '=', workspaceId)
    .where('kind', '=', spec.kind)
    .where('lo', '=', lo)
    .execute();
  for (const r of rows)
    await adjust(trx, workspaceId, spec.kind, previous, r.type, r.env_mask, r.n);
  await trx
    .deleteFrom('data_source_list_buckets')
    .where('project_id', '=', workspaceId)
    .where('kind', '=', spec.kind)
    .where('lo', '=', lo)
    .execute();
}

async function count(trx: Tx, workspaceId: number, group: GroupRow, mask: number, delta: number) {
  const { id, name } = KINDS;
  const params = {
    workspaceId,
    idKey: id.keyOf(group),
    idSentinel: id.sentinel,
    nameKey: name.keyOf(group),
    nameSentinel: name.sentinel,
    type: group.type,
    mask,
    delta,
  };
  // Both orders' buckets in one statement, then both totals in another: one round trip each
  // instead of three per order (a find, an add and a total), on every create and delete.
  const added = (await ADD_TO_BOTH.run(trx, params)).rows;
  const loOf = (kind: Kind) => added.find((r) => r.kind === kind)?.lo ?? KINDS[kind].sentinel;
  if (delta < 0) {
    for (const spec of [id, name])
      await dropEmpty(trx, workspaceId, spec.kind, loOf(spec.kind), group.type, mask);
  }
  const totals = (
    await BUCKET_TOTALS.run(trx, { workspaceId, idLo: loOf('id'), nameLo: loOf('name') })
  ).rows;
  for (const spec of [id, name]) {
    const lo = loOf(spec.kind);
    const total = Number(totals.find((r) => r.kind === spec.kind)?.n ?? 0);
    if (delta > 0 && total > bucketLimits.splitAt) await split(trx, workspaceId, spec, lo, total);
    if (delta < 0 && total < bucketLimits.mergeBelow)
      await merge(trx, workspaceId, spec, lo, total);
  }
}

/**
 * Adds `delta` groups of (type, mask) to the bucket of each order that holds the group's key.
 * The casts type the parameters of the selected row for PostgreSQL (and are no-ops to SQLite);
 * `where true` keeps SQLite from reading ON CONFLICT as a join constraint.
 */
const ADD_TO_BOTH = txStatement(
  'dshub_list_add_to_both',
  (k) => {
    const bucket = (kind: Kind, key: string, sentinel: string) =>
      sql`select cast(${param('workspaceId')} as bigint), ${sql.lit(kind)}, coalesce((select b.lo from data_source_list_buckets b where b.project_id = ${param('workspaceId')} and b.kind = ${sql.lit(kind)} and b.lo <= cast(${param(key)} as text) order by b.lo desc limit 1), cast(${param(sentinel)} as text)), cast(${param('type')} as text), cast(${param('mask')} as integer), cast(${param('delta')} as integer) where true`;
    const text = sql<{
      kind: Kind;
      lo: string;
    }>`insert into data_source_list_buckets (project_id, kind, lo, type, env_mask, n) ${bucket('id', 'idKey', 'idSentinel')} union all ${bucket('name', 'nameKey', 'nameSentinel')} on conflict (project_id, kind, lo, type, env_mask) do update set n = data_source_list_buckets.n + excluded.n returning kind, lo`;
    return { compile: () => text.compile(k) };
  },
  ['workspaceId', 'idKey', 'idSentinel', 'nameKey', 'nameSentinel', 'type', 'mask', 'delta'],
);

const BUCKET_TOTALS = txStatement(
  'dshub_list_bucket_totals',
  (k) =>
    k
      .selectFrom('data_source_list_buckets')
      .select(['kind', sql<number | null>`sum(n)`.as('n')])
      .where('project_id', '=', param<number>('workspaceId'))
      .where((eb) =>
        eb.or([
          eb.and([eb('kind', '=', sql.lit('id')), eb('lo', '=', param<string>('idLo'))]),
          eb.and([eb('kind', '=', sql.lit('name')), eb('lo', '=', param<string>('nameLo'))]),
        ]),
      )
      .groupBy('kind'),
  ['workspaceId', 'idLo', 'nameLo'],
);

async function recount(trx: Tx, workspaceId: number, group: GroupRow, newMask: number) {
  for (const spec of Object.values(KINDS)) {
    const lo = await bucketOf(trx, workspaceId, spec, spec.keyOf(group));
    await adjust(trx, workspaceId, spec.kind, lo, group.type, group.env_mask, -1);
    await adjust(trx, workspaceId, spec.kind, lo, group.type, newMask, 1);
  }
}

async function findGroup(
  trx: Tx,
  workspaceId: number,
  name: string,
): Promise<GroupRow | undefined> {
  const { rows } = await FIND_GROUP.run(trx, { workspaceId, name });
  return rows[0];
}

async function setMask(trx: Tx, workspaceId: number, name: string, mask: number): Promise<void> {
  await trx
    .updateTable('data_source_groups')
    .set({ env_mask: mask })
    .where('project_id', '=', workspaceId)
    .where('name', '=', name)
    .execute();
}

/**
 * A record was inserted: creates its group or adds its environment to it. Returns the group's
 * environments afterwards (ENV_BIT mask): a group of one record is created with no drift, so
 * only a name that now has both records needs its drift computed.
 */
export async function addRecord(
  trx: Tx,
  r: { workspaceId: number; name: string; type: string; env: EnvType; id: number },
): Promise<number> {
  const group = await findGroup(trx, r.workspaceId, r.name);
  if (!group) {
    const created: GroupRow = {
      name: r.name,
      type: r.type,
      env_mask: ENV_BIT[r.env],
      first_id: r.id,
    };
    await INSERT_GROUP.run(trx, {
      workspaceId: r.workspaceId,
      name: created.name,
      type: created.type,
      mask: created.env_mask,
      firstId: created.first_id,
    });
    await indexNames(trx, r.workspaceId, [r.name]);
    await count(trx, r.workspaceId, created, created.env_mask, 1);
    return created.env_mask;
  }
  if (group.type !== r.type) throw new GroupTypeMismatch(group.type);
  const mask = group.env_mask | ENV_BIT[r.env];
  if (mask === group.env_mask) return mask;
  await setMask(trx, r.workspaceId, r.name, mask);
  await recount(trx, r.workspaceId, group, mask);
  return mask;
}

/** A record was deleted: removes its environment from its group, or the group. */
export async function removeRecord(
  trx: Tx,
  r: { workspaceId: number; name: string; env: EnvType },
): Promise<void> {
  const group = await findGroup(trx, r.workspaceId, r.name);
  if (!group) return;
  const mask = group.env_mask & ~ENV_BIT[r.env];
  if (mask === group.env_mask) return;
  if (mask !== 0) {
    await setMask(trx, r.workspaceId, r.name, mask);
    await recount(trx, r.workspaceId, group, mask);
    return;
  }
  await trx
    .deleteFrom('data_source_groups')
    .where('project_id', '=', r.workspaceId)
    .where('name', '=', r.name)
    .execute();
  await unindexName(trx, r.workspaceId, r.name);
  await count(trx, r.workspaceId, group, group.env_mask, -1);
}

/** A record moved from one environment to the other (UpdateDataSource changed envType). */
export async function moveRecord(
  trx: Tx,
  r: { workspaceId: number; name: string; from: EnvType; to: EnvType },
): Promise<void> {
  const group = await findGroup(trx, r.workspaceId, r.name);
  if (!group) return;
  const mask = (group.env_mask & ~ENV_BIT[r.from]) | ENV_BIT[r.to];
  if (mask === group.env_mask) return;
  await setMask(trx, r.workspaceId, r.name, mask);
  await recount(trx, r.workspaceId, group, mask);
}

/**
 * Rebuilds a workspace's groups and buckets from its records: for bulk loads (the benchmark
 * seeds rows directly) and as a repair. Buckets come out half full, so that they absorb
 * inserts before splitting.
 */
export async function rebuildIndex(trx: Tx, workspaceId: number): Promise<void> {
  await trx.deleteFrom('data_source_list_buckets').where('project_id', '=', workspaceId).execute();
  await trx.deleteFrom('data_source_groups').where('project_id', '=', workspaceId).execute();
  await trx.deleteFrom('data_source_name_grams').where('project_id', '=', workspaceId).execute();
  await trx
    .insertInto('data_source_groups')
    .columns(['project_id', 'name', 'type', 'env_mask', 'first_id', 'drift'])
    .expression(
      trx
        .selectFrom('data_sources')
        .select([
          'project_id',
          'name',
          sql<string>`min(type)`.as('type'),
          sql<number>`sum(case env_type when 'Dev' then 1 else 2 end)`.as('env_mask'),
          sql<number>`min(id)`.as('first_id'),
          // One record: no drift. Two: compared later (DataSourceService.backfillDrift).
          sql<number | null>`case when count(*) = 1 then 0 else null end`.as('drift'),
        ])
        .where('project_id', '=', workspaceId)
        .groupBy(['project_id', 'name']),
    )
    .execute();
  const size = Math.max(1, Math.floor(bucketLimits.splitAt / 2));
  for (const spec of Object.values(KINDS)) {
    const groups = await trx
      .selectFrom('data_source_groups')
      .select(['name', 'type', 'env_mask', 'first_id'])
      .where('project_id', '=', workspaceId)
      .orderBy(column(spec))
      .execute();
    if (spec.kind === 'name') {
      await indexNames(
        trx,
        workspaceId,
        groups.map((g) => g.name),
      );
    }
    const counts = new Map<string, number>();
    let lo = spec.sentinel;
    groups.forEach((g, i) => {
      if (i > 0 && i % size === 0) lo = spec.keyOf(toGroup(g));
      const key = JSON.stringify([lo, g.type, Number(g.env_mask)]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    const rows = [...counts].map(([key, n]) => {
      const [bound, type, mask] = JSON.parse(key) as [string, string, number];
      return { project_id: workspaceId, kind: spec.kind, lo: bound, type, env_mask: mask, n };
    });
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('data_source_list_buckets')
        .values(rows.slice(i, i + 500))
        .execute();
    }
  }
}

export function toGroup(r: GroupRow): GroupRow {
  return { name: r.name, type: r.type, env_mask: Number(r.env_mask), first_id: Number(r.first_id) };
}
