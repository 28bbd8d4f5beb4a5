/**
 * A sealed check value in the `meta` table proves that the master key in use is the one the
 * database was sealed with.
 */
import type { Db } from '../store/dialect.js';
import type { Envelope } from './envelope.js';

const CHECK_KEY = 'master_key_check';
const CHECK_PURPOSE = 'master-key-check';
const CHECK_TEXT = 'dshub';

/**
 * Refuses to run with a master key other than the one the database was sealed with: a
 * replica started with the wrong DSHUB_MASTER_KEY would otherwise fail on every request.
 */
export async function checkMasterKey(db: Db, envelope: Envelope): Promise<void> {
  const row = await db.kysely
    .selectFrom('meta')
    .select('value')
    .where('key', '=', CHECK_KEY)
    .executeTakeFirst();
  if (!row) {
    await db.kysely
      .insertInto('meta')
      .values({ key: CHECK_KEY, value: envelope.seal(CHECK_TEXT, CHECK_PURPOSE) })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return;
  }
  try {
    if (envelope.open(row.value, CHECK_PURPOSE) === CHECK_TEXT) return;
  } catch {
    // fall through to the explanation below
  }
  throw new Error(
    'the master key does not open this database: start with the DSHUB_MASTER_KEY (or master.key file) it was created with',
  );
}

/** Re-wraps the master-key check value (part of a rotation). */
export async function rewrapMasterKeyCheck(db: Db, envelope: Envelope): Promise<void> {
  const row = await db.kysely
    .selectFrom('meta')
    .select('value')
    .where('key', '=', CHECK_KEY)
    .executeTakeFirst();
  if (!row) return;
  await db.kysely
    .updateTable('meta')
    .set({ value: envelope.rewrap(row.value, CHECK_PURPOSE) })
    .where('key', '=', CHECK_KEY)
    .execute();
}
