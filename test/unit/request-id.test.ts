import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from '../../src/wire/request-id.js';

const UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

test('RequestIds are upper-case version 4 UUIDs, all different, across refills of the pool', () => {
  const seen = new Set<string>();
  // The pool holds 256 ids' bytes: this crosses about 200 refills.
  for (let i = 0; i < 50_000; i++) {
    const id = newRequestId();
    assert.match(id, UUID_V4);
    seen.add(id);
  }
  assert.equal(seen.size, 50_000);
});

test('every hex digit turns up in every free position (the bytes are spread, not stuck)', () => {
  const digits = Array.from({ length: 36 }, () => new Set<string>());
  for (let i = 0; i < 5_000; i++) {
    const id = newRequestId();
    for (let p = 0; p < 36; p++) digits[p]!.add(id[p]!);
  }
  for (let p = 0; p < 36; p++) {
    const expected = [8, 13, 18, 23].includes(p) ? 1 : p === 14 ? 1 : p === 19 ? 4 : 16;
    assert.equal(digits[p]!.size, expected, `position ${p}`);
  }
});
