/**
 * The request line is written from a template (src/observability/request-line.ts) and must be
 * the line pino itself writes for `logger.info(line, 'request')`, byte for byte, whatever the
 * caller put in the fields it controls.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type pino from 'pino';
import { createLogger } from '../../src/observability/logger.js';
import { logRequest, type RequestLine } from '../../src/observability/request-line.js';
import { SAMPLE_REQUEST_LINE } from '../helpers/request-line.js';

function capture(level = 'info'): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger(level, { write: (s: string) => lines.push(s) }), lines };
}

const base = SAMPLE_REQUEST_LINE;

const cases: [string, RequestLine][] = [
  ['a signed call', base],
  [
    'no caller (refused before the signature held)',
    {
      ...base,
      caller: undefined,
      accessKeyId: undefined,
      code: 'SignatureDoesNotMatch',
      status: 400,
    },
  ],
  [
    'an action with quotes, backslashes and control characters',
    { ...base, action: 'Get"Data\\Source\n\u0000\u001f' },
  ],
  ['non-ASCII', { ...base, action: 'Ärger\u2028', accessKeyId: 'ключ' }],
  ['an IPv6 address and a whole millisecond', { ...base, ip: '::ffff:127.0.0.1', ms: 12 }],
];

for (const [name, line] of cases) {
  it(`matches pino's own line: ${name}`, () => {
    const ours = capture();
    const theirs = capture();
    logRequest(ours.logger, line);
    theirs.logger.info(line, 'request');
    assert.equal(ours.lines.length, 1);
    // The time field comes from the same clock but may differ by a millisecond.
    const strip = (s: string) => s.replace(/"time":"[^"]+"/, '"time":"T"');
    assert.equal(strip(ours.lines[0]!), strip(theirs.lines[0]!));
    assert.deepEqual(JSON.parse(ours.lines[0]!).action, line.action);
  });
}

it('escapes a lone surrogate, which pino writes raw (and the file would get U+FFFD)', () => {
  const { logger, lines } = capture();
  logRequest(logger, { ...base, action: 'Get\ud800' });
  assert.ok(lines[0]!.includes('"action":"Get\\ud800"'));
  assert.equal(JSON.parse(lines[0]!).action, 'Get\ud800');
});

it("follows the logger's level, also when it changes", () => {
  const { logger, lines } = capture('warn');
  logRequest(logger, base);
  assert.equal(lines.length, 0);
  logger.level = 'info';
  logRequest(logger, base);
  assert.equal(lines.length, 1);
});

it("carries a child logger's bindings as pino does", () => {
  const { logger, lines } = capture();
  const child = logger.child({ replica: 'a' });
  logRequest(child, base);
  child.info(base, 'request');
  const strip = (s: string) => s.replace(/"time":"[^"]+"/, '"time":"T"');
  assert.equal(strip(lines[0]!), strip(lines[1]!));
});
