/**
 * The server's SQLite connection as Kysely's driver and the prepared statements see it: its
 * statements prepared once and kept by SQL text, rows read as arrays and made objects by a
 * function compiled per statement, and a count of the statements that may have written. Every
 * statement the server runs on its connection goes through here (only the pragmas at open do
 * not): that is what makes the count complete, and store/unchanged-reads.ts relies on it.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** What Kysely's SQLite driver and `runPrepared` call on a statement. */
export interface SqliteStatement {
  readonly reader: boolean;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): SQLite.RunResult;
  iterate(params: readonly unknown[]): IterableIterator<unknown>;
}

export interface SqliteStatements extends SqliteDatabase {
  prepare(text: string): SqliteStatement;
  /**
   * How many statements that may write have run on this connection (SQLite's own
   * `sqlite3_stmt_readonly`, so INSERT … RETURNING and DDL count, BEGIN and COMMIT do not).
   */
  writes(): number;
}

type RowOf = (values: unknown[]) => Record<string, unknown>;

/**
 * A function making a row object from a raw row, its properties as better-sqlite3 would set
 * them (in column order; of two columns with one name, the later one's value). better-sqlite3
 * builds each row object through V8's API a property at a time, interning every column name
 * again; an object literal compiled once gets its shape from V8's cache. For a 29-column row
 * that halved the statement's cost (7.2 → 3.9 µs with the row's objects made, measured on
 * Node 20). Column names come from the statement (the schema and the queries' aliases) and are
 * quoted as JSON strings; a name the literal could misread (`__proto__`) keeps the object rows.
 */
function compileRowOf(names: readonly string[]): RowOf | undefined {
  const last = new Map<string, number>();
  names.forEach((name, i) => {
    last.set(name, i);
  });
  if (last.has('__proto__')) return undefined;
  const fields = [...last].map(([name, i]) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${fields} };`) as RowOf;
}

function wrap(statement: SQLite.Statement<unknown[]>, onWrite: () => void): SqliteStatement {
  const writes = !statement.readonly;
  const rowOf = statement.reader ? compileRowOf(statement.columns().map((c) => c.name)) : undefined;
  if (rowOf) statement.raw(true);
  return {
    reader: statement.reader,
    all(params) {
      if (writes) onWrite();
      const rows = statement.all(params);
      if (rowOf) for (let i = 0; i < rows.length; i++) rows[i] = rowOf(rows[i] as unknown[]);
      return rows;
    },
    run(params) {
      if (writes) onWrite();
      return statement.run(params);
    },
    *iterate(params) {
      if (writes) onWrite();
      for (const row of statement.iterate(params)) yield rowOf ? rowOf(row as unknown[]) : row;
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a
 * point read. Statements are reusable (better-sqlite3 runs each to completion synchronously),
 * so keep the most recent ones by SQL text.
 */
export function sqliteStatements(db: SQLite.Database, max = 512): SqliteStatements {
  const cache = new Map<string, SqliteStatement>();
  let writes = 0;
  const onWrite = () => {
    writes++;
  };
  return {
    close: () => db.close(),
    writes: () => writes,
    prepare(text) {
      let statement = cache.get(text);
      if (!statement) {
        statement = wrap(db.prepare(text), onWrite);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}
