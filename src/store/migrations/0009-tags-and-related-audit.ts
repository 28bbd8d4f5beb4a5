import type { Migration } from './helpers.js';

/**
 * Two additions (docs/DECISIONS.md, "Data source tags" and "Audit seen from both sides"):
 *
 * - `data_source_tags`: the tags of a data source record (set through the extension parameter
 *   `Tags` of CreateDataSource/UpdateDataSource), which ListDataSources' `Tags` filters on. A
 *   tag goes with its record. `project_id` is copied from the record so that a filter reads one
 *   workspace's tags from the (project_id, tag) index without touching the records.
 * - `audit_events.related_project_id`: the second workspace an event concerns (the target of a
 *   sharing rule, the source of a data source resolved through a share), so that the
 *   administrators of both workspaces find it. Older events have none.
 */
export const tagsAndRelatedAudit: Migration = {
  name: '0009-tags-and-related-audit',
  async up({ db }) {
    await db.schema
      .createTable('data_source_tags')
      .addColumn('data_source_id', 'bigint', (c) =>
        c.notNull().references('data_sources.id').onDelete('cascade'),
      )
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('data_source_tags_pk', ['data_source_id', 'tag'])
      .execute();
    await db.schema
      .createIndex('data_source_tags_project_tag_idx')
      .on('data_source_tags')
      .columns(['project_id', 'tag', 'data_source_id'])
      .execute();
    await db.schema.alterTable('audit_events').addColumn('related_project_id', 'bigint').execute();
    await db.schema
      .createIndex('audit_events_tenant_related_idx')
      .on('audit_events')
      .columns(['tenant_id', 'related_project_id', 'time'])
      .execute();
  },
};
