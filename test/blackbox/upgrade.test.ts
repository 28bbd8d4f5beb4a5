/**
 * Upgrades, from outside: a store written by an earlier release (test/fixtures/upgrade, made by
 * scripts/make-upgrade-fixture.mjs from the revision its README names) is opened by today's
 * build on SQLite and on PostgreSQL, as an operator would: restore the backup, `dshub migrate`,
 * `dshub serve`. Then, through Alibaba's client signed with the fixture's keys: every tenant,
 * user, key, policy, workspace, member, data source, sharing rule and audit event is still there,
 * secrets still decrypt (ResolveDataSource), and the store takes writes. Whatever migrations are
 * added later, this test runs them too.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import {
  type Credentials,
  forEachStore,
  ROOT,
  type RunningServer,
  rejectsWithCode,
  runCli,
  sdkCall,
  startServer,
} from './support.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'upgrade');

interface FixtureStore {
  tenantId: string;
  users: Record<
    'root' | 'alice' | 'bob' | 'carol' | 'dave' | 'globex',
    Credentials & { userId: string }
  >;
  projects: { sales: number; analytics: number };
  dataSources: Record<'orders.Dev' | 'orders.Prod' | 'events.Prod', number>;
  deletedDataSourceId: number;
  passwords: Record<'orders.Dev' | 'orders.Prod' | 'events.Prod', string>;
  rules: Record<'orders.Dev' | 'orders.Prod', number>;
  auditEvents: number;
}

interface Manifest {
  revision: string;
  migrations: string[];
  sqlite: FixtureStore;
  postgres: FixtureStore;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;
const masterKey = readFileSync(join(FIXTURES, 'sqlite', 'master.key'), 'utf8').trim();

/** Restores the fixture into a fresh test database, the way the operator restores a backup. */
async function restore(db: TestDatabase): Promise<Record<string, string>> {
  if (db.dialect === 'sqlite') {
    const file = gunzipSync(readFileSync(join(FIXTURES, 'sqlite', 'dshub.db.gz')));
    writeFileSync(join(db.dataDir, 'dshub.db'), file);
    copyFileSync(join(FIXTURES, 'sqlite', 'master.key'), join(db.dataDir, 'master.key'));
    chmodSync(join(db.dataDir, 'master.key'), 0o600);
    return { DSHUB_DATA_DIR: db.dataDir };
  }
  // A plain-SQL dump: psql would run it; its only psql commands are \restrict/\unrestrict, which
  // guard an interactive psql session and are no SQL.
  const sql = readFileSync(join(FIXTURES, 'postgres', 'dshub.sql'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return { DSHUB_DATA_DIR: db.dataDir, DSHUB_DATABASE_URL: db.url!, DSHUB_MASTER_KEY: masterKey };
}

const GETS = new Set([
  'GetDataSource',
  'DeleteDataSource',
  'ListDataSourceSharedRules',
  'ListDataSourceVersions',
]);

forEachStore(`upgrade from ${manifest.revision.slice(0, 7)}`, { server: false }, ({ dialect }) => {
  const fx = manifest[dialect];
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: RunningServer;
  const call = (who: keyof FixtureStore['users'], action: string, fields = {}) =>
    sdkCall(
      server,
      action,
      { method: GETS.has(action) ? 'GET' : 'POST', query: fields },
      { credentials: fx.users[who] },
    );

  before(async () => {
    db = await createTestDatabase(dialect);
    env = await restore(db);
  });
  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('dshub migrate runs every migration the release lacked, then finds nothing to do', async () => {
    const first = await runCli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    const ran = first.stdout.trim().split('\n');
    assert.ok(ran.length > 0, first.stdout);
    for (const line of ran) {
      assert.match(line, /^\d{4}-[\w-]+: Success$/);
      assert.ok(!manifest.migrations.includes(`${line.split(':')[0]}.ts`), line);
    }
    // The first migration this release lacked is among them.
    assert.ok(
      ran.some((l) => l.startsWith('0006-')),
      first.stdout,
    );
    const second = await runCli(['migrate'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'up to date');
  });

  it('serves the store: ready, and every key signs as before (a disabled one stays refused)', async () => {
    server = await startServer({
      database: db,
      accessKey: { id: fx.users.root.accessKeyId, secret: fx.users.root.accessKeySecret },
      env: { ...env, DSHUB_AUTH_CACHE_TTL_MS: '0' },
    });
    assert.doesNotMatch(server.output(), /first AccessKey/);
    const ready = await fetch(`http://${server.endpoint}/health/ready`);
    assert.equal(ready.status, 200);
    for (const who of ['root', 'alice', 'bob', 'carol', 'globex'] as const) {
      const me = await call(who, 'GetCallerIdentity');
      assert.equal(me.UserId, fx.users[who].userId, who);
    }
    const globex = await call('globex', 'GetCallerIdentity');
    assert.notEqual(globex.AccountId, fx.tenantId);
    await rejectsWithCode(call('dave', 'GetCallerIdentity'), 'InvalidAccessKeyId.Inactive', 403);
  });

  it('keeps workspaces and members; another tenant sees none of them', async () => {
    const projects = await call('root', 'ListProjects', { PageSize: 100 });
    const listed = (
      (projects.PagingInfo as { Projects: Array<{ Id: number; Name: string }> }).Projects ?? []
    ).map((p) => [p.Name, p.Id]);
    assert.deepEqual(Object.fromEntries(listed), fx.projects);
    const members = await call('root', 'ListProjectMembers', {
      ProjectId: fx.projects.analytics,
    });
    const bob = (
      members.PagingInfo as {
        ProjectMembers: Array<{ UserId: string; Roles: Array<{ Code: string }> }>;
      }
    ).ProjectMembers.find((m) => m.UserId === fx.users.bob.userId);
    assert.ok(bob, JSON.stringify(members));
    assert.ok(bob.Roles.some((r) => r.Code === 'role_project_dev'));
    const theirs = await call('globex', 'ListProjects', { PageSize: 100 });
    assert.equal((theirs.PagingInfo as { TotalCount: number }).TotalCount, 0);
  });

  it('keeps data sources (masked) and the deleted one stays deleted', async () => {
    const orders = await call('alice', 'GetDataSource', { Id: fx.dataSources['orders.Prod'] });
    const ds = orders.DataSource as Record<string, unknown>;
    assert.equal(ds.Name, 'orders');
    assert.equal(ds.Description, 'orders (Prod), updated');
    const props = ds.ConnectionProperties as Record<string, unknown>;
    assert.equal(props.password, '******');
    assert.equal(props.envType, 'Prod');
    await rejectsWithCode(
      call('alice', 'GetDataSource', { Id: fx.deletedDataSourceId }),
      '1000010005',
      404,
    );
  });

  it('secrets sealed by the release still decrypt (ResolveDataSource), own and shared', async () => {
    const resolve = async (who: 'alice' | 'bob', projectId: number, name: string, env: string) => {
      const r = await call(who, 'ResolveDataSource', {
        ProjectId: projectId,
        Name: name,
        EnvType: env,
      });
      const ds = r.DataSource as { ConnectionProperties: { password: string } };
      return ds.ConnectionProperties.password;
    };
    for (const key of Object.keys(fx.passwords) as Array<keyof FixtureStore['passwords']>) {
      const [name, envType] = key.split('.') as [string, string];
      assert.equal(await resolve('alice', fx.projects.sales, name, envType), fx.passwords[key]);
    }
    // Sharing rules: Dev to the whole analytics workspace, Prod to bob by name.
    assert.equal(
      await resolve('bob', fx.projects.analytics, 'sales.orders', 'Dev'),
      fx.passwords['orders.Dev'],
    );
    assert.equal(
      await resolve('bob', fx.projects.analytics, 'sales.orders', 'Prod'),
      fx.passwords['orders.Prod'],
    );
    await rejectsWithCode(
      resolve('bob', fx.projects.analytics, 'sales.events', 'Prod'),
      '1000010005',
      404,
    );
    const rules = await call('root', 'ListDataSourceSharedRules', {
      DataSourceId: fx.dataSources['orders.Prod'],
    });
    const ids = (rules.DataSourceSharedRules as Array<{ Id: number; SharedUser?: string }>).map(
      (r) => [r.Id, r.SharedUser],
    );
    assert.deepEqual(ids, [[fx.rules['orders.Prod'], fx.users.bob.userId]]);
  });

  it("keeps the custom policy (carol may not delete) and the release's audit trail", async () => {
    await rejectsWithCode(
      call('carol', 'DeleteDataSource', { Id: fx.dataSources['events.Prod'] }),
      'Forbidden.RAM',
      403,
    );
    const audit = await call('root', 'ListAuditEvents', { PageSize: 100 });
    const paging = audit.PagingInfo as {
      TotalCount: number;
      AuditEvents: Array<{ Action: string; Outcome: string; Time: number }>;
    };
    // The release's events, plus this test's refusal above.
    assert.ok(paging.TotalCount >= fx.auditEvents + 1, JSON.stringify(paging.TotalCount));
    const actions = paging.AuditEvents.map((e) => `${e.Action}:${e.Outcome}`);
    for (const expected of [
      'CreateProject:Success',
      'CreateDataSource:Success',
      'UpdateDataSource:Success',
      'DeleteDataSource:Success',
      'CreateDataSourceSharedRule:Success',
      'ResolveDataSource:Success',
    ]) {
      assert.ok(actions.includes(expected), `${expected} missing from ${actions.join(' ')}`);
    }
  });

  it('takes writes: a new data source, an update of an old one, a new sharing rule', async () => {
    const made = await call('alice', 'CreateDataSource', {
      ProjectId: fx.projects.sales,
      Name: 'after_upgrade',
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify({
        envType: 'Prod',
        address: [{ host: '10.0.0.9', port: 3306 }],
        database: 'x',
        username: 'app',
        password: 'n3w-secret',
      }),
    });
    assert.ok(Number(made.Id) > fx.deletedDataSourceId);
    await call('alice', 'UpdateDataSource', {
      Id: fx.dataSources['events.Prod'],
      ProjectId: fx.projects.sales,
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify({
        envType: 'Prod',
        address: [{ host: '10.0.0.2', port: 3306 }],
        database: 'events',
        username: 'app',
        password: 'r0tated',
      }),
    });
    const rule = await call('root', 'CreateDataSourceSharedRule', {
      DataSourceId: fx.dataSources['events.Prod'],
      TargetProjectId: fx.projects.analytics,
      EnvType: 'Prod',
    });
    assert.ok(Number(rule.Id) > fx.rules['orders.Prod']);
    const r = await call('bob', 'ResolveDataSource', {
      ProjectId: fx.projects.analytics,
      Name: 'sales.events',
      EnvType: 'Prod',
    });
    assert.equal(
      (r.DataSource as { ConnectionProperties: { password: string } }).ConnectionProperties
        .password,
      'r0tated',
    );
    // The record from before the upgrade has a history: the baseline version the migration
    // made (its sealed secrets copied as they were), then the update above. Going back to the
    // baseline brings the release's password back, so the copied secrets open too.
    const versions = await call('alice', 'ListDataSourceVersions', {
      DataSourceId: fx.dataSources['events.Prod'],
    });
    const history = (versions.PagingInfo as { Versions: Array<{ Version: number }> }).Versions;
    const numbers = history.map((v) => v.Version);
    assert.ok(numbers.includes(1) && numbers.length >= 2, JSON.stringify(versions));
    await call('alice', 'RollbackDataSource', {
      Id: fx.dataSources['events.Prod'],
      ToVersion: 1,
      CurrentVersion: Math.max(...numbers),
    });
    const back = await call('bob', 'ResolveDataSource', {
      ProjectId: fx.projects.analytics,
      Name: 'sales.events',
      EnvType: 'Prod',
    });
    assert.equal(
      (back.DataSource as { ConnectionProperties: { password: string } }).ConnectionProperties
        .password,
      fx.passwords['events.Prod'],
    );
  });
});
