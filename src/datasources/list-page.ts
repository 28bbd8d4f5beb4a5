/**
 * Reading one ListDataSources page of name groups (see list-index.ts for the structures).
 * Without a Name filter: the bucket counts give TotalCount and the bucket where the page
 * starts, and the page is read from at most the buckets it touches. With a Name filter: the
 * names sharing the needle's rarest trigram (name-grams.ts), or, when no trigram is rare, a
 * scan of the workspace's narrow group index.
 */
import { type Kysely, sql } from 'kysely';
import { param } from '../store/prepared.js';
import type { Database } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';
import {
  column,
  type EnvType,
  type GroupRow,
  KINDS,
  type Kind,
  type KindSpec,
  masksWith,
  type Order,
  type SortBy,
  toGroup,
} from './list-index.js';
import { rarestGram } from './name-grams.js';
import { namesTaggedWithAll } from './tags.js';

export interface PageQuery {
  workspaceId: number;
  sortBy: SortBy;
  order: Order;
  types?: readonly string[];
  envType?: EnvType;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  /** Distinct tags every kept record carries (AND); at most MAX_TAGS_PER_FILTER. */
  tags?: readonly string[];
  /** Only names whose Dev and Prod records differ: in any field, or in a suspicious one. */
  drift?: DriftFilter;
  pageNumber: number;
  pageSize: number;
}

export interface GroupPage {
  total: number;
  groups: GroupRow[];
}

export type DriftFilter = 'Any' | 'Suspicious';

interface Filters {
  workspaceId: number;
  types: readonly string[] | undefined;
  masks: number[] | undefined;
  drift: DriftFilter | undefined;
}

/**
 * The drift predicates, written as literals: each is the predicate of partial indexes
 * (migration 0011), which both dialects use only when the query repeats it verbatim.
 */
