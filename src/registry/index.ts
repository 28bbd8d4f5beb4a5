/**
 * The registry: every operation dshub serves, looked up by (Version, Action). DataWorks'
 * 2024-05-18 and RAM's 2015-05-01 are both first-class; an action name alone finds the
 * DataWorks operation first (the CLI's and the metrics' view, where names do not collide).
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
import { operations as ramAccessKeys } from '../operations/ram-access-keys.js';
import { operations as ramPolicies } from '../operations/ram-policies.js';
import { operations as ramUsers } from '../operations/ram-users.js';
import { operations as resolve } from '../operations/resolve.js';
import { operations as sharing } from '../operations/sharing.js';
import { operations as versions } from '../operations/versions.js';
import { API_VERSION, type Operation } from './operation.js';

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
  ...ramUsers,
  ...ramAccessKeys,
  ...ramPolicies,
];

// By version, then action: no key text is built per request.
const byVersionAndAction = new Map<string, Map<string, Operation>>();
for (const op of OPERATIONS) {
  let byName = byVersionAndAction.get(op.version);
  if (!byName) {
    byName = new Map();
    byVersionAndAction.set(op.version, byName);
  }
  byName.set(op.action, op);
}
const byAction = new Map<string, Operation>();
for (const op of OPERATIONS) {
  const seen = byAction.get(op.action);
  // DataWorks' operation wins a name both versions use.
  if (!seen || (seen.version !== API_VERSION && op.version === API_VERSION))
    byAction.set(op.action, op);
}

/** The operation `action` of `version`; without a version, by name alone (DataWorks first). */
export function findOperation(action: string, version?: string): Operation | undefined {
  return version === undefined
    ? byAction.get(action)
    : byVersionAndAction.get(version)?.get(action);
}
