/**
 * Answers are written at the end of the event-loop turn that produced them, all together and in
 * the order they became ready (src/server/api-route.ts, AnswerBatch).
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { it } from 'node:test';
import { AnswerBatch } from '../../src/server/api-route.js';

function fakeResponse(log: string[], name: string): ServerResponse {
  return {
    writeHead: (status: number, headers: string[]) => {
      log.push(`${name} head ${status} ${headers.join(' ')}`);
    },
    cork: () => {
      log.push(`${name} cork`);
    },
    write: (body: string) => {
      log.push(`${name} write ${body}`);
    },
    end: (body: string | Buffer) => {
      log.push(`${name} end ${body.toString()}`);
    },
  } as unknown as ServerResponse;
}

it('writes nothing at once, then every answer of the turn in order, headers before body', async () => {
  const log: string[] = [];
  const batch = new AnswerBatch();
  const a = { status: 200, body: '{"x":"é"}', tail: undefined, requestId: 'R1' };
  batch.add(fakeResponse(log, 'a'), a);
  batch.add(fakeResponse(log, 'b'), { status: 404, body: '{}', tail: undefined, requestId: 'R2' });
  const tail = Buffer.from(',"y":"é"}');
  batch.add(fakeResponse(log, 'c'), { status: 200, body: '{"x":1', tail, requestId: 'R3' });
  assert.deepEqual(log, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, [
    'a head 200 content-type application/json;charset=utf-8 x-acs-request-id R1 content-length 10',
    'a end {"x":"é"}',
    'b head 404 content-type application/json;charset=utf-8 x-acs-request-id R2 content-length 2',
    'b end {}',
    // Head and kept bytes held together until the end uncorks them.
    'c head 200 content-type application/json;charset=utf-8 x-acs-request-id R3 content-length 16',
    'c cork',
    'c write {"x":1',
    'c end ,"y":"é"}',
  ]);
});

it('an answer ready after a flush is written by the next one', async () => {
  const log: string[] = [];
  const batch = new AnswerBatch();
  batch.add(fakeResponse(log, 'a'), { status: 200, body: '{}', tail: undefined, requestId: 'R1' });
  await new Promise((r) => setImmediate(r));
  batch.add(fakeResponse(log, 'b'), { status: 200, body: '{}', tail: undefined, requestId: 'R2' });
  assert.equal(log.length, 2);
  await new Promise((r) => setImmediate(r));
  assert.equal(log.length, 4);
  assert.match(log[3]!, /^b end/);
});
