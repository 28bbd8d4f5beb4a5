/**
 * Puts the API's validation error on the field it names. dshub's messages for
 * ConnectionProperties name a JSON path: `... is not valid: $.address[0].port must be an
 * integer (rule: type).` The path becomes the form library's error schema.
 */
import type { ErrorSchema } from '@rjsf/utils';

export function pathOf(message: string): (string | number)[] | null {
  const m = /(\$(?:\.[A-Za-z0-9_]+|\[\d+\])*)\s/.exec(message);
  if (!m) return null;
  const segments: (string | number)[] = [];
  for (const part of m[1]!.slice(1).matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    segments.push(part[1] ?? Number(part[2]));
  }
  return segments;
}

export function errorSchemaFor(message: string): ErrorSchema | null {
  const path = pathOf(message);
  if (!path || path.length === 0) return null;
  const text = message.replace(/^The specified parameter "[^"]+" is not valid: /, '');
  const root: Record<string, unknown> = {};
  let node = root;
  for (const seg of path) {
    const child: Record<string, unknown> = {};
    node[String(seg)] = child;
    node = child;
  }
  node.__errors = [text];
  return root as ErrorSchema;
}
