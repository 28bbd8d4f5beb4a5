/**
 * Benchmark helpers: servers in child processes pinned to core 0 (when taskset exists), the
 * load generator (autocannon) in this process on core 1, and pools of requests signed before
 * the timed run so that the generator's own signing does not count.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { type SignedHttpRequest, type SignOptions, signRequest } from '../test/helpers/signer.js';
import { formatSummary, readProfile, summarizeProfile } from './profile.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return cpus().length >= 2;
  } catch {
    return false;
  }
}
const PIN = hasTaskset();

/** Pins this process (the load generator) to core 1, leaving core 0 to the server. */
export function pinGenerator(): void {
  if (PIN) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
}

/** `--profile` (or DSHUB_BENCH_PROFILE=1): dshub servers run under `node --cpu-prof`. */
export const PROFILE =
  process.argv.includes('--profile') || process.env.DSHUB_BENCH_PROFILE === '1';
/** Where profiles are kept (ignored by git). */
export const PROFILE_DIR = join(ROOT, 'bench-profiles');

export interface Served {
  port: number;
  child: ChildProcess;
  /** CPU seconds (user + system) the server process has used so far. */
  cpu(): number;
  /** Everything the server has written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process from /proc, in seconds (Linux only; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts `node <args>` pinned to core 0 and waits for "listening on http://host:PORT". Its
 * output goes to a file, not a pipe: a server logging every request into a pipe that the busy
 * generator drains late would stall on its writes and measure the generator, not itself.
 */
export async function startProcess(args: string[], env: Record<string, string>): Promise<Served> {
  const cmd = PIN ? 'taskset' : process.execPath;
  const argv = PIN ? ['-c', '0', process.execPath, ...args] : args;
  const logDir = mkdtempSync(join(tmpdir(), 'dshub-bench-log-'));
  const logFile = join(logDir, 'server.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null = null;
  // A benchmark that fails must not leave its servers running, pinned to the server core.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', (c) => {
    exited = c ?? -1;
    process.off('exit', killOnExit);
  });
  const deadline = Date.now() + 60_000;
  let port = 0;
  while (!port) {
    const out = readFileSync(logFile, 'utf8');
    const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(out);
    if (m) port = Number(m[1]);
    else if (exited !== null || Date.now() > deadline) throw new Error(`did not start: ${out}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    child,
    cpu: () => cpuSeconds(child.pid!),
    output: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (exited === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      // DSHUB_BENCH_KEEP_LOGS=<dir> keeps each server's log there (e.g. its --trace-gc lines).
      const keep = process.env.DSHUB_BENCH_KEEP_LOGS;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        copyFileSync(logFile, join(keep, `server-${child.pid}.log`));
      }
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/**
 * node:http answering a fixed hello. With BARE_SPIN_US it first spins for about that many µs of
 * CPU per request: a server that spends a given CPU per call and does nothing else, whose latency
 * is what that CPU alone costs on this machine (bench/data-sources.ts sets it from dshub's CPU per
 * call). The spin is a fixed amount of work, not a time: a slow spell of the core slows it as it
 * slows dshub. (The process's CPU clock ticks too coarsely to spin on.)
 */
export const BARE_SERVER = `
const http = require('node:http');
// The spin: a loop of arithmetic, its length in iterations calibrated once (the fastest of five
// timings, so a slow moment at start does not inflate it). Without BARE_SPIN_US, none of it runs.
const spinUs = Number(process.env.BARE_SPIN_US || 0);
const step = (x) => (Math.imul(x, 1103515245) + 12345) | 0;
let sink = 0;
function spin(n) { let x = sink; for (let i = 0; i < n; i++) x = step(x); sink = x; }
let perUs = 0;
for (let k = 0; spinUs > 0 && k < 5; k++) {
  const t = process.hrtime.bigint();
  spin(2e6);
  perUs = Math.max(perUs, 2e6 / (Number(process.hrtime.bigint() - t) / 1000));
}
const spinIterations = Math.round(spinUs * perUs);
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (spinIterations > 0) spin(spinIterations);
    const body = JSON.stringify({ RequestId: 'hello', Message: 'hello world' });
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));
`;

export interface BareOptions {
  /** The requests to send (the bare server ignores what they say); a plain GET / without. */
  pool?: SignedHttpRequest[];
  /** CPU to spend per request, in µs (BARE_SPIN_US above). */
  spinUs?: number;
}

export async function startBare(spinUs = 0): Promise<Served> {
  return startProcess(['-e', BARE_SERVER], { BARE_SPIN_US: String(spinUs) });
}

/** The bare server's timed run (after a 2 s warm-up), on a server started for it. */
export async function measureBare(
  connections: number,
  seconds: number,
  opts: BareOptions = {},
): Promise<RunResult> {
  const bare = await startBare(opts.spinUs);
  const pool = opts.pool ? { pool: opts.pool } : {};
  try {
    const warmUp = { connections, seconds: 2, ...pool };
    return await load(bare.port, { connections, seconds, cpu: bare.cpu, ...pool, warmUp });
  } finally {
    await bare.stop();
  }
}

/**
 * The floor of a signed call: node:http serving the same signed ACS3 requests with only what no
 * implementation can skip. It checks the signature (canonical request, SHA-256, HMAC, each the
 * cheapest way dshub knows), refuses a replayed nonce and answers `answer` (a JSON text whose
 * RequestId is replaced per call), written at the end of the turn as dshub writes its answers.
 * No log line, no metrics, no time window, no key lookup, no parameters, no access decision:
 * what dshub costs above this line is its own.
 * The nonce is checked in a Set (never swept), or with FLOOR_PG where a replica must check it:
 * in PostgreSQL, the claims of a turn in one INSERT on a connection that commits asynchronously,
 * as dshub claims them. With FLOOR_SQL each answer also carries one row, read by a prepared
 * statement from the SQLite file FLOOR_DB (better-sqlite3) or, with FLOOR_PG, from PostgreSQL
 * (node-postgres through dshub's own pipelined connections, a turn's statements in one write,
 * the read sent in the same turn as the claim and answered once both are back, as dshub does).
 */
export const FLOOR_SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
const secret = process.env.FLOOR_SECRET;
const answer = process.env.FLOOR_ANSWER;
const at = answer.indexOf('"RequestId":"') + 13;
const head = answer.slice(0, at);
const tail = answer.slice(answer.indexOf('"', at));
const AUTH = /SignedHeaders=([^,]+),Signature=([0-9a-f]+)/;
const params = process.env.FLOOR_SQL ? JSON.parse(process.env.FLOOR_PARAMS) : [];
// HMAC-SHA256 as dshub computes it (src/wire/signature/hmac.ts): the key's pads made once, then
// two one-shot hashes (the secret is dshub's own: ASCII, under 64 characters).
let ipad = '';
const opad = Buffer.alloc(96);
for (let i = 0; i < 64; i++) {
  const k = i < secret.length ? secret.charCodeAt(i) : 0;
  ipad += String.fromCharCode(k ^ 0x36);
  opad[i] = k ^ 0x5c;
}
function hmacHex(text) {
  opad.write(crypto.hash('sha256', ipad + text, 'binary'), 64, 'latin1');
  return crypto.hash('sha256', opad, 'hex');
}

function signed(req) {
  const m = AUTH.exec(req.headers.authorization || '');
  if (m === null) return false;
  const q = req.url.indexOf('?');
  const query = q < 0 ? '' : req.url.slice(q + 1).split('&').sort().join('&');
  let headers = '';
  for (const n of m[1].split(';')) headers += n + ':' + String(req.headers[n]).trim() + '\\n';
  const canonical = req.method + '\\n/\\n' + query + '\\n' + headers + '\\n' + m[1] + '\\n' + req.headers['x-acs-content-sha256'];
  return hmacHex('ACS3-HMAC-SHA256\\n' + crypto.hash('sha256', canonical, 'hex')) === m[2];
}

const body = (id, row) =>
  row === undefined ? head + id + tail : '{"RequestId":"' + id + '","DataSource":' + JSON.stringify(row) + '}';

// answer(nonce, done): done(ok, row) once the nonce is claimed and the row (if any) read.
let claimAndRead;
let ready = Promise.resolve();
if (process.env.FLOOR_PG) {
  // dshub's own pipelined connections (dist/store/pg-pipeline.js): the cheapest way through
  // node-postgres known here, so the floor is not slower than dshub for want of it.
  const pg = require('pg');
  const url = process.env.FLOOR_PG;
  let claimer;
  let reader;
  let claims = [];
  const flush = () => {
    const batch = claims;
    claims = [];
    const sql = 'insert into floor_nonces select unnest($1::text[]) on conflict do nothing returning nonce';
    const done = (added) => { for (const [nonce, then] of batch) then(added.delete(nonce)); };
    claimer.query('floor_claim', sql, [batch.map((c) => c[0])]).then(
      (r) => done(new Set(r.rows.map((x) => x.nonce))),
      () => done(new Set()),
    );
  };
  claimAndRead = (nonce, done) => {
    let left = process.env.FLOOR_SQL ? 2 : 1;
    let ok = false;
    let row;
    const one = () => { if (--left === 0) done(ok, row); };
    if (claims.push([nonce, (claimed) => { ok = claimed; one(); }]) === 1) setImmediate(flush);
    if (!process.env.FLOOR_SQL) return;
    reader.query('floor_read', process.env.FLOOR_SQL, params).then(
      (r) => { row = r.rows[0]; one(); },
      () => { row = null; one(); },
    );
  };
  ready = import(process.env.FLOOR_PIPELINE).then(async ({ pipelinedLanes }) => {
    const client = (options) => () =>
      new pg.Client({ connectionString: url, pipeline: true, ...(options ? { options } : {}) });
    claimer = pipelinedLanes(2, client('-c synchronous_commit=off'), pg.Query, { corkTurns: false });
    reader = pipelinedLanes(2, client(), pg.Query);
    const ddl = new pg.Client({ connectionString: url });
    await ddl.connect();
    await ddl.query('create table if not exists floor_nonces (nonce text primary key)');
    await ddl.end();
  });
} else {
  const nonces = new Set();
  const stmt = process.env.FLOOR_SQL
    ? new (require('better-sqlite3'))(process.env.FLOOR_DB, { readonly: true }).prepare(process.env.FLOOR_SQL)
    : undefined;
  claimAndRead = (nonce, done) => {
    const ok = !nonces.has(nonce);
    nonces.add(nonce);
    done(ok, stmt && ok ? stmt.get(...params) : undefined);
  };
}

const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const id = crypto.randomUUID().toUpperCase();
    const reply = (status, text) => {
      if (pending.push([res, status, id, text]) === 1) setImmediate(flushAnswers);
    };
    if (!signed(req)) return reply(400, JSON.stringify({ RequestId: id, Code: 'SignatureDoesNotMatch' }));
    claimAndRead(req.headers['x-acs-signature-nonce'], (ok, row) =>
      ok ? reply(200, body(id, row)) : reply(400, JSON.stringify({ RequestId: id, Code: 'SignatureNonceUsed' })));
  });
});
// Answers leave together at the end of the turn, as dshub's do (src/server/api-route.ts).
const pending = [];
function flushAnswers() {
  for (const [res, status, id, text] of pending.splice(0)) {
    res.writeHead(status, ['content-type', 'application/json;charset=utf-8', 'x-acs-request-id', id, 'content-length', String(Buffer.byteLength(text))]);
    res.end(text);
  }
}
s.keepAliveTimeout = 60000;
// A clean exit on SIGTERM, so that --cpu-prof (bench --profile) writes the floor's profile.
process.on('SIGTERM', () => process.exit(0));
ready.then(() => s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port)));
`;

/**
 * FLOOR_SERVER for the key `secret`, answering `answer` (a dshub answer's text), or with `read`
 * the row its SQL reads: from a SQLite file, or with `postgres` (a connection URL) from that
 * database, where the nonces are claimed too.
 */
export async function startFloor(
  secret: string,
  answer: string,
  read?: { file?: string; postgres?: string; sql: string; params: unknown[] },
  label = 'floor',
): Promise<Served> {
  const profile = profiling(label);
  const served = await startProcess([...profile.flags, '-e', FLOOR_SERVER], {
    FLOOR_SECRET: secret,
    FLOOR_ANSWER: answer,
    ...(read?.file ? { FLOOR_DB: read.file } : {}),
    ...(read?.postgres
      ? {
          FLOOR_PG: read.postgres,
          FLOOR_PIPELINE: pathToFileURL(join(ROOT, 'dist', 'store', 'pg-pipeline.js')).href,
        }
      : {}),
    ...(read ? { FLOOR_SQL: read.sql, FLOOR_PARAMS: JSON.stringify(read.params) } : {}),
  });
  return {
    ...served,
    stop: async () => {
      await served.stop();
      profile.report();
    },
  };
}

export interface DshubServer extends Served {
  accessKeyId: string;
  accessKeySecret: string;
  dataDir: string;
  /**
   * The server's event-loop delay since the previous call (the first call starts the window):
   * pass it to `load` as `eventLoop` to report the timed run's stalls.
   */
  eventLoop(): Promise<EventLoopDelay | undefined>;
}

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  /** The server's memory at the end of the window (`rss … heap used/total … native … MB`). */
  memory?: string;
}

