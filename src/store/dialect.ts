/**
 * Where SQLite and PostgreSQL differ, written down once. Everything else is one Kysely query path.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import { type Config, DEFAULT_SQLITE_CACHE_MB } from '../config.js';
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer.js';
import { CHANGES_CHANNEL, NotifiedReads } from './notified-reads.js';
import { type ChangeNotices, pipelinedLanes } from './pg-pipeline.js';
import type { PreparedResult } from './prepared.js';
import type { Database } from './schema.js';
import { sqliteStatements } from './sqlite-statements.js';
import { type KeptValue, UnchangedReads } from './unchanged-reads.js';

/** What `onQuery` is told for the question a kept read asks first (store/unchanged-reads.ts). */
export const DATA_VERSION_QUERY = 'pragma data_version';

/**
 * pg is loaded on the first PostgreSQL store opened (synchronously: it is CommonJS), so a
 * SQLite process (an ephemeral instance, the admin commands on SQLite) never loads it.
 */
const requireCjs = createRequire(import.meta.url);
let pgModule: typeof pg | undefined;
function loadPg(): typeof pg {
  pgModule ??= requireCjs('pg') as typeof pg;
  return pgModule;
}

export type DialectName = 'sqlite' | 'postgres';

export interface Db<DB = Database> {
  kysely: Kysely<DB>;
  dialect: DialectName;
  /**
   * Runs a statement compiled once (store/prepared.ts) straight on the driver, outside any
   * transaction. `name` identifies it (a PostgreSQL prepared statement name). On PostgreSQL it
   * runs on a pipelined connection of its own (store/pg-pipeline.ts), not the pool.
   */
  runPrepared<R>(
    name: string,
    text: string,
    values: readonly unknown[],
    opts?: RunOptions,
  ): Promise<PreparedResult<R>>;
  /**
   * What `read` makes of several statements (a read transaction's), kept under `key` and served
   * again on the terms of `keepWhileUnchanged`: the same freshness as reading. `key` must name
   * everything the value depends on besides the database. `since`: when the call arrived
   * (`process.hrtime.bigint()`); on PostgreSQL a kept value then needs no barrier of its own
   * once one sent after that moment has passed (the call's claim, when it is back).
   */
  readKept<T>(key: string, read: () => Promise<T>, since?: bigint): Promise<KeptValue<T>>;
  /**
   * SQLite only: WAL checkpoints from now on in a worker thread every `intervalMs`
   * (store/checkpointer.ts) instead of inside a request's commit. The server calls it; tests
   * and one-shot commands keep SQLite's inline checkpoints. Undefined on PostgreSQL.
   */
  startCheckpoints?(opts: BackgroundCheckpoints): Checkpointer | undefined;
  close(): Promise<void>;
}

export type BackgroundCheckpoints = Pick<
  CheckpointerOptions,
  'intervalMs' | 'onProblem' | 'onCheckpoint' | 'driver'
>;

export interface RunOptions {
  /**
   * PostgreSQL: run on pipelined connections of their own whose sessions commit with
   * `synchronous_commit = off` (the commit returns before its WAL is flushed to disk). Only for
   * the nonce claim: see docs/SECURITY.md for why that is safe there and nowhere else.
   */
  asyncCommit?: boolean;
  /**
   * The rows are kept and served again while the database is unchanged: on SQLite while its
   * change counters stand still (store/unchanged-reads.ts), on PostgreSQL while no change notice
   * arrives (store/notified-reads.ts). Only for a SELECT that reads nothing but the database and
   * its parameters (no clock), from tables that send change notices (migration 0012).
   */
  keepWhileUnchanged?: boolean;
}

/**
 * Pipelined connections for the prepared statements (store/pg-pipeline.ts), and as many again
 * for the nonce claims' asynchronous commits: besides the pool.
 */
const PIPELINED_CONNECTIONS = 2;

export interface OpenOptions {
  /** Called with the SQL of every statement run (tests count store round trips with it). */
  onQuery?: (sql: string) => void;
}

