/**
 * How long each `dshub` command takes to start, from spawn to exit (or, for a server, to its
 * ready line), as ratios to a bare `node -e 0` and to a bare node:http server spawned the same
 * way in the same run: on a shared machine the ratios are the stable figures, the milliseconds
 * are context. The cases are interleaved, so a burst of load hits them all alike. Each case also
 * reports the CPU time its process used until then (user + system, from /usr/bin/time for the
 * commands that exit, from /proc for the servers at their ready line): waiting for a core on a
 * busy machine inflates the wall time, much less the CPU time.
 *
 * `--before <path/to/dist/cli/main.js>` runs every dshub case with that build too (e.g. a copy of
 * an older dist/ beside a node_modules), in the same rounds, and prints after/before.
 *
 * Run: npm run build && npx tsx bench/cli-startup.ts [--before old/dist/cli/main.js]
 *      (RUNS=15 for more rounds; the default is 9)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cpuSeconds, ROOT } from './lib.js';

const AFTER = join(ROOT, 'dist', 'cli', 'main.js');
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const RUNS = Number(process.env.RUNS ?? 9);

const BARE_HTTP = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  process.stdout.write(JSON.stringify({ port: this.address().port }) + '\\n');
});`;

const SEED = `version: 1
users:
  - name: alice
    accessKeys: [{id: LTAIbenchalice01}]
workspaces:
  - name: bench
    members: [{user: alice, roles: [role_project_dev]}]
    dataSources:
      - name: orders
        type: mysql
        mode: UrlMode
        prod: {address: [{host: 127.0.0.1, port: 3306}], database: shop, username: app, password: pw}
`;

const dir = mkdtempSync(join(tmpdir(), 'dshub-bench-'));

interface Ready {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

const seedFile = join(dir, 'seed.yaml');
writeFileSync(seedFile, SEED);
// No profile file is read: HOME is an empty directory, credentials come from the environment.
const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOME: dir, DSHUB_LOG_LEVEL: 'warn' };
delete baseEnv.DSHUB_PROFILE;

const TIME = '/usr/bin/time';
const HAS_TIME = existsSync(TIME);
const timeFile = join(dir, 'time.txt');

interface Sample {
  /** Wall milliseconds from spawn to the ready line or to exit. */
  ms: number;
  /** CPU milliseconds (user + system) of the process until then; NaN when unknown. */
  cpuMs: number;
}

/** From spawn to the first stdout line (`until: 'line'`) or to exit. */
async function timed(
  args: string[],
  until: 'line' | 'exit',
  env: NodeJS.ProcessEnv = baseEnv,
): Promise<Sample> {
  const t0 = performance.now();
  if (until === 'line') {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env });
    await once(createInterface({ input: child.stdout! }), 'line');
    const ms = performance.now() - t0;
    const cpuMs = cpuSeconds(child.pid!) * 1000;
    child.kill('SIGTERM');
    await once(child, 'exit');
    return { ms, cpuMs };
  }
  // /usr/bin/time adds one exec to every exit case alike, bare `node -e 0` included.
  const [cmd, cmdArgs] = HAS_TIME
    ? [TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(cmd, cmdArgs, { stdio: 'ignore', env });
  const [code] = (await once(child, 'exit')) as [number | null];
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  const [user, sys] = HAS_TIME
    ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number)
    : [Number.NaN, Number.NaN];
  return { ms, cpuMs: (user! + sys!) * 1000 };
}

/** An ephemeral server for the `call` case (started once, outside the timings). */
async function startServer(): Promise<{ ready: Ready; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [AFTER, 'serve', '--ephemeral'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: baseEnv,
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    ready: JSON.parse(line) as Ready,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Case {
  name: string;
  args: string[];
  until: 'line' | 'exit';
  env?: NodeJS.ProcessEnv;
}

const server = await startServer();
try {
  const callEnv = {
    ...baseEnv,
    DSHUB_ENDPOINT: server.ready.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: server.ready.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: server.ready.accessKeySecret,
  };
  const dshubCases = (cli: string): Case[] => [
    { name: 'dshub --help', args: [cli, '--help'], until: 'exit' },
    { name: 'dshub call --help', args: [cli, 'call', '--help'], until: 'exit' },
    {
      name: 'dshub call GetCallerIdentity',
      args: [cli, 'call', 'GetCallerIdentity'],
      until: 'exit',
      env: callEnv,
    },
    { name: 'dshub serve --ephemeral', args: [cli, 'serve', '--ephemeral'], until: 'line' },
    {
      name: 'dshub serve --ephemeral --seed',
      args: [cli, 'serve', '--ephemeral', '--seed', seedFile],
      until: 'line',
    },
  ];
  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'], until: 'exit' },
    { name: 'bare node:http', args: ['-e', BARE_HTTP], until: 'line' },
    ...dshubCases(AFTER),
    ...(BEFORE ? dshubCases(BEFORE).map((c) => ({ ...c, name: `${c.name} (before)` })) : []),
  ];
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  // One warm-up round (file cache, compile cache where Node has one), not counted.
  for (const c of cases) await timed(c.args, c.until, c.env);
  for (let i = 0; i < RUNS; i++) {
    for (const c of cases) samples.get(c.name)!.push(await timed(c.args, c.until, c.env));
  }
  const wall = (name: string) => median(samples.get(name)!.map((x) => x.ms));
  const cpu = (name: string) => median(samples.get(name)!.map((x) => x.cpuMs));
  const nodeE = wall('node -e 0');
  const http = wall('bare node:http');
  const lines = [
    `dshub start-up, median of ${RUNS} rounds (spawn → exit, or → ready line for servers); Node ${process.version}`,
    `${'case'.padEnd(32)} ${'wall ms'.padStart(8)} ${'× node -e'.padStart(10)} ${'× node:http'.padStart(12)} ${'CPU ms'.padStart(7)}${BEFORE ? '   before: wall ms, × node:http, CPU ms; after/before (wall)' : ''}`,
  ];
  for (const c of cases) {
    if (c.name.endsWith('(before)')) continue;
    const ms = wall(c.name);
    const old = BEFORE && c.name.startsWith('dshub') ? `${c.name} (before)` : undefined;
    const before = old
      ? `   ${wall(old).toFixed(0).padStart(7)} ${(wall(old) / http).toFixed(1).padStart(5)}× ${cpu(old).toFixed(0).padStart(6)}   ${(ms / wall(old)).toFixed(2)}`
      : '';
    lines.push(
      `${c.name.padEnd(32)} ${ms.toFixed(0).padStart(8)} ${(ms / nodeE).toFixed(1).padStart(9)}× ${(ms / http).toFixed(1).padStart(11)}× ${cpu(c.name).toFixed(0).padStart(7)}${before}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
