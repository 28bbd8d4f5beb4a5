/**
 * What an operator meets, through the commands the README gives: `npm start` stops cleanly on
 * SIGTERM to npm and on Ctrl-C (SIGINT to its process group, as a terminal sends it), finishing
 * the request in flight, while a later signal ends a stop at once; one server per SQLite data
 * directory (released after exit and after kill -9), liveness and readiness (which fails while
 * draining), waiting for an absent PostgreSQL, configuration errors naming the variable, the root
 * key file written only for a generated key, the CLI's store handling, and error links that lead
 * to the request's audit events, and V8's collector single-threaded when `npm start` has one CPU.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPort, listener, reachable } from '../helpers/connectivity-servers.js';
import { CLI, type RunningServer, rejectsWithCode, runCli, sdkCall } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Started {
  child: ChildProcess;
  port: number;
  server: RunningServer;
  output(): string;
  exited: Promise<number | null>;
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dshub-operating-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function baseEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    DSHUB_HOST: '127.0.0.1',
    DSHUB_PORT: '0',
    DSHUB_DATA_DIR: dataDir,
    DSHUB_LOG_LEVEL: 'info',
    DSHUB_DATABASE_URL: '',
    ...extra,
  };
}

/** Starts `cmd args` and waits for the listening line. */
async function start(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  opts: { detached?: boolean } = {},
): Promise<Started> {
  const accessKey = {
    id: `LTAIop${randomBytes(8).toString('hex')}`,
    secret: randomBytes(15).toString('hex'),
  };
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      DSHUB_ROOT_ACCESS_KEY_ID: accessKey.id,
      DSHUB_ROOT_ACCESS_KEY_SECRET: accessKey.secret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a job in a terminal: Ctrl-C signals the whole group.
    detached: opts.detached ?? false,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      const m = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  const server = {
    endpoint: `127.0.0.1:${port}`,
    port,
    accessKeyId: accessKey.id,
    accessKeySecret: accessKey.secret,
  } as RunningServer;
  return { child, port, server, output: () => output, exited };
}

/**
 * Starts a request that takes the whole connectivity budget (a data source on a port that
 * accepts and never answers), once its workspace and data source exist: in flight when the test
 * signals the server.
 */
async function slowRequest(
  s: Started,
  hangPort: number,
  name: string,
): Promise<{ inFlight: Promise<Record<string, unknown>> }> {
  const created = await sdkCall(s.server, 'CreateProject', {
    method: 'POST',
    body: { Name: name, DisplayName: name },
  });
  const ds = await sdkCall(s.server, 'CreateDataSource', {
    method: 'POST',
    query: {
      ConnectionProperties: JSON.stringify({
        envType: 'Prod',
        address: [{ host: '127.0.0.1', port: hangPort }],
      }),
      ConnectionPropertiesMode: 'UrlMode',
      Name: 'op_hang',
      ProjectId: created.Id as number,
      Type: 'redis',
    },
  });
  const inFlight = sdkCall(s.server, 'TestDataSourceConnectivity', {
    method: 'POST',
    query: {
      DataSourceId: ds.Id as number,
      ProjectId: created.Id as number,
      ResourceGroupId: 'Serverless_res_group_1',
    },
  });
  inFlight.catch(() => {}); // awaited by the test; no unhandled rejection meanwhile
  return { inFlight };
}

interface IdleCollection {
  at: number;
  heapMb: number;
  heapAfterMb: number;
}

