/**
 * An answer served again (src/registry/answer-text.ts) keeps the body it had when it was marked,
 * as bytes, and cannot be changed afterwards; any other answer is serialised as it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AnswerBody, answerBody, servedAgain } from '../../src/registry/answer-text.js';

const whole = (b: AnswerBody) => b.head + (b.tail?.toString('utf8') ?? '');

describe('answer body', () => {
  it('serialises an unmarked answer each time, as it is then, after its RequestId', () => {
    const answer: Record<string, unknown> = { A: 1 };
    assert.deepEqual(answerBody('R1', answer), {
      head: '{"RequestId":"R1","A":1}',
      tail: undefined,
    });
    answer.B = 'x';
    assert.equal(whole(answerBody('R2', answer)), '{"RequestId":"R2","A":1,"B":"x"}');
    assert.equal(whole(answerBody('R3', {})), '{"RequestId":"R3"}');
  });

  it('makes a marked answer frozen, its members encoded once and served after each RequestId', () => {
    const answer = servedAgain({
      DataSource: { Id: 7, Name: 'orders é' } as Record<string, unknown>,
    });
    assert.ok(Object.isFrozen(answer));
    assert.throws(() => {
      (answer as Record<string, unknown>).Extra = 1;
    }, TypeError);
    const first = answerBody('R1', answer);
    const second = answerBody('R2', answer);
    assert.equal(first.head, '{"RequestId":"R1"');
    assert.equal(whole(second), '{"RequestId":"R2","DataSource":{"Id":7,"Name":"orders é"}}');
    assert.equal(second.tail, first.tail, 'the same bytes');
    assert.equal(whole(answerBody('R3', servedAgain({}))), '{"RequestId":"R3"}');
  });
});
