/**
 * Sets of 64-bit fingerprints in flat typed arrays, for the nonces of the timestamp window.
 *
 * Kept as strings in Sets, every nonce was a string object and a Set entry on the V8 heap (about
 * 190 bytes), 13 MB of the live heap after 15 minutes at benchmark rates, marked again by every
 * major collection and copied by the scavenger before its promotion. A fingerprint is two 32-bit
 * numbers in an Int32Array (16–32 bytes a nonce at the table's load), invisible to the collector.
 *
 * Two different nonces of one key, remembered at the same time, share a fingerprint with
 * probability about n / 2^64 per claim (n held): below 1e-13 at the per-key cap of 500,000. The
 * cost of such a collision is one request refused as a replay, which the client retries with a
 * new nonce. The hash is seeded per process, so nonces cannot be chosen to collide on purpose
 * (and a key's holder could only make its own requests fail).
 */
import { randomBytes } from 'node:crypto';

/** murmur3's mixing over UTF-16 code units: fast in JS, and seeds give independent hashes. */
function hash32(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A string's 64-bit fingerprint under this process's seeds, as two 32-bit halves. */
export class Fingerprinter {
  private readonly seedA: number;
  private readonly seedB: number;
  /** The halves of the last `take`, read right after it (no array per call). */
  a = 0;
  b = 0;

  constructor(seed: Buffer = randomBytes(8)) {
    this.seedA = seed.readInt32LE(0);
    this.seedB = seed.readInt32LE(4);
  }

  take(s: string): void {
    this.a = hash32(s, this.seedA);
    // (0, 0) marks an empty slot in a table.
    this.b = hash32(s, this.seedB) || 1;
  }
}

const INITIAL_SLOTS = 256;

/**
 * An open-addressing set of fingerprints (linear probing), at most half full. Growing rehashes
 * a flat array: about 1 ms per 100,000 fingerprints, against 10–20 ms for a Set of strings of
 * the same size; MemoryNonceStore spreads a key's fingerprints over several tables besides.
 */
export class FingerprintTable {
  private slots = new Int32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  size = 0;

  has(a: number, b: number): boolean {
    const slots = this.slots;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const sa = slots[2 * i]!;
      const sb = slots[2 * i + 1]!;
      if (sa === a && sb === b) return true;
      if (sb === 0 && sa === 0) return false;
    }
  }

  /** Adds the fingerprint; false when it was there already. */
  add(a: number, b: number): boolean {
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    const slots = this.slots;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const sa = slots[2 * i]!;
      const sb = slots[2 * i + 1]!;
      if (sa === a && sb === b) return false;
      if (sb === 0 && sa === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        this.size++;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const n = 2 * (this.mask + 1);
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.add(old[i]!, old[i + 1]!);
    }
  }
}
