import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
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
