/**
 * Parameter declarations. On the wire every value is a string (docs/WIRE.md §2); each spec
 * knows how to coerce and validate its string into a typed value, and how to describe itself
 * in the OpenAPI document. Errors name the parameter and say what is expected.
 */
import { ApiError, errors } from '../errors.js';

export type Placement = 'query' | 'body';

interface BaseSpec<T> {
  readonly description: string;
  readonly required: boolean;
  /** Where the official SDK sends it (documentation only: the server accepts either). */
  readonly placement?: Placement;
  readonly openapi: Record<string, unknown>;
  /** Turns the raw wire value(s) into T, or throws an InvalidParameter ApiError. */
  parse(name: string, raw: RawValue): T;
  /** Phantom field carrying the parsed type for inference. */
  readonly _type?: T;
}

/** A parameter arrives either as one value, or (pop-core's flattened arrays) as `Name.N` items. */
export type RawValue =
  | { value: string; items?: undefined }
  | { value?: undefined; items: string[] };

export interface ParamSpec<T, R extends boolean = boolean> extends BaseSpec<T> {
  readonly required: R;
}

export type ParamSpecs = Record<string, ParamSpec<unknown>>;

/** The handler's view of declared parameters: required ones present, optional ones maybe. */
export type InferParams<P extends ParamSpecs> = {
  [K in keyof P as P[K] extends ParamSpec<unknown, true> ? K : never]: P[K] extends ParamSpec<
    infer T,
    true
  >
    ? T
    : never;
} & {
  // `boolean`, not `false`: inside defineOperation the contextual type widens an optional
  // spec's R to boolean, and matching `false` would type every optional parameter as never.
  [K in keyof P as P[K] extends ParamSpec<unknown, true> ? never : K]?: P[K] extends ParamSpec<
    infer T,
    boolean
  >
    ? T
    : never;
};

interface Common<R extends boolean> {
  description: string;
  required?: R;
  placement?: Placement;
  /** A parameter DataWorks does not have (marked `x-dshub-extension` in the OpenAPI document). */
  extension?: boolean;
}

/**
 * U+0000 (PostgreSQL text cannot hold it) and unpaired UTF-16 surrogates (UTF-8 cannot encode
 * them; the drivers would silently store U+FFFD instead). Refused the same way on both stores.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Nesting deeper than any connection configuration needs; bounds every walk over the value. */
export const MAX_JSON_DEPTH = 32;

function storable(name: string, v: string, where = ''): void {
  const m = UNSTORABLE.exec(v);
  if (m === null) return;
  const what =
    m[0] === '\u0000'
      ? 'a NUL character (U+0000)'
      : `an unpaired UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()})`;
  throw errors.invalidParameter(
    name,
    `${where}contains ${what} at position ${m.index + 1}, which cannot be stored. Remove it.`,
  );
}

/** Checks every raw wire value of a parameter before its spec parses it. */
function storableRaw(name: string, raw: RawValue): void {
  if (raw.value !== undefined) storable(name, raw.value);
  else for (let i = 0; i < raw.items.length; i++) storable(name, raw.items[i]!, `item ${i + 1} `);
}

/**
 * Walks a parsed JSON value: no deeper than MAX_JSON_DEPTH, and no string or member name that
 * a store cannot hold (JSON escapes such as "\u0000" get past the wire check).
 */
export function checkJson(name: string, value: unknown, depth = 1): void {
  if (typeof value === 'string') {
    storable(name, value, 'a JSON string ');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_JSON_DEPTH) {
    throw errors.invalidParameter(
      name,
      `nests JSON deeper than ${MAX_JSON_DEPTH} levels; connection configurations need a few.`,
    );
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(name, item, depth + 1);
    return;
  }
  for (const key in value) {
    storable(name, key, 'a JSON member name ');
    checkJson(name, (value as Record<string, unknown>)[key], depth + 1);
  }
}

function single(name: string, raw: RawValue): string {
  if (raw.value !== undefined) return raw.value;
  throw errors.invalidParameter(name, 'expected a single value, not a list.');
}

function make<T, R extends boolean>(
  o: Common<R>,
  openapi: Record<string, unknown>,
  parse: (name: string, raw: RawValue) => T,
): ParamSpec<T, R> {
  return {
    description: o.description,
    required: (o.required ?? false) as R,
    ...(o.placement ? { placement: o.placement } : {}),
    openapi: {
      ...openapi,
      description: o.description,
      ...(o.extension ? { 'x-dshub-extension': true } : {}),
    },
    parse: (name, raw) => {
      storableRaw(name, raw);
      return parse(name, raw);
    },
  };
}

