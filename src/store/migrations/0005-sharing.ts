import { sql } from 'kysely';
import { startIdsAt } from '../dialect.js';
import type { Migration } from './helpers.js';
import { withId } from './helpers.js';

/**
 * Data source sharing rules (src/sharing). A rule shares one data source record into another
 * workspace's environment, for the whole workspace (shared_user null) or one member of it.
 * Every reference cascades: a rule goes with its data source, with either workspace, and (for a
 * one-user rule) with that user's membership of the target.
 */
export const sharing: Migration = {
  name: '0005-sharing',
  async up({ db, dialect }) {
    await withId(db.schema.createTable('data_source_shared_rules'), dialect)
      .addColumn('data_source_id', 'bigint', (c) =>
        c.notNull().references('data_sources.id').onDelete('cascade'),
      )
      .addColumn('source_project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('target_project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      // The environment in the TARGET workspace (the record itself may be the other one).
      .addColumn('env_type', 'text', (c) => c.notNull())
      // Null = the whole target workspace. Null, not '', so that the member foreign key below
      // is not checked for whole-workspace rules (MATCH SIMPLE on both dialects).
      .addColumn('shared_user', 'text')
      // `<source workspace name>.<data source name>`: both names are immutable, so it is stored
      // and resolution is one indexed lookup.
      .addColumn('shared_name', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('create_user', 'text', (c) => c.notNull())
      .addForeignKeyConstraint(
        'data_source_shared_rules_member_fk',
        ['target_project_id', 'shared_user'],
        'project_members',
        ['project_id', 'user_id'],
        (cb) => cb.onDelete('cascade'),
      )
      .execute();
    // Rule ids look like DataWorks' (its example: 101412).
    await startIdsAt(db, dialect, 'data_source_shared_rules', 100001);

    // One record per shared name, target environment and audience: a name never resolves to two
    // records. It also makes the same rule twice a unique violation (409), under concurrency too.
    await sql`create unique index data_source_shared_rules_target_key
      on data_source_shared_rules (target_project_id, env_type, shared_name, (coalesce(shared_user, '')))`.execute(
      db,
    );
    await db.schema
      .createIndex('data_source_shared_rules_data_source_idx')
      .on('data_source_shared_rules')
      .columns(['data_source_id', 'target_project_id'])
      .execute();
    // Cascades from a deleted source workspace or member look rules up by these.
    await db.schema
      .createIndex('data_source_shared_rules_source_idx')
      .on('data_source_shared_rules')
      .column('source_project_id')
      .execute();
    await db.schema
      .createIndex('data_source_shared_rules_member_idx')
      .on('data_source_shared_rules')
      .columns(['target_project_id', 'shared_user'])
      .execute();
  },
};
