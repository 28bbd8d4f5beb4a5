import { randomFillSync } from 'node:crypto';

/**
 * RequestIds: random (version 4) UUIDs in upper case, the form Alibaba's answers carry. Written
 * as ASCII into one buffer from a pool of random bytes filled 4 KiB at a time (as Node's own
 * `randomUUID` buffers its entropy): `randomUUID().toUpperCase()` built the lower-case text and
 * then an upper-case copy of it on every call. They are names, not secrets.
 */
const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length;
const TEXT = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Where each random byte's two digits go in TEXT. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function newRequestId(): string {
  if (used === POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  for (let i = 0; i < 16; i++) {
    let b = POOL[used + i]!;
    // The version (4) and the variant (10xx) of RFC 9562.
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    const at = AT[i]!;
    TEXT[at] = HEX[b >> 4]!;
    TEXT[at + 1] = HEX[b & 15]!;
  }
  used += 16;
  return TEXT.toString('latin1');
}
