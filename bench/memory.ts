/**
 * Where the server's memory and loop stalls come from under the signed GetDataSource load
 * (SQLite, c16): one server, a 2 s warm-up, a timed run, then
 *   gc (default)  the server runs with --trace-gc: scavenges and mark-compacts of the timed run
 *                 (count, total, p50, p99, max pause) besides req/s, p99, loop delay, memory;
 *   snapshot      a heap snapshot at the end, summarised by node type and constructor (the live
 *                 heap after a full collection: what the old generation holds).
 *   npx tsx bench/memory.ts [gc|snapshot]   (after `npm run build`; DSHUB_BENCH_SECONDS,
 *   DSHUB_BENCH_CONNECTIONS; DSHUB_BENCH_NODE_FLAGS adds server flags, e.g.
 *   --max-semi-space-size=8; any DSHUB_* setting passes through to the server)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '../test/helpers/signer.js';
import { fmt, load, pinGenerator, signPool, startDshub } from './lib.js';
import { sampleConnection } from './sample-data-source.js';

const mode = process.argv[2] === 'snapshot' ? 'snapshot' : 'gc';
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 16);
const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
// Signed requests per second of load: more than the server answers, so no nonce is sent twice.
const PER_SECOND = 40_000;

pinGenerator();
const snapDir = mkdtempSync(join(tmpdir(), 'dshub-heap-'));
const flags =
  mode === 'snapshot' ? `--heapsnapshot-signal=SIGUSR1 --diagnostic-dir=${snapDir}` : '--trace-gc';
process.env.DSHUB_BENCH_NODE_FLAGS = `${flags} ${process.env.DSHUB_BENCH_NODE_FLAGS ?? ''}`;
const dshub = await startDshub({}, 'memory');
try {
  const signer = { accessKeyId: dshub.accessKeyId, accessKeySecret: dshub.accessKeySecret };
  const call = async (action: string, query: Record<string, string>) => {
    const s = signRequest({
      ...signer,
      action,
      method: 'POST',
      query,
      host: `127.0.0.1:${dshub.port}`,
    });
    const res = await fetch(`http://127.0.0.1:${dshub.port}${s.url}`, {
      method: s.method,
      headers: s.headers,
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const project = await call('CreateProject', {
    Name: 'bench_ws',
    DisplayName: 'bench',
    DevEnvironmentEnabled: 'true',
  });
  const ds = await call('CreateDataSource', {
    ProjectId: String(project.Id),
    Name: 'orders_db',
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: sampleConnection(),
  });
  const opts = {
    ...signer,
    action: 'GetDataSource',
    method: 'GET' as const,
    query: { Id: String(ds.Id) },
  };
  // No idle spell (and idle collection) between the warm-up and the timed run: `load` writes the
  // pool out first.
  const pool = signPool(seconds * PER_SECOND, opts, dshub.port);
  // Where the timed run's output starts: the probe is asked first as the run starts.
  let mark = -1;
  const r = await load(dshub.port, {
    connections,
    seconds,
    pool,
    cpu: dshub.cpu,
    eventLoop: () => {
      if (mark < 0) mark = dshub.output().length;
      return dshub.eventLoop();
    },
    warmUp: { connections, seconds: 2, pool: signPool(2 * PER_SECOND, opts, dshub.port) },
  });
  process.stdout.write(`GetDataSource, SQLite, c${connections}, ${seconds} s: ${fmt(r)}\n`);
  process.stdout.write(`memory at the end: ${r.eventLoop?.memory ?? '?'}\n`);
  if (mode === 'gc') summariseGc(dshub.output().slice(mark));
  else await summariseSnapshot();
} finally {
  await dshub.stop();
  rmSync(snapDir, { recursive: true, force: true });
}

function summariseGc(log: string): void {
  const pauses = new Map<string, number[]>();
  for (const line of log.split('\n')) {
    const kind = /: (Scavenge|Mark-Compact|Mark-sweep)/.exec(line)?.[1];
    const ms = / ([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1];
    if (!kind || !ms) continue;
    const list = pauses.get(kind) ?? [];
    list.push(Number(ms));
    pauses.set(kind, list);
  }
  for (const [kind, list] of pauses) {
    list.sort((a, b) => a - b);
    const at = (p: number) => list[Math.min(list.length - 1, Math.floor(list.length * p))]!;
    const total = list.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${kind}: ${list.length} in the run, ${total.toFixed(0)} ms in all, pause p50 ${at(0.5)} ms p99 ${at(0.99)} ms max ${at(1)} ms\n`,
    );
  }
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

async function summariseSnapshot(): Promise<void> {
  dshub.child.kill('SIGUSR1');
  let file: string | undefined;
  for (let i = 0; i < 300 && !file; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const found = readdirSync(snapDir).find((f) => f.endsWith('.heapsnapshot'));
    // Written in one go at the end; a parse of a partial file would throw, so wait for size to settle.
    if (found) {
      await new Promise((r) => setTimeout(r, 2000));
      file = found;
    }
  }
  if (!file) throw new Error('no heap snapshot written');
  const s = JSON.parse(readFileSync(join(snapDir, file), 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const by = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const t = types[s.nodes[i + type]!]!;
    const key = ['object', 'native', 'closure'].includes(t)
      ? `${t}: ${s.strings[s.nodes[i + name]!]}`
      : t;
    const entry = by.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += s.nodes[i + size]!;
    entry.count++;
    total += s.nodes[i + size]!;
    by.set(key, entry);
  }
  const mb = (n: number) => (n / 1048576).toFixed(2);
  process.stdout.write(`live heap after a full collection: ${mb(total)} MB\n`);
  for (const [key, e] of [...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 15)) {
    process.stdout.write(
      `${mb(e.bytes).padStart(8)} MB ${String(e.count).padStart(8)}  ${key.slice(0, 80)}\n`,
    );
  }
}
