#!/usr/bin/env node
/**
 * Regenerates the upgrade fixtures (test/fixtures/upgrade/): a store written by an earlier
 * revision of this repository, on SQLite (the database file and its master key) and on
 * PostgreSQL (a plain-SQL pg_dump), plus manifest.json naming what is in them.
 *
 *   node scripts/make-upgrade-fixture.mjs <revision>
 *
 * The revision is exported with `git archive` into a temporary directory outside the repository,
 * installed (`npm ci`, which builds it) and started as that release would be: first start on an
 * empty store, then tenants, users, keys and policies with its own `dshub admin`, and workspaces,
 * members, data sources (secrets in Dev and Prod), sharing rules and audit events through its API,
 * signed by Alibaba's client. Needs git, npm, pg_dump and the PostgreSQL of the tests
 * (DSHUB_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 * DSHUB_FIXTURE_RELEASE=<dir> uses a directory where that revision is already installed and built.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import OpenApiClient, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test', 'fixtures', 'upgrade');
const PG_ADMIN_URL = process.env.DSHUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const revision = process.argv[2];
if (!revision) {
  process.stderr.write('usage: node scripts/make-upgrade-fixture.mjs <revision>\n');
  process.exit(2);
}
const commit = execFileSync('git', ['rev-parse', '--verify', `${revision}^{commit}`], {
  cwd: ROOT,
  encoding: 'utf8',
}).trim();

const work = mkdtempSync(join(tmpdir(), 'dshub-upgrade-fixture-'));
// DSHUB_FIXTURE_RELEASE: a directory where this revision is already installed (to iterate).
const release = process.env.DSHUB_FIXTURE_RELEASE ?? join(work, 'release');

function log(line) {
  process.stdout.write(`${line}\n`);
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    ...opts,
  });
}

/** The earlier release, as its users would install it. */
function installRelease() {
  if (process.env.DSHUB_FIXTURE_RELEASE) return;
  mkdirSync(release);
  log(`exporting ${commit} to a temporary directory`);
  const archive = join(work, 'release.tar');
  sh('git', ['archive', '--format=tar', '-o', archive, commit], { cwd: ROOT });
  sh('tar', ['-xf', archive, '-C', release]);
  log('npm ci (builds the release)');
  sh('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: release,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function releaseCli(env, ...args) {
  const out = sh(process.execPath, [join(release, 'dist', 'cli', 'main.js'), ...args], {
    env: { ...process.env, ...env },
  });
  return out.trim() ? JSON.parse(out) : {};
}

/** Starts the release's `dshub serve` on a free port; resolves with its endpoint and a stop. */
async function startRelease(env) {
  const child = spawn(process.execPath, [join(release, 'dist', 'cli', 'main.js'), 'serve'], {
    env: {
      ...process.env,
      DSHUB_HOST: '127.0.0.1',
      DSHUB_PORT: '0',
      DSHUB_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d.toString();
      const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the release exited with ${code}:\n${output}`)));
  });
  child.removeAllListeners('exit');
  return {
    endpoint: `127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the release stopped with ${code}:\n${output}`);
    },
  };
}

/** The operations the SDK sends as GET (the others are POST); every field goes in the query. */
const GETS = new Set(['GetDataSource', 'DeleteDataSource', 'ListDataSourceSharedRules']);

/** A signed call the way the DataWorks SDK makes it (openapi-core, ACS3-HMAC-SHA256). */
async function call(endpoint, key, action, fields) {
  const client = new OpenApiClient.default(
    new $OpenApiUtil.Config({
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      endpoint,
      protocol: 'http',
    }),
  );
  const params = new $OpenApiUtil.Params({
    action,
    version: '2024-05-18',
    protocol: 'HTTPS',
    pathname: '/',
    method: GETS.has(action) ? 'GET' : 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const query = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
  const res = await client.callApi(
    params,
    new $OpenApiUtil.OpenApiRequest({ query }),
    new $dara.RuntimeOptions({}),
  );
  return res.body;
}

async function refused(p) {
  try {
    await p;
  } catch (e) {
    return e.code;
  }
  throw new Error('expected a refusal');
}

const connection = (envType, host, database, password) =>
  JSON.stringify({
    envType,
    address: [{ host, port: 3306 }],
    database,
    username: 'app',
    password,
  });

/**
 * What every fixture holds, made the same way on both stores. Secrets are generated per run; the
 * manifest keeps them so the upgrade test can sign as each user and check what decrypts.
 */
async function populate(env) {
  const root = {
    accessKeyId: `LTAIup${randomBytes(8).toString('hex')}`,
    accessKeySecret: randomBytes(15).toString('hex'),
  };
  const server = await startRelease({
    ...env,
    DSHUB_ROOT_ACCESS_KEY_ID: root.accessKeyId,
    DSHUB_ROOT_ACCESS_KEY_SECRET: root.accessKeySecret,
  });
  try {
    const { endpoint } = server;
    const me = await call(endpoint, root, 'GetCallerIdentity', {});
    const tenantId = String(me.AccountId);
    const users = { root: { ...root, userId: String(me.UserId) } };
    const policies = {
      alice: ['AliyunDataWorksFullAccess'],
      bob: ['AliyunDataWorksFullAccess'],
      carol: [
        'AliyunDataWorksFullAccess',
        [
          'NoDelete',
          JSON.stringify({
            Version: '1',
            Statement: [{ Effect: 'Deny', Action: 'dataworks:Delete*', Resource: '*' }],
          }),
        ],
      ],
      dave: ['AliyunDataWorksReadOnlyAccess'],
    };
    for (const [name, attached] of Object.entries(policies)) {
      const u = releaseCli(env, 'admin', 'user', 'create', name, '-t', tenantId);
      const k = releaseCli(env, 'admin', 'key', 'create', u.userId);
      for (const p of attached) {
        if (Array.isArray(p))
          releaseCli(env, 'admin', 'policy', 'attach', u.userId, p[0], '-d', p[1]);
        else releaseCli(env, 'admin', 'policy', 'attach', u.userId, p);
      }
      users[name] = {
        userId: u.userId,
        accessKeyId: k.accessKeyId,
        accessKeySecret: k.accessKeySecret,
      };
    }
    // dave's key is disabled: it must stay refused after the upgrade.
    releaseCli(env, 'admin', 'key', 'disable', users.dave.accessKeyId);
    const other = releaseCli(env, 'admin', 'tenant', 'create', 'globex');
    users.globex = {
      userId: other.ownerUserId,
      accessKeyId: other.accessKeyId,
      accessKeySecret: other.accessKeySecret,
    };

    const projects = {};
    for (const name of ['sales', 'analytics']) {
      const made = await call(endpoint, root, 'CreateProject', {
        Name: name,
        DisplayName: name,
        DevEnvironmentEnabled: true,
      });
      projects[name] = Number(made.Id);
    }
    const members = [
      ['sales', 'alice', 'role_project_admin'],
      ['sales', 'carol', 'role_project_dev'],
      ['analytics', 'bob', 'role_project_dev'],
    ];
    for (const [project, user, role] of members) {
      await call(endpoint, root, 'CreateProjectMember', {
        ProjectId: projects[project],
        UserId: users[user].userId,
        RoleCodes: JSON.stringify([role]),
      });
    }

    const passwords = {
      'orders.Dev': `dev-${randomBytes(6).toString('hex')}`,
      'orders.Prod': `prod-${randomBytes(6).toString('hex')}`,
      'events.Prod': `events-${randomBytes(6).toString('hex')}`,
    };
    const dataSources = {};
    for (const [key, password] of Object.entries(passwords)) {
      const [name, envType] = key.split('.');
      const made = await call(endpoint, users.alice, 'CreateDataSource', {
        ProjectId: projects.sales,
        Name: name,
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: connection(
          envType,
          `10.0.0.${envType === 'Dev' ? 1 : 2}`,
          name,
          password,
        ),
        Description: `${name} (${envType})`,
      });
      dataSources[key] = Number(made.Id);
    }
    await call(endpoint, users.alice, 'UpdateDataSource', {
      Id: dataSources['orders.Prod'],
      ProjectId: projects.sales,
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: connection('Prod', '10.0.0.2', 'orders', '******'),
      Description: 'orders (Prod), updated',
    });
    const scratch = await call(endpoint, users.alice, 'CreateDataSource', {
      ProjectId: projects.sales,
      Name: 'scratch',
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: connection('Prod', '10.0.0.3', 'scratch', 'scratch-pass'),
    });
    await call(endpoint, users.alice, 'DeleteDataSource', {
      Id: scratch.Id,
    });

    const rules = {};
    // Dev to the whole analytics workspace; Prod to bob only.
    rules['orders.Dev'] = Number(
      (
        await call(endpoint, root, 'CreateDataSourceSharedRule', {
          DataSourceId: dataSources['orders.Dev'],
          TargetProjectId: projects.analytics,
          EnvType: 'Dev',
        })
      ).Id,
    );
    rules['orders.Prod'] = Number(
      (
        await call(endpoint, root, 'CreateDataSourceSharedRule', {
          DataSourceId: dataSources['orders.Prod'],
          TargetProjectId: projects.analytics,
          EnvType: 'Prod',
          SharedUser: users.bob.userId,
        })
      ).Id,
    );
    await call(endpoint, users.bob, 'ResolveDataSource', {
      ProjectId: projects.analytics,
      Name: 'sales.orders',
      EnvType: 'Prod',
    });
    // Refusals are audited too.
    const refusals = [
      await refused(
        call(endpoint, users.carol, 'DeleteDataSource', {
          Id: dataSources['events.Prod'],
        }),
      ),
      await refused(
        call(endpoint, users.bob, 'ResolveDataSource', {
          ProjectId: projects.analytics,
          Name: 'sales.events',
          EnvType: 'Prod',
        }),
      ),
    ];
    const audit = await call(endpoint, root, 'ListAuditEvents', { PageSize: 100 });
    return {
      tenantId,
      users,
      projects,
      dataSources,
      deletedDataSourceId: Number(scratch.Id),
      passwords,
      rules,
      refusals,
      auditEvents: audit.PagingInfo?.TotalCount ?? audit.TotalCount ?? null,
      server,
    };
  } catch (e) {
    await server.stop().catch(() => {});
    throw e;
  }
}

async function makeSqlite() {
  const dataDir = join(work, 'sqlite');
  const made = await populate({ DSHUB_DATA_DIR: dataDir });
  await made.server.stop();
  delete made.server;
  // Gzipped: the file is mostly empty pages (225 KB raw, about 10 KB packed); the test unpacks it.
  const store = readFileSync(join(dataDir, 'dshub.db'));
  writeFileSync(join(OUT, 'sqlite', 'dshub.db.gz'), gzipSync(store, { level: 9 }));
  copyFileSync(join(dataDir, 'master.key'), join(OUT, 'sqlite', 'master.key'));
  return made;
}

async function makePostgres(masterKey) {
  const name = `dshub_fixture_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    const made = await populate({
      DSHUB_DATA_DIR: join(work, 'postgres'),
      DSHUB_DATABASE_URL: url.toString(),
      DSHUB_MASTER_KEY: masterKey,
    });
    await made.server.stop();
    delete made.server;
    const dump = sh('pg_dump', [
      '--no-owner',
      '--no-privileges',
      '--inserts',
      '--dbname',
      url.toString(),
    ]);
    writeFileSync(join(OUT, 'postgres', 'dshub.sql'), dump);
    return made;
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

try {
  installRelease();
  for (const d of ['sqlite', 'postgres']) mkdirSync(join(OUT, d), { recursive: true });
  const sqlite = await makeSqlite();
  // One master key for both stores: the PostgreSQL fixture's server got it through DSHUB_MASTER_KEY.
  const masterKey = readFileSync(join(OUT, 'sqlite', 'master.key'), 'utf8').trim();
  const postgres = await makePostgres(masterKey);
  const manifest = {
    revision: commit,
    subject: sh('git', ['log', '-1', '--format=%s', commit], { cwd: ROOT }).trim(),
    madeAt: new Date().toISOString(),
    migrations: sh('git', ['ls-tree', '--name-only', `${commit}:src/store/migrations`], {
      cwd: ROOT,
    })
      .split('\n')
      .filter((f) => /^\d{4}-/.test(f)),
    sqlite,
    postgres,
  };
  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`fixtures written to ${OUT}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
