/**
 * Hot statements, compiled once. Kysely builds, freezes, visits and compiles a query on every
 * call, which cost more CPU than running the query itself on the read path. A prepared
 * statement is written with the same typed Kysely builder, compiled once at start-up with
 * named placeholders (`param('id')`), and executed straight on the driver: a reused
 * better-sqlite3 statement, or a named PostgreSQL prepared statement (parsed and planned once
 * per connection).
 */
import type { Compilable } from 'kysely';
import type { Db, RunOptions } from './dialect.js';

const PARAM = Symbol('dshub.param');

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
    const n = placeholderName(v);
    if (n === undefined || !names.includes(n as P)) {
      throw new Error(`prepared statement ${name}: parameter ${i + 1} is not one of ${names}`);
    }
    return n as P;
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
