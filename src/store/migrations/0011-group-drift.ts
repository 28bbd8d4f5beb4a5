import { sql } from 'kysely';
import type { Migration } from './helpers.js';

/**
 * `data_source_groups.drift`: whether the Dev and Prod records of a name differ (docs/extensions.md,
 * "Dev/Prod drift"): 0 = no (or only one record), 1 = only in fields expected to differ,
 * 2 = in a suspicious field. ListDataSources' `Drift` filter reads it through partial indexes
 * that hold only drifting names, so filtering costs what the drifting names cost, not the
 * workspace. Kept by DataSourceService with every change of a record.
 *
 * Comparing secrets needs the master key, which migrations do not have: names with both
 * records start as NULL (not known yet) and are computed by the service at start-up
 * (`DataSourceService.backfillDrift`); names with one record are 0 at once.
 */
export const groupDrift: Migration = {
  name: '0011-group-drift',
  async up({ db }) {
    await db.schema.alterTable('data_source_groups').addColumn('drift', 'integer').execute();
    await sql`update data_source_groups set drift = 0 where env_mask <> 3`.execute(db);
    // Literal predicates (no parameters): both dialects use a partial index only for a query
    // whose WHERE repeats the index's predicate.
    for (const [name, predicate, column] of [
      ['data_source_groups_drift_id_idx', sql`drift > 0`, 'first_id'],
      ['data_source_groups_drift_name_idx', sql`drift > 0`, 'name'],
      ['data_source_groups_suspicious_id_idx', sql`drift = 2`, 'first_id'],
      ['data_source_groups_suspicious_name_idx', sql`drift = 2`, 'name'],
    ] as const) {
      await sql`create index ${sql.id(name)} on data_source_groups (project_id, ${sql.id(column)}) where ${predicate}`.execute(
        db,
      );
    }
    await sql`create index data_source_groups_drift_unknown_idx on data_source_groups (project_id) where drift is null`.execute(
      db,
    );
  },
};
