import type { Migration } from './helpers.js';

/**
 * What RAM's API (2015-05-01) reports that the foundation tables did not keep: a user's display
 * name, email, mobile phone, comments and last update; a custom policy's description and last
 * update; when a policy was attached. All nullable, so existing rows stay valid as they are.
 */
export const ramAttributes: Migration = {
  name: '0010-ram-attributes',
  async up({ db }) {
    for (const column of ['display_name', 'email', 'mobile_phone', 'comments']) {
      await db.schema.alterTable('users').addColumn(column, 'text').execute();
    }
    await db.schema.alterTable('users').addColumn('updated_at', 'bigint').execute();
    await db.schema.alterTable('policies').addColumn('description', 'text').execute();
    await db.schema.alterTable('policies').addColumn('updated_at', 'bigint').execute();
    await db.schema.alterTable('policy_attachments').addColumn('attached_at', 'bigint').execute();
  },
};
