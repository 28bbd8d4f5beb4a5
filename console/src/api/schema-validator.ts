/**
 * The form library's validator with validation left to the API. Ajv compiles schemas into code
 * with `new Function`, which the console's Content-Security-Policy (no unsafe-eval) forbids,
 * and the schemas come from the server at run time, so nothing can be precompiled at build
 * time. The API validates every ConnectionProperties and its errors are put on the field they
 * name (form-errors.ts). The form still needs `isValid` to pick if/then branches (the modes'
 * conditional fields); the subset below (const, enum, type, required, properties, allOf,
 * anyOf, oneOf, not) is all those conditions use.
 */
import type { RJSFSchema, ValidationData, ValidatorType } from '@rjsf/utils';

type Schema = RJSFSchema | boolean;

function typeOk(type: unknown, v: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'string':
        return typeof v === 'string';
      case 'integer':
        return Number.isInteger(v);
      case 'number':
        return typeof v === 'number';
      case 'boolean':
        return typeof v === 'boolean';
      case 'array':
        return Array.isArray(v);
      case 'object':
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      case 'null':
        return v === null;
      default:
        return true;
    }
  });
}

export function matches(schema: Schema, v: unknown): boolean {
  if (typeof schema === 'boolean') return schema;
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) return false;
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    return false;
  }
  if (schema.type !== undefined && v !== undefined && !typeOk(schema.type, v)) return false;
  const obj = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  if (schema.required && !schema.required.every((k) => obj !== undefined && k in obj)) {
    return false;
  }
  if (schema.properties && obj) {
    for (const [k, s] of Object.entries(schema.properties)) {
      if (k in obj && !matches(s as Schema, obj[k])) return false;
    }
  }
  if (schema.allOf && !schema.allOf.every((s) => matches(s as Schema, v))) return false;
  if (schema.anyOf && !schema.anyOf.some((s) => matches(s as Schema, v))) return false;
  if (schema.oneOf && schema.oneOf.filter((s) => matches(s as Schema, v)).length !== 1) {
    return false;
  }
  if (schema.not !== undefined && matches(schema.not as Schema, v)) return false;
  return true;
}

export const apiValidator: ValidatorType = {
  validateFormData(): ValidationData<unknown> {
    return { errors: [], errorSchema: {} };
  },
  isValid(schema, formData) {
    return matches(schema, formData);
  },
  rawValidation() {
    return {};
  },
};
