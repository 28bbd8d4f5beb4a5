/**
 * The data source type registry: which DataWorks types exist, the JSON Schema of each type's
 * ConnectionProperties per ConnectionPropertiesMode, validation and normalisation against it,
 * secret handling (mask, split/join, merge on update) and QualifiedName.
 *
 * @example
 *   const result = validateConnectionProperties('mysql', 'UrlMode', JSON.parse(text));
 *   if (!result.ok) return reject(result.path, result.message); // never echoes a secret
 *   const { publicProps, secrets } = splitSecrets('mysql', 'UrlMode', result.value);
 */
export type { JsonObject, JsonValue } from './json.js';
export { qualifiedName } from './qualified-name.js';
export {
  findDataSourceType,
  getTypeSchema,
  listDataSourceTypes,
} from './registry.js';
export {
  isSecretKeyName,
  joinSecrets,
  MASK,
  maskSecrets,
  mergeForUpdate,
  type SecretEntry,
  secretPaths,
  splitSecrets,
} from './secrets.js';
export type { DataSourceTypeInfo, EnvType, ValidationResult } from './types.js';
export { compileAllSchemas, validateConnectionProperties } from './validator.js';