/** The server's "idle: heap collected" lines (logged at debug level). */
function idleCollections(output: string): IdleCollection[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"idle: heap collected"'))
    .map((line) => {
      const l = JSON.parse(line) as { time: string; heapMb: number; heapAfterMb: number };
      return { at: Date.parse(l.time), heapMb: l.heapMb, heapAfterMb: l.heapAfterMb };
    });
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The node process serving under `pid` (npm, a shell or taskset that exec'd it), and its argv. */
function serverUnder(pid: number): { pid: number; argv: string[] } {
  const parentOf = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parentOf.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  for (const candidate of [pid, ...parentOf.keys()]) {
    let p: number | undefined = candidate;
    while (p !== undefined && p > 1 && p !== pid) p = parentOf.get(p);
    if (p !== pid) continue;
    try {
      const argv = readFileSync(`/proc/${candidate}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith(join('dist', 'cli', 'main.js'))))
        return { pid: candidate, argv };
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no dshub server under process ${pid}`);
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('black box: running dshub as an operator does', () => {
  it("`npm start` on one CPU runs V8's collector single-threaded; `dshub serve` there says how; on more, V8's default", {
    skip: hasTaskset() ? false : 'taskset is not installed',
  }, async () => {
    const dataDir = tempDir();
    const stopped = async (s: Started) => {
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0);
      return s.output();
    };
    const oneCpu = await start('taskset', ['-c', '0', 'npm', 'start'], baseEnv(dataDir));
    assert.ok(serverUnder(oneCpu.child.pid!).argv.includes('--single-threaded-gc'));
    assert.doesNotMatch(await stopped(oneCpu), /may use one CPU only/);
    // Started without npm on one CPU: the server cannot set the flag itself, so it says so.
    const direct = await start(
      'taskset',
      ['-c', '0', process.execPath, CLI, 'serve'],
      baseEnv(dataDir),
    );
    assert.match(
      await stopped(direct),
      /may use one CPU only.*start node with --single-threaded-gc/,
    );
    if (availableParallelism() > 1) {
      const all = await start('npm', ['start'], baseEnv(dataDir));
      assert.ok(!serverUnder(all.child.pid!).argv.includes('--single-threaded-gc'));
      assert.doesNotMatch(await stopped(all), /may use one CPU only/);
    }
  });

  it('`npm start` stops on SIGTERM sent to npm: the request in flight is answered, the port and store are released', async () => {
    const dataDir = tempDir();
    const hang = await listener('hang');
    try {
      const s = await start('npm', ['start'], baseEnv(dataDir));
      // A request that takes the whole connectivity budget, signalled in the middle of it.
      const { inFlight } = await slowRequest(s, hang.port, 'op_stop');
      await new Promise((r) => setTimeout(r, 500));
      s.child.kill('SIGTERM');
      const body = await inFlight;
      assert.equal((body.Connectivity as Record<string, unknown>).ConnectState, 'Unreachable');
      await s.exited;
      assert.equal(await reachable(s.port), false, 'nothing serves on the port any more');
      assert.match(s.output(), /shutting down/);
      assert.match(s.output(), /"msg":"stopped"/);
      // The lock went with it: a new server starts on the same directory.
      const again = await start(process.execPath, [CLI, 'serve'], baseEnv(dataDir));
      again.child.kill('SIGINT');
      assert.equal(await again.exited, 0);
    } finally {
      await hang.close();
    }
  });

  it('`npm start` stops on Ctrl-C (SIGINT to its process group, as a terminal sends it) and on SIGINT to npm alone', async () => {
    const dataDir = tempDir();
    const hang = await listener('hang');
    try {
      for (const how of ['Ctrl-C', 'SIGINT to npm'] as const) {
        const s = await start('npm', ['start'], baseEnv(dataDir), { detached: true });
        const { inFlight } = await slowRequest(
          s,
          hang.port,
          how === 'Ctrl-C' ? 'op_ctrl_c' : 'op_sigint',
        );
        await new Promise((r) => setTimeout(r, 500));
        // A terminal's Ctrl-C reaches npm and node at once, and npm passes it on to node too:
        // node gets it twice, and that is still one clean stop.
        if (how === 'Ctrl-C') process.kill(-s.child.pid!, 'SIGINT');
        else s.child.kill('SIGINT');
        const body = await inFlight;
        assert.equal(
          (body.Connectivity as Record<string, unknown>).ConnectState,
          'Unreachable',
          how,
        );
        await s.exited;
        assert.equal(await reachable(s.port), false, `${how}: nothing serves on the port`);
        assert.match(s.output(), /"msg":"stopped"/, `${how}: a clean stop\n${s.output()}`);
      }
    } finally {
      await hang.close();
    }
  });

  it('a second server on the same SQLite data directory refuses to start, naming the holder; kill -9 releases it', async () => {
    const dataDir = tempDir();
    const first = await start(process.execPath, [CLI, 'serve'], baseEnv(dataDir));
    const second = await runCli(['serve'], baseEnv(dataDir));
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, new RegExp(`process ${first.child.pid}\\b`));
    assert.ok(second.stderr.includes(dataDir), second.stderr);
    // dshub admin works beside the running server.
    const admin = await runCli(['admin', 'tenant', 'list'], baseEnv(dataDir));
    assert.equal(admin.code, 0, admin.stderr);
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await start(process.execPath, [CLI, 'serve'], baseEnv(dataDir));
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0);
  });

  it('liveness and readiness are separate; readiness fails as soon as a stop begins', async () => {
    const dataDir = tempDir();
    const s = await start(
      process.execPath,
      [CLI, 'serve'],
      baseEnv(dataDir, { DSHUB_SHUTDOWN_DRAIN_MS: '3000' }),
    );
    assert.equal((await get(s.port, '/health/live')).status, 200);
    const ready = await get(s.port, '/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.body).status, 'ok');
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const draining = await get(s.port, '/health/ready');
    assert.equal(draining.status, 503);
    assert.match(draining.body, /shutting down/);
    assert.equal((await get(s.port, '/health/live')).status, 200, 'still serving while draining');
    assert.equal(await s.exited, 0);
  });

  it('a signal after the first (not the same Ctrl-C passed on by npm) ends a stop at once', async () => {
    const s = await start(
      process.execPath,
      [CLI, 'serve'],
      baseEnv(tempDir(), { DSHUB_SHUTDOWN_DRAIN_MS: '20000' }),
    );
    s.child.kill('SIGTERM');
    s.child.kill('SIGTERM'); // the same signal twice at once: still the one, draining stop
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(s.child.exitCode, null, 'still draining');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 143);
    assert.match(s.output(), /second signal: stopping at once/);
  });

  it('an unreachable PostgreSQL is waited for, then a clear message (no password in it)', async () => {
    const port = await closedPort();
    const began = Date.now();
    const r = await runCli(
      ['serve'],
      baseEnv(tempDir(), {
        DSHUB_DATABASE_URL: `postgres://postgres:TopSecret-1@127.0.0.1:${port}/dshub`,
        DSHUB_DATABASE_WAIT_SECONDS: '2',
      }),
    );
    assert.notEqual(r.code, 0);
    assert.ok(Date.now() - began >= 2000, 'waited the stated time');
    const all = r.stdout + r.stderr;
    assert.match(all, /waiting for the database/);
    assert.match(
      r.stderr,
      new RegExp(`database at 127\\.0\\.0\\.1:${port}/dshub did not answer within 2 s`),
    );
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.match(r.stderr, /DSHUB_DATABASE_URL/);
    assert.doesNotMatch(all, /TopSecret/);
  });

  it('configuration errors name the environment variable', async () => {
    const allow = await runCli(
      ['serve'],
      baseEnv(tempDir(), { DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '10.0.0.0/33' }),
    );
    assert.equal(allow.code, 2);
    assert.match(
      allow.stderr,
      /DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '10\.0\.0\.0\/33' is not a network/,
    );
    const deny = await runCli(
      ['serve'],
      baseEnv(tempDir(), { DSHUB_CONNECTIVITY_DENY_NETWORKS: '127.0.0.0/8,300.1.1.1/8' }),
    );
    assert.equal(deny.code, 2);
    assert.match(deny.stderr, /DSHUB_CONNECTIVITY_DENY_NETWORKS: '300\.1\.1\.1\/8'/);
    assert.doesNotMatch(deny.stderr, /DENY_NETWORKS\.\d/);
  });

  it('writes root-access-key.json only for a generated key', async () => {
    const given = tempDir();
    const s = await start(process.execPath, [CLI, 'serve'], baseEnv(given));
    s.child.kill('SIGTERM');
    await s.exited;
    assert.equal(existsSync(join(given, 'root-access-key.json')), false);

    const generated = tempDir();
    const env = baseEnv(generated, {
      DSHUB_ROOT_ACCESS_KEY_ID: '',
      DSHUB_ROOT_ACCESS_KEY_SECRET: '',
    });
    const g = await start(process.execPath, [CLI, 'serve'], env);
    g.child.kill('SIGTERM');
    await g.exited;
    assert.equal(existsSync(join(generated, 'root-access-key.json')), true);
    assert.match(g.output(), /AccessKeySecret: /);
  });

  it('dshub admin refuses to create a store, says which store it opened and what it did; init creates one', async () => {
    const dataDir = join(tempDir(), 'not-yet');
    const env = baseEnv(dataDir, {
      DSHUB_ROOT_ACCESS_KEY_ID: '',
      DSHUB_ROOT_ACCESS_KEY_SECRET: '',
    });
    const refused = await runCli(['admin', 'tenant', 'list'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /no dshub store at .*dshub\.db: .*dshub init/);
    assert.equal(existsSync(join(dataDir, 'master.key')), false, 'no master key was made');

    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stderr, /store sqlite .*dshub\.db is ready/);
    assert.match(JSON.parse(init.stdout).accessKeyId, /^LTAI/);

    const list = await runCli(['admin', 'tenant', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, new RegExp(`store sqlite ${dataDir.replace(/[/.]/g, '\\$&')}`));
    // One tenant: --tenant may be left out.
    const user = await runCli(['admin', 'user', 'create', 'alice'], env);
    assert.equal(user.code, 0, user.stderr);
    assert.match(user.stderr, /created user alice/);
    const { userId } = JSON.parse(user.stdout) as { userId: string };
    const attach = await runCli(
      ['admin', 'policy', 'attach', userId, 'AliyunDataWorksFullAccess'],
      env,
    );
    assert.equal(attach.code, 0, attach.stderr);
    assert.equal(attach.stdout, '');
    assert.match(
      attach.stderr,
      new RegExp(`attached policy AliyunDataWorksFullAccess to user ${userId}`),
    );
  });

  it("an error's Recommend names its RequestId; that page links to the request in the console's audit view", async () => {
    const s = await start(process.execPath, [CLI, 'serve'], baseEnv(tempDir()));
    try {
      const err = await rejectsWithCode(
        sdkCall(s.server, 'GetProject', { method: 'POST', body: { Id: 987_654 } }),
        '1101080008',
        404,
      );
      const requestId = String(err.data.RequestId);
      const recommend = new URL(String(err.data.Recommend));
      assert.equal(recommend.origin, `http://127.0.0.1:${s.port}`);
      assert.equal(recommend.pathname, '/errors');
      assert.equal(recommend.searchParams.get('RequestId'), requestId);
      assert.ok(recommend.hash.length > 1, 'an anchor for the code');
      const page = await get(s.port, `${recommend.pathname}${recommend.search}`);
      assert.equal(page.status, 200);
      const link = `http://127.0.0.1:${s.port}/console/audit?RequestId=${requestId}`;
      assert.ok(page.body.includes(`href="${link}"`), 'links to the audit view of the request');
      assert.equal((await get(s.port, `/console/audit?RequestId=${requestId}`)).status, 200);
      // Anything but a RequestId in the link is ignored, never echoed.
      const odd = await get(s.port, '/errors?RequestId=%3Cscript%3Ealert(1)%3C/script%3E');
      assert.equal(odd.status, 200);
      assert.doesNotMatch(odd.body, /<script>|id="request"/);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('an idle server gives its heap slack back: within 12 s of default idle time its young generation shrinks', async () => {
    const s = await start(
      process.execPath,
      [CLI, 'serve'],
      baseEnv(tempDir(), { DSHUB_LOG_LEVEL: 'debug' }),
    );
    // Start-up leaves the young generation at its peak: the first idle spell is a burst's end.
    const deadline = Date.now() + 20_000;
    let shrunk: IdleCollection | undefined;
    while (!shrunk && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      shrunk = idleCollections(s.output()).find((c) => c.heapAfterMb <= c.heapMb - 8);
    }
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.ok(shrunk, `no collection gave 8 MB of heap back:\n${s.output()}`);
    assert.ok(idleCollections(s.output()).length <= 2, 'at most two in one idle spell');
  });

  it('an idle collection never runs while requests keep coming, and at most twice per idle spell', async () => {
    const interval = 400;
    const s = await start(
      process.execPath,
      [CLI, 'serve'],
      baseEnv(tempDir(), { DSHUB_LOG_LEVEL: 'debug', DSHUB_IDLE_GC_MS: String(interval) }),
    );
    const sent: number[] = [];
    await new Promise((r) => setTimeout(r, 3 * interval));
    const busyUntil = Date.now() + 6 * interval;
    while (Date.now() < busyUntil) {
      sent.push(Date.now());
      assert.equal((await get(s.port, '/health/live')).status, 200);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 4 * interval));
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    const collections = idleCollections(s.output());
    assert.ok(collections.length > 0, s.output());
    for (const c of collections) {
      // A collection runs only when no request arrived during the whole interval before it.
      const during = sent.filter((t) => t > c.at - interval + 100 && t < c.at - 100);
      assert.deepEqual(during, [], `collected at ${c.at} while requests were arriving`);
    }
    const before = collections.filter((c) => c.at < sent[0]!).length;
    const afterwards = collections.filter((c) => c.at > sent[sent.length - 1]!).length;
    assert.equal(before + afterwards, collections.length);
    assert.ok(before <= 2 && afterwards <= 2, `${before} and ${afterwards} in the two idle spells`);
  });

  it('`dshub ops | head -1` ends quietly (no EPIPE trace)', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" ops | head -1`], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.equal(r.stderr, '');
  });
});
