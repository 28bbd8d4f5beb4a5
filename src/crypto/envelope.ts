/**
 * Envelope encryption for every secret dshub stores: each record gets its own random data key
 * (AES-256-GCM), and the data key is stored wrapped by the master key. Rotating the master key
 * re-wraps data keys only; ciphertexts stay as they are.
 *
 * Sealed text format: `v1:<masterKeyId>:<wrapped data key, b64>:<ciphertext, b64>`, where both
 * binary parts are iv(12) | tag(16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new EnvelopeError('sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

interface Parsed {
  keyId: string;
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

function parse(text: string): Parsed {
  const parts = text.split(':');
  if (parts.length !== 4 || parts[0] !== 'v1') throw new EnvelopeError('unknown sealed format');
  return {
    keyId: parts[1]!,
    wrappedKey: Buffer.from(parts[2]!, 'base64'),
    ciphertext: Buffer.from(parts[3]!, 'base64'),
  };
}

/**
 * Seals and opens secrets under the keyring's current master key. `purpose` is bound into both
 * layers as additional authenticated data, so a sealed value copied onto another kind of record
 * does not open.
 */
export class Envelope {
  constructor(private readonly keyring: Keyring) {}

  seal(plaintext: string, purpose: string): string {
    const dataKey = randomBytes(32);
    const { id, key } = this.keyring.current();
    const wrapped = seal(key, dataKey, `dek:${purpose}`);
    const ct = seal(dataKey, Buffer.from(plaintext, 'utf8'), purpose);
    return `v1:${id}:${wrapped.toString('base64')}:${ct.toString('base64')}`;
  }

  open(sealed: string, purpose: string): string {
    const p = parse(sealed);
    const master = this.keyring.get(p.keyId);
    if (!master) {
      throw new EnvelopeError(
        `the master key ${p.keyId} that sealed this value is not loaded (was the master key rotated without keeping the old one?)`,
      );
    }
    const dataKey = open(master, p.wrappedKey, `dek:${purpose}`);
    return open(dataKey, p.ciphertext, purpose).toString('utf8');
  }

  /** The id of the master key a sealed value is wrapped under. */
  keyIdOf(sealed: string): string {
    return parse(sealed).keyId;
  }

  /** Re-wraps the data key under the current master key; the ciphertext is untouched. */
  rewrap(sealed: string, purpose: string): string {
    const p = parse(sealed);
    const current = this.keyring.current();
    if (p.keyId === current.id) return sealed;
    const old = this.keyring.get(p.keyId);
    if (!old) throw new EnvelopeError(`the master key ${p.keyId} is not loaded`);
    const dataKey = open(old, p.wrappedKey, `dek:${purpose}`);
    const wrapped = seal(current.key, dataKey, `dek:${purpose}`);
    return `v1:${current.id}:${wrapped.toString('base64')}:${p.ciphertext.toString('base64')}`;
  }
}
