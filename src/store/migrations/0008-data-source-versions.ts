import { sql } from 'kysely';
import type { Migration } from './helpers.js';

/**
 * Data source versions (src/datasources/versions.ts). No foreign key to the record: a version
 * outlives its record so that RestoreDataSource can bring it back. Versions go with their
 * workspace. Every record that exists already gets a Baseline version 1, so that each live
 * record has a current version to compare and roll back against.
 */
export const dataSourceVersions: Migration = {
  name: '0008-data-source-versions',
  async up({ db }) {
    await db.schema
      .createTable('data_source_versions')
      .addColumn('data_source_id', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('env_type', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('secrets_sealed', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('qualified_name', 'text', (c) => c.notNull())
      .addColumn('change', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('create_user', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('data_source_versions_pk', ['data_source_id', 'version'])
      .execute();
    await db.schema
      .createIndex('data_source_versions_time_idx')
      .on('data_source_versions')
      .column('create_time')
      .execute();
    await db.schema
      .createIndex('data_source_versions_project_idx')
      .on('data_source_versions')
      .column('project_id')
      .execute();
    await sql`insert into data_source_versions
      (data_source_id, version, project_id, name, env_type, type, mode, properties, secrets_sealed,
       description, qualified_name, change, detail, create_time, create_user, request_id)
      select id, 1, project_id, name, env_type, type, mode, properties, secrets_sealed,
       description, qualified_name, 'Baseline', null, modify_time, modify_user, ''
      from data_sources`.execute(db);
  },
};
