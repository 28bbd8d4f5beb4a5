/**
 * What a SQLite WAL checkpoint costs the thread that commits: 10 s of small write transactions
 * (six 400-byte rows each, plus a point read) on one connection, as the server commits them,
 * with SQLite's inline automatic checkpoint (`inline`) or with the checkpoint worker of
 * src/store/checkpointer.ts (`worker`, DSHUB_SQLITE_CHECKPOINT_MS=1000). Prints the commit time
 * percentiles (the time the event loop would be blocked) and the WAL and database sizes.
 *   npx tsx bench/checkpoints.ts inline && npx tsx bench/checkpoints.ts worker
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from '../src/store/checkpointer.js';

const mode = process.argv[2] === 'worker' ? 'worker' : 'inline';
const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'dshub-ckpt-bench-'));
const file = join(dir, 'bench.db');
const db = new SQLite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.exec('create table t (id integer primary key, a text, b text)');
db.exec('create index t_a on t(a)');
let checkpoints = 0;
let worker: Checkpointer | undefined;
if (mode === 'worker') {
  worker = startCheckpointer(db, {
    file,
    synchronous: 'NORMAL',
    intervalMs: 1000,
    onCheckpoint: () => checkpoints++,
  });
  await worker.ready;
}
const insert = db.prepare('insert into t (a, b) values (?, ?)');
const read = db.prepare('select * from t where id = ?');
const write = db.transaction((i: number) => {
  for (let k = 0; k < 6; k++) insert.run(`name_${i}_${k}_${Math.random()}`, 'x'.repeat(400));
});
const times: number[] = [];
const end = Date.now() + seconds * 1000;
for (let i = 0; Date.now() < end; i++) {
  const t0 = performance.now();
  write(i);
  read.get(i);
  times.push(performance.now() - t0);
  // Let the loop turn now and then, as a server between requests.
  if (i % 5 === 0) await new Promise((r) => setImmediate(r));
}
times.sort((a, b) => a - b);
const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
const mb = (f: string) => (statSync(f).size / 1048576).toFixed(1);
process.stdout.write(
  `${mode}: ${times.length} commits, p50 ${at(0.5).toFixed(3)} ms p99 ${at(0.99).toFixed(2)} ms p99.9 ${at(0.999).toFixed(1)} ms max ${at(1).toFixed(1)} ms; WAL ${mb(`${file}-wal`)} MB, database ${mb(file)} MB${worker ? `, ${checkpoints} worker checkpoints` : ''}\n`,
);
await worker?.stop();
db.close();
rmSync(dir, { recursive: true, force: true });
