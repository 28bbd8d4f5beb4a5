import { startIdsAt } from '../dialect.js';
import type { Migration } from './helpers.js';
import { withId } from './helpers.js';

export const workspaces: Migration = {
  name: '0002-workspaces',
  async up({ db, dialect }) {
    await withId(db.schema.createTable('projects'), dialect)
      .addColumn('tenant_id', 'text', (c) =>
        c.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('Available'))
      .addColumn('dev_environment_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('dev_role_disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pai_task_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('aliyun_resource_group_id', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('aliyun_resource_tags', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('modified_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('projects_tenant_name_key', ['tenant_id', 'name'])
      .execute();
    // Workspace ids start where DataWorks' examples do.
    await startIdsAt(db, dialect, 'projects', 10001);

    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute();
    await db.schema
      .createIndex('project_members_user_idx')
      .on('project_members')
      .column('user_id')
      .execute();

    await db.schema
      .createTable('project_member_roles')
      .addColumn('project_id', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('role_code', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_member_roles_pk', ['project_id', 'user_id', 'role_code'])
      .addForeignKeyConstraint(
        'project_member_roles_member_fk',
        ['project_id', 'user_id'],
        'project_members',
        ['project_id', 'user_id'],
        (cb) => cb.onDelete('cascade'),
      )
      .execute();
  },
};
