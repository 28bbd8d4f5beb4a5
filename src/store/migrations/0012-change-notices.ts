import { sql } from 'kysely';
import { CHANGES_CHANNEL } from '../notified-reads.js';
import { type Migration, type MigrationContext, notifyChanges } from './helpers.js';

/**
 * PostgreSQL: every table but the nonces and the audit trail sends a notice on the channel
 * `dshub_changes` when a statement changes it, whoever runs the statement; the notice is
 * delivered when its transaction commits (store/notified-reads.ts keeps reads until one
 * arrives). Statement triggers, so a statement costs one notice whatever it changes, and
 * PostgreSQL folds a transaction's notices into one. The nonces (written by every signed call)
 * and the audit trail (written only beside another table's change) send none. A table added
 * later gets the trigger in its own migration (`notifyChanges`); a test checks every table.
 * SQLite needs none: its change counters are asked directly.
 */
export const changeNotices: Migration = {
  name: '0012-change-notices',
  async up({ db, dialect }: MigrationContext) {
    if (dialect !== 'postgres') return;
    await sql`create function dshub_notify_change() returns trigger language plpgsql as $$
      begin
        perform pg_notify(${sql.lit(CHANGES_CHANNEL)}, '');
        return null;
      end
    $$`.execute(db);
    const tables = await sql<{ name: string }>`select tablename as name from pg_tables
      where schemaname = current_schema()
        and tablename not in ('nonces', 'audit_events')
        and tablename not like 'kysely\\_%'`.execute(db);
    for (const { name } of tables.rows) await notifyChanges(db, name);
  },
};
