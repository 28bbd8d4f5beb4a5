/**
 * `dshub serve --ephemeral --seed`, used the way another project's test suite would (this is
 * the README's TypeScript example): start it, read the one JSON line, point Alibaba's
 * @alicloud/openapi-core at it, tear it down. Nothing may be written to disk.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { responseChecker } from './response-schema.js';
import { CLI } from './support.js';

// --- README example: start a throw-away dshub for a test suite -------------------------------
interface Dshub {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  users: Array<{
    name: string;
    userId: string;
    accessKeys: Array<{ accessKeyId: string; accessKeySecret?: string }>;
  }>;
  stop(): Promise<void>;
}

async function startDshub(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Dshub> {
  // In another project: spawn('npx', ['dshub', 'serve', '--ephemeral', ...]).
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--ephemeral', ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.resume(); // logs: keep or drop, but drain them
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    ...JSON.parse(line),
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** The members these tests read from DataWorks answers. */
interface DataWorksBody {
  UserName?: string;
  PagingInfo: {
    Projects: Array<{ Id: number; Name: string }>;
    DataSources: Array<{
      Name: string;
      DataSource: Array<{ ConnectionProperties: { password: string } }>;
    }>;
  };
}

function dataWorks(dshub: Dshub, accessKeyId: string, accessKeySecret: string) {
  const config = new $OpenApiUtil.Config({
    accessKeyId,
    accessKeySecret,
    endpoint: new URL(dshub.endpoint).host,
    protocol: 'http',
  });
  const client = new OpenApi.default(config);
  return async (action: string, query: Record<string, string> = {}) => {
    const params = new $OpenApiUtil.Params({
      action,
      version: '2024-05-18',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const res = await client.callApi(
      params,
      new $OpenApiUtil.OpenApiRequest({ query }),
      new $dara.RuntimeOptions({}),
    );
    (await responseChecker(Number(new URL(dshub.endpoint).port))).success(action, res.body);
    return res.body as DataWorksBody;
  };
}
// ---------------------------------------------------------------------------------------------

const SEED = `version: 1
users:
  - name: alice
    policies: [AliyunDataWorksFullAccess]
    accessKeys:
      - id: LTAIalice0000001
        secret: \${ALICE_SECRET}
      - id: LTAIalice0000002
  - name: bob
    policies: [AliyunDataWorksReadOnlyAccess]
    accessKeys: [{}]
workspaces:
  - name: sales
    members:
      - user: alice
        roles: [role_project_dev]
      - user: bob
        roles: [role_project_guest]
    dataSources:
      - name: orders
        type: mysql
        mode: UrlMode
        prod:
          address: [{host: 127.0.0.1, port: 3306}]
          database: shop
          username: app
          password: \${ORDERS_PASSWORD}
`;

describe('black box: dshub serve --ephemeral', () => {
  let dir: string;
  let dshub: Dshub;
  let stdoutLines = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dshub-eph-'));
    writeFileSync(join(dir, 'seed.yaml'), SEED);
    dshub = await startDshub(['--seed', 'seed.yaml'], {
      cwd: dir,
      env: {
        ...process.env,
        HOME: dir,
        ALICE_SECRET: 'alice-secret-1',
        ORDERS_PASSWORD: 'pw-1',
        DSHUB_PORT: '',
        DSHUB_DATA_DIR: '',
      },
    });
    stdoutLines = 1;
  });
  after(async () => {
    await dshub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one JSON line with the endpoint, root key and seeded users; a free loopback port', () => {
    assert.equal(stdoutLines, 1);
    assert.match(dshub.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(dshub.accessKeyId, /^LTAI/);
    const alice = dshub.users.find((u) => u.name === 'alice')!;
    assert.deepEqual(
      alice.accessKeys[0],
      { accessKeyId: 'LTAIalice0000001' },
      'a given secret is not printed',
    );
    assert.equal(alice.accessKeys[1]!.accessKeyId, 'LTAIalice0000002');
    assert.equal(
      alice.accessKeys[1]!.accessKeySecret!.length,
      30,
      'a generated secret is printed once',
    );
  });

  it('answers @alicloud/openapi-core with the seeded state, for the root key and a seeded user', async () => {
    const root = dataWorks(dshub, dshub.accessKeyId, dshub.accessKeySecret);
    const projects = await root('ListProjects');
    assert.deepEqual(
      projects.PagingInfo.Projects.map((p) => p.Name),
      ['sales'],
    );
    const alice = dataWorks(dshub, 'LTAIalice0000001', 'alice-secret-1');
    const sources = await alice('ListDataSources', {
      ProjectId: String(projects.PagingInfo.Projects[0]!.Id),
    });
    assert.equal(sources.PagingInfo.DataSources[0]!.Name, 'orders');
    assert.equal(
      sources.PagingInfo.DataSources[0]!.DataSource[0]!.ConnectionProperties.password,
      '******',
    );
    const other = dataWorks(
      dshub,
      'LTAIalice0000002',
      dshub.users[0]!.accessKeys[1]!.accessKeySecret!,
    );
    assert.equal((await other('GetCallerIdentity')).UserName, 'alice');
  });

  it('creates seeded users through RAM: a key the seed does not name is made by CreateAccessKey', async () => {
    const bob = dshub.users.find((u) => u.name === 'bob')!;
    assert.match(bob.userId, /^\d{16}$/);
    assert.equal(bob.accessKeys.length, 1);
    const key = bob.accessKeys[0]!;
    assert.match(key.accessKeyId, /^LTAI/);
    const asBob = dataWorks(dshub, key.accessKeyId, key.accessKeySecret!);
    assert.equal((await asBob('GetCallerIdentity')).UserName, 'bob');
    // A member of sales by name (resolved with RAM's GetUser), read-only by policy.
    const projects = await asBob('ListProjects');
    assert.deepEqual(
      projects.PagingInfo.Projects.map((p) => p.Name),
      ['sales'],
    );
  });

  it('writes nothing to disk and stops on SIGTERM', async () => {
    // No data: only the seed file, and where Node has a module compile cache (≥ 22.8) that
    // cache of compiled code under the user's cache directory (src/cli/compile-cache.ts).
    const cache = join('.cache', 'dshub', 'node-compile-cache');
    const left = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((p) => !p.startsWith(cache))
      .sort();
    assert.deepEqual(
      left,
      left.includes('.cache') ? ['.cache', join('.cache', 'dshub'), 'seed.yaml'] : ['seed.yaml'],
    );
  });

  it('refuses a broken seed before listening, with exit 2 and the place of the problem', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nworkspaces:\n  - name: x\n');
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--ephemeral', '--seed', join(dir, 'bad.yaml')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(stderr, /workspaces\.0\.name/);
  });
});

describe("black box: the README's Python example", () => {
  const file = join(dirname(dirname(dirname(CLI))), 'docs', 'examples', 'ephemeral_dshub_test.py');
  const probe = spawnSync('python3', ['--version']);
  it('parses as Python (its SDK is not installed here, so it is not run)', {
    skip: probe.error ? 'python3 is not installed' : false,
  }, () => {
    const r = spawnSync(
      'python3',
      ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', file],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  });
});
