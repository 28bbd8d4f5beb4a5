/**
 * PostgreSQL: results of the same chosen reads as on SQLite (store/unchanged-reads.ts), served
 * again while no change notice has arrived. Every table those reads read has a trigger
 * that sends a notice on commit (migration 0012), whoever writes: this replica, another one,
 * `dshub admin`, an operator's SQL. The nonce claims' connections LISTEN for it
 * (store/pg-pipeline.ts, `ChangeNotices`), and a notice drops every kept result.
 *
 * A notice arrives some time after its commit, so a kept result is never served on its own: it
 * waits for a barrier, a statement sent on a listening connection after the read was asked for,
 * and is served only if no notice arrived meanwhile. PostgreSQL writes a notice ahead of the
 * answer of any statement that reached it after the commit, so a change acknowledged to anyone
 * before a call reached this replica is seen by that call: the same freshness as reading.
 * The barrier is the call's own nonce claim, already on its way, so a kept read costs no round
 * trip; what it saves is the read's statement, its parsing and its share of PostgreSQL's CPU.
 */
import { KeptResults, type KeptValue, MAX_ROWS, MAX_VALUES, resultKey } from './unchanged-reads.js';

/** The channel of the change notices (notices never cross databases). */
export const CHANGES_CHANNEL = 'dshub_changes';

export class NotifiedReads {
  private readonly rows = new KeptResults(MAX_ROWS);
  private readonly values = new KeptResults(MAX_VALUES);
  /** Moves on every notice (and when notices may have been missed). */
  private generation = 0;

  /** A change notice arrived, or a listening connection opened or was lost. */
  readonly changed = (): void => {
    this.generation++;
    this.rows.clear();
    this.values.clear();
  };

  /**
   * The rows kept for `statement` with `values`, once `barrier` has shown that nothing changed;
   * else those `read` returns (kept when no notice arrived while they were read). Kept rows are
   * shared by every caller that gets them: they must not be changed.
   */
  async read<R>(
    statement: string,
    values: readonly unknown[],
    read: () => Promise<R[]>,
    barrier: () => Promise<void>,
  ): Promise<{ rows: R[]; kept: boolean }> {
    const { value, kept } = await this.keep(this.rows, resultKey(statement, values), read, barrier);
    return { rows: value, kept };
  }

  /**
   * As `read`, for what several statements make (a read transaction), kept under `key`.
   * `passed`: a barrier has passed for this call already (its claim, sent after the call
   * arrived, has come back), so a value kept now is served without waiting for another.
   */
  readValue<T>(
    key: string,
    read: () => Promise<T>,
    barrier: () => Promise<void>,
    passed = false,
  ): Promise<KeptValue<T>> {
    return this.keep(this.values, key, read, barrier, passed);
  }

  private async keep<T>(
    results: KeptResults,
    key: string,
    read: () => Promise<T>,
    barrier: () => Promise<void>,
    passed = false,
  ): Promise<KeptValue<T>> {
    const kept = results.get<T>(key);
    // Kept now, after the barrier passed: no notice came between the two.
    if (kept !== undefined && passed) return { value: kept, kept: true };
    if (kept !== undefined) {
      const before = this.generation;
      const passed = await barrier().then(
        () => true,
        () => false,
      );
      if (passed && this.generation === before) return { value: kept, kept: true };
    }
    const before = this.generation;
    const value = await read();
    // A notice during the read may be for a commit the read did not see.
    if (this.generation !== before) return { value, kept: false };
    results.set(key, value);
    return { value, kept: true };
  }
}
