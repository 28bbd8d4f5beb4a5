/**
 * Data source tags (docs/DECISIONS.md, "Data source tags"). DataWorks' ListDataSources filters
 * by `Tags`, a JSON array of plain strings with AND semantics, but none of its operations sets
 * a tag; dshub sets them through the extension parameter `Tags` of CreateDataSource and
 * UpdateDataSource. A tag belongs to one record (one environment), like every other attribute
 * a data source Id names. Matching is exact and case-sensitive.
 */
import { type Kysely, sql } from 'kysely';
import type { DialectName as Dialect } from '../store/dialect.js';
import { paramList } from '../store/prepared.js';
import type { Database } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';

export {
  MAX_TAG_LENGTH,
  MAX_TAGS_PER_FILTER,
  MAX_TAGS_PER_RECORD,
  normalizeTags,
  TAG_PATTERN,
  TAG_RULE,
} from './tag-rules.js';

type Tx = Kysely<Database>;

/** Replaces a record's tags with `tags` (distinct, already validated). */
export async function replaceTags(
  trx: Tx,
  record: { id: number; workspaceId: number },
  tags: readonly string[],
): Promise<void> {
  await trx.deleteFrom('data_source_tags').where('data_source_id', '=', record.id).execute();
  if (tags.length === 0) return;
  await trx
    .insertInto('data_source_tags')
    .values(tags.map((tag) => ({ data_source_id: record.id, project_id: record.workspaceId, tag })))
    .execute();
}

/** The tags of records, sorted; compiled once per number of records. */
const TAGS_OF = txStatement(
  'dshub_tags_of',
  (k, n: number) =>
    k
      .selectFrom('data_source_tags')
      .select(['data_source_id', 'tag'])
      .where('data_source_id', 'in', paramList<number>('ids', n))
      .orderBy('tag'),
  ['ids'],
);

/** The tags of each record, sorted; records without tags are absent from the map. */
export async function tagsOf(k: Tx, ids: readonly number[]): Promise<Map<number, string[]>> {
  const byId = new Map<number, string[]>();
  if (ids.length === 0) return byId;
  const { rows } = await TAGS_OF.run(k, { ids }, ids.length);
  for (const r of rows) {
    const id = Number(r.data_source_id);
    const list = byId.get(id) ?? [];
    list.push(r.tag);
    byId.set(id, list);
  }
  return byId;
}

/**
 * The names of the workspace's records (of `envType`, when given) that carry every one of
 * `tags` (distinct, non-empty), as a subquery yielding `name`. It reads the (project_id, tag)
 * index for the first tag and checks each further tag by primary key on the candidates: no
 * grouping, no sort, and the cost follows the first tag's records, not the workspace's.
 */
export function namesTaggedWithAll(
  k: Tx,
  workspaceId: number,
  tags: readonly string[],
  envType?: string,
) {
  // Aliases t1, t2, … are built at run time; Kysely's types cannot follow them.
  // biome-ignore lint/suspicious/noExplicitAny: dynamic table aliases.
  let q: any = k
    .selectFrom('data_source_tags as t0')
    .innerJoin('data_sources as d', 'd.id', 't0.data_source_id')
    .where('t0.project_id', '=', workspaceId)
    .where('t0.tag', '=', tags[0]!);
  tags.slice(1).forEach((tag, i) => {
    const alias = `t${i + 1}`;
    // biome-ignore lint/suspicious/noExplicitAny: dynamic table aliases.
    q = q.innerJoin(`data_source_tags as ${alias}`, (j: any) =>
      j.onRef(`${alias}.data_source_id`, '=', 't0.data_source_id').on(`${alias}.tag`, '=', tag),
    );
  });
  if (envType !== undefined) q = q.where('d.env_type', '=', envType);
  return (q as ReturnType<typeof base>).select('d.name').distinct();

  function base() {
    return k
      .selectFrom('data_source_tags as t0')
      .innerJoin('data_sources as d', 'd.id', 't0.data_source_id');
  }
}

/**
 * True for a record (its id column) that carries every one of `tags`: a primary-key probe per
 * tag, for filtering the few records of one page.
 */
export function carriesAllTags(recordIdColumn: string, tags: readonly string[]) {
  return sql<boolean>`(select count(*) from data_source_tags t where t.data_source_id = ${sql.ref(recordIdColumn)} and t.tag in (${sql.join(tags.map((t) => sql`${t}`))})) = ${tags.length}`;
}

/**
 * A scalar subquery of the record's tags as one text, for a single-row read (GetDataSource's
 * one round trip): comma-joined (a tag holds no comma), sorted, null when there is none.
 */
export function tagListColumn(dialect: Dialect, recordIdColumn: string) {
  const ref = sql.ref(recordIdColumn);
  return dialect === 'postgres'
    ? sql<
        string | null
      >`(select string_agg(t.tag, ',' order by t.tag) from data_source_tags t where t.data_source_id = ${ref})`
    : sql<
        string | null
      >`(select group_concat(tag, ',') from (select t.tag from data_source_tags t where t.data_source_id = ${ref} order by t.tag))`;
}

export function splitTagList(text: string | null | undefined): string[] {
  return text ? text.split(',') : [];
}
