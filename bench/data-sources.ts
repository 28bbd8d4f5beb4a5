/**
 * The data source workload through the whole stack (signature, credential, nonce, parameters,
 * policy, role check, store), on SQLite and on PostgreSQL, against a bare node:http hello in
 * the same run with the same load generator:
 *   - signed GetDataSource (read-only);
 *   - signed ListDataSources, page 1 of 20 names with their Dev and Prod records grouped;
 *   - signed CreateDataSource (a write with its audit event in the same transaction);
 *   - mixed: the GetDataSource load plus paced CreateDataSource writers adding about 10 % of
 *     the traffic; the read p99 is reported against the read-only p99 (bar: ≤ 2×).
 * Each case runs on a fresh server, so with `--profile` each has its own CPU profile. Besides
 * req/s and latency, the server's CPU time per request is printed: it is the figure that moves
 * least when other processes share the cores.
 *   npm run bench -- data-sources [--profile]
 *   (after `npm run build`; DSHUB_BENCH_SECONDS, DSHUB_BENCH_CONNECTIONS, DSHUB_BENCH_DIALECTS,
 *   DSHUB_BENCH_CASES=get,list,create,mixed)
 * Targets (issue bar): GetDataSource ≥ 0.35 × bare on SQLite, ≥ 0.2 × on PostgreSQL, p99 ≤ 3 ms
 * (SQLite) and ≤ 5 ms (PostgreSQL) at 16 concurrent, RSS ≤ 150 MB.
 * The bare server is measured once at the start, for the cases without a target, and again just
 * before each store's GetDataSource case, whose ratios (and its floor's) are to that run: on this
 * shared machine the speed of a core drifts by a third over the minutes of a full run. After that
 * case, two references for its tail (tailReference): bare with the same requests, and bare
 * spending the same CPU per call.
 */
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '../test/helpers/database.js';
import type { SignedHttpRequest } from '../test/helpers/signer.js';
import {
  createPool,
  floorRead,
  getPool,
  listPool,
  type Setup,
  setUp,
} from './data-source-workload.js';
import {
  type DshubServer,
  fmt,
  GENERATOR,
  load,
  loadTogether,
  measureBare,
  memoryAfterIdle,
  pinGenerator,
  type RunResult,
  SETTLE_MS,
  startDshub,
  startFloor,
  WRK,
} from './lib.js';

