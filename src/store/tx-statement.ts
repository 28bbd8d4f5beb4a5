import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import { type PreparedResult, placeholderName, slotOf } from './prepared.js';
import type { Database } from './schema.js';

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
