/**
 * A check of the latency figures the benchmarks print, from outside both programs: signed
 * GetDataSource under wrk (c16, keep-alive) while tcpdump records the loopback traffic, then
 * each call's time on the wire (from the request's segment to the first segment of its answer,
 * connection by connection) against wrk's two p99s: its own, corrected for coordinated omission,
 * and the calls' own with that correction undone (bench/lib.ts, WRK_SCRIPT). The second should
 * sit a little above the wire's (wrk's own reading of the answer), the first far above it when
 * the server pauses now and then.
 * Needs tcpdump and the right to capture on the loopback interface (root, or CAP_NET_RAW).
 *   npx tsx bench/wire-latency.ts    (after `npm run build`; DSHUB_BENCH_DIALECTS=postgres|sqlite,
 *   DSHUB_BENCH_SECONDS)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase } from '../test/helpers/database.js';
import { getPool, setUp } from './data-source-workload.js';
import { fmt, load, pinGenerator, startDshub, WRK } from './lib.js';

const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 8);
const connections = 16;
const dialect = process.env.DSHUB_BENCH_DIALECTS ?? 'postgres';

/** `tcpdump -tt -n` lines: time, source port, destination port, payload length. */
const SEGMENT = /^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+): .* length (\d+)/;

/** Each call's time on the wire, in ms: a request's first segment to its answer's first. */
async function wireTimes(capture: string, serverPort: number): Promise<number[]> {
  const reader = spawn('tcpdump', ['-r', capture, '-tt', '-n'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  /** Per client port, when its request in flight was first seen on the wire. */
  const asked = new Map<number, number>();
  const times: number[] = [];
  for await (const line of createInterface({ input: reader.stdout })) {
    const m = SEGMENT.exec(line);
    if (!m || m[4] === '0') continue;
    const t = Number(m[1]) * 1e3;
    const [from, to] = [Number(m[2]), Number(m[3])];
    if (to === serverPort) {
      if (!asked.has(from)) asked.set(from, t);
    } else if (from === serverPort) {
      const at = asked.get(to);
      if (at !== undefined) times.push(t - at);
      asked.delete(to);
    }
  }
  return times.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number) => sorted[Math.floor(q * sorted.length)] ?? Number.NaN;

if (!WRK) {
  process.stdout.write('wrk is not installed: nothing to check\n');
  process.exit(0);
}
pinGenerator();
const pg = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined;
const dir = mkdtempSync(join(tmpdir(), 'dshub-wire-'));
try {
  const server = await startDshub(
    pg ? { DSHUB_DATABASE_URL: pg.url!, DSHUB_DATA_DIR: pg.dataDir } : {},
  );
  try {
    const s = await setUp(server);
    const pool = getPool(server, s, seconds * 25_000);
    await load(server.port, { connections, seconds: 2, pool: getPool(server, s, 50_000) });
    const capture = join(dir, 'lo.pcap');
    // Headers only (96 bytes a segment): the lengths are read from the IP header.
    const dump = spawn(
      'tcpdump',
      ['-i', 'lo', '-n', '-s', '96', '-w', capture, `tcp port ${server.port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let said = '';
    dump.stderr.on('data', (d: Buffer) => {
      said += d.toString();
    });
    const exited = new Promise<number | null>((r) => dump.once('exit', r));
    await Promise.race([new Promise((r) => setTimeout(r, 1_000)), exited]);
    if (dump.exitCode !== null) throw new Error(`tcpdump could not capture: ${said.trim()}`);
    const r = await load(server.port, { connections, seconds, pool });
    dump.kill('SIGINT');
    await exited;
    const wire = await wireTimes(capture, server.port);
    process.stdout.write(
      `GetDataSource, ${dialect}, c${connections}, ${seconds} s\n` +
        `wrk        ${fmt(r)}\n` +
        `on the wire  ${wire.length.toLocaleString('en')} calls  p50 ${at(wire, 0.5).toFixed(2)} ms  p99 ${at(wire, 0.99).toFixed(2)} ms  p99.9 ${at(wire, 0.999).toFixed(2)} ms\n`,
    );
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await pg?.drop();
}
