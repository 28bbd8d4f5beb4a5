/**
 * Hot statements, compiled once. Kysely builds, freezes, visits and compiles a query on every
 * call, which cost more CPU than running the query itself on the read path. A prepared
 * statement is written with the same typed Kysely builder, compiled once at start-up with
 * named placeholders (`param('id')`), and executed straight on the driver: a reused
 * better-sqlite3 statement, or a named PostgreSQL prepared statement (parsed and planned once
 * per connection).
 */
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Db, RunOptions } from './dialect.js';
import type { Database } from './schema.js';

const PARAM = Symbol('dshub.param');
/** The position of a `paramList` placeholder in its list. */
const INDEX = Symbol('dshub.param.index');

interface Placeholder {
  [PARAM]: string;
}

/** A named placeholder for `prepare`; typed as the value it stands for. */
export function param<T>(name: string): T {
  return { [PARAM]: name } as Placeholder as unknown as T;
}

function placeholderName(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null && PARAM in v ? (v as Placeholder)[PARAM] : undefined;
}

export interface PreparedResult<R> {
  rows: R[];
  /** Rows written by a statement without RETURNING. */
  changes: number;
}

export interface Prepared<R, P extends string> {
  readonly sql: string;
  run(params: Readonly<Record<P, unknown>>): Promise<PreparedResult<R>>;
}

/**
 * Compiles `query` once. Every parameter of the query must be a `param(name)` placeholder, so a
 * value can never be baked into the statement by mistake.
 */
export function prepare<R, const P extends string>(
  db: Db,
  name: string,
  query: Compilable<R>,
  names: readonly P[],
  opts?: RunOptions,
): Prepared<R, P> {
  const compiled = query.compile();
  const order = compiled.parameters.map((v, i) => {
    const slot = slotOf(name, names, v, i);
    if (slot.index !== undefined) throw new Error(`prepared statement ${name}: no list parameters`);
    return slot.name;
  });
  const text = compiled.sql;
  return {
    sql: text,
    run: async (params) => {
      const values = order.map((n) => params[n]);
      return db.runPrepared<R>(name, text, values, opts);
    },
  };
}

/**
 * A statement compiled once per dialect that runs on whatever Kysely it is given: inside a
 * transaction, on that transaction's connection, so it commits or rolls back with it. (A
 * `prepare`d statement runs outside any transaction, on PostgreSQL on connections of its own
 * (store/pg-pipeline.ts); on SQLite inside one it would wait for the transaction it belongs
 * to.) It skips Kysely's building and compiling, not its
 * executor: on PostgreSQL the text goes to the transaction's client unnamed (parsed per call
 * by the server, as every Kysely query is), on SQLite to the cached better-sqlite3 statement.
 *
 * `key` picks a variant of one statement (a sort direction, a list's arity); `build` makes it
 * from the key the first time it is used on a dialect.
 */
export interface TxStatement<R, P extends string, K extends string | number> {
  readonly name: string;
  run(
    k: Kysely<Database>,
    params: Readonly<Record<P, unknown>>,
    key?: K,
  ): Promise<PreparedResult<R>>;
}

const MAX_VARIANTS = 256;

interface Compiled<P extends string> {
  sql: string;
  order: readonly ({ name: P; index: number | undefined } | { constant: unknown })[];
}

export function txStatement<R, const P extends string, K extends string | number = never>(
  name: string,
  build: (k: Kysely<Database>, key: K) => Compilable<R>,
  names: readonly P[],
): TxStatement<R, P, K> {
  // Per dialect adapter (one per dialect class), then per key. The adapter is the one thing a
  // transaction shares with its Kysely that tells the dialect apart.
  const byAdapter = new Map<unknown, Map<K | undefined, Compiled<P>>>();
  const compile = (k: Kysely<Database>, key: K | undefined): Compiled<P> => {
    const adapter = k.getExecutor().adapter.constructor;
    let byKey = byAdapter.get(adapter);
    if (!byKey) {
      byKey = new Map();
      byAdapter.set(adapter, byKey);
    }
    let c = byKey.get(key);
    if (!c) {
      const compiled = build(k, key as K).compile();
      // A parameter that is not a placeholder is a constant of the statement (a `limit(1)`, a
      // literal column value): `build` sees only the key, never a call's values.
      const order = compiled.parameters.map((v, i) =>
        placeholderName(v) === undefined ? { constant: v } : slotOf(name, names, v, i),
      );
      c = { sql: compiled.sql, order };
      // Keys are few by design (directions, list arities up to a page); the cap only keeps an
      // unforeseen caller from growing the cache without bound.
      if (byKey.size < MAX_VARIANTS) byKey.set(key, c);
    }
    return c;
  };
  return {
    name,
    run: async (k, params, key) => {
      const c = compile(k, key);
      const values = c.order.map((slot) =>
        'constant' in slot
          ? slot.constant
          : slot.index === undefined
            ? params[slot.name]
            : (params[slot.name] as readonly unknown[])[slot.index],
      );
      const r = await k.executeQuery<R>(CompiledQuery.raw(c.sql, values));
      return { rows: r.rows as R[], changes: Number(r.numAffectedRows ?? 0n) };
    },
  };
}

/** An insert's row of placeholders, one per column, each named as its column. */
export function paramRow<const C extends string>(columns: readonly C[]): Record<C, never> {
  return Object.fromEntries(columns.map((c) => [c, param(c)])) as Record<C, never>;
}

/** `n` placeholders standing for the items of the list parameter `name`, for an `in (…)`. */
export function paramList<T>(name: string, n: number): T[] {
  return Array.from({ length: n }, (_, i) => ({ [PARAM]: name, [INDEX]: i }) as unknown as T);
}

function slotOf<P extends string>(
  statement: string,
  names: readonly P[],
  v: unknown,
  i: number,
): { name: P; index: number | undefined } {
  const n = placeholderName(v);
  if (n === undefined || !names.includes(n as P)) {
    throw new Error(`prepared statement ${statement}: parameter ${i + 1} is not one of ${names}`);
  }
  return { name: n as P, index: (v as { [INDEX]?: number })[INDEX] };
}
