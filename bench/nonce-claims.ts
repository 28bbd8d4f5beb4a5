/**
 * The PostgreSQL nonce claim alone, 16 claims in flight like the HTTP benchmark's connections,
 * three ways alternated: one INSERT ... ON CONFLICT DO NOTHING per claim with a durable commit
 * (waits for the WAL flush), the same with an asynchronous commit (the claims' connections,
 * src/store/dialect.ts), and as dshub claims (src/auth/nonce-store.ts: the claims of one
 * event-loop turn in one multi-row INSERT, asynchronous commit). Prints claims/s, the latency
 * p50/p99 of a claim and the event loop's delay p99 meanwhile, and the process's CPU per claim
 * (PostgreSQL's is not included).
 *   npx tsx bench/nonce-claims.ts      (DSHUB_BENCH_CALLS, default 4000; DSHUB_BENCH_ROUNDS, 2)
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatabaseNonceStore } from '../src/auth/nonce-store.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/store/dialect.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createTestDatabase } from '../test/helpers/database.js';

const CALLS = Number(process.env.DSHUB_BENCH_CALLS ?? 4000);
const ROUNDS = Number(process.env.DSHUB_BENCH_ROUNDS ?? 2);
const IN_FLIGHT = 16;

const pg = await createTestDatabase('postgres');
const config = loadConfig({ DSHUB_DATABASE_URL: pg.url!, DSHUB_DATA_DIR: pg.dataDir });
const db = openDatabase(config.database);
try {
  await migrateToLatest(db);
  const text =
    'insert into "nonces" ("access_key_id", "nonce", "expires_at") values ($1, $2, $3) on conflict ("access_key_id", "nonce") do nothing';
  const key = `LTAIbench${randomBytes(4).toString('hex')}`;

  const store = new DatabaseNonceStore(db);
  type Way = 'durable commit' | 'asynchronous commit' | 'batched (dshub)';

  async function claimOnce(way: Way, nonce: string): Promise<boolean> {
    if (way === 'batched (dshub)') return store.claim(key, nonce, Date.now() + 60_000);
    const r = await db.runPrepared('dshub_bench_claim_nonce', text, [key, nonce, Date.now()], {
      asyncCommit: way === 'asynchronous commit',
    });
    return r.changes === 1;
  }

  async function round(way: Way) {
    const latencies: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < CALLS) {
          next++;
          const t0 = performance.now();
          const nonce = randomBytes(16).toString('hex');
          if (!(await claimOnce(way, nonce))) throw new Error('nonce refused');
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    loop.disable();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2);
    const cpuUs = Math.round((used.user + used.system) / CALLS);
    process.stdout.write(
      `${way.padEnd(20)} ${Math.round(CALLS / seconds)} claims/s  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms  event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms  cpu ${cpuUs} µs/claim\n`,
    );
  }

  for (let i = 0; i < ROUNDS; i++) {
    await round('durable commit');
    await round('asynchronous commit');
    await round('batched (dshub)');
  }
} finally {
  await db.close();
  await pg.drop();
}
