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
import { type Prepared, param, prepare } from '../store/prepared.js';

export interface NonceStore {
  /** True when the nonce was unused (and is now recorded), false when it was used already. */
  claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> | boolean;
  /** Forgets expired nonces; called periodically. */
  sweep(now: number): Promise<void> | void;
}

/** Alibaba's clients send 32 hex digits or a UUID; anything longer is refused before storing. */
export const MAX_NONCE_LENGTH = 64;
/** Outstanding nonces one AccessKey may hold in memory (about 130 bytes each). */
export const DEFAULT_MAX_NONCES_PER_KEY = 500_000;

/**
 * In memory, in generations: each generation holds the nonces of one slice of time and is
 * dropped whole once all of them have expired, so sweeping costs nothing per entry. Nonces are
 * kept per AccessKey, and one key may hold at most `maxPerKey` at a time: a key's holder can
 * only slow itself down (Throttling.User), never exhaust the process's memory.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly generations = new Map<number, Map<string, Set<string>>>();

  constructor(
    private readonly sliceMs = 60_000,
    private readonly maxPerKey = DEFAULT_MAX_NONCES_PER_KEY,
  ) {}

  claim(accessKeyId: string, nonce: string, expiresAt: number): boolean {
    let held = 0;
    for (const generation of this.generations.values()) {
      const set = generation.get(accessKeyId);
      if (set === undefined) continue;
      if (set.has(nonce)) return false;
      held += set.size;
    }
    if (held >= this.maxPerKey) throw tooMany(held, this.maxPerKey);
    const slot = Math.ceil(expiresAt / this.sliceMs);
    let generation = this.generations.get(slot);
    if (!generation) {
      generation = new Map();
      this.generations.set(slot, generation);
    }
    let set = generation.get(accessKeyId);
    if (!set) {
      set = new Set();
      generation.set(accessKeyId, set);
    }
    set.add(nonce);
    return true;
  }

  sweep(now: number): void {
    for (const slot of this.generations.keys()) {
      if (slot * this.sliceMs < now) this.generations.delete(slot);
    }
  }

  get size(): number {
    let n = 0;
    for (const g of this.generations.values()) for (const s of g.values()) n += s.size;
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
 * Nonces as rows (`access_key_id`, `nonce` ≤ 64 characters, `expires_at`), claimed with one
 * INSERT ... ON CONFLICT DO NOTHING. The per-key bound is counted in the process (NonceQuota)
 * rather than with a COUNT per request: each replica lets a key add at most `maxPerKey` rows
 * per window, so the table holds at most replicas × keys × maxPerKey rows.
 */
export class DatabaseNonceStore implements NonceStore {
  // Every signed request runs it: compiled once (store/prepared.ts).
  private readonly insert: Prepared<unknown, 'accessKeyId' | 'nonce' | 'expiresAt'>;
  private readonly quota: NonceQuota;

  constructor(
    private readonly db: Db,
    maxPerKey = DEFAULT_MAX_NONCES_PER_KEY,
    sliceMs = 60_000,
  ) {
    this.quota = new NonceQuota(sliceMs, maxPerKey);
    this.insert = prepare(
      db,
      'dshub_claim_nonce',
      db.kysely
        .insertInto('nonces')
        .values({
          access_key_id: param<string>('accessKeyId'),
          nonce: param<string>('nonce'),
          expires_at: param<number>('expiresAt'),
        })
        .onConflict((oc) => oc.columns(['access_key_id', 'nonce']).doNothing()),
      ['accessKeyId', 'nonce', 'expiresAt'],
      // The claim's commit does not wait for its WAL flush (5–7 ms on this kind of disk, and all
      // of PostgreSQL's busy time under GetDataSource load): visible to every replica at once,
      // and made durable by the next durable commit of any write (docs/SECURITY.md).
      { asyncCommit: true },
    );
  }

  async claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    this.quota.reserve(accessKeyId, expiresAt);
    let claimed = false;
    try {
      claimed = (await this.insert.run({ accessKeyId, nonce, expiresAt })).changes === 1;
      return claimed;
    } finally {
      if (!claimed) this.quota.release(accessKeyId, expiresAt);
    }
  }

  async sweep(now: number): Promise<void> {
    this.quota.sweep(now);
    await sql`delete from nonces where expires_at < ${now}`.execute(this.db.kysely);
  }
}
