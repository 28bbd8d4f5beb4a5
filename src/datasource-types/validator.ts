/**
 * Validation of ConnectionProperties against the type schemas.
 *
 * Two steps: the value is first normalised by walking it alongside its schema (numeric-string
 * ports become integers, case-insensitive enums take their canonical spelling, defaults fill
 * missing keys), then Ajv checks the normalised value. Normalising first means cross-field
 * rules (`if`/`then`) see the same value that will be stored, whatever letter case or port
 * spelling the caller used.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type formatsModule from 'ajv-formats';
import { isValidHost } from './host.js';
import {
  cloneJson,
  formatJsonPath,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from './json.js';
import { listDataSourceTypes, schemaFor, typeDefinition } from './registry.js';
import {
  FORMAT_ENDPOINT,
  FORMAT_HOST,
  FORMAT_HTTP_URL,
  X_CASE_INSENSITIVE,
  X_NUMERIC_STRING,
  X_SECRET,
} from './schema-blocks.js';
import type { EnvType, ValidationResult } from './types.js';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isEndpoint(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return isHttpUrl(value);
  const match = /^(.+?)(?::([0-9]{1,5}))?$/.exec(value);
  if (!match?.[1] || !isValidHost(match[1])) return false;
  return match[2] === undefined || (Number(match[2]) >= 1 && Number(match[2]) <= 65535);
}

const FORMAT_LABELS: Readonly<Record<string, string>> = {
  [FORMAT_HOST]: 'hostname or IP address',
  [FORMAT_HTTP_URL]: 'http(s) URL',
  [FORMAT_ENDPOINT]: 'URL or host name',
};

let ajvInstance: Ajv | undefined;
const requireCjs = createRequire(import.meta.url);

/**
 * Ajv is loaded with the first validation, not when the server starts (it is a large package,
 * and CommonJS, so a plain synchronous require does it).
 */
function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const { Ajv } = requireCjs('ajv') as typeof import('ajv');
  const addFormats = (requireCjs('ajv-formats') as typeof formatsModule).default;
  const instance = new Ajv({
    strict: true,
    // Conditions name fields declared at the top level, which Ajv's check cannot see from `then`.
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: false,
    // Errors carry their schema, so messages can say "must be an integer" for port strings.
    verbose: true,
  });
  addFormats(instance);
  instance.addFormat(FORMAT_HOST, { type: 'string', validate: isValidHost });
  instance.addFormat(FORMAT_HTTP_URL, { type: 'string', validate: isHttpUrl });
  instance.addFormat(FORMAT_ENDPOINT, { type: 'string', validate: isEndpoint });
  // Annotations: they change no verdict (normalise() and secrets.ts interpret them), but strict
  // mode must know them so that a misspelt keyword in a schema fails loudly.
  for (const keyword of [X_SECRET, X_NUMERIC_STRING, X_CASE_INSENSITIVE]) {
    instance.addKeyword({ keyword, schemaType: 'boolean' });
  }
  ajvInstance = instance;
  return instance;
}

const validators = new Map<string, ValidateFunction>();

