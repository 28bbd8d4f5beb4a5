/**
 * Which values of ConnectionProperties are secrets, and the operations around them (docs/ARCHITECTURE.md,
 * "Secrets"): mask for Get/List, split for storage next to an encrypted blob, join back for
 * ResolveDataSource, and merge for UpdateDataSource (a masked or omitted secret keeps the
 * stored one; a mask is never stored).
 *
 * A key is secret by name (password, *Password, accessKey, secretKey, accessKeySecret,
 * secretAccessKey, token), at any depth, or when its schema marks it `x-secret`. Names win
 * even for unknown types and modes, so a secret is never returned because a type is unknown.
 */
import {
  cloneJson,
  deleteAt,
  getAt,
  hasAt,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  setAt,
} from './json.js';
import { schemaFor } from './registry.js';
import { X_SECRET } from './schema-blocks.js';

export const MASK = '******';

const SECRET_NAMES: ReadonlySet<string> = new Set([
  'password',
  'accessKey',
  'secretKey',
  'accessKeySecret',
  'secretAccessKey',
  'token',
]);

/** Case-sensitive, as DataWorks' keys are camelCase: `truststorePassword` yes, `PASSWORD` no. */
export function isSecretKeyName(key: string): boolean {
  return SECRET_NAMES.has(key) || key.endsWith('Password');
}

/** Empty values hold nothing to protect; masking them would claim a secret that is not there. */
function holdsSecret(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && value !== '';
}

function subschema(schema: JsonObject | undefined, key: string): JsonObject | undefined {
  if (!schema) return undefined;
  const properties = schema.properties;
  if (isJsonObject(properties) && Object.hasOwn(properties, key)) {
    const declared = properties[key];
    return isJsonObject(declared) ? declared : undefined;
  }
  return isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

function collect(
  node: JsonValue,
  schema: JsonObject | undefined,
  path: string[],
  out: string[][],
): void {
  if (Array.isArray(node)) {
    const items = schema && isJsonObject(schema.items) ? schema.items : undefined;
    node.forEach((item, index) => {
      collect(item, items, [...path, String(index)], out);
    });
    return;
  }
  if (!isJsonObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const keySchema = subschema(schema, key);
    const keyPath = [...path, key];
    if (isSecretKeyName(key) || keySchema?.[X_SECRET] === true) {
      // The whole value is the secret, even an object: nothing inside it is walked or shown.
      if (holdsSecret(value)) out.push(keyPath);
    } else {
      collect(value, keySchema, keyPath, out);
    }
  }
}

/** Key paths of the secret values present in `props`, in document order. */
export function secretPaths(type: string, mode: string, props: JsonObject): string[][] {
  const out: string[][] = [];
  collect(props, schemaFor(type, mode), [], out);
  return out;
}

/** A deep copy with every secret value replaced by MASK (for Get/List responses). */
export function maskSecrets(type: string, mode: string, props: JsonObject): JsonObject {
  const masked = cloneJson(props);
  for (const path of secretPaths(type, mode, masked)) setAt(masked, path, MASK);
  return masked;
}

export interface SecretEntry {
  path: string[];
  value: JsonValue;
}

/** Separates secrets from the rest; `publicProps` has the secret keys removed entirely. */
export function splitSecrets(
  type: string,
  mode: string,
  props: JsonObject,
): { publicProps: JsonObject; secrets: SecretEntry[] } {
  const publicProps = cloneJson(props);
  const secrets: SecretEntry[] = [];
  for (const path of secretPaths(type, mode, publicProps)) {
    secrets.push({ path, value: cloneJson(getAt(publicProps, path) as JsonValue) });
    deleteAt(publicProps, path);
  }
  return { publicProps, secrets };
}

/** Puts secrets back at their paths (the inverse of splitSecrets). */
export function joinSecrets(publicProps: JsonObject, secrets: readonly SecretEntry[]): JsonObject {
  const joined = cloneJson(publicProps);
  for (const { path, value } of secrets) setAt(joined, path, cloneJson(value));
  return joined;
}

/**
 * The ConnectionProperties to store on UpdateDataSource. For each secret:
 * - incoming MASK: keep the stored value at the same path, or drop the key if none is stored;
 * - incoming absent: keep the stored value, provided its containing object is still sent (a
 *   caller that drops a whole `sasl` or `properties` object drops the secrets inside it);
 * - incoming new value (including "" or null, which clear it): take it.
 */
export function mergeForUpdate(
  type: string,
  mode: string,
  incoming: JsonObject,
  stored: JsonObject,
): JsonObject {
  const merged = cloneJson(incoming);
  for (const path of secretPaths(type, mode, merged)) {
    if (getAt(merged, path) !== MASK) continue;
    const previous = getAt(stored, path);
    if (holdsSecret(previous) && previous !== MASK) {
      setAt(merged, path, cloneJson(previous as JsonValue));
    } else {
      deleteAt(merged, path);
    }
  }
  for (const path of secretPaths(type, mode, stored)) {
    if (hasAt(merged, path)) continue;
    if (!isJsonObject(getAt(merged, path.slice(0, -1)))) continue;
    const previous = getAt(stored, path) as JsonValue;
    if (previous !== MASK) setAt(merged, path, cloneJson(previous));
  }
  return merged;
}
