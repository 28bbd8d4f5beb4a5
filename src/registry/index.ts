/**
 * The registry: every operation dshub serves, looked up by action name.
 */
import { operations as audit } from '../operations/audit.js';
import { operations as caller } from '../operations/caller.js';
import { operations as clone } from '../operations/clone.js';
import { operations as connectivity } from '../operations/connectivity.js';
import { operations as customRoles } from '../operations/custom-roles.js';
import { operations as dataSourceTypes } from '../operations/data-source-types.js';
import { operations as dataSources } from '../operations/data-sources.js';
import { operations as drift } from '../operations/drift.js';
import { operations as explain } from '../operations/explain-access.js';
import { operations as members } from '../operations/members.js';
import { operations as projects } from '../operations/projects.js';
import { operations as resolve } from '../operations/resolve.js';
import { operations as sharing } from '../operations/sharing.js';
import { operations as versions } from '../operations/versions.js';
import type { Operation } from './operation.js';

export const OPERATIONS: readonly Operation[] = [
  ...caller,
  ...audit,
  ...projects,
  ...members,
  ...customRoles,
  ...dataSources,
  ...connectivity,
  ...dataSourceTypes,
  ...clone,
  ...sharing,
  ...resolve,
  ...versions,
  ...drift,
  ...explain,
];

const byAction = new Map(OPERATIONS.map((op) => [op.action, op]));

export function findOperation(action: string): Operation | undefined {
  return byAction.get(action);
}