// Ids and epoch-ms times are below 2^53, so int8/numeric columns can be plain numbers.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return loadPg().types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function openDatabase(config: Config['database'], opts: OpenOptions = {}): Db {
  const onQuery = opts.onQuery;
  const log = onQuery
    ? (e: LogEvent) => {
        if (e.level === 'query') onQuery(e.query.sql);
      }
    : undefined;
  if (config.kind === 'sqlite') {
    if (config.file !== ':memory:')
      mkdirSync(dirname(config.file), { recursive: true, mode: 0o700 });
    const sqlite = new SQLite(config.file);
    // WAL + NORMAL survives a process crash (fsync at checkpoints); FULL also survives power loss.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${config.synchronous}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // A ceiling, filled only as pages are read (negative: in KiB).
    sqlite.pragma(`cache_size = -${(config.cacheMb ?? DEFAULT_SQLITE_CACHE_MB) * 1024}`);
    const statements = sqliteStatements(sqlite);
    const dataVersion = sqlite.prepare(DATA_VERSION_QUERY).pluck();
    const unchanged = new UnchangedReads(statements.writes, () => {
      onQuery?.(DATA_VERSION_QUERY);
      return dataVersion.get() as number;
    });
    let checkpointer: Checkpointer | undefined;
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: statements }),
      ...(log ? { log } : {}),
    });
    return {
      kysely,
      dialect: 'sqlite',
      runPrepared: async <R>(
        name: string,
        text: string,
        values: readonly unknown[],
        opts?: RunOptions,
      ) => {
        // Inside a Kysely transaction (another request's, interleaved at an await) the one
        // connection would show its uncommitted writes: wait for it like every Kysely query.
        if (sqlite.inTransaction) {
          const r = await kysely.executeQuery<R>(CompiledQuery.raw(text, [...values]));
          return { rows: [...r.rows], changes: Number(r.numAffectedRows ?? 0n) };
        }
        const statement = statements.prepare(text);
        const read = () => {
          onQuery?.(text);
          return statement.all(values) as R[];
        };
        if (opts?.keepWhileUnchanged) {
          return { rows: unchanged.read(name, values, read), changes: 0, kept: true };
        }
        if (statement.reader) return { rows: read(), changes: 0 };
        onQuery?.(text);
        return { rows: [], changes: Number(statement.run(values).changes) };
      },
      readKept: (key, read) => unchanged.readValue(key, read),
      startCheckpoints(opts) {
        // An in-memory database has no WAL; a second call keeps the first worker.
        if (config.file === ':memory:' || checkpointer) return checkpointer;
        checkpointer = startCheckpointer(sqlite, {
          ...opts,
          file: config.file,
          synchronous: config.synchronous,
        });
        return checkpointer;
      },
      close: async () => {
        // The worker's connection goes first, so the server's close (the last connection)
        // checkpoints what is left and removes the WAL, as before.
        await checkpointer?.stop();
        await kysely.destroy();
      },
    };
  }
  const Pool = loadPg().Pool;
  const pool = new Pool({
    connectionString: config.url,
    max: config.poolSize,
    types: pgTypes,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const Client = loadPg().Client;
  const notified = new NotifiedReads();
  const pipelined = (options?: string, corkTurns = true, listen?: ChangeNotices) =>
    pipelinedLanes(
      Math.min(PIPELINED_CONNECTIONS, config.poolSize),
      () =>
        new Client({
          connectionString: config.url,
          types: pgTypes,
          connectionTimeoutMillis: 10_000,
          pipeline: true,
          ...(options ? { options } : {}),
        }),
      loadPg().Query,
      { corkTurns, ...(listen ? { listen } : {}) },
    );
  const lanes = pipelined();
  // Only the nonce claims' batch runs there, one statement per turn, sent from setImmediate;
  // they listen for change notices, so the claim of a call is the barrier of its kept reads.
  const asyncCommitLanes = pipelined('-c synchronous_commit=off', false, {
    channel: CHANGES_CHANNEL,
    onNotice: notified.changed,
    ...(onQuery ? { onBarrierStatement: onQuery } : {}),
  });
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(log ? { log } : {}),
  });
  return {
    kysely,
    dialect: 'postgres',
    runPrepared: async <R>(
      name: string,
      text: string,
      values: readonly unknown[],
      opts?: RunOptions,
    ) => {
      if (opts?.keepWhileUnchanged) {
        const { rows, kept } = await notified.read(
          name,
          values,
          async () => {
            onQuery?.(text);
            return (await lanes.query<R>(name, text, [...values])).rows as R[];
          },
          asyncCommitLanes.barrier,
        );
        return { rows, changes: 0, kept };
      }
      onQuery?.(text);
      const target = opts?.asyncCommit ? asyncCommitLanes : lanes;
      const r = await target.query<R>(name, text, [...values]);
      return { rows: r.rows as R[], changes: r.rowCount ?? 0 };
    },
    readKept: (key, read, since) =>
      notified.readValue(
        key,
        read,
        asyncCommitLanes.barrier,
        since !== undefined && asyncCommitLanes.passedSince(since),
      ),
    close: async () => {
      await kysely.destroy();
      await Promise.all([lanes.end(), asyncCommitLanes.end()]);
    },
  };
}

/** An auto-increment integer primary key that starts at `start` (DataWorks-like ids). */
export function idColumnSql(dialect: DialectName) {
  return dialect === 'sqlite'
    ? sql`integer primary key autoincrement`
    : sql`bigint generated by default as identity primary key`;
}

/** Makes the next generated id of `table` at least `start`. */
export async function startIdsAt(
  db: Kysely<unknown>,
  dialect: DialectName,
  table: string,
  start: number,
): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`insert into sqlite_sequence (name, seq) select ${table}, ${start - 1}
      where not exists (select 1 from sqlite_sequence where name = ${table})`.execute(db);
  } else {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), ${start}, false)`.execute(db);
  }
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
