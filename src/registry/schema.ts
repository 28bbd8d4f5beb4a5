/**
 * A small JSON Schema builder for response shapes. The registry uses these for the OpenAPI
 * document, the docs and the response-conformance tests; handlers are typed separately.
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

export const s = {
  string: (description?: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
    type: 'string',
    ...(description ? { description } : {}),
    ...extra,
  }),
  integer: (description?: string): JsonSchema => ({
    type: 'integer',
    ...(description ? { description } : {}),
  }),
  boolean: (description?: string): JsonSchema => ({
    type: 'boolean',
    ...(description ? { description } : {}),
  }),
  /** Any JSON value (e.g. ConnectionProperties, an object the SDK passes through). */
  any: (description?: string): JsonSchema => ({ ...(description ? { description } : {}) }),
  array: (items: JsonSchema, description?: string): JsonSchema => ({
    type: 'array',
    items,
    ...(description ? { description } : {}),
  }),
  object: (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    ...(description ? { description } : {}),
  }),
  /** The object schema with these members present only sometimes (e.g. an extension field). */
  optional: (schema: JsonSchema, keys: readonly string[]): JsonSchema => ({
    ...schema,
    required: (schema.required ?? []).filter((k) => !keys.includes(k)),
  }),
};

export const requestIdSchema = s.string(
  'The request ID. Quote it to locate the call in logs and the audit trail.',
);
