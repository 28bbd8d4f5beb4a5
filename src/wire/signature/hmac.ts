/**
 * HMAC (RFC 2104) in hex or base64, computed as two one-shot hashes over pads kept per key.
 *
 * Every signed call costs one HMAC, and `crypto.createHmac` spends most of its 1.7 µs (in a loop;
 * in a loaded server, replacing it saved about 3 µs per call: docs/PERFORMANCE.md, round 12)
 * setting up an HMAC context for the key (a KeyObject, an OpenSSL MAC context), not hashing: the
 * message is under a hundred bytes. HMAC is H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) for a key K no longer than the
 * hash's 64-byte block, zero-padded; keeping K ⊕ ipad and K ⊕ opad per key makes it two calls
 * of `crypto.hash` (0.3 µs each) and about 0.8 µs in all. test/unit/hmac.test.ts checks the
 * result against `createHmac` for keys and messages of every shape.
 *
 * The shortcut holds for ASCII keys of up to 64 characters, which every dshub secret is: the
 * pads are then ASCII text, so the inner input (pad text + message) encodes to exactly the bytes
 * HMAC hashes. Any other key (and a Node without `crypto.hash`, before 20.12) takes createHmac.
 */
import * as crypto from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256';

const BLOCK = 64;
const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32 };
// Only the secrets of AccessKeys that exist get here, and few are in use at once;
// the bound keeps a deployment with very many keys, or many rotations, from growing the map
// without end. A full map simply starts again.
const MAX_KEYS = 1_024;
const ASCII_END = 0x80;

interface Pads {
  /** K ⊕ ipad as text (ASCII, so its UTF-8 bytes are the pad's bytes). */
  inner: string;
  /** K ⊕ opad in the first 64 bytes; the inner digest is written after it, then hashed. */
  outer: Buffer;
}

const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;
const padsByKey: Record<HmacAlgorithm, Map<string, Pads>> = { sha1: new Map(), sha256: new Map() };

function padsFor(algorithm: HmacAlgorithm, key: string): Pads | undefined {
  const known = padsByKey[algorithm].get(key);
  if (known !== undefined) return known;
  if (key.length > BLOCK) return undefined;
  let inner = '';
  const outer = Buffer.alloc(BLOCK + DIGEST_BYTES[algorithm]);
  for (let i = 0; i < BLOCK; i++) {
    const k = i < key.length ? key.charCodeAt(i) : 0;
    if (k >= ASCII_END) return undefined;
    inner += String.fromCharCode(k ^ 0x36);
    outer[i] = k ^ 0x5c;
  }
  const pads = { inner, outer };
  const cache = padsByKey[algorithm];
  if (cache.size >= MAX_KEYS) cache.clear();
  cache.set(key, pads);
  return pads;
}

export function hmac(
  algorithm: HmacAlgorithm,
  key: string,
  message: string,
  encoding: 'hex' | 'base64',
): string {
  const pads = oneShot === undefined ? undefined : padsFor(algorithm, key);
  if (oneShot === undefined || pads === undefined) {
    return crypto.createHmac(algorithm, key).update(message).digest(encoding);
  }
  // 'binary' (latin1) maps each digest byte to one character, so writing it back as latin1
  // restores the bytes. The buffer is shared by every call with this key: nothing runs between
  // the write and the hash that reads it.
  pads.outer.write(oneShot(algorithm, pads.inner + message, 'binary'), BLOCK, 'latin1');
  return oneShot(algorithm, pads.outer, encoding);
}
