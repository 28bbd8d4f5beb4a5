import { startIdsAt } from '../dialect.js';
import type { Migration } from './helpers.js';
import { withId } from './helpers.js';

/**
 * Custom workspace roles (Type UserCustom; src/workspaces/custom-roles.ts). A role belongs to one
 * workspace and goes with it. `client_token` makes CreateProjectRole idempotent: one role per
 * token and workspace (NULLs do not collide in either dialect).
 */
export const customRoles: Migration = {
  name: '0007-custom-roles',
  async up({ db, dialect }) {
    await withId(db.schema.createTable('project_roles'), dialect)
      .addColumn('project_id', 'bigint', (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // JSON text: [{"ModuleId":9,"PermissionType":"Write"}].
      .addColumn('module_permissions', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('client_token', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('create_user', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('project_roles_code_key', ['project_id', 'code'])
      .addUniqueConstraint('project_roles_name_key', ['project_id', 'name'])
      .addUniqueConstraint('project_roles_token_key', ['project_id', 'client_token'])
      .execute();
    await startIdsAt(db, dialect, 'project_roles', 1001);
  },
};
