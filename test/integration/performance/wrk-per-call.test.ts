/**
 * The benchmarks' per-call latency (bench/lib.ts, WRK_SCRIPT's perCall) undoes wrk's correction
 * for coordinated omission. The check here is exact, not timed: after undoing it, the histogram
 * must hold exactly the calls wrk completed, while wrk's own holds more (the counts it adds for
 * a server that stood still). The server stands still once, for 200 ms, so that wrk does add
 * counts. And a timed run must follow its warm-up at once (bench/lib.ts, loadTogether): a pool
 * that wrk reads for seconds in between is an idle spell of the server. Needs Debian's wrk
 * (.ci/run installs it); skipped without it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { load, WRK } from '../../../bench/lib.js';

test('per-call latencies: wrk correction undone, every completed call counted once', {
  skip: WRK ? false : 'wrk is not installed',
}, async () => {
  let answered = 0;
  const server = createServer((_req, res) => {
    // One pause of the whole server, as a long collection would be.
    if (++answered === 2_000) {
      const until = Date.now() + 200;
      while (Date.now() < until);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await load(port, { connections: 4, seconds: 2 });
    assert.ok(r.total > 2_000, `wrk completed ${r.total} calls`);
    assert.ok(r.calls);
    assert.equal(r.calls.counted, r.total);
    assert.ok(r.calls.p50 > 0 && r.calls.p99 >= r.calls.p50);
    // The pause held 4 calls for 200 ms, far over twice the mean time between two calls on a
    // connection: wrk added counts for them, which the per-call histogram does not hold.
    assert.ok(r.calls.corrected > r.calls.counted, JSON.stringify(r.calls));
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a timed run follows its warm-up at once, however long wrk takes to read its pool', {
  skip: WRK ? false : 'wrk is not installed',
}, async () => {
  // Requests to /w are the warm-up's, to /t the timed run's; the server notes when each kind
  // arrived first and last.
  const seen = { w: [0, 0], t: [0, 0] } as Record<string, [number, number]>;
  const server = createServer((req, res) => {
    const at = performance.now();
    const span = seen[req.url!.slice(1, 2)];
    if (span) {
      if (span[0] === 0) span[0] = at;
      span[1] = at;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    // About 140 MB of requests: wrk takes a second or more to read them.
    const padding = { 'x-padding': 'p'.repeat(640) };
    const pool = Array.from({ length: 200_000 }, (_, i) => ({
      method: 'GET' as const,
      url: `/t${i}`,
      headers: padding,
    }));
    const warmUp = {
      connections: 2,
      seconds: 1,
      pool: [{ method: 'GET' as const, url: '/w', headers: {} }],
    };
    const r = await load(port, { connections: 2, seconds: 1, pool, warmUp });
    assert.ok(r.total > 0);
    const gap = seen.t![0] - seen.w![1];
    assert.ok(seen.w![1] > 0 && gap > 0, JSON.stringify(seen));
    assert.ok(gap < 500, `the timed run began ${Math.round(gap)} ms after the warm-up's last call`);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
