/**
 * CPU per call of the hot calls through the whole pipeline in this process (Fastify's inject,
 * no sockets): signature, nonce, parameters, policy, access decision, store, log line, metrics.
 * It measures this process's CPU time, not wall time, so it stays meaningful when other
 * processes compete for the cores; it complements, and does not replace, the HTTP benchmarks.
 *   npx tsx bench/in-process.ts        (DSHUB_BENCH_CALLS, DSHUB_BENCH_DIALECTS=sqlite,postgres)
 */
import { createLogger } from '../src/observability/logger.js';
import { skipDialect } from '../test/helpers/database.js';
import { createTestContext, type TestContext } from '../test/helpers/harness.js';
import { signRequest } from '../test/helpers/signer.js';

const CALLS = Number(process.env.DSHUB_BENCH_CALLS ?? 5000);
const DIALECTS = (process.env.DSHUB_BENCH_DIALECTS ?? 'sqlite,postgres').split(',') as (
  | 'sqlite'
  | 'postgres'
)[];

async function cpuPerCall(t: TestContext, action: string, query: Record<string, string>) {
  const pool = Array.from({ length: CALLS + 500 }, () =>
    signRequest({
      accessKeyId: t.root.accessKeyId,
      accessKeySecret: t.root.accessKeySecret,
      action,
      method: 'GET',
      query,
    }),
  );
  const send = async (i: number) => {
    const s = pool[i]!;
    const r = await t.app.inject({ method: s.method, url: s.url, headers: s.headers });
    if (r.statusCode !== 200) throw new Error(`${action}: ${r.body}`);
  };
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

for (const dialect of DIALECTS) {
  if (await skipDialect(dialect)) continue;
  const t = await createTestContext(
    dialect,
    { DSHUB_AUTH_CACHE_TTL_MS: '60000' },
    // Log lines are formatted as in production, written to a sink.
    { logger: createLogger('info', { write: () => {} }) },
  );
  try {
    const project = await t.call(t.root, 'CreateProject', { Name: t.name('ws'), DisplayName: 'b' });
    const ds = await t.call(t.root, 'CreateDataSource', {
      ProjectId: Number(project.body.Id),
      Name: 'orders_db',
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify({
        envType: 'Prod',
        address: [{ host: '127.0.0.1', port: 3306 }],
        database: 'orders',
        username: 'app',
        password: 'not-a-real-password',
        properties: { useSSL: 'false', connectTimeout: '3000' },
      }),
    });
    const get = await cpuPerCall(t, 'GetDataSource', { Id: String(ds.body.Id) });
    const who = await cpuPerCall(t, 'GetCallerIdentity', {});
    process.stdout.write(
      `${dialect.padEnd(9)} GetDataSource ${Math.round(get)} µs CPU/call   GetCallerIdentity ${Math.round(who)} µs CPU/call  (${CALLS} calls each, in process)\n`,
    );
  } finally {
    await t.close();
  }
}
