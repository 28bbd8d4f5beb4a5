import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FREE_SLACK_BYTES,
  fullCollection,
  type HeapSlack,
  heapSlack,
  IdleMemoryRelease,
  type IdleTick,
  MAX_COLLECTIONS_PER_SPELL,
  RATE_WINDOW_MS,
  worthCollecting,
  YOUNG_SLACK_BYTES,
} from '../../src/observability/idle-memory.js';

const MB = 1024 * 1024;

describe('idle memory release', () => {
  const slack: HeapSlack = { youngBytes: 32 * MB, freeBytes: 30 * MB };
  const lean: HeapSlack = { youngBytes: 1 * MB, freeBytes: 8 * MB };

  it('collects only after idleMs without a request, and only while there is slack', () => {
    let now = slack;
    let collected = 0;
    const release = new IdleMemoryRelease(
      5_000,
      () => collected++,
      0,
      () => now,
    );
    assert.equal(release.tick(1_000), 'waiting');
    release.onRequest();
    assert.equal(release.tick(2_000), 'busy', 'a request arrived since the last check');
    assert.equal(release.tick(6_000), 'waiting', 'idle for 4 s only');
    assert.equal(release.tick(7_000), 'collected');
    now = lean;
    assert.equal(release.tick(13_000), 'lean', 'nothing left to give back');
    assert.equal(collected, 1);
  });

  it(`collects at most twice per idle spell, ${RATE_WINDOW_MS} ms apart, and again after the next request`, () => {
    const at: number[] = [];
    const release = new IdleMemoryRelease(
      1_000,
      () => at.push(t),
      0,
      () => slack,
    );
    let t = 0;
    const ticks: IdleTick[] = [];
    for (t = 1_000; t <= 20_000; t += 1_000) ticks.push(release.tick(t));
    assert.equal(MAX_COLLECTIONS_PER_SPELL, 2);
    assert.deepEqual(at, [1_000, 1_000 + RATE_WINDOW_MS]);
    assert.equal(ticks.at(-1), 'done');
    release.onRequest();
    assert.equal(release.tick(21_000), 'busy');
    assert.equal(release.tick(22_000), 'collected', `${RATE_WINDOW_MS} ms after the last one`);
    assert.equal(at.length, 3);
  });

  it('counts a young generation at its peak or reserved old space as slack', () => {
    assert.equal(worthCollecting(lean), false);
    assert.equal(worthCollecting({ youngBytes: YOUNG_SLACK_BYTES, freeBytes: 0 }), true);
    assert.equal(worthCollecting({ youngBytes: MB, freeBytes: FREE_SLACK_BYTES }), true);
    const now = heapSlack();
    assert.ok(now.youngBytes > 0 && now.freeBytes >= 0, JSON.stringify(now));
  });

  it("runs V8's full collection without --expose-gc, and leaves no gc() behind", () => {
    const gc = fullCollection();
    assert.equal(typeof gc, 'function');
    assert.equal((globalThis as { gc?: unknown }).gc, undefined);
    let garbage: number[][] | undefined = Array.from({ length: 200 }, () =>
      new Array(20_000).fill(1),
    );
    const held = process.memoryUsage().heapUsed;
    assert.equal(garbage.length, 200);
    garbage = undefined;
    gc();
    const freed = held - process.memoryUsage().heapUsed;
    assert.ok(freed > 20 * MB, `freed ${Math.round(freed / MB)} MB of about 30`);
  });
});
