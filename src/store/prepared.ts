/**
 * Hot statements, compiled once. Kysely builds, freezes, visits and compiles a query on every
 * call, which cost more CPU than running the query itself on the read path. A prepared
 * statement is written with the same typed Kysely builder, compiled once at start-up with
 * named placeholders (`param('id')`), and executed straight on the driver: a reused
 * better-sqlite3 statement, or a named PostgreSQL prepared statement (parsed and planned once
 * per connection).
 */
// Types only: `dshub call` loads this module through the operation declarations and must not
// load Kysely (test/blackbox/cli-lazy-loading.test.ts); txStatement, which runs Kysely, is in
// tx-statement.ts.
import type { Compilable } from 'kysely';
import type { Db, RunOptions } from './dialect.js';

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

export function placeholderName(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null && PARAM in v ? (v as Placeholder)[PARAM] : undefined;
}

export interface PreparedResult<R> {
  rows: R[];
  /** Rows written by a statement without RETURNING. */
  changes: number;
  /**
   * The rows are kept (`keepWhileUnchanged`): the same objects are served as long as the
   * database is unchanged, so what is derived from them may be kept beside them.
   */
  kept?: boolean;
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

/** An insert's row of placeholders, one per column, each named as its column. */
export function paramRow<const C extends string>(columns: readonly C[]): Record<C, never> {
  return Object.fromEntries(columns.map((c) => [c, param(c)])) as Record<C, never>;
}

/** `n` placeholders standing for the items of the list parameter `name`, for an `in (…)`. */
export function paramList<T>(name: string, n: number): T[] {
  return Array.from({ length: n }, (_, i) => ({ [PARAM]: name, [INDEX]: i }) as unknown as T);
}

export function slotOf<P extends string>(
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
