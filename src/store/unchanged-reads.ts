/**
 * SQLite: results of chosen reads (GetDataSource's record with the caller's roles, the
 * membership lookup of every role-checked call, a ListDataSources page), served again while the
 * database is unchanged. Every read first asks whether anything changed since the results were
 * kept, and anything changed drops every kept result:
 * - a statement that may write on the server's own connection, counted as it runs
 *   (`SqliteStatements.writes`): such a change is seen by the very next read;
 * - a commit by any other connection, `dshub admin` in another process included: SQLite's
 *   `PRAGMA data_version` moves on every such commit. Asking costs a statement step (≈ 3 µs, the
 *   WAL read lock SQLite takes for any statement; the read it saves costs about five times that),
 *   so one answer serves the reads of the next PROBE_MS: a commit by another process is seen by
 *   every read that starts 1 ms or more after it (docs/DECISIONS.md).
 */

/** Statements' results kept at most; the oldest goes first (a GetDataSource row is 1–3 KB). */
export const MAX_ROWS = 1024;
/**
 * Results of several statements (`readValue`: a ListDataSources page) kept at most. A page of
 * 20 names with both records makes a 19 KB answer (93 KB for 100 names); with its objects and the
 * answer kept beside it about three times that: 32 pages of 100 names, about 10 MB.
 */
export const MAX_VALUES = 32;
/** How long one answer of `PRAGMA data_version` serves (ms). */
export const PROBE_MS = 1;

/** A result kept, or what reading it anew gave and whether that is kept now. */
export interface KeptValue<T> {
  value: T;
  /** The same object is served while nothing changes: it must not be changed. */
  kept: boolean;
}

/** The key of a statement's result: its name and its parameter values. */
export function resultKey(statement: string, values: readonly unknown[]): string {
  return `${statement}${JSON.stringify(values)}`;
}

/** Kept results by key, at most `max`; the oldest goes first. */
export class KeptResults {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly max: number) {}

  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (this.values.size >= this.max) this.values.delete(this.values.keys().next().value as string);
    this.values.set(key, value);
  }

  clear(): void {
    this.values.clear();
  }
}

export class UnchangedReads {
  private readonly rows = new KeptResults(MAX_ROWS);
  private readonly values = new KeptResults(MAX_VALUES);
  private ownWrites = -1;
  private dataVersion = -1;
  private probedAt = Number.NEGATIVE_INFINITY;

  /**
   * `writes`: the count of statements that may have written on this connection; `probe`:
   * `PRAGMA data_version` on this connection; `now`: a monotonic clock in ms.
   */
  constructor(
    private readonly writes: () => number,
    private readonly probe: () => number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /**
   * The rows kept for `statement` with `values`, or those `read` returns (then kept). The rows
   * are shared by every caller that gets them: they must not be changed.
   */
  read<R>(statement: string, values: readonly unknown[], read: () => R[]): R[] {
    this.dropIfChanged(false);
    const key = resultKey(statement, values);
    const kept = this.rows.get<R[]>(key);
    if (kept) return kept;
    const rows = read();
    this.rows.set(key, rows);
    return rows;
  }

  /**
   * The value kept under `key`, or what `read` makes: several statements, awaited (a read
   * transaction). Kept only if nothing changed while it was read: a write on this connection
   * or another process's commit meanwhile may or may not be in it.
   */
  async readValue<T>(key: string, read: () => Promise<T>): Promise<KeptValue<T>> {
    this.dropIfChanged(false);
    const kept = this.values.get<T>(key);
    if (kept !== undefined) return { value: kept, kept: true };
    const writes = this.ownWrites;
    const version = this.dataVersion;
    const value = await read();
    this.dropIfChanged(true);
    if (this.ownWrites !== writes || this.dataVersion !== version) return { value, kept: false };
    this.values.set(key, value);
    return { value, kept: true };
  }

  /** Drops every kept result if the database changed; `probe`: ask SQLite now, whenever last. */
  private dropIfChanged(probe: boolean): void {
    const writes = this.writes();
    const now = this.now();
    let version = this.dataVersion;
    if (probe || now - this.probedAt >= PROBE_MS) {
      version = this.probe();
      this.probedAt = now;
    }
    if (writes !== this.ownWrites || version !== this.dataVersion) {
      this.rows.clear();
      this.values.clear();
      this.ownWrites = writes;
      this.dataVersion = version;
    }
  }
}
