/**
 * CPU per call of the hot calls through the whole pipeline in this process (Fastify's inject,
 * no sockets): signature, nonce, parameters, policy, access decision, store, log line, metrics.
 * It measures this process's CPU time, not wall time, so it stays meaningful when other
 * processes compete for the cores; it complements, and does not replace, the HTTP benchmarks.
 * Each figure is also given as a ratio to bare node:http in the same harness: a plain
 * `(req, res) => res.end('hello')` handler driven by the same injector (light-my-request, which
 * is what Fastify's inject uses), measured right before each figure, so a busy machine inflates
 * both sides alike. The ratio reads like the HTTP benchmark's: bare CPU / dshub CPU.
 *   npx tsx bench/in-process.ts        (DSHUB_BENCH_CALLS, DSHUB_BENCH_DIALECTS=sqlite,postgres,
 *                                       DSHUB_BENCH_ACTIONS=GetDataSource,GetCallerIdentity
 *                                       (also ListDataSources, CreateDataSource),
 *                                       DSHUB_BENCH_PROFILE=DIR: a .cpuprofile of each dshub
 *                                       measurement alone, read with bench/profile.ts)
 */
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { devNull } from 'node:os';
import inject from 'light-my-request';
import type pino from 'pino';
import { createLogger, FLUSH_INTERVAL_MS, logDestination } from '../src/observability/logger.js';
import { skipDialect } from '../test/helpers/database.js';
import { createTestContext, type TestContext } from '../test/helpers/harness.js';
import { signRequest } from '../test/helpers/signer.js';
import { sampleConnection, sampleRecord } from './sample-data-source.js';

const CALLS = Number(process.env.DSHUB_BENCH_CALLS ?? 5000);
const DIALECTS = (process.env.DSHUB_BENCH_DIALECTS ?? 'sqlite,postgres').split(',') as (
  | 'sqlite'
  | 'postgres'
)[];
const PROFILE_DIR = process.env.DSHUB_BENCH_PROFILE;
const ACTIONS = (process.env.DSHUB_BENCH_ACTIONS ?? 'GetDataSource,GetCallerIdentity').split(',');

/** CPU µs per call of `send(i)`, 16 in flight, after a warm-up of 500 calls. */
async function measure(send: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < 500; i++) await send(CALLS + i); // warm-up
  const before = process.cpuUsage();
  // 16 calls in flight, like the HTTP benchmark's connections.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < CALLS) await send(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

/** Bare node:http: the same request shape through the same injector, answered by a bare handler. */
function bareHandler(_req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello');
}
async function bareCpuPerCall(): Promise<number> {
  return measure(async () => {
    const r = await inject(bareHandler, { method: 'GET', url: '/?Action=Hello' });
    if (r.statusCode !== 200) throw new Error('bare');
  });
}

async function cpuPerCall(
  t: TestContext,
  action: string,
  query: (i: number) => Record<string, string>,
) {
  const pool = Array.from({ length: CALLS + 500 }, (_, i) =>
    signRequest({
      accessKeyId: t.root.accessKeyId,
      accessKeySecret: t.root.accessKeySecret,
      action,
      method: 'GET',
      query: query(i),
    }),
  );
  const send = async (i: number) => {
    const s = pool[i]!;
    const r = await t.app.inject({ method: s.method, url: s.url, headers: s.headers });
    if (r.statusCode !== 200) throw new Error(`${action}: ${r.body}`);
  };
  if (!PROFILE_DIR) return measure(send);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  let used = 0;
  await session.post('Profiler.start');
  try {
    used = await measure(send);
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const file = `${PROFILE_DIR}/in-process-${t.dialect}-${action}-${Date.now()}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`profile: ${file}\n`);
    session.disconnect();
  }
  return used;
}

/**
 * Log lines are formatted as in production; by default written to a sink. DSHUB_BENCH_LOG=buffered
 * writes them to the null device through the production stream (buffered, flushed every second),
 * so the cost of formatting into the stream's buffer shows. The measured calls never leave the
 * microtask queue (the injector has no sockets and SQLite answers synchronously), so timers and
 * write callbacks wait for the end of a run: event-loop stalls (flushes, GC pauses) can only be
 * seen under real HTTP load, not here.
 */
function benchLogDestination(): pino.DestinationStream {
  if (process.env.DSHUB_BENCH_LOG !== 'buffered') return { write: () => {} };
  const stream = logDestination(devNull);
  setInterval(() => stream.flush(), FLUSH_INTERVAL_MS).unref();
  return stream;
}

const CONNECTION = sampleConnection();

await bareCpuPerCall(); // the injector's own warm-up, so the first ratio is not skewed
for (const dialect of DIALECTS) {
  if (await skipDialect(dialect)) continue;
  const t = await createTestContext(
    dialect,
    { DSHUB_AUTH_CACHE_TTL_MS: '60000' },
    { logger: createLogger('info', benchLogDestination()) },
  );
  try {
    const record = await sampleRecord(t);
    const projectId = String(record.projectId);
    const queries: Record<string, (i: number) => Record<string, string>> = {
      GetDataSource: () => ({ Id: String(record.dataSourceId) }),
      GetCallerIdentity: () => ({}),
      ListDataSources: () => ({ ProjectId: projectId, PageSize: '20' }),
      // Each call a new name (a Prod record with its version, drift and audit event).
      CreateDataSource: (i) => ({
        ProjectId: projectId,
        Name: `bench_${i}`,
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: CONNECTION,
      }),
    };
    for (const action of ACTIONS) {
      const bare = await bareCpuPerCall();
      const used = await cpuPerCall(t, action, queries[action] ?? (() => ({})));
      process.stdout.write(
        `${dialect.padEnd(9)} ${action.padEnd(18)} ${used.toFixed(0).padStart(4)} µs CPU/call   bare ${bare.toFixed(1)} µs   ratio ${(bare / used).toFixed(3)}×  (${CALLS} calls, in process)\n`,
      );
    }
  } finally {
    await t.close();
  }
}
