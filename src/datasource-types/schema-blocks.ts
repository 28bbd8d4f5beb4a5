/**
 * Building blocks for the ConnectionProperties schemas. Every type's schema is assembled from
 * these so that a host, a port or an instance id means the same thing (and reads the same in the
 * console and the docs) for all 70-odd types.
 *
 * Schemas are draft-07 JSON Schema plus three annotation keywords, registered with Ajv in
 * validator.ts and interpreted by the normaliser:
 *   x-secret            the value is a secret: encrypted at rest, masked in responses;
 *   x-numeric-string    a string of digits is accepted and stored as an integer (official
 *                       examples send ports both as 3306 and "3306");
 *   x-case-insensitive  an enum value is matched ignoring case and stored in its canonical
 *                       spelling (DataWorks documents envType and MaxCompute authType so).
 */
import type { JsonObject } from './json.js';

export const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
export const X_SECRET = 'x-secret';
export const X_NUMERIC_STRING = 'x-numeric-string';
export const X_CASE_INSENSITIVE = 'x-case-insensitive';

/** Custom formats (validator.ts): hostname or IP; http(s) URL; URL or bare host[:port]. */
export const FORMAT_HOST = 'host';
export const FORMAT_HTTP_URL = 'http-url';
export const FORMAT_ENDPOINT = 'endpoint';

export const MODE_URL = 'UrlMode';
export const MODE_INSTANCE = 'InstanceMode';
export const MODE_CDH = 'CdhMode';

export type Requirement = 'required' | 'optional';

export function text(title: string, description: string, extra: JsonObject = {}): JsonObject {
  return { type: 'string', title, description, minLength: 1, ...extra };
}

export function secret(title: string, description: string, extra: JsonObject = {}): JsonObject {
  return { type: 'string', title, description, [X_SECRET]: true, ...extra };
}

/** A secret of any JSON type, for permissive schemas that must not reject what they don't know. */
export function untypedSecret(title: string, description: string): JsonObject {
  return { title, description, [X_SECRET]: true };
}

export function choice(
  title: string,
  description: string,
  values: readonly string[],
  options: { default?: string; caseSensitive?: boolean } = {},
): JsonObject {
  return {
    type: 'string',
    title,
    description,
    enum: [...values],
    ...(options.caseSensitive ? {} : { [X_CASE_INSENSITIVE]: true }),
    ...(options.default === undefined ? {} : { default: options.default }),
  };
}

/** An integer that may arrive as a string of digits. */
export function integerLike(
  title: string,
  description: string,
  // A maximum is required: it is what rejects digit strings too long for a safe integer.
  range: { minimum: number; maximum: number },
  extra: JsonObject = {},
): JsonObject {
  return {
    type: ['integer', 'string'],
    title,
    description,
    pattern: '^[0-9]+$',
    minimum: range.minimum,
    maximum: range.maximum,
    [X_NUMERIC_STRING]: true,
    ...extra,
  };
}

export function host(): JsonObject {
  return {
    type: 'string',
    title: 'Host',
    description: 'Hostname or IP address (IPv4 or IPv6) the server listens on.',
    format: FORMAT_HOST,
    minLength: 1,
    maxLength: 253,
    examples: ['192.168.0.10'],
  };
}

export function port(defaultPort?: number): JsonObject {
  const usual = defaultPort === undefined ? '' : ` The engine's usual port is ${defaultPort}.`;
  return integerLike(
    'Port',
    `TCP port, 1-65535. A numeric string is accepted and stored as an integer.${usual}`,
    { minimum: 1, maximum: 65535 },
    defaultPort === undefined ? {} : { examples: [defaultPort] },
  );
}

export interface AddressOptions {
  title?: string;
  description?: string;
  minItems?: number;
  maxItems?: number;
  defaultPort?: number;
}

