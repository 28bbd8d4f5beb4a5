/**
 * A data source's secrets at rest: the values splitSecrets takes out of ConnectionProperties,
 * as one JSON array sealed by the envelope (a data key per record, wrapped by the master key).
 * The purpose names the record, so a sealed value copied onto another record does not open.
 */
import type { Envelope } from '../crypto/envelope.js';
import type { JsonValue, SecretEntry } from '../datasource-types/index.js';
import type { Db } from '../store/dialect.js';

export const dataSourcePurpose = (id: number) => `data-source:${id}`;

export function sealSecrets(
  envelope: Envelope,
  id: number,
  secrets: readonly SecretEntry[],
): string | null {
  if (secrets.length === 0) return null;
  return envelope.seal(JSON.stringify(secrets), dataSourcePurpose(id));
}

export function openSecrets(envelope: Envelope, id: number, sealed: string | null): SecretEntry[] {
  if (sealed === null) return [];
  const parsed = JSON.parse(envelope.open(sealed, dataSourcePurpose(id))) as unknown;
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((e: unknown): SecretEntry[] => {
    if (typeof e !== 'object' || e === null) return [];
    const { path, value } = e as { path?: unknown; value?: unknown };
    if (!Array.isArray(path) || !path.every((p) => typeof p === 'string')) return [];
    return [{ path: path as string[], value: value as JsonValue }];
  });
}

const REWRAP_BATCH = 500;

/**
 * Re-wraps every data source's data key under the current master key (master key rotation).
 * Idempotent: values already under `currentKeyId` are skipped, and each update only applies if
 * the row still holds the value that was read, so a concurrent update is never overwritten.
 */
export async function rewrapDataSourceSecrets(
  db: Db,
  envelope: Envelope,
  currentKeyId: string,
): Promise<number> {
  let changed = 0;
  let after = 0;
  for (;;) {
    const rows = await db.kysely
      .selectFrom('data_sources')
      .select(['id', 'secrets_sealed'])
      .where('id', '>', after)
      .where('secrets_sealed', 'is not', null)
      .orderBy('id')
      .limit(REWRAP_BATCH)
      .execute();
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]!.id;
    for (const r of rows) {
      const sealed = r.secrets_sealed as string;
      if (envelope.keyIdOf(sealed) === currentKeyId) continue;
      const result = await db.kysely
        .updateTable('data_sources')
        .set({ secrets_sealed: envelope.rewrap(sealed, dataSourcePurpose(r.id)) })
        .where('id', '=', r.id)
        .where('secrets_sealed', '=', sealed)
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
  }
}
