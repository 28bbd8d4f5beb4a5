import { type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect.js';

export interface MigrationContext {
  // Migrations see the database as it was when they were written, so they stay untyped.
  db: Kysely<unknown>;
  dialect: DialectName;
}

/** Adds `id`, an auto-increment integer primary key, in the dialect's own way. */
export function withId<T extends string>(
  table: CreateTableBuilder<T, never>,
  dialect: DialectName,
): CreateTableBuilder<T, 'id'> {
  return table.addColumn(
    'id',
    dialect === 'sqlite' ? 'integer' : 'bigint',
    (c: ColumnDefinitionBuilder) =>
      dialect === 'sqlite'
        ? c.primaryKey().autoIncrement()
        : c.primaryKey().generatedByDefaultAsIdentity(),
  );
}

export interface Migration {
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

/**
 * PostgreSQL: makes every statement that changes `table` send a change notice on commit
 * (migration 0012). Every table but the nonces and the audit trail has it.
 */
export async function notifyChanges(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`create trigger dshub_changes after insert or update or delete or truncate
    on ${sql.table(table)} for each statement execute function dshub_notify_change()`.execute(db);
}
