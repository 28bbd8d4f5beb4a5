/**
 * Dev/Prod drift (a dshub extension): how the Dev and Prod records of one name differ, and which
 * differences are expected. Environments are meant to point at different places with different
 * credentials; they are not meant to differ in what kind of connection they are.
 */
import type { Difference } from './versions.js';

/**
 * Connection property keys (top level) that are expected to differ between environments: where
 * the database is, which one, and who connects. Everything else — mode, driver properties,
 * options, security settings — differing is suspicious.
 */
const EXPECTED_KEYS = new Set([
  'address',
  'url',
  'jdbcUrl',
  'host',
  'port',
  'endpoint',
  'instanceId',
  'regionId',
  'database',
  'schema',
  'project',
  'bucket',
  'username',
  'user',
  'password',
  'accessId',
  'accessKey',
  'accessKeyId',
  'accessKeySecret',
  'authType',
  'securityToken',
]);

/** Fields that always differ and say nothing (EnvType) or follow from the others (QualifiedName). */
const IGNORED = new Set(['EnvType', 'QualifiedName']);

export type DriftKind = 'expected' | 'suspicious';

export function driftKind(field: string): DriftKind {
  if (field === 'Description') return 'expected';
  const m = /^ConnectionProperties\.([^.[]+)/.exec(field);
  return m && EXPECTED_KEYS.has(m[1]!) ? 'expected' : 'suspicious';
}

export interface DriftEntry extends Difference {
  kind: DriftKind;
}

/** The differences that count as drift, each classified; secrets only when changed. */
export function driftOf(differences: readonly Difference[]): DriftEntry[] {
  return differences
    .filter((d) => !IGNORED.has(d.field) && d.field !== 'ConnectionProperties.envType')
    .filter((d) => d.change !== 'unchanged')
    .map((d) => ({ ...d, kind: driftKind(d.field) }));
}

/** The group's stored drift (migration 0011): 0 none, 1 expected fields only, 2 suspicious. */
export function driftLevel(entries: readonly DriftEntry[]): 0 | 1 | 2 {
  if (entries.some((e) => e.kind === 'suspicious')) return 2;
  return entries.length > 0 ? 1 : 0;
}
