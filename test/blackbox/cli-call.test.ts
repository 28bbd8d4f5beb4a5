/**
 * `dshub call`, `dshub configure` and completion, run as spawned processes against a real
 * server: signed calls (ACS3 and v2), local validation, output forms, paging, failure exits,
 * and where credentials come from.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dshub, serverEnv, tempHome } from './cli-support.js';
import { type RunningServer, startServer } from './support.js';

describe('black box: dshub call', () => {
  let server: RunningServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  const call = (args: string[], extra: Record<string, string> = {}) =>
    dshub(['call', ...args], { home: home.home, env: { ...env, ...extra } });

  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
    home = tempHome();
    env = serverEnv(server);
  });
  after(async () => {
    await server?.stop();
    home?.remove();
  });

  it('lists the operations and shows an operation’s parameters from the registry', async () => {
    const list = await call(['--help']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /CreateDataSource +Adds one data source/);
    assert.match(list.stdout, /TestDataSourceConnectivity/);
    const one = await call(['ListDataSources', '--help']);
    assert.equal(one.code, 0);
    assert.match(one.stdout, /--ProjectId +integer, required/);
    assert.match(one.stdout, /--all-pages/);
  });

  it('calls with ACS3 by default and with --signature v2; compact JSON when piped', async () => {
    for (const sig of [[], ['--signature', 'v2']]) {
      const r = await call(['GetCallerIdentity', ...sig]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, 1);
      const body = JSON.parse(r.stdout);
      assert.equal(body.AccessKeyId, server.accessKeyId);
      assert.match(body.RequestId, /^[0-9A-F-]{36}$/);
    }
  });

  it('creates and lists, with --query, --output table, repeated list flags and --all-pages', async () => {
    for (const name of ['cli_a', 'cli_b', 'cli_c']) {
      const r = await call([
        'CreateProject',
        '--Name',
        name,
        '--DisplayName',
        `Project ${name}`,
        '--DevEnvironmentEnabled',
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const q = await call([
      'ListProjects',
      '--Names',
      'cli_a',
      '--Names',
      'cli_c',
      '--query',
      'PagingInfo.Projects[].Name',
    ]);
    assert.deepEqual(JSON.parse(q.stdout), ['cli_a', 'cli_c']);
    const asJson = await call([
      'ListProjects',
      '--Names',
      '["cli_b"]',
      '--query',
      'PagingInfo.Projects[].DevEnvironmentEnabled',
    ]);
    assert.deepEqual(JSON.parse(asJson.stdout), [true]);
    const table = await call([
      'ListProjects',
      '--output',
      'table',
      '--query',
      'PagingInfo.Projects[].{Name: Name, Mode: DevEnvironmentEnabled}',
    ]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^Name +Mode$/);
    assert.match(lines[2]!, /^cli_a +true$/);
    const all = await call([
      'ListProjects',
      '--all-pages',
      '--PageSize',
      '1',
      '--query',
      '[].Name',
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), ['cli_a', 'cli_b', 'cli_c']);
    assert.equal(all.stderr, '', 'no progress output when stderr is not a terminal');
    // On a terminal the same walk shows its progress, rewritten in place on one line.
    const shown = await dshub(
      ['call', 'ListProjects', '--all-pages', '--PageSize', '1', '--query', '[].Name'],
      { home: home.home, env, terminal: true },
    );
    assert.equal(shown.code, 0, shown.stdout);
    assert.match(shown.stdout, /ListProjects: page 3, 3\/3/);
    assert.ok(shown.stdout.includes('\r\u001b[2K'), 'the line is erased and redrawn');
  });

  it('calls RAM (2015-05-01) actions with their own Version, checked against the registry', async () => {
    const help = await call(['CreateUser', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Version: 2015-05-01/);
    assert.match(help.stdout, /--UserName +string, required/);
    const made = await call(['CreateUser', '--UserName', 'ram_dave', '--DisplayName', 'Dave']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(JSON.parse(made.stdout).User.UserId, /^\d{16}$/);
    const got = await call(['GetUser', '--UserName', 'ram_dave', '--query', 'User.DisplayName']);
    assert.equal(got.stdout.trim(), '"Dave"');
    const listed = await call([
      'ListUsers',
      '--output',
      'table',
      '--query',
      'Users.User[].{Name: UserName}',
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ram_dave$/m);
    const missing = await call(['GetUser', '--UserName', 'ram_nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Code: EntityNotExist\.User$/m);
    const bad = await call(['CreateUser']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /UserName/);
  });

  it('reads a value from file:// and sends a JSON object parameter', async () => {
    const ws = JSON.parse((await call(['ListProjects', '--Names', 'cli_a'])).stdout).PagingInfo
      .Projects[0].Id;
    const conn = join(home.home, 'conn.json');
    writeFileSync(
      conn,
      JSON.stringify({
        envType: 'Prod',
        address: [{ host: '127.0.0.1', port: 3306 }],
        database: 'shop',
        username: 'u',
        password: 'pw-from-file',
      }),
    );
    const r = await call([
      'CreateDataSource',
      '--ProjectId',
      String(ws),
      '--Name',
      'orders',
      '--Type',
      'mysql',
      '--ConnectionPropertiesMode',
      'UrlMode',
      '--ConnectionProperties',
      `file://${conn}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = await call([
      'GetDataSource',
      '--Id',
      String(JSON.parse(r.stdout).Id),
      '--query',
      'DataSource.ConnectionProperties.password',
    ]);
    assert.equal(JSON.parse(got.stdout), '******');
  });

  it('refuses bad input locally with exit 2, naming the parameter, and sends nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['CreateProject', '--Nme', 'x'], /no parameter --Nme; did you mean --Name\?/],
      [['CreateProject', '--Name', 'good_name'], /needs --DisplayName/],
      [['ListProjects', '--PageSize', 'many'], /"PageSize".*not an integer/],
      [['ListProjects', '--PageSize', '500'], /"PageSize".*between 1 and 100/],
      [['ListProject'], /unknown operation ListProject; did you mean ListProjects\?/],
      [['GetCallerIdentity', '--output', 'xml'], /--output must be json or table/],
      [['GetCallerIdentity', '--query', '[['], /not a valid JMESPath/],
      [['GetProject', '--Id', '1', '--all-pages'], /not paged/],
    ];
    for (const [args, message] of cases) {
      const r = await call(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('exits 1 with Code, Message and RequestId on an API error', async () => {
    const r = await call(['GetProject', '--Id', '999999']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Code: 1101080008$/m);
    assert.match(r.stderr, /^Message: .+/m);
    assert.match(r.stderr, /^RequestId: [0-9A-F-]{36}$/m);
    const wrongSecret = await call(['GetCallerIdentity'], {
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret',
    });
    assert.equal(wrongSecret.code, 1);
    assert.match(wrongSecret.stderr, /^Code: SignatureDoesNotMatch$/m);
    assert.doesNotMatch(wrongSecret.stderr, /not-the-secret/);
  });

  it('exits 3 when the server cannot be reached, and 2 without credentials', async () => {
    const down = await call(['GetCallerIdentity'], { DSHUB_ENDPOINT: '127.0.0.1:1' });
    assert.equal(down.code, 3);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
    const none = await dshub(['call', 'GetCallerIdentity'], { home: home.home });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no credentials/);
  });

  it('prints bash and zsh completion scripts that the shells accept', async () => {
    const bash = await dshub(['completion', 'bash'], { home: home.home });
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /CreateDataSource\) params="--ProjectId --Name --Type/);
    const file = join(home.home, 'dshub.bash');
    writeFileSync(file, bash.stdout);
    execFileSync('bash', ['-n', file]);
    // Completing `dshub call ListDataSources --Pro` offers --ProjectId.
    const out = execFileSync('bash', [
      '-c',
      `source ${file}; COMP_WORDS=(dshub call ListDataSources --Pro); COMP_CWORD=3; _dshub; echo "\${COMPREPLY[@]}"`,
    ]).toString();
    assert.equal(out.trim(), '--ProjectId');
    // The first word offers every command of the tree, `init` and `migrate` included.
    const first = execFileSync('bash', [
      '-c',
      `source ${file}; COMP_WORDS=(dshub ''); COMP_CWORD=1; _dshub; echo "\${COMPREPLY[@]}"`,
    ]).toString();
    for (const c of ['serve', 'init', 'migrate', 'ops', 'admin', 'call', 'apply', 'completion']) {
      assert.ok(first.split(/\s+/).includes(c), `${c} in: ${first}`);
    }
    const zsh = await dshub(['completion', 'zsh'], { home: home.home });
    assert.match(zsh.stdout, /^#compdef dshub/);
    const fish = await dshub(['completion', 'fish'], { home: home.home });
    assert.equal(fish.code, 2);
  });
});

describe('black box: dshub configure and profiles', () => {
  let server: RunningServer;
  let home: ReturnType<typeof tempHome>;
  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
    home = tempHome();
  });
  after(async () => {
    await server?.stop();
    home?.remove();
  });

  it('writes a 0600 profile from prompts without echoing the secret, and calls with it', async () => {
    const input = `http://${server.endpoint}\n${server.accessKeyId}\n${server.accessKeySecret}\n`;
    const r = await dshub(['configure', '--profile', 'dev'], { home: home.home, input });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      !r.stdout.includes(server.accessKeySecret) && !r.stderr.includes(server.accessKeySecret),
    );
    const file = join(home.home, '.dshub', 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(home.home, '.dshub')).mode & 0o777, 0o700);
    const list = await dshub(['configure', 'list'], { home: home.home });
    assert.deepEqual(JSON.parse(list.stdout), [
      {
        profile: 'dev',
        endpoint: `http://${server.endpoint}`,
        accessKeyId: server.accessKeyId,
        secret: 'set',
      },
    ]);
    assert.ok(!list.stdout.includes(server.accessKeySecret));
    const who = await dshub(
      ['call', 'GetCallerIdentity', '--profile', 'dev', '--query', 'AccessKeyId'],
      { home: home.home },
    );
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout), server.accessKeyId);
    // Enter keeps the current values, secret included.
    const again = await dshub(['configure', '--profile', 'dev'], {
      home: home.home,
      input: '\n\n\n',
    });
    assert.equal(again.code, 0, again.stderr);
    const still = await dshub(['call', 'GetCallerIdentity', '--profile', 'dev'], {
      home: home.home,
    });
    assert.equal(still.code, 0, still.stderr);
  });

  it('precedence: an explicit --profile wins; otherwise the environment overrides the default profile', async () => {
    // The default profile points at a dead endpoint with a wrong secret.
    const bad = await dshub(['configure'], {
      home: home.home,
      input: `http://127.0.0.1:1\n${server.accessKeyId}\nwrong-secret\n`,
    });
    assert.equal(bad.code, 0, bad.stderr);
    const fromProfile = await dshub(['call', 'GetCallerIdentity'], { home: home.home });
    assert.equal(fromProfile.code, 3, 'default profile used: unreachable');
    const endpointOnly = await dshub(['call', 'GetCallerIdentity'], {
      home: home.home,
      env: { DSHUB_ENDPOINT: server.endpoint },
    });
    assert.equal(endpointOnly.code, 1, 'endpoint from env, wrong secret from the profile');
    assert.match(endpointOnly.stderr, /SignatureDoesNotMatch/);
    const envAll = await dshub(['call', 'GetCallerIdentity'], {
      home: home.home,
      env: serverEnv(server),
    });
    assert.equal(envAll.code, 0, envAll.stderr);
    const explicit = await dshub(['call', 'GetCallerIdentity', '--profile', 'default'], {
      home: home.home,
      env: serverEnv(server),
    });
    assert.equal(explicit.code, 3, 'an explicit --profile is not overridden by the environment');
    const viaEnvName = await dshub(['call', 'GetCallerIdentity'], {
      home: home.home,
      env: { DSHUB_PROFILE: 'dev' },
    });
    assert.equal(viaEnvName.code, 0, viaEnvName.stderr);
    const missing = await dshub(['call', 'GetCallerIdentity', '--profile', 'nope'], {
      home: home.home,
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no profile "nope".*profiles: dev, default/);
  });
});
