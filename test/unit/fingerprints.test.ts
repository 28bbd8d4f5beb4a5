/**
 * Nonce fingerprints (src/auth/fingerprints.ts): a table never forgets a fingerprint it holds,
 * through every growth, and the fingerprints depend on the process's seed.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { Fingerprinter, FingerprintTable } from '../../src/auth/fingerprints.js';

it('holds every fingerprint added, through many growths, and nothing else', () => {
  const f = new Fingerprinter();
  const table = new FingerprintTable();
  const added = Array.from({ length: 100_000 }, (_, i) =>
    i % 2 ? randomUUID() : randomBytes(16).toString('hex'),
  );
  for (const n of added) {
    f.take(n);
    assert.equal(table.add(f.a, f.b), true, n);
  }
  assert.equal(table.size, added.length);
  for (const n of added) {
    f.take(n);
    assert.equal(table.has(f.a, f.b), true, n);
    assert.equal(table.add(f.a, f.b), false, 'a second add is refused');
  }
  let strangers = 0;
  for (let i = 0; i < 100_000; i++) {
    f.take(`other-${i}`);
    if (table.has(f.a, f.b)) strangers++;
  }
  assert.equal(strangers, 0);
});

it('takes the empty string, one character and any UTF-16 text', () => {
  const f = new Fingerprinter();
  const table = new FingerprintTable();
  for (const n of ['', 'a', 'é', '\ud800', 'ключ', 'a'.repeat(64)]) {
    f.take(n);
    assert.notEqual(f.b, 0, 'the second half is never 0 (0, 0 marks an empty slot)');
    assert.equal(table.add(f.a, f.b), true, JSON.stringify(n));
    assert.equal(table.has(f.a, f.b), true);
  }
});

it('is the same under one seed and differs under another', () => {
  const seed = randomBytes(8);
  const one = new Fingerprinter(seed);
  const same = new Fingerprinter(Buffer.from(seed));
  const other = new Fingerprinter(randomBytes(8));
  const n = randomBytes(16).toString('hex');
  one.take(n);
  same.take(n);
  other.take(n);
  assert.deepEqual([one.a, one.b], [same.a, same.b]);
  assert.notDeepEqual([one.a, one.b], [other.a, other.b]);
});
