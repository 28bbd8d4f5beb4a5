/**
 * Turns `--Param value` arguments into the wire parameters of one operation, checked against
 * its declaration before anything is sent: an unknown or missing parameter, or a value the
 * server would refuse, is a local error naming the parameter.
 */
import { readFileSync } from 'node:fs';
import { ApiError } from '../errors.js';
import type { Operation } from '../registry/operation.js';
import type { ParamSpec } from '../registry/params.js';

/** A mistake in the command line: exit 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type ParamKind = 'string' | 'integer' | 'boolean' | 'json-list' | 'comma-list' | 'json';

export function paramKind(spec: ParamSpec<unknown>): ParamKind {
  const o = spec.openapi;
  if (o['x-shrink'] === 'json') return 'json-list';
  if (o['x-shrink'] === 'simple') return 'comma-list';
  if (o['x-json']) return 'json';
  if (o.type === 'integer') return 'integer';
  if (o.type === 'boolean') return 'boolean';
  return 'string';
}

export function kindLabel(spec: ParamSpec<unknown>): string {
  switch (paramKind(spec)) {
    case 'json-list':
      return spec.openapi['x-items'] === 'integer' ? 'integer list' : 'list';
    case 'comma-list':
      return 'list';
    case 'json':
      return 'JSON object';
    default:
      return paramKind(spec);
  }
}

/** Raw `--Name value` pairs in the order given; `--Name=value` and bare boolean flags too. */
export function splitFlags(args: readonly string[]): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--') || a === '--') {
      throw new UsageError(`unexpected argument "${a}": parameters are given as --Name value`);
    }
    const eq = a.indexOf('=');
    if (eq > 2) {
      out.push([a.slice(2, eq), a.slice(eq + 1)]);
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2))
      out.push([a.slice(2), undefined]);
    else {
      out.push([a.slice(2), next]);
      i++;
    }
  }
  return out;
}

// `file://path` reads the value from a file, so a connection with a password need not be
// typed on the command line (where it would land in shell history).
function expandFile(value: string): string {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j]! + 1,
        row[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The declared name a typo most likely meant (case aside, or at most two edits away). */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function listValue(spec: ParamSpec<unknown>, values: string[]): string {
  if (paramKind(spec) === 'comma-list') return values.join(',');
  if (values.length === 1 && values[0]!.trimStart().startsWith('[')) return values[0]!;
  const integers = spec.openapi['x-items'] === 'integer';
  // Repeated flags (or one plain value) become the JSON array the server expects.
  return JSON.stringify(
    values.map((v) => {
      const t = v.trim();
      if (t.startsWith('{')) {
        try {
          return JSON.parse(t) as unknown;
        } catch {
          return v;
        }
      }
      return integers && /^-?\d+$/.test(t) ? Number(t) : v;
    }),
  );
}

/** The validated wire parameters (every value a string), or a UsageError naming the problem. */
export function buildParams(op: Operation, args: readonly string[]): Record<string, string> {
  const declared = Object.keys(op.params);
  const given = new Map<string, string[]>();
  for (const [rawName, rawValue] of splitFlags(args)) {
    const spec = op.params[rawName];
    if (!spec) {
      const hint = closest(rawName, declared);
      throw new UsageError(
        `${op.action} has no parameter --${rawName}${hint ? `; did you mean --${hint}?` : ''} (see dshub call ${op.action} --help)`,
      );
    }
    let value = rawValue;
    if (value === undefined) {
      if (paramKind(spec) !== 'boolean') throw new UsageError(`--${rawName} needs a value`);
      value = 'true';
    }
    const list = given.get(rawName) ?? [];
    list.push(expandFile(value));
    given.set(rawName, list);
  }
  const params: Record<string, string> = {};
  for (const name of declared) {
    const spec = op.params[name]!;
    const values = given.get(name);
    if (!values) {
      if (spec.required) {
        throw new UsageError(
          `${op.action} needs --${name} (${kindLabel(spec)}): ${spec.description}`,
        );
      }
      continue;
    }
    const kind = paramKind(spec);
    if (values.length > 1 && kind !== 'json-list' && kind !== 'comma-list') {
      throw new UsageError(`--${name} is given ${values.length} times; it takes one value`);
    }
    const wire =
      kind === 'json-list' || kind === 'comma-list' ? listValue(spec, values) : values[0]!;
    try {
      spec.parse(name, { value: wire });
    } catch (e) {
      if (e instanceof ApiError) throw new UsageError(`${e.message}`);
      throw e;
    }
    params[name] = wire;
  }
  return params;
}