/** Compiled once per (type, mode), on first use. */
function validatorFor(type: string, mode: string, schema: JsonObject): ValidateFunction {
  const key = `${type}\u0000${mode}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv().compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** Compiles every schema now, so that a server can fail at start-up rather than on first use. */
export function compileAllSchemas(): number {
  let count = 0;
  for (const type of listDataSourceTypes()) {
    for (const mode of type.modes) {
      const schema = schemaFor(type.name, mode);
      if (schema) {
        validatorFor(type.name, mode, schema);
        count += 1;
      }
    }
  }
  return count;
}

function normalise(schema: JsonObject, value: JsonValue): JsonValue {
  if (typeof value === 'string') return normaliseString(schema, value);
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isJsonObject(items)) {
      for (let i = 0; i < value.length; i += 1) value[i] = normalise(items, value[i] as JsonValue);
    }
    return value;
  }
  if (!isJsonObject(value)) return value;
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!isJsonObject(propertySchema)) continue;
    if (Object.hasOwn(value, key)) {
      value[key] = normalise(propertySchema, value[key] as JsonValue);
    } else if (propertySchema.default !== undefined) {
      value[key] = cloneJson(propertySchema.default);
    }
  }
  const extra = schema.additionalProperties;
  if (isJsonObject(extra)) {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(properties, key)) value[key] = normalise(extra, value[key] as JsonValue);
    }
  }
  return value;
}

function normaliseString(schema: JsonObject, value: string): JsonValue {
  // Every x-numeric-string schema has a maximum, so an oversized number still fails there.
  if (schema[X_NUMERIC_STRING] === true && /^[0-9]+$/.test(value)) return Number(value);
  if (schema[X_CASE_INSENSITIVE] === true && Array.isArray(schema.enum)) {
    const lower = value.toLowerCase();
    const canonical = schema.enum.find((c) => typeof c === 'string' && c.toLowerCase() === lower);
    if (canonical !== undefined) return canonical;
  }
  return value;
}

/** Ajv's instancePath (a JSON Pointer) as `$.a[0].b`, telling array indices from keys by data. */
function jsonPath(pointer: string, root: JsonValue, extra?: string): string {
  const segments: (string | number)[] = [];
  let node: JsonValue | undefined = root;
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/');
  for (const raw of tokens) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(token));
      node = node[Number(token)];
    } else {
      segments.push(token);
      node = isJsonObject(node) ? node[token] : undefined;
    }
  }
  if (extra !== undefined) segments.push(extra);
  return formatJsonPath(segments);
}

const COMBINATORS = new Set(['if', 'anyOf', 'oneOf', 'allOf', 'not']);

type Failure = Extract<ValidationResult, { ok: false }>;

/**
 * Turns Ajv's first error into {path, rule, message}. Messages are built from the schema and
 * key names only, never from the data, so a rejected secret is never echoed back.
 */
function describe(errors: readonly ErrorObject[], root: JsonValue): Failure {
  const error = errors.find((e) => !COMBINATORS.has(e.keyword)) ?? errors[0];
  if (!error) return { ok: false, path: '$', rule: 'invalid', message: '$ is invalid' };
  const params = error.params as Record<string, unknown>;
  const parentSchema = isJsonObject(error.parentSchema) ? error.parentSchema : {};
  const path = jsonPath(error.instancePath, root);
  switch (error.keyword) {
    case 'required': {
      const missing = jsonPath(error.instancePath, root, String(params.missingProperty));
      return { ok: false, path: missing, rule: 'required', message: `${missing} is required` };
    }
    case 'dependencies': {
      const missing = jsonPath(error.instancePath, root, String(params.missingProperty));
      const because = jsonPath(error.instancePath, root, String(params.property));
      const message = `${missing} is required when ${because} is set`;
      return { ok: false, path: missing, rule: 'required', message };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      const list = allowed.map((v) => JSON.stringify(v)).join(', ');
      return { ok: false, path, rule: 'enum', message: `${path} must be one of: ${list}` };
    }
    case 'const': {
      const message = `${path} must be ${JSON.stringify(params.allowedValue)}`;
      return { ok: false, path, rule: 'const', message };
    }
    case 'type':
    case 'pattern': {
      if (parentSchema[X_NUMERIC_STRING] === true) {
        return { ok: false, path, rule: error.keyword, message: `${path} must be an integer` };
      }
      if (error.keyword === 'pattern') {
        const message = `${path} must match the pattern ${String(params.pattern)}`;
        return { ok: false, path, rule: 'pattern', message };
      }
      const types = Array.isArray(params.type) ? params.type.join(' or ') : String(params.type);
      const article = /^[aeiou]/.test(types) ? 'an' : 'a';
      return { ok: false, path, rule: 'type', message: `${path} must be ${article} ${types}` };
    }
    case 'format': {
      const format = String(params.format);
      const message = `${path} must be a valid ${FORMAT_LABELS[format] ?? format}`;
      return { ok: false, path, rule: 'format', message };
    }
    default:
      return {
        ok: false,
        path,
        rule: error.keyword,
        message: `${path} ${error.message ?? 'is invalid'}`,
      };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates and normalises ConnectionProperties (the already JSON-parsed value). On success,
 * `value` is a new object: ports as integers, envType as Dev/Prod, enum spellings canonical,
 * defaults filled in, unknown keys kept. The input is never modified.
 */
export function validateConnectionProperties(
  type: string,
  mode: string,
  props: unknown,
): ValidationResult {
  const schema = schemaFor(type, mode);
  if (!schema) {
    return typeDefinition(type)
      ? { ok: false, path: '$', rule: 'mode', message: `mode ${mode} is not supported by ${type}` }
      : { ok: false, path: '$', rule: 'dataSourceType', message: `unknown type ${type}` };
  }
  if (!isPlainObject(props)) {
    return { ok: false, path: '$', rule: 'type', message: '$ must be a JSON object' };
  }
  let value: JsonObject;
  try {
    value = structuredClone(props) as JsonObject;
  } catch {
    return { ok: false, path: '$', rule: 'type', message: '$ must be a JSON object' };
  }
  normalise(schema, value);
  const validate = validatorFor(type, mode, schema);
  if (!validate(value)) return describe(validate.errors ?? [], value);
  return { ok: true, value, envType: value.envType as EnvType };
}