const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 16);
const DIALECTS = (process.env.DSHUB_BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
const CASES = (process.env.DSHUB_BENCH_CASES ?? 'get,list,create,mixed').split(',');

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

interface CaseResult {
  label: string;
  store: string;
  r: RunResult;
  rss: number;
  /** RSS and the memory line after SETTLE_MS without a request (the idle memory release). */
  idleRss: number;
  settled?: string;
  note?: string;
}

async function runCase(
  store: string,
  name: string,
  env: Record<string, string>,
  body: (server: DshubServer, s: Setup) => Promise<{ r: RunResult; note?: string }>,
): Promise<CaseResult> {
  const server = await startDshub(env, `${store}-${name}`);
  try {
    const setup = await setUp(server);
    const { r, note } = await body(server, setup);
    // At the end of the timed run, from the server's own memory line: a case may run more after
    // it (GetDataSource's floor), by which time the server has been idle.
    const atEnd = /^rss ([\d.]+)/.exec(r.eventLoop?.memory ?? '');
    const rss = atEnd ? Math.round(Number(atEnd[1])) : rssMb(server.child.pid!);
    const settled = await memoryAfterIdle(server);
    return {
      label: `${name}, ${store}`,
      store,
      r,
      rss,
      idleRss: rssMb(server.child.pid!),
      ...(settled ? { settled } : {}),
      ...(note ? { note } : {}),
    };
  } finally {
    await server.stop();
  }
}

async function measureStore(store: string, env: Record<string, string>): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  // The timed run of a case, right after its warm-up: the server's CPU and event-loop delay
  // measured around it.
  const timed = (server: DshubServer, pool: SignedHttpRequest[], warmUp: SignedHttpRequest[]) =>
    load(server.port, {
      connections,
      seconds,
      pool,
      cpu: server.cpu,
      eventLoop: server.eventLoop,
      warmUp: { connections, seconds: 2, pool: warmUp },
    });
  // Pools hold more requests than the server can answer in the time: no nonce is sent twice.
  // A multiple of 4: the cases below take halves and quarters of it. `load` writes each timed
  // pool out before its warm-up, so that the timed run follows the warm-up at once: seconds of
  // writing and reading in between would be an idle spell, in which the server's idle
  // collection may run.
  const per = 4 * Math.max(3_750, Math.ceil(bareResult.rps / 4));
  let readOnly: RunResult | undefined;
  if (CASES.includes('get') || CASES.includes('mixed')) {
    bareBeside.set(store, await measureBare(connections, seconds));
    out.push(
      await runCase(store, 'GetDataSource', env, async (server, s) => {
        const pool = getPool(server, s, seconds * per);
        const r = await timed(server, pool, getPool(server, s, 2 * per));
        readOnly = r;
        const floorWarmUp = getPool(server, s, 2 * per);
        floors.set(store, await storeFloor(store, env, server, s, pool, floorWarmUp));
        tails.set(store, await tailReference(r, pool));
        return { r };
      }),
    );
  }
  if (CASES.includes('list')) {
    out.push(
      await runCase(store, 'ListDataSources p1', env, async (server, s) => {
        // As many as GetDataSource's: a kept page (round 16) answers at about its rate.
        const pool = listPool(server, s, seconds * per);
        return { r: await timed(server, pool, listPool(server, s, per)) };
      }),
    );
  }
  if (CASES.includes('create')) {
    out.push(
      await runCase(store, 'CreateDataSource', env, async (server, s) => {
        const pool = createPool(server, s, (seconds * per) / 4);
        return { r: await timed(server, pool, createPool(server, s, per / 2)) };
      }),
    );
  }
  if (CASES.includes('mixed') && readOnly && WRK) {
    const base = readOnly;
    out.push(
      await runCase(store, 'mixed 90/10 reads', env, async (server, s) => {
        const readPool = getPool(server, s, seconds * per);
        const writePool = createPool(server, s, Math.ceil((base.rps / 9) * seconds * 1.5));
        // Two writer connections, each pausing so that writes are about a ninth of the reads.
        const writers = 2;
        const delayMs = Math.max(1, (writers * 1000) / (base.rps / 9));
        const [reads, writes] = (await loadTogether(
          server.port,
          [
            { connections, seconds, pool: readPool, eventLoop: server.eventLoop },
            { connections: writers, seconds, pool: writePool, delayMs },
          ],
          { connections, seconds: 2, pool: getPool(server, s, 2 * per) },
        )) as [RunResult, RunResult];
        const share = (100 * writes.total) / (writes.total + reads.total);
        const note = `writes ${share.toFixed(1)} % of calls (${Math.round(writes.rps)}/s, p99 ${writes.p99.toFixed(2)} ms); read p99 ${(reads.p99 / base.p99).toFixed(2)} × read-only`;
        return { r: reads, note };
      }),
    );
  }
  return out;
}

/**
 * The floor of a GetDataSource: node:http checking the same signed requests and answering the
 * record with its workspace and the caller's role, read by one prepared statement from the same
 * store (bench/lib.ts FLOOR_SERVER), while the idle dshub server keeps it open. On PostgreSQL
 * the floor claims each nonce in the database too, batched per turn as dshub does.
 */
async function storeFloor(
  store: string,
  env: Record<string, string>,
  server: DshubServer,
  s: Setup,
  pool: SignedHttpRequest[],
  warmUp: SignedHttpRequest[],
): Promise<RunResult> {
  const floorServer = await startFloor(
    server.accessKeySecret,
    '{"RequestId":""}',
    floorRead(server, s, env.DSHUB_DATABASE_URL),
    `floor-${store}-GetDataSource`,
  );
  try {
    // Its warm-up has a pool of its own, so the timed run has all of dshub's: the floor can run
    // faster than dshub, and a part of the pool could run dry (replayed nonces, refused).
    const r = await load(floorServer.port, {
      connections,
      seconds,
      pool,
      cpu: floorServer.cpu,
      warmUp: { connections, seconds: 2, pool: warmUp },
    });
    if (r.non2xx > 0) throw new Error(`the ${store} floor server refused signed requests`);
    return r;
  } finally {
    await floorServer.stop();
  }
}

/**
 * What the tail of a GetDataSource is made of on this machine: the bare server fed the same signed
 * requests (so the generator does the same work as for dshub: a pool of 100,000s of signed
 * requests costs wrk itself about 0.8 ms of p99 over a one-request pool), then the same again
 * spinning for dshub's CPU per call and doing nothing else. The second one's p99 is the tail that
 * much CPU per call gets here; dshub's p99 above it is dshub's own (docs/PERFORMANCE.md, round 10:
 * its collector).
 */
