import type { Migration } from './helpers.js';
import { withId } from './helpers.js';

export const foundation: Migration = {
  name: '0001-foundation',
  async up({ db, dialect }) {
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) =>
        c.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('is_owner', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('Normal'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_tenant_name_key', ['tenant_id', 'name'])
      .execute();

    await db.schema
      .createTable('access_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('Active'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('access_keys_user_idx')
      .on('access_keys')
      .column('user_id')
      .execute();

    await db.schema
      .createTable('tenant_roles')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tenant_roles_pk', ['user_id', 'role'])
      .execute();

    await withId(db.schema.createTable('policies'), dialect)
      .addColumn('tenant_id', 'text', (c) =>
        c.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('policies_tenant_name_key', ['tenant_id', 'name'])
      .execute();

    await db.schema
      .createTable('policy_attachments')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_attachments_pk', ['user_id', 'policy_name'])
      .execute();

    await db.schema
      .createTable('nonces')
      .addColumn('access_key_id', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('nonces_pk', ['access_key_id', 'nonce'])
      .execute();
    await db.schema.createIndex('nonces_expiry_idx').on('nonces').column('expires_at').execute();

    await withId(db.schema.createTable('audit_events'), dialect)
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('access_key_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('project_id', 'bigint')
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('source_ip', 'text')
      .execute();
    await db.schema
      .createIndex('audit_events_tenant_time_idx')
      .on('audit_events')
      .columns(['tenant_id', 'time', 'id'])
      .execute();
    await db.schema
      .createIndex('audit_events_request_idx')
      .on('audit_events')
      .column('request_id')
      .execute();
  },
};