function driftPredicate(filter: DriftFilter, qualifiedColumn = 'drift') {
  return filter === 'Any'
    ? sql<boolean>`${sql.ref(qualifiedColumn)} > 0`
    : sql<boolean>`${sql.ref(qualifiedColumn)} = 2`;
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function nameMatches(qualifiedColumn: string, needle: string) {
  return sql<boolean>`lower(${sql.ref(qualifiedColumn)}) like ${likePattern(needle)} escape '\\'`;
}

export async function pageGroups(db: Kysely<Database>, q: PageQuery): Promise<GroupPage> {
  const spec = KINDS[q.sortBy === 'Name' ? 'name' : 'id'];
  const f: Filters = {
    workspaceId: q.workspaceId,
    types: q.types && q.types.length > 0 ? q.types : undefined,
    masks: q.envType ? masksWith(q.envType) : undefined,
    drift: q.drift,
  };
  const offset = (q.pageNumber - 1) * q.pageSize;
  const page = { offset, size: q.pageSize, ascending: q.order === 'Asc' };
  if (q.tags && q.tags.length > 0) return byTags(db, spec, f, q, page);
  if (q.nameContains) return byName(db, spec, f, q.nameContains, page);
  if (f.drift) return byDrift(db, spec, f, page);
  return byBuckets(db, spec, f, page);
}

interface PageWindow {
  offset: number;
  size: number;
  ascending: boolean;
}

function groupsOf(db: Kysely<Database>, f: Filters) {
  return db
    .selectFrom('data_source_groups')
    .select(['name', 'type', 'env_mask', 'first_id'])
    .where('project_id', '=', f.workspaceId)
    .$if(f.types !== undefined, (b) => b.where('type', 'in', f.types as string[]))
    .$if(f.masks !== undefined, (b) => b.where('env_mask', 'in', f.masks as number[]))
    .$if(f.drift !== undefined, (b) => b.where(driftPredicate(f.drift as DriftFilter)));
}

/**
 * With a Drift filter (and no Name or Tags filter): the drifting names in order, read from a
 * partial index that holds only them, so a page and its TotalCount cost what the drifting names
 * cost, not the workspace. Bucket counts know nothing of drift.
 */
async function byDrift(
  db: Kysely<Database>,
  spec: KindSpec,
  f: Filters,
  page: PageWindow,
): Promise<GroupPage> {
  const rows = await groupsOf(db, f)
    .orderBy(column(spec), page.ascending ? 'asc' : 'desc')
    .limit(page.size)
    .offset(page.offset)
    .execute();
  if (page.offset === 0 && rows.length < page.size) {
    return { total: rows.length, groups: rows.map(toGroup) };
  }
  const c = await groupsOf(db, f)
    .clearSelect()
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return { total: Number(c.n), groups: rows.map(toGroup) };
}

type Direction = 'asc' | 'desc';

function bucketCounts(
  db: Kysely<Database>,
  kind: Kind | ReturnType<typeof param<Kind>>,
  f: Filters,
) {
  return db
    .selectFrom('data_source_list_buckets')
    .select(['lo', sql<number>`sum(n)`.as('n')])
    .where('project_id', '=', f.workspaceId)
    .where('kind', '=', kind)
    .$if(f.types !== undefined, (b) => b.where('type', 'in', f.types as string[]))
    .$if(f.masks !== undefined, (b) => b.where('env_mask', 'in', f.masks as number[]));
}

/**
 * The page 1 of a listing without filters (the common call) runs statements compiled once:
 * the bucket counts in either direction, then the groups of the range in each order, direction
 * and bound shape. Filtered listings build theirs (their `in` lists vary).
 */
const UNFILTERED: Filters = {
  workspaceId: param<number>('workspaceId'),
  types: undefined,
  masks: undefined,
  drift: undefined,
};

const unfilteredBuckets = txStatement(
  'dshub_list_buckets',
  (k, dir: Direction) =>
    bucketCounts(k, param<Kind>('kind'), UNFILTERED).groupBy('lo').orderBy('lo', dir),
  ['workspaceId', 'kind'],
);

/** Key: order column, direction, then whether the range has a lower and an upper bound. */
type RangeKey = `${KindSpec['column']}:${Direction}:${'' | 'lower'}:${'' | 'upper'}`;

const unfilteredRange = txStatement(
  'dshub_list_range',
  (k, key: RangeKey) => {
    const [col, dir, lower, upper] = key.split(':') as [string, Direction, string, string];
    const ref = sql.ref(`data_source_groups.${col}`);
    return groupsOf(k, UNFILTERED)
      .$if(lower !== '', (b) => b.where(ref, '>=', param('lower')))
      .$if(upper !== '', (b) => b.where(ref, '<', param('upper')))
      .orderBy(ref, dir)
      .limit(param<number>('size'))
      .offset(param<number>('skip'));
  },
  ['workspaceId', 'lower', 'upper', 'size', 'skip'],
);

async function byBuckets(
  db: Kysely<Database>,
  spec: KindSpec,
  f: Filters,
  page: PageWindow,
): Promise<GroupPage> {
  const dir: Direction = page.ascending ? 'asc' : 'desc';
  const plain = f.types === undefined && f.masks === undefined && f.drift === undefined;
  const buckets = plain
    ? (await unfilteredBuckets.run(db, { workspaceId: f.workspaceId, kind: spec.kind }, dir)).rows
    : await bucketCounts(db, spec.kind, f).groupBy('lo').orderBy('lo', dir).execute();
  const counts = buckets.map((b) => ({ lo: b.lo, n: Number(b.n) }));
  const window = locate(counts, page.offset, page.size, page.ascending);
  if (!window) return { total: counts.reduce((sum, b) => sum + b.n, 0), groups: [] };
  // Buckets with no match are absent from the counts, so a range may span some of them; they
  // hold nothing that passes the filters, which keeps positions exact.
  const { lower, upper } = page.ascending
    ? { lower: window.first, upper: window.after }
    : { lower: window.after, upper: window.first };
  const rows = plain
    ? (
        await unfilteredRange.run(
          db,
          {
            workspaceId: f.workspaceId,
            lower: lower === undefined ? undefined : spec.decode(lower),
            upper: upper === undefined ? undefined : spec.decode(upper),
            size: page.size,
            skip: window.skip,
          },
          `${spec.column}:${dir}:${lower === undefined ? '' : 'lower'}:${upper === undefined ? '' : 'upper'}`,
        )
      ).rows
    : await groupsOf(db, f)
        .$if(lower !== undefined, (b) => b.where(column(spec), '>=', spec.decode(lower as string)))
        .$if(upper !== undefined, (b) => b.where(column(spec), '<', spec.decode(upper as string)))
        .orderBy(column(spec), dir)
        .limit(page.size)
        .offset(window.skip)
        .execute();
  return { total: window.total, groups: rows.map(toGroup) };
}

async function byName(
  db: Kysely<Database>,
  spec: KindSpec,
  f: Filters,
  needle: string,
  page: PageWindow,
): Promise<GroupPage> {
  const gram = await rarestGram(db, f.workspaceId, needle);
  if (gram !== undefined) {
    // At most POSTING_CAP candidates: verified, ordered and paged here.
    const rows = await db
      .selectFrom('data_source_name_grams as p')
      .innerJoin('data_source_groups as g', (j) =>
        j.onRef('g.project_id', '=', 'p.project_id').onRef('g.name', '=', 'p.name'),
      )
      .select(['g.name', 'g.type', 'g.env_mask', 'g.first_id'])
      .where('p.project_id', '=', f.workspaceId)
      .where('p.gram', '=', gram)
      .where(nameMatches('g.name', needle))
      .$if(f.types !== undefined, (b) => b.where('g.type', 'in', f.types as string[]))
      .$if(f.masks !== undefined, (b) => b.where('g.env_mask', 'in', f.masks as number[]))
      .$if(f.drift !== undefined, (b) => b.where(driftPredicate(f.drift as DriftFilter, 'g.drift')))
      .execute();
    const sorted = rows.map(toGroup).sort(compareBy(spec, page.ascending));
    return { total: sorted.length, groups: sorted.slice(page.offset, page.offset + page.size) };
  }
  const matching = () => groupsOf(db, f).where(nameMatches('name', needle));
  const rows = await matching()
    .orderBy(column(spec), page.ascending ? 'asc' : 'desc')
    .limit(page.size)
    .offset(page.offset)
    .execute();
  if (page.offset === 0 && rows.length < page.size) {
    return { total: rows.length, groups: rows.map(toGroup) };
  }
  const c = await matching()
    .clearSelect()
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return { total: Number(c.n), groups: rows.map(toGroup) };
}

/**
 * With a Tags filter: the groups with at least one record (of the filtered environment) that
 * carries every tag, found from the tag index in the same query that orders and pages them.
 * Bucket counts know nothing of tags, so TotalCount is a count of the same filter.
 */
async function byTags(
  db: Kysely<Database>,
  spec: KindSpec,
  f: Filters,
  q: PageQuery,
  page: PageWindow,
): Promise<GroupPage> {
  const names = namesTaggedWithAll(db, f.workspaceId, q.tags as readonly string[], q.envType);
  // The workspace's groups whose name is among the tagged names (a semi-join on the subquery).
  const matching = () =>
    db
      .selectFrom('data_source_groups')
      .where('data_source_groups.project_id', '=', f.workspaceId)
      .where('data_source_groups.name', 'in', names)
      .$if(f.types !== undefined, (b) =>
        b.where('data_source_groups.type', 'in', f.types as string[]),
      )
      .$if(f.masks !== undefined, (b) =>
        b.where('data_source_groups.env_mask', 'in', f.masks as number[]),
      )
      .$if(f.drift !== undefined, (b) =>
        b.where(driftPredicate(f.drift as DriftFilter, 'data_source_groups.drift')),
      )
      .$if(q.nameContains !== undefined, (b) =>
        b.where(nameMatches('data_source_groups.name', q.nameContains as string)),
      );
  const rows = await matching()
    .select([
      'data_source_groups.name',
      'data_source_groups.type',
      'data_source_groups.env_mask',
      'data_source_groups.first_id',
    ])
    .orderBy(column(spec), page.ascending ? 'asc' : 'desc')
    .limit(page.size)
    .offset(page.offset)
    .execute();
  if (page.offset === 0 && rows.length < page.size) {
    return { total: rows.length, groups: rows.map(toGroup) };
  }
  const c = await matching().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return { total: Number(c.n), groups: rows.map(toGroup) };
}

/** The database's order, in JS: ids numerically, names bytewise (they are ASCII). */
function compareBy(spec: KindSpec, ascending: boolean): (a: GroupRow, b: GroupRow) => number {
  const sign = ascending ? 1 : -1;
  if (spec.kind === 'id') return (a, b) => sign * (a.first_id - b.first_id);
  return (a, b) => sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

interface Window {
  total: number;
  /** Ascending: the start bucket's bound; descending: the bound above the start bucket. */
  first: string | undefined;
  /** Ascending: the bound after the end bucket; descending: the end bucket's own bound. */
  after: string | undefined;
  /** Entries to skip from the start of the range. */
  skip: number;
}

/**
 * Finds the buckets a page touches, given bucket counts in page order. Ascending, a bucket spans
 * [its lo, the next lo); descending, the bucket before it in the list bounds it from above.
 */
export function locate(
  buckets: readonly { lo: string; n: number }[],
  offset: number,
  size: number,
  ascending: boolean,
): Window | undefined {
  const total = buckets.reduce((sum, b) => sum + b.n, 0);
  if (offset >= total) return undefined;
  let before = 0;
  let start = 0;
  while (before + buckets[start]!.n <= offset) before += buckets[start++]!.n;
  let end = start;
  let through = before + buckets[start]!.n;
  while (through < offset + size && end + 1 < buckets.length) through += buckets[++end]!.n;
  const skip = offset - before;
  if (ascending) return { total, first: buckets[start]!.lo, after: buckets[end + 1]?.lo, skip };
  return { total, first: buckets[start - 1]?.lo, after: buckets[end]!.lo, skip };
}