async function tailReference(dshub: RunResult, pool: SignedHttpRequest[]): Promise<Tails> {
  const same = await measureBare(connections, seconds, { pool });
  const spinUs = Math.max(0, Math.round((dshub.cpuUs ?? 0) - (same.cpuUs ?? 0)));
  return { same, spinUs, sameCpu: await measureBare(connections, seconds, { pool, spinUs }) };
}

interface Tails {
  same: RunResult;
  spinUs: number;
  sameCpu: RunResult;
}

pinGenerator();
const bareResult = await measureBare(connections, seconds);
/** The bare server measured just before each store's GetDataSource case. */
const bareBeside = new Map<string, RunResult>();

const results: CaseResult[] = [];
/** The floor of GetDataSource on each store, measured in its case (storeFloor). */
const floors = new Map<string, RunResult>();
/** GetDataSource's tail references on each store (tailReference). */
const tails = new Map<string, Tails>();
if (DIALECTS.includes('sqlite')) results.push(...(await measureStore('SQLite', {})));
if (DIALECTS.includes('postgres')) {
  const pg = await createTestDatabase('postgres').catch(() => undefined);
  if (pg) {
    try {
      results.push(
        ...(await measureStore('PostgreSQL', {
          DSHUB_DATABASE_URL: pg.url!,
          DSHUB_DATA_DIR: pg.dataDir,
        })),
      );
    } finally {
      await pg.drop();
    }
  } else {
    process.stdout.write('PostgreSQL unreachable: its cases are skipped\n');
  }
}

process.stdout.write(`${GENERATOR}, concurrency ${connections}, ${seconds} s, keep-alive\n`);
process.stdout.write(`${'bare node:http hello'.padEnd(32)} ${fmt(bareResult)}\n`);
/** The bare run a case's ratio is to: the one beside it for GetDataSource and its floor. */
const bareFor = (store: string | undefined) => (store && bareBeside.get(store)) || bareResult;
for (const [store, bare] of bareBeside) {
  process.stdout.write(`${`bare, beside ${store} reads`.padEnd(32)} ${fmt(bare)}\n`);
}
for (const [store, floor] of floors) {
  const label =
    store === 'SQLite' ? 'floor: signature + row, SQLite' : 'floor: signature+claim+row, PG';
  process.stdout.write(
    `${label.padEnd(32)} ${fmt(floor)}  ratio ${(floor.rps / bareFor(store).rps).toFixed(2)}\n`,
  );
}
for (const [store, t] of tails) {
  process.stdout.write(`${`bare, ${store} reads' requests`.padEnd(32)} ${fmt(t.same)}\n`);
  process.stdout.write(
    `${`bare + ${t.spinUs} µs a call, ${store}`.padEnd(32)} ${fmt(t.sameCpu)}\n`,
  );
}
for (const { label, store, r, rss, idleRss, settled, note } of results) {
  const memory = r.eventLoop?.memory
    ? `\n${''.padEnd(33)}memory at the end: ${r.eventLoop.memory}`
    : '';
  const idle = settled ? `\n${''.padEnd(33)}${SETTLE_MS / 1000} s later, idle: ${settled}` : '';
  const bare = bareFor(label.startsWith('GetDataSource') ? store : undefined);
  const t = label.startsWith('GetDataSource') ? tails.get(store) : undefined;
  // The same multiples for the calls' own p99 (wrk's correction undone), where wrk measured.
  const perCall = (of: RunResult) =>
    r.calls && of.calls ? ` (per call ${(r.calls.p99 / of.calls.p99).toFixed(2)})` : '';
  const tail = t
    ? `\n${''.padEnd(33)}p99 ${(r.p99 / bare.p99).toFixed(2)}${perCall(bare)} × bare beside, ${(r.p99 / t.same.p99).toFixed(2)}${perCall(t.same)} × bare with the same requests, ${(r.p99 / t.sameCpu.p99).toFixed(2)}${perCall(t.sameCpu)} × bare with the same CPU per call`
    : '';
  process.stdout.write(
    `${label.padEnd(32)} ${fmt(r)}  ratio ${(r.rps / bare.rps).toFixed(2)}  RSS ${rss} MB (${idleRss} MB idle)${tail}${note ? `\n${''.padEnd(33)}${note}` : ''}${memory}${idle}\n`,
  );
}