/** DataWorks' `address`: an array of {host, port}; JDBC types allow exactly one pair. */
export function address(options: AddressOptions = {}): JsonObject {
  const minItems = options.minItems ?? 1;
  const maxItems = options.maxItems ?? 1;
  const count =
    maxItems === 1 ? 'exactly one host/port pair' : `${minItems} to ${maxItems} host/port pairs`;
  return {
    type: 'array',
    title: options.title ?? 'Address',
    description: options.description ?? `Server address: ${count}.`,
    minItems,
    maxItems,
    items: {
      type: 'object',
      title: 'Host and port',
      description: 'One network endpoint of the server.',
      required: ['host', 'port'],
      properties: { host: host(), port: port(options.defaultPort) },
      additionalProperties: true,
    },
  };
}

export function envType(): JsonObject {
  return choice(
    'Environment',
    'Environment of this configuration: Dev (development) or Prod (production). Accepted in any ' +
      'letter case and stored as Dev or Prod.',
    ['Dev', 'Prod'],
  );
}

export function driverProperties(): JsonObject {
  return {
    type: 'object',
    title: 'Driver properties',
    description:
      'Extra connection properties passed to the driver as key/value pairs, e.g. ' +
      '{"useSSL": "false"}. Keys ending in Password are treated as secrets.',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  };
}

export function regionId(): JsonObject {
  return text(
    'Region',
    'Alibaba Cloud region id of the instance, e.g. cn-hangzhou. Defaults to the region of the ' +
      'server when omitted from QualifiedName.',
    { pattern: '^[a-z]+(-[a-z0-9]+)+$', examples: ['cn-hangzhou', 'cn-beijing'] },
  );
}

export function instanceId(engine: string, example: string): JsonObject {
  return text('Instance ID', `ID of the ${engine} instance, e.g. ${example}.`, {
    maxLength: 128,
    examples: [example],
  });
}

export function database(engine: string): JsonObject {
  return text('Database', `Name of the ${engine} database to connect to.`, { maxLength: 256 });
}

export function username(): JsonObject {
  return text('Username', 'Account used to log in.', { maxLength: 256 });
}

export function password(): JsonObject {
  return secret('Password', 'Password of the account. Stored encrypted; returned as ******.', {
    maxLength: 1024,
  });
}

export function httpUrl(title: string, description: string, example: string): JsonObject {
  return text(title, description, { format: FORMAT_HTTP_URL, examples: [example] });
}

/** An object-store style endpoint: a URL, or a bare host with an optional port. */
export function endpoint(title: string, description: string, example: string): JsonObject {
  return text(title, description, { format: FORMAT_ENDPOINT, examples: [example] });
}

/** `then: required` when `field` has one of `values` (after normalisation). */
export function requiredWhen(
  field: string,
  values: string | readonly string[],
  required: readonly string[],
): JsonObject {
  const match: JsonObject = typeof values === 'string' ? { const: values } : { enum: [...values] };
  return {
    if: { properties: { [field]: match }, required: [field] },
    // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword, not a promise.
    then: { required: [...required] },
  };
}

export interface ConnectionSchemaOptions {
  title: string;
  description: string;
  required: readonly string[];
  properties: JsonObject;
  /** Cross-field rules (`if`/`then`), applied to the normalised value. */
  conditions?: readonly JsonObject[];
  /** Field → fields that must accompany it (draft-07 `dependencies`). */
  dependencies?: Readonly<Record<string, readonly string[]>>;
  /** A realistic, valid example; shown in docs and checked by the tests. */
  example: JsonObject;
}

/**
 * The top-level ConnectionProperties object. Unknown keys stay allowed and are kept: DataWorks
 * types carry many optional keys that dshub does not need to understand to store faithfully.
 */
export function connectionSchema(options: ConnectionSchemaOptions): JsonObject {
  const dependencies: JsonObject = {};
  for (const [field, needs] of Object.entries(options.dependencies ?? {})) {
    dependencies[field] = [...needs];
  }
  const conditions = options.conditions ?? [];
  return {
    $schema: DRAFT_07,
    title: options.title,
    description: options.description,
    type: 'object',
    required: ['envType', ...options.required.filter((key) => key !== 'envType')],
    properties: { envType: envType(), ...options.properties },
    additionalProperties: true,
    ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
    ...(conditions.length > 0 ? { allOf: [...conditions] } : {}),
    examples: [options.example],
  };
}
