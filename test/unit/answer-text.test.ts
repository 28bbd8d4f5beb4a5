/**
 * An answer served again (src/registry/answer-text.ts) keeps the text it had when it was marked
 * and cannot be changed afterwards; any other answer is serialised as it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerText, servedAgain } from '../../src/registry/answer-text.js';

describe('answer text', () => {
  it('serialises an unmarked answer each time, as it is then', () => {
    const answer: Record<string, unknown> = { A: 1 };
    assert.equal(answerText(answer), '{"A":1}');
    answer.B = 'x';
    assert.equal(answerText(answer), '{"A":1,"B":"x"}');
  });

  it('makes a marked answer frozen, with its text made once', () => {
    const answer = servedAgain({
      DataSource: { Id: 7, Name: 'orders' } as Record<string, unknown>,
    });
    assert.ok(Object.isFrozen(answer));
    assert.throws(() => {
      (answer as Record<string, unknown>).Extra = 1;
    }, TypeError);
    assert.equal(answerText(answer), '{"DataSource":{"Id":7,"Name":"orders"}}');
  });
});
