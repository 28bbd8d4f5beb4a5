/**
 * A nonce is accepted once per AccessKey within the timestamp window. With SQLite (one process)
 * the nonces live in memory; with PostgreSQL they live in the database, so replicas behind a
 * load balancer refuse a replay that reaches another replica.
 *
 * Either way one AccessKey holds at most `maxPerKey` nonces at a time (per process): the store
 * only grows by requests its key holders sign correctly, and each can only fill its own share.
 */
import { sql } from 'kysely';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import { Fingerprinter, FingerprintTable } from './fingerprints.js';

export interface NonceStore {
  /** True when the nonce was unused (and is now recorded), false when it was used already. */
  claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> | boolean;
  /** Forgets expired nonces; called periodically. */
  sweep(now: number): Promise<void> | void;
}

/** Alibaba's clients send 32 hex digits or a UUID; anything longer is refused before storing. */
export const MAX_NONCE_LENGTH = 64;
/** Outstanding nonces one AccessKey may hold in memory (16–32 bytes each, auth/fingerprints.ts). */
export const DEFAULT_MAX_NONCES_PER_KEY = 500_000;

/**
 * A key's nonces of one generation, as fingerprints (auth/fingerprints.ts) spread over SHARDS
 * tables. A table grows by rehashing all it holds at once, a stall of every request in flight;
 * sixteen tables of a sixteenth the size each stall a sixteenth as long. The shard comes from
 * the seeded fingerprint, so a client cannot steer its nonces into one table.
 */
interface KeyNonces {
  size: number;
  shards: (FingerprintTable | undefined)[];
}

const SHARDS = 16;

/**
 * In memory, in generations: each generation holds the nonces of one slice of time and is
 * dropped whole once all of them have expired, so sweeping costs nothing per entry. Nonces are
 * kept per AccessKey, and one key may hold at most `maxPerKey` at a time: a key's holder can
 * only slow itself down (Throttling.User), never exhaust the process's memory.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly generations = new Map<number, Map<string, KeyNonces>>();
  private readonly fingerprint = new Fingerprinter();

  constructor(
    private readonly sliceMs = 60_000,
    private readonly maxPerKey = DEFAULT_MAX_NONCES_PER_KEY,
  ) {}

  claim(accessKeyId: string, nonce: string, expiresAt: number): boolean {
    const f = this.fingerprint;
    f.take(nonce);
    const { a, b } = f;
    const shard = b & (SHARDS - 1);
    let held = 0;
    for (const generation of this.generations.values()) {
      const mine = generation.get(accessKeyId);
      if (mine === undefined) continue;
      if (mine.shards[shard]?.has(a, b)) return false;
      held += mine.size;
    }
    if (held >= this.maxPerKey) throw tooMany(held, this.maxPerKey);
    const slot = Math.ceil(expiresAt / this.sliceMs);
    let generation = this.generations.get(slot);
    if (!generation) {
      generation = new Map();
      this.generations.set(slot, generation);
    }
    let mine = generation.get(accessKeyId);
    if (!mine) {
      mine = { size: 0, shards: new Array(SHARDS).fill(undefined) };
      generation.set(accessKeyId, mine);
    }
    let table = mine.shards[shard];
    if (table === undefined) {
      table = new FingerprintTable();
      mine.shards[shard] = table;
    }
    table.add(a, b);
    mine.size++;
    return true;
  }

  sweep(now: number): void {
    for (const slot of this.generations.keys()) {
      if (slot * this.sliceMs < now) this.generations.delete(slot);
    }
  }

  get size(): number {
    let n = 0;
    for (const g of this.generations.values()) for (const k of g.values()) n += k.size;
    return n;
  }
}

function tooMany(held: number, max: number): Error {
  return errors.throttled(
    `This AccessKey has sent ${held} requests within the timestamp window; each nonce is remembered for the window, and one key may hold at most ${max}. Slow down, or spread the load over several AccessKeys.`,
  );
}

/**
 * How many nonces each AccessKey has claimed through this process and not yet seen expire,
 * counted in the same time slices as the memory store (a count per key and slice, not the
 * nonces). Only keys that signed correctly are counted, so it holds at most one entry per
 * existing key and slice.
 */
export class NonceQuota {
  private readonly generations = new Map<number, Map<string, number>>();

  constructor(
    private readonly sliceMs: number,
    private readonly maxPerKey: number,
  ) {}

  /**
   * Counts one more nonce for the key, or throws Throttling.User when it already holds its
   * maximum. Counted before the claim's round trip, not after it: claims in flight together
   * would otherwise all pass the check and overshoot the bound. `release` takes it back when
   * the nonce turns out to be used already, or the claim fails.
   */
  reserve(accessKeyId: string, expiresAt: number): void {
    let held = 0;
    for (const g of this.generations.values()) held += g.get(accessKeyId) ?? 0;
    if (held >= this.maxPerKey) throw tooMany(held, this.maxPerKey);
    const slot = Math.ceil(expiresAt / this.sliceMs);
    let g = this.generations.get(slot);
    if (!g) {
      g = new Map();
      this.generations.set(slot, g);
    }
    g.set(accessKeyId, (g.get(accessKeyId) ?? 0) + 1);
  }

