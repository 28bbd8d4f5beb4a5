/**
 * The PostgreSQL nonce claim alone (one INSERT ... ON CONFLICT DO NOTHING per signed request),
 * with a durable commit (waits for the WAL flush) and with an asynchronous commit (the claim's
 * pool, src/store/dialect.ts), alternated, 16 claims in flight like the HTTP benchmark's
 * connections. Prints claims/s, the latency p50/p99 of a claim (pool wait included) and the
 * event loop's delay p99 meanwhile: the tails of signed calls on PostgreSQL came from here.
 *   npx tsx bench/nonce-claims.ts      (DSHUB_BENCH_CALLS, default 4000; DSHUB_BENCH_ROUNDS, 2)
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

  async function round(asyncCommit: boolean) {
    const latencies: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < CALLS) {
          next++;
          const t0 = performance.now();
          const nonce = randomBytes(16).toString('hex');
          const r = await db.runPrepared('dshub_claim_nonce', text, [key, nonce, Date.now()], {
            asyncCommit,
          });
          if (r.changes !== 1) throw new Error('nonce refused');
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2);
    const label = asyncCommit ? 'asynchronous commit' : 'durable commit';
    process.stdout.write(
      `${label.padEnd(20)} ${Math.round(CALLS / seconds)} claims/s  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms  event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms\n`,
    );
  }

  for (let i = 0; i < ROUNDS; i++) {
    await round(false);
    await round(true);
  }
} finally {
  await db.close();
  await pg.drop();
}
