import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { type HmacAlgorithm, hmac } from '../../src/wire/signature/hmac.js';

const ALGORITHMS: HmacAlgorithm[] = ['sha1', 'sha256'];

function expected(a: HmacAlgorithm, key: string, message: string, enc: 'hex' | 'base64'): string {
  return createHmac(a, key).update(message).digest(enc);
}

function asciiText(length: number): string {
  // Every ASCII code, control characters and DEL included.
  return String.fromCharCode(...[...randomBytes(length)].map((b) => b & 0x7f));
}

describe('hmac: the same bytes as crypto.createHmac', () => {
  for (const a of ALGORITHMS) {
    test(`${a}: ASCII keys of every length up to the block and past it`, () => {
      for (let length = 0; length <= 80; length++) {
        const key = asciiText(length);
        for (const message of ['', 'x', asciiText(200), 'ACS3-HMAC-SHA256\nabc', 'ü€𝄞 text']) {
          for (const enc of ['hex', 'base64'] as const) {
            assert.equal(hmac(a, key, message, enc), expected(a, key, message, enc), `${length}`);
          }
        }
      }
    });

    test(`${a}: non-ASCII keys (the createHmac path)`, () => {
      for (const key of ['é', 'secret€', `${'a'.repeat(63)}ü`, '\u0080', '𝄞']) {
        assert.equal(hmac(a, key, 'message', 'hex'), expected(a, key, 'message', 'hex'));
      }
    });

    test(`${a}: one key used many times in a row, and many keys in turn, stay right`, () => {
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}-${asciiText(20)}`);
      for (let round = 0; round < 50; round++) {
        const key = keys[round % keys.length]!;
        const message = asciiText(round * 3);
        assert.equal(hmac(a, key, message, 'hex'), expected(a, key, message, 'hex'));
        assert.equal(hmac(a, key, message, 'hex'), expected(a, key, message, 'hex'));
      }
    });
  }

  test('more keys than the cache holds: still right after it starts again', () => {
    for (let i = 0; i < 2_100; i++) {
      const key = `k${i}`;
      assert.equal(hmac('sha256', key, 'm', 'hex'), expected('sha256', key, 'm', 'hex'));
    }
  });
});
