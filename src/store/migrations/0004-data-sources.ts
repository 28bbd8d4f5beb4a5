import { sql } from 'kysely';
import { startIdsAt } from '../dialect.js';
import type { Migration } from './helpers.js';
import { withId } from './helpers.js';

/**
 * Data sources: one row per (workspace, name, environment), plus what ListDataSources needs to
 * page over name groups in constant time however deep the page (src/datasources/list-index.ts):
 * one narrow row per name group, counted buckets of group keys, and a trigram index of names.
 */
export const dataSources: Migration = {
  name: '0004-data-sources',
  async up({ db, dialect }) {
    // Names and bucket keys sort bytewise on both dialects (SQLite's BINARY, PostgreSQL's "C"),
    // so Name order and the bucket ranges are the same whatever the database's locale.
    const keyText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;

    await withId(db.schema.createTable('data_sources'), dialect)
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('name', keyText, (c) => c.notNull())
      .addColumn('env_type', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      // ConnectionProperties as Get returns them: secrets replaced by "******".
      .addColumn('properties', 'text', (c) => c.notNull())
      // The secrets, as one envelope-sealed JSON array of {path, value}; null when none.
      .addColumn('secrets_sealed', 'text')
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('qualified_name', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('create_user', 'text', (c) => c.notNull())
      .addColumn('modify_time', 'bigint', (c) => c.notNull())
      .addColumn('modify_user', 'text', (c) => c.notNull())
      .addUniqueConstraint('data_sources_project_name_env_key', ['project_id', 'name', 'env_type'])
      .execute();
    await startIdsAt(db, dialect, 'data_sources', 1001);

    await db.schema
      .createTable('data_source_groups')
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('name', keyText, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      // Environments present: 1 = Dev, 2 = Prod, 3 = both.
      .addColumn('env_mask', 'integer', (c) => c.notNull())
      // Id of the record that created the group: the group's CreateTime/Id sort key.
      .addColumn('first_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('data_source_groups_pk', ['project_id', 'name'])
      .execute();
    // Covering indexes, one per sort key: a page is read from the index alone.
    await db.schema
      .createIndex('data_source_groups_id_idx')
      .on('data_source_groups')
      .columns(['project_id', 'first_id', 'type', 'env_mask', 'name'])
      .execute();
    await db.schema
      .createIndex('data_source_groups_name_idx')
      .on('data_source_groups')
      .columns(['project_id', 'name', 'type', 'env_mask', 'first_id'])
      .execute();

    await db.schema
      .createTable('data_source_list_buckets')
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      // 'id' (key = first_id, zero-padded) or 'name' (key = name).
      .addColumn('kind', 'text', (c) => c.notNull())
      // The bucket's lower bound; it covers keys up to the next bucket's bound.
      .addColumn('lo', keyText, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('env_mask', 'integer', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('data_source_list_buckets_pk', [
        'project_id',
        'kind',
        'lo',
        'type',
        'env_mask',
      ])
      .execute();

    // Trigrams of lower-cased names, for the Name filter (src/datasources/name-grams.ts).
    const grams = db.schema
      .createTable('data_source_name_grams')
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('gram', keyText, (c) => c.notNull())
      .addColumn('name', keyText, (c) => c.notNull())
      .addPrimaryKeyConstraint('data_source_name_grams_pk', ['project_id', 'gram', 'name']);
    // SQLite keeps a rowid table plus a separate PK index unless told otherwise.
    await (dialect === 'sqlite' ? grams.modifyEnd(sql`without rowid`) : grams).execute();

    // One row per workspace, locked by every change to its groups so that bucket maintenance
    // is serialised per workspace (PostgreSQL row lock; SQLite has one writer anyway).
    await db.schema
      .createTable('data_source_list_state')
      .addColumn('project_id', 'bigint', (c) =>
        c.primaryKey().references('projects.id').onDelete('cascade'),
      )
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
  },
};
