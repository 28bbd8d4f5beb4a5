/**
 * SQLite: results of chosen prepared reads (GetDataSource's record with the caller's roles, the
 * membership lookup of every role-checked call), served again while the database is unchanged.
 * Every read first asks whether anything changed since the results were kept, and anything
 * changed drops every kept result:
 * - a statement that may write on the server's own connection, counted as it runs
 *   (`SqliteStatements.writes`): such a change is seen by the very next read;
 * - a commit by any other connection, `dshub admin` in another process included: SQLite's
 *   `PRAGMA data_version` moves on every such commit. Asking costs a statement step (≈ 3 µs, the
 *   WAL read lock SQLite takes for any statement; the read it saves costs about five times that),
 *   so one answer serves the reads of the next PROBE_MS: a commit by another process is seen by
 *   every read that starts 1 ms or more after it (docs/DECISIONS.md).
 */

/** Results kept at most; the oldest goes first (a GetDataSource row is 1–3 KB). */
const MAX_ENTRIES = 1024;
/** How long one answer of `PRAGMA data_version` serves (ms). */
export const PROBE_MS = 1;

/** Kept results by statement and parameter values, at most MAX_ENTRIES. */
export class KeptRows {
  private readonly rows = new Map<string, readonly unknown[]>();

  key(statement: string, values: readonly unknown[]): string {
    return `${statement}${JSON.stringify(values)}`;
  }

  get<R>(key: string): R[] | undefined {
    return this.rows.get(key) as R[] | undefined;
  }

  set(key: string, rows: readonly unknown[]): void {
    if (this.rows.size >= MAX_ENTRIES) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(key, rows);
  }

  clear(): void {
    this.rows.clear();
  }
}

export class UnchangedReads {
  private readonly kept = new KeptRows();
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
    const writes = this.writes();
    const now = this.now();
    let version = this.dataVersion;
    if (now - this.probedAt >= PROBE_MS) {
      version = this.probe();
      this.probedAt = now;
    }
    if (writes !== this.ownWrites || version !== this.dataVersion) {
      this.kept.clear();
      this.ownWrites = writes;
      this.dataVersion = version;
    }
    const key = this.kept.key(statement, values);
    const kept = this.kept.get<R>(key);
    if (kept) return kept;
    const rows = read();
    this.kept.set(key, rows);
    return rows;
  }
}