  release(accessKeyId: string, expiresAt: number): void {
    const g = this.generations.get(Math.ceil(expiresAt / this.sliceMs));
    const n = g?.get(accessKeyId);
    if (g === undefined || n === undefined) return;
    if (n <= 1) g.delete(accessKeyId);
    else g.set(accessKeyId, n - 1);
  }

  sweep(now: number): void {
    for (const slot of this.generations.keys()) {
      if (slot * this.sliceMs < now) this.generations.delete(slot);
    }
  }
}

/**
 * Nonces as rows (`access_key_id`, `nonce` ≤ 64 characters, `expires_at`), claimed with
 * INSERT ... ON CONFLICT DO NOTHING. The per-key bound is counted in the process (NonceQuota)
 * rather than with a COUNT per request: each replica lets a key add at most `maxPerKey` rows
 * per window, so the table holds at most replicas × keys × maxPerKey rows.
 *
 * The claims of one event-loop turn go to PostgreSQL as one statement: a multi-row insert whose
 * RETURNING names the rows it added, so each caller learns whether its nonce was unused. Under
 * load one round trip (one statement, one commit) serves many signed calls. A nonce claimed
 * twice in one batch is sent once; the first caller gets the answer, the others are replays.
 */
export class DatabaseNonceStore implements NonceStore {
  private readonly quota: NonceQuota;
  private batch: PendingClaim[] | undefined;

  constructor(
    private readonly db: Db,
    maxPerKey = DEFAULT_MAX_NONCES_PER_KEY,
    sliceMs = 60_000,
  ) {
    this.quota = new NonceQuota(sliceMs, maxPerKey);
  }

  async claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    this.quota.reserve(accessKeyId, expiresAt);
    return new Promise<boolean>((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        // After the poll phase: every request that arrived in it has claimed by then.
        setImmediate(() => this.flush());
      }
      this.batch.push({ accessKeyId, nonce, expiresAt, resolve, reject });
    }).then(
      (claimed) => {
        if (!claimed) this.quota.release(accessKeyId, expiresAt);
        return claimed;
      },
      (e: unknown) => {
        this.quota.release(accessKeyId, expiresAt);
        throw e;
      },
    );
  }

  private async flush(): Promise<void> {
    const batch = this.batch ?? [];
    this.batch = undefined;
    // One row per distinct (key, nonce): the first claim of a pair gets the answer.
    const first = new Map<string, PendingClaim>();
    const replays: PendingClaim[] = [];
    for (const c of batch) {
      const id = pairId(c.accessKeyId, c.nonce);
      if (first.has(id)) replays.push(c);
      else first.set(id, c);
    }
    const rows = [...first.values()];
    try {
      const r = await this.db.runPrepared<{ access_key_id: string; nonce: string }>(
        'dshub_claim_nonces',
        CLAIM_SQL,
        [rows.map((c) => c.accessKeyId), rows.map((c) => c.nonce), rows.map((c) => c.expiresAt)],
        // The claim's commit does not wait for its WAL flush (5–7 ms on this kind of disk, and
        // all of PostgreSQL's busy time under GetDataSource load): visible to every replica at
        // once, and made durable by the next durable commit of any write (docs/SECURITY.md).
        { asyncCommit: true },
      );
      const added = new Set(r.rows.map((row) => pairId(row.access_key_id, row.nonce)));
      for (const [id, c] of first) c.resolve(added.has(id));
      for (const c of replays) c.resolve(false);
    } catch (e) {
      for (const c of batch) c.reject(e);
    }
  }

  async sweep(now: number): Promise<void> {
    this.quota.sweep(now);
    await sql`delete from nonces where expires_at < ${now}`.execute(this.db.kysely);
  }
}

interface PendingClaim {
  accessKeyId: string;
  nonce: string;
  expiresAt: number;
  resolve(claimed: boolean): void;
  reject(e: unknown): void;
}

// AccessKeyIds and nonces are printable ASCII: a NUL cannot occur in either.
const pairId = (accessKeyId: string, nonce: string) => `${accessKeyId}\u0000${nonce}`;

/**
 * The batch as three arrays (one statement text for every batch size, so one prepared
 * statement). DO NOTHING skips a row whose nonce is taken, by an earlier batch, a concurrent
 * one, or another replica; RETURNING names only the rows this statement added.
 */
const CLAIM_SQL =
  'insert into "nonces" ("access_key_id", "nonce", "expires_at") ' +
  'select * from unnest($1::text[], $2::text[], $3::int8[]) ' +
  'on conflict ("access_key_id", "nonce") do nothing returning "access_key_id", "nonce"';
