/**
 * CPU per request log line: formatting alone (a destination that drops the line), the server's
 * destination (src/observability/logger.ts: asynchronous, WRITE_BYTES at a time), each through
 * pino's generic path and through the request-line template the server uses, and synchronous
 * writes for comparison. Lines are written in bursts of 16 with a turn of the event loop
 * between bursts, as a busy server writes them.
 *   npx tsx bench/log-lines.ts        (DSHUB_BENCH_LINES, default 100000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogger, logDestination, WRITE_BYTES } from '../src/observability/logger.js';
import { logRequest } from '../src/observability/request-line.js';
import { SAMPLE_REQUEST_LINE } from '../test/helpers/request-line.js';

const LINES = Number(process.env.DSHUB_BENCH_LINES ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'dshub-bench-log-'));
const line = SAMPLE_REQUEST_LINE;

// `template` cases write as the server does (src/observability/request-line.ts); the others
// through pino's generic path.
const cases: Record<string, pino.Logger> = {
  'formatting only': createLogger('info', { write() {} }),
  'formatting only, template': createLogger('info', { write() {} }),
  'server destination': createLogger('info', logDestination(join(dir, 'server.log'))),
  'server destination, template': createLogger('info', logDestination(join(dir, 'server2.log'))),
  // What synchronous writes would save, and why the server does not use them: docs/PERFORMANCE.md.
  'synchronous writes of the same size': createLogger(
    'info',
    pino.destination({
      dest: join(dir, 'sync.log'),
      sync: true,
      minLength: WRITE_BYTES - 1,
      maxWrite: 2 * WRITE_BYTES,
    }),
  ),
};

const results = new Map<string, number[]>();
for (let round = 0; round < 5; round++) {
  // Interleaved rounds: a neighbour's burst inflates every case alike.
  for (const [name, logger] of Object.entries(cases)) {
    const before = process.cpuUsage();
    for (let i = 0; i < LINES; i += 16) {
      if (name.endsWith('template')) for (let j = 0; j < 16; j++) logRequest(logger, line);
      else for (let j = 0; j < 16; j++) logger.info(line, 'request');
      if (i % 1024 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise<void>((r) => logger.flush(() => r()));
    const used = process.cpuUsage(before);
    if (round > 0)
      results.set(name, [...(results.get(name) ?? []), (used.user + used.system) / LINES]);
  }
}
for (const [name, us] of results) {
  const sorted = us.sort((a, b) => a - b);
  process.stdout.write(
    `${name.padEnd(36)} ${sorted[sorted.length >> 1]!.toFixed(2)} µs/line (median of ${us.length})\n`,
  );
}
rmSync(dir, { recursive: true, force: true });
