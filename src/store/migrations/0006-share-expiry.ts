import type { Migration } from './helpers.js';

/**
 * Expiring sharing rules (src/sharing/expiry.ts): a rule may carry an expiry time. Null = for
 * good, which is every rule made before this migration and every rule an official client makes.
 */
export const shareExpiry: Migration = {
  name: '0006-share-expiry',
  async up({ db }) {
    await db.schema
      .alterTable('data_source_shared_rules')
      .addColumn('expire_time', 'bigint')
      .execute();
    // The sweep looks for rules past their time.
    await db.schema
      .createIndex('data_source_shared_rules_expire_idx')
      .on('data_source_shared_rules')
      .column('expire_time')
      .execute();
  },
};
