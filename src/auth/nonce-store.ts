/**
 * A nonce is accepted once per AccessKey within the timestamp window. With SQLite (one process)
 * the nonces live in memory; with PostgreSQL they live in the database, so replicas behind a
 * load balancer refuse a replay that reaches another replica.
 */
import { sql } from 'kysely';
import type { Db } from '../store/dialect.js';

export interface NonceStore {
  /** True when the nonce was unused (and is now recorded), false when it was used already. */
  claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> | boolean;
  /** Forgets expired nonces; called periodically. */
  sweep(now: number): Promise<void> | void;
}

/**
 * In memory, in generations: each generation holds the nonces of one slice of time and is
 * dropped whole once all of them have expired, so sweeping costs nothing per entry.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly generations = new Map<number, Set<string>>();

  constructor(private readonly sliceMs = 60_000) {}

  claim(accessKeyId: string, nonce: string, expiresAt: number): boolean {
    const key = `${accessKeyId}\n${nonce}`;
    for (const set of this.generations.values()) if (set.has(key)) return false;
    const slot = Math.ceil(expiresAt / this.sliceMs);
    let set = this.generations.get(slot);
    if (!set) {
      set = new Set();
      this.generations.set(slot, set);
    }
    set.add(key);
    return true;
  }

  sweep(now: number): void {
    for (const slot of this.generations.keys()) {
      if (slot * this.sliceMs < now) this.generations.delete(slot);
    }
  }

  get size(): number {
    let n = 0;
    for (const s of this.generations.values()) n += s.size;
    return n;
  }
}

export class DatabaseNonceStore implements NonceStore {
  constructor(private readonly db: Db) {}

  async claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const r = await this.db.kysely
      .insertInto('nonces')
      .values({ access_key_id: accessKeyId, nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['access_key_id', 'nonce']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async sweep(now: number): Promise<void> {
    await sql`delete from nonces where expires_at < ${now}`.execute(this.db.kysely);
  }
}
