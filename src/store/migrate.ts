import { type Kysely, type MigrationResult, Migrator } from 'kysely';
import type { Db } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  results: MigrationResult[];
}

/** Applies pending migrations; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const untyped = db.kysely as unknown as Kysely<unknown>;
  const migrator = new Migrator({
    db: untyped,
    allowUnorderedMigrations: false,
    provider: {
      async getMigrations() {
        return Object.fromEntries(
          MIGRATIONS.map((m) => [
            m.name,
            { up: (k: Kysely<unknown>) => m.up({ db: k, dialect: db.dialect }) },
          ]),
        );
      },
    },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    results,
  };
}

/** Names of the migrations this build knows that the store has not run yet. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const done = new Set<string>();
  try {
    const rows = await (db.kysely as unknown as Kysely<{ kysely_migration: { name: string } }>)
      .selectFrom('kysely_migration')
      .select('name')
      .execute();
    for (const r of rows) done.add(r.name);
  } catch {
    // No migration table yet: everything is pending.
  }
  return MIGRATIONS.map((m) => m.name).filter((n) => !done.has(n));
}
