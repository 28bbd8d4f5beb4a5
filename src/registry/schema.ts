/**
 * A small JSON Schema builder for response shapes. The registry uses these for the OpenAPI
 * document, the docs and the response-conformance tests, and each builder also carries the
 * TypeScript type of the values it describes (`Infer`), so a handler's result type is derived
 * from the very declaration the clients see and the two cannot drift in the code.
 */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: readonly (string | number)[];
  additionalProperties?: boolean | JsonSchema;
  [extension: `x-${string}`]: unknown;
}

/** Type-level only: the member never exists at run time, so the emitted JSON is unchanged. */
declare const valueType: unique symbol;

/** A JSON Schema describing values of type `T`. */
export interface Schema<T> extends JsonSchema {
  readonly [valueType]?: T;
}

/** The type of the values a schema describes. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** One level of intersections and mapped types flattened, so errors name plain object types. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Response members: every one required except those named optional. */
export type InferMembers<
  M extends Record<string, JsonSchema>,
  Optional extends PropertyKey = never,
> = Simplify<
  { -readonly [K in Exclude<keyof M, Optional>]: Infer<M[K]> } & {
    -readonly [K in Extract<keyof M, Optional>]?: Infer<M[K]>;
  }
>;

type Members = Record<string, Schema<unknown>>;

const described = (description?: string) => (description ? { description } : {});

export const s = {
  /** A string; with `enum`, the union of those literals. */
  string: <const E extends readonly string[] = readonly string[]>(
    description?: string,
    extra: Omit<Partial<JsonSchema>, 'enum'> & { enum?: E } = {},
  ): Schema<E[number]> => ({
    type: 'string',
    ...described(description),
    ...extra,
  }),
  integer: (description?: string): Schema<number> => ({
    type: 'integer',
    ...described(description),
  }),
  boolean: (description?: string): Schema<boolean> => ({
    type: 'boolean',
    ...described(description),
  }),
  /** Any JSON value (e.g. ConnectionProperties, an object the SDK passes through). */
  any: (description?: string): Schema<unknown> => ({ ...described(description) }),
  array: <T>(items: Schema<T>, description?: string): Schema<readonly T[]> => ({
    type: 'array',
    items,
    ...described(description),
  }),
  object: <P extends Members>(properties: P, description?: string): Schema<InferMembers<P>> => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    ...described(description),
  }),
  /** The object schema with these members present only sometimes (e.g. an extension field). */
  optional: <T extends object, const K extends keyof T & string>(
    schema: Schema<T>,
    keys: readonly K[],
  ): Schema<Simplify<Omit<T, K> & Partial<Pick<T, K>>>> =>
    // Only the value type changes: the members named become optional.
    ({
      ...schema,
      required: (schema.required ?? []).filter((k) => !(keys as readonly string[]).includes(k)),
    }) as Schema<Simplify<Omit<T, K> & Partial<Pick<T, K>>>>,
};

export const requestIdSchema = s.string(
  'The request ID. Quote it to locate the call in logs and the audit trail.',
);
