/**
 * Plain JSON values and the few tree operations the registry needs (copy, read, write and
 * delete at a key path). Paths are arrays of keys; an array index is its decimal string, so a
 * path survives JSON round-trips and storage next to an encrypted blob unchanged.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = { [k: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON tree; the registry never hands out or mutates a caller's objects. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

type Container = JsonObject | JsonValue[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function childOf(container: Container, key: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const index = arrayIndex(key);
    return index === undefined ? undefined : container[index];
  }
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

function arrayIndex(key: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : undefined;
}

/** The value at `path`, or undefined when any step is missing. */
export function getAt(root: JsonValue, path: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (!isContainer(node)) return undefined;
    node = childOf(node, key);
  }
  return node;
}

/** Whether the container that would hold `path`'s last key exists and holds that key. */
export function hasAt(root: JsonValue, path: readonly string[]): boolean {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (!isContainer(parent) || key === undefined) return false;
  if (Array.isArray(parent)) {
    const index = arrayIndex(key);
    return index !== undefined && index < parent.length;
  }
  return Object.hasOwn(parent, key);
}

/**
 * Sets the value at `path`, creating missing containers as objects (an array is only ever
 * created by the data itself: a secret path into an array exists only if the array does).
 */
export function setAt(root: JsonObject, path: readonly string[], value: JsonValue): void {
  if (path.length === 0) return;
  let node: Container = root;
  for (const key of path.slice(0, -1)) {
    let next = childOf(node, key);
    if (!isContainer(next)) {
      next = {};
      writeChild(node, key, next);
    }
    node = next;
  }
  writeChild(node, path[path.length - 1] as string, value);
}

function writeChild(container: Container, key: string, value: JsonValue): void {
  if (Array.isArray(container)) {
    const index = arrayIndex(key);
    if (index !== undefined) container[index] = value;
    return;
  }
  // defineProperty, not assignment: a key named "__proto__" (valid JSON) must stay a plain key.
  Object.defineProperty(container, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Removes the key at `path` from its object; array elements are never removed (indices shift). */
export function deleteAt(root: JsonValue, path: readonly string[]): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (isJsonObject(parent) && key !== undefined) delete parent[key];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['address', '0', 'port']` → `$.address[0].port`; odd keys use `['...']`. */
export function formatJsonPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}
