/**
 * A trigram index of data source names, for ListDataSources' Name filter (a case-insensitive
 * substring). Without it every filtered call scans all of a workspace's names, about 8 ms per
 * 100,000 on either database; with it a selective substring reads only the names that share
 * its rarest trigram. Unselective or short substrings (under 3 characters) still scan.
 */
import { type Kysely, sql } from 'kysely';
import { param, paramList } from '../store/prepared.js';
import type { Database } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';

/** A posting list longer than this is not worth reading instead of a scan. */
export const POSTING_CAP = 2000;
/** Trigrams probed per query: enough to find a rare one, few enough to stay one cheap query. */
const MAX_PROBES = 12;

/** The distinct trigrams of the lower-cased text. */
export function gramsOf(text: string): string[] {
  const lower = text.toLowerCase();
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= lower.length; i++) grams.add(lower.slice(i, i + 3));
  return [...grams];
}

/** The grams of one name (a created group), compiled once per number of grams. */
const INDEX_ONE = txStatement(
  'dshub_name_grams_insert',
  (k, n: number) => {
    const grams = paramList<string>('grams', n);
    return k.insertInto('data_source_name_grams').values(
      grams.map((gram) => ({
        project_id: param<number>('workspaceId'),
        gram,
        name: param<string>('name'),
      })),
    );
  },
  ['workspaceId', 'grams', 'name'],
);

export async function indexNames(
  trx: Kysely<Database>,
  workspaceId: number,
  names: readonly string[],
): Promise<void> {
  if (names.length === 1) {
    const grams = gramsOf(names[0]!);
    if (grams.length > 0)
      await INDEX_ONE.run(trx, { workspaceId, grams, name: names[0] }, grams.length);
    return;
  }
  const rows = names.flatMap((name) =>
    gramsOf(name).map((gram) => ({ project_id: workspaceId, gram, name })),
  );
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('data_source_name_grams')
      .values(rows.slice(i, i + 1000))
      .execute();
  }
}

export async function unindexName(
  trx: Kysely<Database>,
  workspaceId: number,
  name: string,
): Promise<void> {
  const grams = gramsOf(name);
  if (grams.length === 0) return;
  await trx
    .deleteFrom('data_source_name_grams')
    .where('project_id', '=', workspaceId)
    .where('gram', 'in', grams)
    .where('name', '=', name)
    .execute();
}

/**
 * The trigram of `needle` with the shortest posting list in the workspace, if that list holds
 * at most POSTING_CAP names. Every name containing `needle` contains each of its trigrams, so
 * that list holds every match. One query; each list is counted only up to the cap.
 */
export async function rarestGram(
  db: Kysely<Database>,
  workspaceId: number,
  needle: string,
): Promise<string | undefined> {
  const grams = gramsOf(needle);
  if (grams.length === 0) return undefined;
  const step = Math.max(1, Math.ceil(grams.length / MAX_PROBES));
  const probes = grams.filter((_, i) => i % step === 0);
  const counts = probes.map(
    (gram) =>
      sql`select cast(${gram} as text) as gram, count(*) as n from (select 1 as x from data_source_name_grams where project_id = ${workspaceId} and gram = ${gram} limit ${POSTING_CAP + 1}) p`,
  );
  const { rows } = await sql<{
    gram: string;
    n: number;
  }>`${sql.join(counts, sql` union all `)}`.execute(db);
  let best: { gram: string; n: number } | undefined;
  for (const r of rows) {
    const n = Number(r.n);
    if (!best || n < best.n) best = { gram: r.gram, n };
  }
  return best && best.n <= POSTING_CAP ? best.gram : undefined;
}