export interface StringOptions<R extends boolean> extends Common<R> {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Said in the error when the pattern does not match. */
  patternHint?: string;
  enum?: readonly string[];
  /** Enum values are matched case-insensitively and returned in their declared spelling. */
  caseInsensitiveEnum?: boolean;
  /**
   * Answer length and pattern errors with RAM's codes (`InvalidParameter.<Name>.Length`,
   * `InvalidParameter.<Name>.InvalidChars`) instead of `InvalidParameter.<Name>`.
   */
  ramCodes?: boolean;
}

function ramParameterError(name: string, kind: 'Length' | 'InvalidChars', why: string): ApiError {
  return new ApiError(
    `InvalidParameter.${name}.${kind}`,
    400,
    kind === 'Length'
      ? `The parameter - "${name}" beyond the length limit: ${why}`
      : `The parameter - "${name}" contains invalid chars: ${why}`,
  );
}

function string<const R extends boolean = false, const E extends string = string>(
  o: StringOptions<R> & { enum: readonly E[] },
): ParamSpec<E, R>;
function string<const R extends boolean = false>(o: StringOptions<R>): ParamSpec<string, R>;
function string<R extends boolean>(o: StringOptions<R>): ParamSpec<string, R> {
  const lowerEnum = o.enum && new Map(o.enum.map((v) => [v.toLowerCase(), v]));
  return make(
    o,
    {
      type: 'string',
      ...(o.minLength !== undefined ? { minLength: o.minLength } : {}),
      ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
      ...(o.pattern ? { pattern: o.pattern.source } : {}),
      ...(o.enum ? { enum: o.enum } : {}),
    },
    (name, raw) => {
      const v = single(name, raw);
      const length = [...v].length;
      if (o.minLength !== undefined && length < o.minLength) {
        const why = `must be at least ${o.minLength} characters long.`;
        throw o.ramCodes
          ? ramParameterError(name, 'Length', why)
          : errors.invalidParameter(name, why);
      }
      if (o.maxLength !== undefined && length > o.maxLength) {
        const why = `must be at most ${o.maxLength} characters long (got ${length}).`;
        throw o.ramCodes
          ? ramParameterError(name, 'Length', why)
          : errors.invalidParameter(name, why);
      }
      if (o.pattern && !o.pattern.test(v)) {
        const why = o.patternHint ?? `must match ${o.pattern.source}.`;
        throw o.ramCodes
          ? ramParameterError(name, 'InvalidChars', why)
          : errors.invalidParameter(name, why);
      }
      if (o.enum) {
        const hit = o.caseInsensitiveEnum
          ? lowerEnum!.get(v.toLowerCase())
          : o.enum.find((e) => e === v);
        if (hit === undefined)
          throw errors.invalidParameter(name, `must be one of ${o.enum.join(', ')}.`);
        return hit;
      }
      return v;
    },
  );
}

const INTEGER = /^-?\d{1,16}$/;

function parseInteger(name: string, v: string, min: number, max: number): number {
  if (!INTEGER.test(v)) throw errors.invalidParameter(name, `"${truncate(v)}" is not an integer.`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw errors.invalidParameter(name, `must be between ${min} and ${max}.`);
  }
  return n;
}

function truncate(v: string): string {
  return v.length > 40 ? `${v.slice(0, 40)}…` : v;
}

interface IntegerOptions<R extends boolean> extends Common<R> {
  min?: number;
  max?: number;
}

function integer<const R extends boolean = false>(o: IntegerOptions<R>): ParamSpec<number, R> {
  const min = o.min ?? Number.MIN_SAFE_INTEGER;
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  return make(
    o,
    {
      type: 'integer',
      format: 'int64',
      ...(o.min !== undefined ? { minimum: o.min } : {}),
      ...(o.max !== undefined ? { maximum: o.max } : {}),
    },
    (name, raw) => parseInteger(name, single(name, raw), min, max),
  );
}

function boolean<const R extends boolean = false>(o: Common<R>): ParamSpec<boolean, R> {
  return make(o, { type: 'boolean' }, (name, raw) => {
    const v = single(name, raw).toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw errors.invalidParameter(name, 'must be true or false.');
  });
}

type ItemKind = 'string' | 'integer';
type ItemType<K extends ItemKind> = K extends 'integer' ? number : string;

interface ListOptions<R extends boolean, K extends ItemKind> extends Common<R> {
  items: K;
  maxItems?: number;
  /** Each item must match (strings only). */
  itemPattern?: RegExp;
}

