/**
 * Two builds side by side, for a change worth a few µs a call, which a run of one build and then
 * of the other cannot show on a shared machine (CPU per call moves by a fifth between runs).
 * This checkout's server and another checkout's (DSHUB_AB_BASE, built with `npm run build`)
 * are both started and idle alike (the idle collection meets both), then take turns of
 * DSHUB_AB_SECONDS (2) of signed GetCallerIdentity each (with DSHUB_AB_CASE=get or list, the
 * data-sources benchmark's GetDataSource or ListDataSources page 1 of 20 names), alternately,
 * DSHUB_AB_TURNS (10) turns: a slow spell of the machine falls on both. Prints each one's CPU per
 * call over all its turns, and turn by turn. SQLite.
 *   DSHUB_AB_BASE=<other checkout> npx tsx bench/ab.ts    (DSHUB_BENCH_CONNECTIONS, default 32)
 */
import { resolve } from 'node:path';
import { getPool, listPool, setUp } from './data-source-workload.js';
import { type DshubServer, load, pinGenerator, signPool, startDshub } from './lib.js';

const base = process.env.DSHUB_AB_BASE;
if (!base) {
  process.stderr.write('DSHUB_AB_BASE=<another checkout, built> npx tsx bench/ab.ts\n');
  process.exit(2);
}
const turns = Number(process.env.DSHUB_AB_TURNS ?? 10);
const seconds = Number(process.env.DSHUB_AB_SECONDS ?? 2);
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 32);
const CASES: Record<string, typeof getPool> = { get: getPool, list: listPool };
const dataSourceCase = CASES[process.env.DSHUB_AB_CASE ?? ''];
/** Calls a turn can take at most (more than either server's rate on this machine). */
const PER_TURN = 35_000 * seconds;
/** Longer than DSHUB_IDLE_GC_MS (5 s) and its second collection 6 s later. */
const IDLE_MS = 15_000;

pinGenerator();
const sides: { name: string; server: DshubServer }[] = [
  { name: `base (${base})`, server: await startDshub({}, 'ab-base', resolve(base)) },
  { name: 'this checkout', server: await startDshub({}, 'ab-this') },
];
const pools = [];
for (const { server } of sides) {
  const opts = {
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
    action: 'GetCallerIdentity',
    method: 'GET',
  } as const;
  const setup = dataSourceCase ? await setUp(server) : undefined;
  const pool = () =>
    dataSourceCase && setup
      ? dataSourceCase(server, setup, PER_TURN)
      : signPool(PER_TURN, opts, server.port);
  pools.push({ warm: pool(), turns: Array.from({ length: turns }, pool) });
}
await new Promise((r) => setTimeout(r, IDLE_MS));
for (const [i, { server }] of sides.entries()) {
  await load(server.port, { connections, seconds, pool: pools[i]!.warm });
}
const sums = sides.map(() => ({ cpuUs: 0, calls: 0, perTurn: [] as number[] }));
for (let t = 0; t < turns; t++) {
  // Each side goes first in every other turn.
  for (const i of t % 2 ? [1, 0] : [0, 1]) {
    const { server } = sides[i]!;
    const r = await load(server.port, {
      connections,
      seconds,
      pool: pools[i]!.turns[t]!,
      cpu: server.cpu,
    });
    const sum = sums[i]!;
    sum.cpuUs += (r.cpuUs ?? 0) * r.total;
    sum.calls += r.total;
    sum.perTurn.push(Math.round(r.cpuUs ?? 0));
  }
}
for (const [i, { name, server }] of sides.entries()) {
  const sum = sums[i]!;
  process.stdout.write(
    `${name}: ${(sum.cpuUs / sum.calls).toFixed(1)} µs a call over ${sum.calls} calls; by turn ${sum.perTurn.join(' ')}\n`,
  );
  await server.stop();
}
