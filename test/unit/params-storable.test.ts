/**
 * Regression (issue: a NUL byte answered 500 on PostgreSQL; JSON nested ~2,000 levels answered
 * 500): every declared parameter of every operation refuses NUL and unpaired surrogates in its
 * coercion, and JSON parameters refuse nesting past MAX_JSON_DEPTH, as InvalidParameter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../src/errors.js';
import { OPERATIONS } from '../../src/registry/index.js';
import { checkJson, MAX_JSON_DEPTH } from '../../src/registry/params.js';

function refused(fn: () => unknown, name: string): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isApiError(e), `not an ApiError: ${String(e)}`);
    assert.equal(e.code, `InvalidParameter.${name}`);
    assert.equal(e.status, 400);
    return e.message;
  }
  assert.fail(`${name}: accepted`);
}

describe('every parameter refuses characters the stores cannot hold', () => {
  for (const op of OPERATIONS) {
    for (const [name, spec] of Object.entries(op.params)) {
      it(`${op.action}.${name}`, () => {
        for (const value of ['a\u0000b', '\u0000', 'x\ud800y', '\udc00']) {
          refused(() => spec.parse(name, { value }), name);
        }
        refused(() => spec.parse(name, { items: ['ok', 'a\u0000b'] }), name);
      });
    }
  }
});

describe('JSON parameters', () => {
  it('refuse NUL written as a JSON escape, in values and member names', () => {
    assert.match(
      refused(() => checkJson('P', { a: ['x', 'y\u0000'] }), 'P'),
      /NUL character/,
    );
    refused(() => checkJson('P', { 'k\u0000': 1 }), 'P');
    refused(() => checkJson('P', { k: '\ud83d' }), 'P');
    checkJson('P', { k: '\ud83d\ude00 ok' });
  });

  it(`refuse nesting past ${MAX_JSON_DEPTH} levels without exhausting the stack`, () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    assert.match(
      refused(() => checkJson('P', deep), 'P'),
      /deeper than/,
    );
    let ok: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = [ok];
    checkJson('P', ok);
    refused(() => checkJson('P', [ok]), 'P');
  });
});
