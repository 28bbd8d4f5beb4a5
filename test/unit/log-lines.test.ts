/**
 * Request lines are encoded into a buffer and handed to the file writer WRITE_BYTES (64 KiB) at
 * a time (src/observability/logger.ts, LineBatch); nothing collected is lost at a stop.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import {
  createLogger,
  flushLogger,
  flushLoggerSync,
  logDestination,
  WRITE_BYTES,
} from '../../src/observability/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'dshub-log-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The file is opened asynchronously: until it exists, nothing is written.
const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

// flushLogger gives up after 2 s by default, a bound for a stopping server; these tests are about
// what the flush writes, not how soon. (951 of 984 lines in the file after a flush was first
// taken for a slow machine; it was a flush asked while a write was in flight, the last test.)
const FLUSH_WAIT_MS = 60_000;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

it('holds a few lines until flushed, then every one is written, in order', async () => {
  const file = join(dir, 'few.log');
  const logger = createLogger('info', logDestination(file));
  for (let i = 0; i < 3; i++) logger.info({ n: i }, 'request');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(lines(file), []);
  await flushLogger(logger, FLUSH_WAIT_MS);
  assert.deepEqual(
    lines(file).map((l) => JSON.parse(l).n),
    [0, 1, 2],
  );
});

it('hands lines over once WRITE_BYTES are collected, without a flush', async () => {
  const file = join(dir, 'many.log');
  const logger = createLogger('info', logDestination(file));
  const n = Math.ceil((1.5 * WRITE_BYTES) / 100); // about 100 bytes each
  for (let i = 0; i < n; i++) logger.info({ n: i, pad: 'x'.repeat(40) }, 'request');
  await until(() => lines(file).length > 0);
  const written = lines(file).map((l) => JSON.parse(l).n);
  assert.ok(written.length > 0 && written.length < n, `${written.length} lines written`);
  assert.deepEqual(written, [...written.keys()]);
  await flushLogger(logger, FLUSH_WAIT_MS);
  assert.equal(lines(file).length, n);
});

it('writes what is collected synchronously for an exit that cannot wait', async () => {
  const file = join(dir, 'sync.log');
  const logger = createLogger('info', logDestination(file));
  await new Promise((r) => setTimeout(r, 50)); // a file (not stdout) is opened asynchronously
  logger.info({ n: 1 }, 'last words');
  flushLoggerSync(logger);
  assert.equal(JSON.parse(lines(file)[0]!).msg, 'last words');
});

it('writes every line when the flush is asked while a write is in flight', async () => {
  const file = join(dir, 'in-flight.log');
  const logger = createLogger('info', logDestination(file));
  await new Promise((r) => setTimeout(r, 50)); // a file (not stdout) is opened asynchronously
  // A line over WRITE_BYTES is handed over at once and starts a write in the thread pool; three
  // more stay collected, under sonic-boom's minLength, and the flush is asked at once, before
  // that write can have finished.
  logger.info({ n: 0, pad: 'x'.repeat(WRITE_BYTES) }, 'request');
  const n = 4;
  for (let i = 1; i < n; i++) logger.info({ n: i }, 'request');
  await flushLogger(logger, FLUSH_WAIT_MS);
  assert.deepEqual(
    lines(file).map((l) => JSON.parse(l).n),
    [...Array(n).keys()],
  );
});

it('keeps every byte of multi-byte lines across many buffers, reused once written', async () => {
  const file = join(dir, 'utf8.log');
  const logger = createLogger('info', logDestination(file));
  // Lines of 1-, 2-, 3- and 4-byte characters, of lengths that do not divide WRITE_BYTES, so that
  // lines meet the end of a buffer at every offset; six buffers' worth, so that buffers written
  // out are reused while later ones are in flight. One line longer than a buffer among them.
  const texts = ['plain', 'é', '数据源', '😀'].map((c, i) => c.repeat(37 + 11 * i));
  const n = Math.ceil((6 * WRITE_BYTES) / 200);
  const expected: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = i === n >> 1 ? '数'.repeat(WRITE_BYTES) : texts[i % texts.length]!;
    expected.push(text);
    logger.info({ n: i, text }, 'request');
    if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // writes complete meanwhile
  }
  await flushLogger(logger, FLUSH_WAIT_MS);
  const got = lines(file).map((l) => JSON.parse(l) as { n: number; text: string });
  assert.equal(got.length, n);
  got.forEach((l, i) => {
    assert.equal(l.n, i);
    assert.equal(l.text, expected[i]);
  });
});