const EVENT_LOOP_LINE =
  /event-loop delay p50 ([\d.]+) ms p99 ([\d.]+) ms max ([\d.]+) ms\n(?:memory ([^\n]*))?/g;

/** Asks the server (DSHUB_BENCH_EVENT_LOOP=1) for its event-loop delay line and reads it. */
async function askEventLoop(served: Served): Promise<EventLoopDelay | undefined> {
  const count = () => [...served.output().matchAll(EVENT_LOOP_LINE)];
  const seen = count().length;
  served.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const lines = count();
    if (lines.length > seen) {
      const m = lines[lines.length - 1]!;
      const delay: EventLoopDelay = { p50: Number(m[1]), p99: Number(m[2]), max: Number(m[3]) };
      if (m[4]) delay.memory = m[4];
      return delay;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/**
 * Starts the built server. With `--profile`, `label` names the profile: it is written when the
 * server stops, copied to bench-profiles/<label>.cpuprofile and summarised on stdout.
 */
export async function startDshub(
  env: Record<string, string> = {},
  label = 'dshub',
  /** The checkout whose build (dist/) runs: this one, or another for bench/ab.ts. */
  root = ROOT,
): Promise<DshubServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dshub-bench-'));
  const accessKeyId = `LTAIbench${randomBytes(6).toString('hex')}`;
  const accessKeySecret = randomBytes(15).toString('hex');
  const profile = profiling(label);
  const nodeFlags = [...profile.flags];
  // The server runs on one core here, so as `npm start` runs it on one CPU (scripts/start.sh);
  // DSHUB_BENCH_V8_GC=default leaves V8's own collector threads, to compare.
  if (PIN && process.env.DSHUB_BENCH_V8_GC !== 'default') nodeFlags.push('--single-threaded-gc');
  // Extra node flags for the server alone (e.g. --trace-gc; its lines go to the server's log).
  nodeFlags.push(...(process.env.DSHUB_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  const served = await startProcess([...nodeFlags, join(root, 'dist', 'cli', 'main.js'), 'serve'], {
    DSHUB_PORT: '0',
    DSHUB_DATA_DIR: dataDir,
    DSHUB_ROOT_ACCESS_KEY_ID: accessKeyId,
    DSHUB_ROOT_ACCESS_KEY_SECRET: accessKeySecret,
    DSHUB_LOG_LEVEL: process.env.DSHUB_LOG_LEVEL ?? 'info',
    DSHUB_BENCH_EVENT_LOOP: '1',
    ...env,
  });
  return {
    ...served,
    eventLoop: () => askEventLoop(served),
    accessKeyId,
    accessKeySecret,
    dataDir,
    stop: async () => {
      await served.stop();
      rmSync(dataDir, { recursive: true, force: true });
      profile.report();
    },
  };
}

/**
 * With `--profile`, node flags that make a server write a CPU profile when it exits, and
 * `report()`, called once it has: the profile is kept as bench-profiles/<label>.cpuprofile and
 * summarised on stdout. Without, no flags and nothing to report.
 */
function profiling(label: string): { flags: string[]; report(): void } {
  if (!PROFILE) return { flags: [], report: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'dshub-prof-'));
  return {
    flags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    report: () => {
      reportProfile(dir, label);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function reportProfile(dir: string, label: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    process.stdout.write(`profile ${label}: the server wrote no profile\n`);
    return;
  }
  mkdirSync(PROFILE_DIR, { recursive: true });
  const kept = join(PROFILE_DIR, `${label.replace(/[^\w.-]+/g, '-')}.cpuprofile`);
  copyFileSync(join(dir, file), kept);
  const summary = summarizeProfile(readProfile(kept), 20);
  process.stdout.write(`\nprofile ${label} (${kept}):\n${formatSummary(summary)}\n\n`);
}

/**
 * How long an idle server is given to hand its memory back: DSHUB_IDLE_GC_MS (5 s) without a
 * request, a check every second, a second collection 6 s after the first if the first did not
 * shrink the young generation, and V8's unmapping of the freed pages.
 */
export const SETTLE_MS = 13_000;

/** The server's memory line (`rss … heap … native … MB`) once it has been idle for SETTLE_MS. */
export async function memoryAfterIdle(server: DshubServer): Promise<string | undefined> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return (await server.eventLoop())?.memory;
}

export function signPool(
  n: number,
  opts: Omit<SignOptions, 'host'>,
  port: number,
): SignedHttpRequest[] {
  const pool: SignedHttpRequest[] = new Array(n);
  for (let i = 0; i < n; i++) pool[i] = signRequest({ ...opts, host: `127.0.0.1:${port}` });
  return pool;
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // wrk prints its version and exits 1.
    return (e as { status?: number }).status === 1;
  }
}
export const WRK = hasWrk();
export const GENERATOR = WRK ? 'wrk' : 'autocannon';

// Feeds wrk one pre-signed raw request after another (one thread, so one sequence).
const WRK_SCRIPT = `
local reqs = {}
local i = 0
init = function(args)
  local f = assert(io.open(args[1], "rb"))
  local all = f:read("*a")
  f:close()
  for r in string.gmatch(all, "([^%z]+)%z") do reqs[#reqs + 1] = r end
  -- Held here, pool read, until the benchmark opens the FIFO args[2] (a timed run after a
  -- warm-up): wrk's clock starts once init returns. The ready file says the pool is read.
  if args[2] then
    assert(io.open(args[2] .. ".ready", "w")):close()
    local go = assert(io.open(args[2], "r"))
    go:read("*l")
    go:close()
  end
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
-- wrk corrects its latency histogram for coordinated omission before done() sees it
-- (stats_correct in wrk.c): a call that took n µs, n >= 2e, adds one count at each of n - e,
-- n - 2e, ... while above e, where e is the run's mean time between two calls on a connection.
-- So the corrected count at n is the sum of the calls' counts at n, n + e, n + 2e, ... for n > e,
-- and the calls' own count at n is C[n] - C[n + e]: undone exactly here.
local function perCall(summary, latency)
  local c, values = {}, {}
  for k = 1, #latency do
    local v, n = latency(k)
    c[v] = n
    values[k] = v
  end
  local runs = math.floor(summary.requests / __CONNECTIONS__)
  local e = runs > 0 and math.floor(summary.duration / runs) or math.huge
  local own, total, corrected = {}, 0, 0
  for k, v in ipairs(values) do
    own[k] = v > e and c[v] - (c[v + e] or 0) or c[v]
    total = total + own[k]
    corrected = corrected + c[v]
  end
  local function at(p)
    local rank, sum = math.floor(p / 100 * total + 1), 0
    for k, v in ipairs(values) do
      sum = sum + own[k]
      if sum >= rank then return v end
    end
    return 0
  end
  return at(50), at(99), total, corrected
end
__DELAY__done = function(summary, latency, requests)
  local p50, p99, counted, corrected = perCall(summary, latency)
  io.write(string.format('{"total":%d,"seconds":%f,"p50":%f,"p99":%f,"p50calls":%f,"p99calls":%f,"counted":%d,"corrected":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    p50 / 1000, p99 / 1000, counted, corrected,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
`;

function rawRequest(s: SignedHttpRequest, port: number): string {
  const headers = { host: `127.0.0.1:${port}`, ...s.headers } as Record<string, string>;
  if (s.payload !== undefined) headers['content-length'] = String(Buffer.byteLength(s.payload));
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${s.method} ${s.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${s.payload ?? ''}`;
}

/**
 * Writes the pool for wrk and starts it: wrk reads the pool (seconds for a large one) and then
 * waits on a FIFO, so that `start` begins the timed run at once.
 */
async function prepareWrk(port: number, opts: LoadOptions): Promise<PreparedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dshub-wrk-'));
  let child: ChildProcess | undefined;
  try {
    const script = join(dir, 'pool.lua');
    // wrk paces a connection only when the script defines delay().
    const delay = opts.delayMs ? `delay = function() return ${Math.round(opts.delayMs)} end\n` : '';
    writeFileSync(
      script,
      WRK_SCRIPT.replace('__CONNECTIONS__', String(opts.connections)).replace('__DELAY__', delay),
    );
    const requests = join(dir, 'requests.bin');
    const pool = opts.pool ?? [
      { method: 'GET', url: opts.path ?? '/', headers: {} } as SignedHttpRequest,
    ];
    // Written request by request: a fast machine's pool is more text than one string may hold.
    const fd = openSync(requests, 'w');
    try {
      let chunk = '';
      for (const r of pool) {
        chunk += `${rawRequest(r, port)}\0`;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    const go = join(dir, 'go');
    execFileSync('mkfifo', [go]);
    const args = [
      '-t1',
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      '-s',
      script,
      `http://127.0.0.1:${port}/`,
      '--',
      requests,
      go,
    ];
    const wrk = PIN
      ? spawn('taskset', ['-c', '1', 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = wrk;
    let out = '';
    wrk.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    wrk.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => wrk.once('close', resolve));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (!existsSync(`${go}.ready`)) {
      if (gone) throw new Error(`wrk stopped before its run: ${out}`);
      await sleep(20);
    }
    return {
      start: async () => {
        await openFifo(
          go,
          () => gone,
          () => out,
        );
        await exited;
        return wrkResult(out, opts);
      },
      dispose: () => {
        if (!gone) wrk.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Opens the FIFO wrk waits on and writes to it (wrk may not have opened it yet: then again). */
async function openFifo(path: string, gone: () => boolean, said: () => string): Promise<void> {
  for (;;) {
    try {
      // Non-blocking: with no reader yet this fails (ENXIO) instead of blocking this process.
      const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, 'go\n');
      } finally {
        closeSync(fd);
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
      if (gone()) throw new Error(`wrk stopped before its run: ${said()}`);
      await sleep(1);
    }
  }
}

function wrkResult(out: string, opts: LoadOptions): RunResult {
  const line = out.split('\n').find((l) => l.startsWith('{"total"'));
  if (!line) throw new Error(`wrk said: ${out}`);
  const r = JSON.parse(line) as {
    total: number;
    seconds: number;
    p50: number;
    p99: number;
    p50calls: number;
    p99calls: number;
    counted: number;
    corrected: number;
    errors: number;
    non2xx: number;
  };
  if (opts.pool && r.total > opts.pool.length) {
    process.stderr.write(
      `warning: the pool of ${opts.pool.length} signed requests was reused (${r.total} sent)\n`,
    );
  }
  if (r.counted !== r.total) {
    process.stderr.write(
      `warning: wrk's latencies hold ${r.counted} calls of ${r.total} (timed out?): the per-call percentiles miss the rest\n`,
    );
  }
  return {
    rps: r.total / r.seconds,
    p50: r.p50,
    p99: r.p99,
    calls: { p50: r.p50calls, p99: r.p99calls, counted: r.counted, corrected: r.corrected },
    non2xx: r.non2xx,
    errors: r.errors,
    total: r.total,
  };
}

export interface RunResult {
  rps: number;
  /**
   * Latency percentiles as the generator reports them. wrk's are corrected for coordinated
   * omission (a call that took n × the run's mean time between calls on a connection also
   * counts, about n times, as the calls a client sending at a steady rate would have seen
   * waiting behind it), so a few long pauses of the server weigh on its p99 many times over.
   */
  p50: number;
  p99: number;
  /**
   * wrk only: the calls' own percentiles, that correction undone (WRK_SCRIPT's perCall); how
   * many calls the undone histogram holds (`total` exactly, unless some call outlasted wrk's
   * timeout: such calls are in neither histogram) and how many counts wrk's own holds.
   */
  calls?: { p50: number; p99: number; counted: number; corrected: number };
  non2xx: number;
  errors: number;
  total: number;
  /**
   * Server CPU time per request in µs (when the server's CPU clock was given): unlike req/s it
   * barely moves when other processes compete for the cores.
   */
  cpuUs?: number;
  /** The server's event-loop delay during the run (when `eventLoop` was given). */
  eventLoop?: EventLoopDelay;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  pool?: SignedHttpRequest[];
  path?: string;
  /** The server's CPU clock (Served.cpu), to report CPU per request. */
  cpu?: () => number;
  /** wrk only: each connection waits this long before its next request (paced writers). */
  delayMs?: number;
  /** The server's event-loop probe (DshubServer.eventLoop), to report its stalls in the run. */
  eventLoop?: () => Promise<EventLoopDelay | undefined>;
  /** A run made just before this one (`load`), with this run's pool already read. */
  warmUp?: LoadOptions;
}

/**
 * Runs the load generator (wrk when installed, else autocannon) for `seconds` at `connections`
 * over keep-alive. With a pool, every request is the next pre-signed one (distinct nonces); the
 * run stops early if the pool runs dry. With `warmUp`, that run comes first, after this run's
 * pool is written and read by wrk, and this run follows it within milliseconds.
 */
export async function load(port: number, opts: LoadOptions): Promise<RunResult> {
  return (await loadTogether(port, [opts], opts.warmUp))[0]!;
}

/**
 * Runs started together (a paced writer beside the readers), after `warmUp` if given, each
 * measured as `load` measures one. Every pool is written, and read by wrk, before the warm-up:
 * a large pool takes wrk seconds to read, and that long an idle spell just before the timed run
 * let the server's idle collection (DSHUB_IDLE_GC_MS) run as the load began, a 20–30 ms stall
 * counted in the run (round 18, docs/PERFORMANCE.md).
 */
export async function loadTogether(
  port: number,
  runs: LoadOptions[],
  warmUp?: LoadOptions,
): Promise<RunResult[]> {
  const prepared: PreparedRun[] = [];
  try {
    for (const opts of runs) prepared.push(await prepare(port, opts));
    if (warmUp) await load(port, warmUp);
    const before: (number | undefined)[] = [];
    for (const opts of runs) {
      await opts.eventLoop?.(); // starts the window
      before.push(opts.cpu?.());
    }
    const results = await Promise.all(prepared.map((p) => p.start()));
    for (const [i, opts] of runs.entries()) {
      const r = results[i]!;
      const cpuBefore = before[i];
      if (opts.cpu && cpuBefore !== undefined && r.total > 0) {
        r.cpuUs = ((opts.cpu() - cpuBefore) / r.total) * 1e6;
      }
      const delay = await opts.eventLoop?.();
      if (delay) r.eventLoop = delay;
    }
    return results;
  } finally {
    for (const p of prepared) p.dispose();
  }
}

/** A run ready to go: `start` begins it and resolves with its result. */
interface PreparedRun {
  start(): Promise<RunResult>;
  dispose(): void;
}

async function prepare(port: number, opts: LoadOptions): Promise<PreparedRun> {
  if (WRK) return prepareWrk(port, opts);
  return { start: () => loadWithAutocannon(port, opts), dispose: () => {} };
}

async function loadWithAutocannon(port: number, opts: LoadOptions): Promise<RunResult> {
  let next = 0;
  const pool = opts.pool;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: opts.connections,
    duration: opts.seconds,
    pipelining: 1,
    ...(pool
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => {
                const s = pool[next++ % pool.length]!;
                return {
                  ...req,
                  method: s.method,
                  path: s.url,
                  headers: s.headers,
                  ...(s.payload ? { body: s.payload } : {}),
                };
              },
            },
          ],
        }
      : { path: opts.path ?? '/' }),
  });
  if (pool && next > pool.length)
    process.stderr.write(
      `warning: the pool of ${pool.length} signed requests ran dry (${next} sent)\n`,
    );
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

export function fmt(r: RunResult): string {
  const cpu =
    r.cpuUs !== undefined && Number.isFinite(r.cpuUs) ? `  cpu ${Math.round(r.cpuUs)} µs/req` : '';
  const loop = r.eventLoop
    ? `  loop delay p99 ${r.eventLoop.p99.toFixed(1)} ms max ${r.eventLoop.max.toFixed(1)} ms`
    : '';
  const calls = r.calls ? ` (per call ${r.calls.p99.toFixed(2)})` : '';
  return `${Math.round(r.rps).toLocaleString('en')} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms${calls}${cpu}${loop}  (non-2xx ${r.non2xx}, errors ${r.errors})`;
}