function checkItems<K extends ItemKind>(
  name: string,
  values: unknown[],
  o: ListOptions<boolean, K>,
): ItemType<K>[] {
  if (o.maxItems !== undefined && values.length > o.maxItems) {
    throw errors.invalidParameter(name, `must have at most ${o.maxItems} items.`);
  }
  return values.map((v, i) => {
    if (o.items === 'integer') {
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'string' && INTEGER.test(v)
            ? Number(v)
            : Number.NaN;
      if (!Number.isSafeInteger(n))
        throw errors.invalidParameter(name, `item ${i + 1} is not an integer.`);
      return n as ItemType<K>;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw errors.invalidParameter(name, `item ${i + 1} is not a string.`);
    }
    const str = String(v);
    if (o.itemPattern && !o.itemPattern.test(str)) {
      throw errors.invalidParameter(name, `item ${i + 1} ("${truncate(str)}") is not valid.`);
    }
    return str as ItemType<K>;
  });
}

/** An array sent as JSON text (the SDK's "shrink" style `json`), or flattened as `Name.N`. */
function jsonList<const R extends boolean = false, const K extends ItemKind = 'string'>(
  o: ListOptions<R, K>,
): ParamSpec<ItemType<K>[], R> {
  return make(
    o,
    { type: 'string', 'x-shrink': 'json', 'x-items': o.items, description: o.description },
    (name, raw) => {
      if (raw.items) return checkItems(name, raw.items, o);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.value);
      } catch {
        throw errors.invalidParameter(
          name,
          `must be a JSON array, e.g. ${o.items === 'integer' ? '[1,2]' : '["a","b"]'}.`,
        );
      }
      if (!Array.isArray(parsed)) throw errors.invalidParameter(name, 'must be a JSON array.');
      checkJson(name, parsed);
      return checkItems(name, parsed, o);
    },
  );
}

/** An array sent comma-joined (the SDK's "shrink" style `simple`), or flattened as `Name.N`. */
function commaList<const R extends boolean = false>(
  o: Omit<ListOptions<R, 'string'>, 'items'>,
): ParamSpec<string[], R> {
  const opts = { ...o, items: 'string' as const };
  return make(o, { type: 'string', 'x-shrink': 'simple' }, (name, raw) => {
    const values =
      raw.items ??
      raw.value
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    return checkItems(name, values, opts);
  });
}

export type JsonRecord = Record<string, unknown>;

/** A JSON object sent as text (e.g. ConnectionProperties); limited in size. */
function jsonObject<const R extends boolean = false>(
  o: Common<R> & { maxLength?: number },
): ParamSpec<JsonRecord, R> {
  return make(o, { type: 'string', 'x-json': 'object' }, (name, raw) => {
    const v = single(name, raw);
    if (o.maxLength !== undefined && v.length > o.maxLength) {
      throw errors.invalidParameter(name, `must be at most ${o.maxLength} characters of JSON.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      const why =
        e instanceof SyntaxError ? e.message.replace(/ in JSON at.*$/, '') : 'syntax error';
      // The text may hold a password: say where it broke, never echo it.
      throw errors.invalidParameter(name, `is not valid JSON (${why}).`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw errors.invalidParameter(name, 'must be a JSON object, e.g. {"envType":"Prod", ...}.');
    }
    checkJson(name, parsed);
    return parsed as JsonRecord;
  });
}

/** An array of objects sent as JSON text, each object's members validated by `check`. */
function jsonObjects<T, const R extends boolean = false>(
  o: Common<R> & { maxItems?: number; example: string; check: (item: unknown) => T | undefined },
): ParamSpec<T[], R> {
  return make(o, { type: 'string', 'x-shrink': 'json', example: o.example }, (name, raw) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(single(name, raw));
    } catch {
      throw errors.invalidParameter(name, `must be a JSON array, e.g. ${o.example}.`);
    }
    if (!Array.isArray(parsed))
      throw errors.invalidParameter(name, `must be a JSON array, e.g. ${o.example}.`);
    if (o.maxItems !== undefined && parsed.length > o.maxItems) {
      throw errors.invalidParameter(name, `must have at most ${o.maxItems} items.`);
    }
    checkJson(name, parsed);
    return parsed.map((item, i) => {
      const t = o.check(item);
      if (t === undefined)
        throw errors.invalidParameter(
          name,
          `item ${i + 1} is not valid; expected e.g. ${o.example}.`,
        );
      return t;
    });
  });
}

export const p = { string, integer, boolean, jsonList, commaList, jsonObject, jsonObjects };

/** Paging parameters shared by every List operation (default 10, max 100). */
export const paging = {
  PageNumber: integer({ description: 'Page number, from 1. Default 1.', min: 1, max: 1_000_000 }),
  PageSize: integer({ description: 'Entries per page, 1 to 100. Default 10.', min: 1, max: 100 }),
};
