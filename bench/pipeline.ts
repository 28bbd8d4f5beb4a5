/**
 * dshub's own share of a signed call: `handleApiRequest` (signature, credential, nonce,
 * parameters, access decision, store, answer text, log line, metrics) called directly with
 * ready-made requests, no HTTP and no sockets, 16 in flight, on SQLite. What node:http and the
 * kernel add is the HTTP benchmarks' `bare, SQLite reads' requests` line; the two together are
 * about a signed call's CPU under load.
 *   npx tsx bench/pipeline.ts            CPU µs per call, one figure per fifth of the calls,
 *                                        sorted (read the lowest: the least disturbed)
 *   npx tsx bench/pipeline.ts --alloc    bytes allocated per call, by function (V8's sampling
 *                                        heap profiler, counting what the scavenges collect)
 *   (DSHUB_BENCH_CALLS, default 100,000 per action; DSHUB_BENCH_ACTIONS, default
 *   GetCallerIdentity,GetDataSource)
 * Run through tsx, the code carries esbuild's function naming, a few per cent of the CPU figure;
 * compare builds with each other, not with the HTTP benchmarks' figures.
 */
import { Session } from 'node:inspector/promises';
import { devNull } from 'node:os';
import { createLogger, FLUSH_INTERVAL_MS, logDestination } from '../src/observability/logger.js';
import { type ApiRequest, handleApiRequest } from '../src/wire/handle.js';
import { createTestContext } from '../test/helpers/harness.js';
import { signRequest } from '../test/helpers/signer.js';
import { sampleRecord } from './sample-data-source.js';

const CALLS = Number(process.env.DSHUB_BENCH_CALLS ?? 100_000);
const ACTIONS = (process.env.DSHUB_BENCH_ACTIONS ?? 'GetCallerIdentity,GetDataSource').split(',');
const ALLOC = process.argv.includes('--alloc');

interface SamplingProfile {
  head: ProfileNode;
  samples: { size: number; nodeId: number }[];
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

/** Bytes per call by allocating function (self), largest first. */
function allocationBySite(profile: SamplingProfile, calls: number): string {
  const names = new Map<number, string>();
  const walk = (n: ProfileNode) => {
    const file = n.callFrame.url.replace(/^.*\/(src|node_modules|bench|test)\//, '$1/');
    // Code run through tsx reports line 0 for every function: no line is better than a wrong one.
    const line = n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    names.set(n.id, `${n.callFrame.functionName || '(anonymous)'}  ${file}${line}`);
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  const bySite = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const name = names.get(s.nodeId)!;
    bySite.set(name, (bySite.get(name) ?? 0) + s.size);
    total += s.size;
  }
  const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return [
    `  ${Math.round(total / calls)} bytes per call in all; largest sites:`,
    ...top.map(([name, bytes]) => `  ${String(Math.round(bytes / calls)).padStart(6)} B  ${name}`),
  ].join('\n');
}

// Log lines are formatted and written as in the server, to the null device.
const stream = logDestination(devNull);
setInterval(() => stream.flush(), FLUSH_INTERVAL_MS).unref();
const t = await createTestContext(
  'sqlite',
  { DSHUB_AUTH_CACHE_TTL_MS: '60000' },
  { logger: createLogger('info', stream) },
);
try {
  const { dataSourceId } = await sampleRecord(t);
  const session = new Session();
  session.connect();
  for (const action of ACTIONS) {
    const query: Record<string, string> =
      action === 'GetDataSource' ? { Id: String(dataSourceId) } : {};
    const pool: ApiRequest[] = Array.from({ length: CALLS }, () => {
      const s = signRequest({
        accessKeyId: t.root.accessKeyId,
        accessKeySecret: t.root.accessKeySecret,
        action,
        method: 'GET',
        query,
      });
      const headers: Record<string, string> = { host: 'localhost' };
      for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = String(v);
      // Through JSON, as node:http would hand them over: flat strings, one shape for every
      // request (the signer's strings are concatenations, which a first read would flatten).
      return JSON.parse(
        JSON.stringify({ method: 'GET', url: s.url, headers, remoteAddress: '127.0.0.1' }),
      );
    });
    for (const req of pool) {
      req.rawBody = Buffer.alloc(0);
      req.startedAt = 0n;
    }
    // A warm-up of its own: the pool's nonces are each used once.
    const warm = pool.splice(0, Math.min(5_000, CALLS >> 2));
    await run(warm);
    if (ALLOC) {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 256,
        // Node 20's protocol types lack these two; without them only survivors are counted.
        ...({
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        } as object),
      });
      await run(pool);
      const { profile } = await session.post('HeapProfiler.stopSampling');
      process.stdout.write(
        `${action}\n${allocationBySite(profile as unknown as SamplingProfile, pool.length)}\n`,
      );
      continue;
    }
    const perFifth: number[] = [];
    for (let k = 0; k < 5; k++) {
      const part = pool.slice((k * pool.length) / 5, ((k + 1) * pool.length) / 5);
      const before = process.cpuUsage();
      await run(part);
      const used = process.cpuUsage(before);
      perFifth.push((used.user + used.system) / part.length);
    }
    process.stdout.write(
      `${action.padEnd(18)} ${perFifth
        .sort((a, b) => a - b)
        .map((us) => us.toFixed(1))
        .join('  ')} µs CPU per call (${pool.length} calls, no HTTP)\n`,
    );
  }
  session.disconnect();
} finally {
  await t.close();
}

/** The calls of `requests`, 16 in flight, like the HTTP benchmark's connections. */
async function run(requests: ApiRequest[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < requests.length) {
        const req = requests[next++]!;
        req.startedAt = process.hrtime.bigint();
        const answer = await handleApiRequest(t.services, req);
        if (answer.status !== 200) throw new Error(answer.body);
      }
    }),
  );
  await new Promise((r) => setImmediate(r));
}
