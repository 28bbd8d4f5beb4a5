/**
 * How long `dshub serve --ephemeral` takes from spawn to its ready line (and with a seed), as a
 * ratio to a bare node:http server spawned the same way in the same run: on a shared machine
 * the ratio is the stable figure, the milliseconds are context.
 *
 * Run: npm run build && npx tsx bench/ephemeral-startup.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './lib.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const RUNS = Number(process.env.RUNS ?? 7);
const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
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

async function readyMs(args: string[]): Promise<{ ms: number; startupMs?: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, DSHUB_LOG_LEVEL: 'warn' },
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const ms = performance.now() - t0;
  child.kill('SIGTERM');
  await once(child, 'exit');
  return { ms, startupMs: (JSON.parse(line) as { startupMs?: number }).startupMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'dshub-bench-'));
const seed = join(dir, 'seed.yaml');
writeFileSync(seed, SEED);
try {
  const bare: number[] = [];
  const plain: number[] = [];
  const seeded: number[] = [];
  const inProcess: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so a burst of load on the machine hits all three alike.
    bare.push((await readyMs(['-e', BARE])).ms);
    const p = await readyMs([CLI, 'serve', '--ephemeral']);
    plain.push(p.ms);
    inProcess.push(p.startupMs ?? 0);
    seeded.push((await readyMs([CLI, 'serve', '--ephemeral', '--seed', seed])).ms);
  }
  const b = median(bare);
  const row = (name: string, ms: number) =>
    `${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / b).toFixed(1).padStart(5)}× bare`;
  process.stdout.write(
    [
      `ephemeral start-up, median of ${RUNS} (spawn → ready line on stdout)`,
      row('bare node:http', b),
      row('dshub serve --ephemeral', median(plain)),
      row('dshub serve --ephemeral --seed', median(seeded)),
      `  of which after module loading (startupMs): ${median(inProcess)} ms`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
