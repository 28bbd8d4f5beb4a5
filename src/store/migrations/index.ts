/**
 * Every migration, in order. Numbered, forward-only; each runs once, at start-up, under the
 * migrator's lock (an advisory lock on PostgreSQL), so several replicas may start together.
 */
import { foundation } from './0001-foundation.js';
import { workspaces } from './0002-workspaces.js';
import { dataSources } from './0004-data-sources.js';
import { sharing } from './0005-sharing.js';
import { shareExpiry } from './0006-share-expiry.js';
import { customRoles } from './0007-custom-roles.js';
import { dataSourceVersions } from './0008-data-source-versions.js';
import { tagsAndRelatedAudit } from './0009-tags-and-related-audit.js';
import { ramAttributes } from './0010-ram-attributes.js';
import { groupDrift } from './0011-group-drift.js';
import { changeNotices } from './0012-change-notices.js';
import type { Migration } from './helpers.js';

export const MIGRATIONS: readonly Migration[] = [
  foundation,
  workspaces,
  dataSources,
  sharing,
  shareExpiry,
  customRoles,
  dataSourceVersions,
  tagsAndRelatedAudit,
  ramAttributes,
  groupDrift,
  changeNotices,
];
