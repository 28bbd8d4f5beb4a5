/**
 * TestDataSourceConnectivity through the signed endpoint, on SQLite and PostgreSQL, against real
 * servers on 127.0.0.1 only: the machine's PostgreSQL, MariaDB/MySQL and Redis (skipped with a
 * notice when absent), a throw-away password-auth PostgreSQL cluster, a closed port, a listener
 * that never answers and a DNS responder. Each suite has its own server configuration (DNS
 * servers, step timeout, concurrency limit, deny list) through DSHUB_CONNECTIVITY_*.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  closedPort,
  type DnsResponder,
  dnsResponder,
  listener,
  reachable,
  type TempPostgres,
  type TestListener,
  tempPostgres,
} from '../helpers/connectivity-servers.js';
import { type ApiResult, forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import { addMember, newWorkspace, STANDARD_MODE } from '../helpers/workspaces.js';

const ACTION = 'TestDataSourceConnectivity';
const STEPS = [
  'validate_input_parameters',
  'resolve_host',
  'check_network_policy',
  'tcp_connect',
  'tls_handshake',
  'authenticate',
  'run_test_query',
];
const THROUGH_CONNECT = STEPS.slice(0, 4);

interface DetailLog {
  Code: string;
  Message: string;
  StartTime: number;
  EndTime: number;
}
interface Connectivity {
  ConnectState: string;
  ConnectMessage: string;
  DetailLogs: DetailLog[];
}

// ---- servers shared by every suite of this file ---------------------------------------------

const dns: DnsResponder = await dnsResponder({ 'db.dshub.test': '127.0.0.1' });
const hang: TestListener = await listener('hang');
let cluster: TempPostgres | undefined;
const mariadb = {
  user: `dshub_api_${process.pid}`,
  database: `dshub_api_${process.pid}`,
  password: `My-${Math.random().toString(36).slice(2)}-pw`,
  admin: undefined as mysql.Connection | undefined,
};
let postgresTrusts = false;

before(async () => {
  try {
    cluster = await tempPostgres(undefined);
  } catch (err) {
    console.log(`# NOTICE: could not start a temporary PostgreSQL: ${(err as Error).message}`);
  }
  if (await reachable(3306)) {
    try {
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      mariadb.admin = admin;
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${mariadb.database}\``);
      await admin.query(
        `CREATE USER IF NOT EXISTS '${mariadb.user}'@'%' IDENTIFIED BY '${mariadb.password}'`,
      );
      await admin.query(`GRANT ALL ON \`${mariadb.database}\`.* TO '${mariadb.user}'@'%'`);
    } catch (err) {
      console.log(`# NOTICE: cannot prepare a MariaDB user as root: ${(err as Error).message}`);
      await mariadb.admin?.end();
      mariadb.admin = undefined;
    }
  }
  if (await reachable(5432)) {
    const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres' });
    try {
      await client.connect();
      postgresTrusts = true;
    } catch {
      console.log('# NOTICE: 127.0.0.1:5432 does not trust local logins as postgres');
    } finally {
      await client.end().catch(() => {});
    }
  }
});

after(async () => {
  await cluster?.close();
  if (mariadb.admin) {
    await mariadb.admin.query(`DROP USER IF EXISTS '${mariadb.user}'@'%'`);
    await mariadb.admin.query(`DROP DATABASE IF EXISTS \`${mariadb.database}\``);
    await mariadb.admin.end();
  }
  await hang.close();
  await dns.close();
});

// ---- helpers ----------------------------------------------------------------------------------

type Props = Record<string, unknown>;

const at = (port: number, host = '127.0.0.1') => [{ host, port }];

async function newDataSource(
  c: TestContext,
  ws: number,
  type: string,
  properties: Props,
  mode = 'UrlMode',
): Promise<number> {
  const r = await c.call(c.root, 'CreateDataSource', {
    ProjectId: ws,
    Name: c.name('ds'),
    Type: type,
    ConnectionPropertiesMode: mode,
    ConnectionProperties: JSON.stringify({ envType: 'Prod', ...properties }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.Id as number;
}

function testIt(c: TestContext, key: Key, params: Record<string, string | number | undefined>) {
  // As the SDK sends it: POST, every field in the URL query (docs/WIRE.md §1).
  return c.call(key, ACTION, params, { method: 'POST', placement: 'query' });
}

/** Calls as the Tenant Owner and checks the answer against docs/WIRE.md §5, key for key. */
async function connectivity(
  c: TestContext,
  ws: number,
  id: number,
  resourceGroup = 'Serverless_res_group_1_2',
): Promise<Connectivity & { requestId: string }> {
  const r = await testIt(c, c.root, {
    DataSourceId: id,
    ProjectId: ws,
    ResourceGroupId: resourceGroup,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ['Connectivity', 'RequestId']);
  const conn = r.body.Connectivity as Connectivity;
  assert.deepEqual(Object.keys(conn).sort(), ['ConnectMessage', 'ConnectState', 'DetailLogs']);
  assert.ok(['Connectable', 'ConfigError', 'Unreachable', 'Unsupport'].includes(conn.ConnectState));
  assert.ok(conn.DetailLogs.length > 0);
  let order = -1;
  for (const log of conn.DetailLogs) {
    assert.deepEqual(Object.keys(log).sort(), ['Code', 'EndTime', 'Message', 'StartTime']);
    assert.ok(STEPS.indexOf(log.Code) > order, `steps in order: ${codes(conn)}`);
    order = STEPS.indexOf(log.Code);
    assert.equal(typeof log.Message, 'string');
    assert.ok(Number.isInteger(log.StartTime) && log.StartTime > 1.6e12);
    assert.ok(Number.isInteger(log.EndTime) && log.EndTime >= log.StartTime);
  }
  if (conn.ConnectState === 'Connectable') assert.equal(conn.ConnectMessage, '');
  else assert.equal(conn.ConnectMessage, conn.DetailLogs.at(-1)!.Message);
  return { ...conn, requestId: r.body.RequestId as string };
}

const codes = (conn: Connectivity) => conn.DetailLogs.map((l) => l.Code);
const failedAt = (conn: Connectivity) => conn.DetailLogs.at(-1)!.Code;

/** The audit events of one call, as stored. */
async function auditOf(c: TestContext, requestId: string) {
  const { events } = await c.services.audit.list({
    tenantId: c.root.tenantId,
    requestId,
    pageNumber: 1,
    pageSize: 10,
  });
  return events;
}

async function assertNoSecret(
  c: TestContext,
  conn: Connectivity & { requestId: string },
  ...secrets: string[]
) {
  const answer = JSON.stringify(conn);
  const trail = JSON.stringify(await auditOf(c, conn.requestId));
  for (const secret of secrets) {
    assert.ok(!answer.includes(secret), 'a secret is in the answer');
    assert.ok(!trail.includes(secret), 'a secret is in the audit trail');
  }
}

function skipNotice(t: { skip(m: string): void }, message: string): void {
  console.log(`# NOTICE: ${message}`);
  t.skip(message);
}

// ---- the default configuration (DNS answered by the local responder) ------------------------

forEachDialect(
  'TestDataSourceConnectivity',
  (t) => {
    let ws: number;
    before(async () => {
      ws = await newWorkspace(t(), t().root, STANDARD_MODE);
    });

    it('PostgreSQL on 127.0.0.1:5432 trusting local logins is Connectable; the event records it', async (tc) => {
      if (!postgresTrusts) return skipNotice(tc, 'no PostgreSQL trusting local logins on 5432');
      const c = t();
      const password = 'unused-by-trust-Pw1';
      const id = await newDataSource(c, ws, 'postgresql', {
        address: at(5432),
        database: 'postgres',
        username: 'postgres',
        password,
      });
      const conn = await connectivity(c, ws, id, 'Serverless_res_group_524257424564736_68');
      assert.equal(conn.ConnectState, 'Connectable', conn.ConnectMessage);
      assert.deepEqual(codes(conn), [...THROUGH_CONNECT, 'authenticate', 'run_test_query']);
      assert.match(conn.DetailLogs.at(-1)!.Message, /SELECT 1 returned 1/);
      const [event, ...others] = await auditOf(c, conn.requestId);
      assert.equal(others.length, 0);
      assert.equal(event!.action, ACTION);
      assert.equal(event!.outcome, 'Success');
      assert.equal(event!.project_id, ws);
      assert.deepEqual(JSON.parse(event!.targets), { DataSourceId: id });
      assert.equal(
        event!.detail,
        'Connectable via resource group Serverless_res_group_524257424564736_68',
      );
      await assertNoSecret(c, conn, password);
    });

    it('a throw-away password-auth PostgreSQL: right password Connectable, wrong one ConfigError at authenticate', async (tc) => {
      if (!cluster) return skipNotice(tc, 'no temporary PostgreSQL cluster');
      const c = t();
      const props = (password: string) => ({
        address: at(cluster!.port),
        database: 'postgres',
        username: cluster!.user,
        password,
      });
      const good = await connectivity(
        c,
        ws,
        await newDataSource(c, ws, 'postgresql', props(cluster.password)),
      );
      assert.equal(good.ConnectState, 'Connectable', good.ConnectMessage);
      await assertNoSecret(c, good, cluster.password);

      const wrong = 'Not-the-pg-Password-7';
      const bad = await connectivity(c, ws, await newDataSource(c, ws, 'postgresql', props(wrong)));
      assert.equal(bad.ConnectState, 'ConfigError');
      assert.equal(failedAt(bad), 'authenticate');
      assert.match(bad.ConnectMessage, /password authentication failed/);
      const [event] = await auditOf(c, bad.requestId);
      assert.equal(event!.outcome, 'Success');
      assert.match(event!.detail ?? '', /^ConfigError at authenticate via resource group /);
      await assertNoSecret(c, bad, wrong, cluster.password);
    });

    it('MariaDB: a throw-away user is Connectable with its password, ConfigError at authenticate with another', async (tc) => {
      if (!mariadb.admin) return skipNotice(tc, 'no MariaDB/MySQL with a root login on 3306');
      const c = t();
      const props = (password: string) => ({
        address: at(3306),
        database: mariadb.database,
        username: mariadb.user,
        password,
      });
      const good = await connectivity(
        c,
        ws,
        await newDataSource(c, ws, 'mysql', props(mariadb.password)),
      );
      assert.equal(good.ConnectState, 'Connectable', good.ConnectMessage);
      assert.deepEqual(codes(good), [...THROUGH_CONNECT, 'authenticate', 'run_test_query']);
      await assertNoSecret(c, good, mariadb.password);

      const wrong = 'Wrong-maria-Pass-9';
      const bad = await connectivity(c, ws, await newDataSource(c, ws, 'mysql', props(wrong)));
      assert.equal(bad.ConnectState, 'ConfigError');
      assert.equal(failedAt(bad), 'authenticate');
      assert.match(bad.ConnectMessage, /ER_ACCESS_DENIED_ERROR/);
      await assertNoSecret(c, bad, wrong, mariadb.password);
    });

    it('Redis on 127.0.0.1:6379, through a name the configured DNS server resolves, is Connectable', async (tc) => {
      if (!(await reachable(6379))) return skipNotice(tc, 'no Redis on 127.0.0.1:6379');
      const c = t();
      const id = await newDataSource(c, ws, 'redis', { address: at(6379, 'db.dshub.test') });
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'Connectable', conn.ConnectMessage);
      assert.match(conn.DetailLogs[1]!.Message, /db\.dshub\.test resolved to 127\.0\.0\.1/);
      assert.match(conn.DetailLogs.at(-1)!.Message, /PING answered PONG/);
    });

    it('a closed port is Unreachable at tcp_connect', async () => {
      const c = t();
      const port = await closedPort();
      const id = await newDataSource(c, ws, 'postgresql', {
        address: at(port),
        database: 'd',
        username: 'u',
        password: 'Closed-port-Pw-1',
      });
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'Unreachable');
      assert.deepEqual(codes(conn), THROUGH_CONNECT);
      assert.match(conn.ConnectMessage, new RegExp(`127\\.0\\.0\\.1:${port} refused`));
      const [event] = await auditOf(c, conn.requestId);
      assert.equal(
        event!.detail,
        'Unreachable at tcp_connect via resource group Serverless_res_group_1_2',
      );
    });

    it('a name that does not resolve is Unreachable at resolve_host', async () => {
      const c = t();
      const id = await newDataSource(c, ws, 'mysql', {
        address: at(3306, 'missing.dshub.test'),
        database: 'd',
        username: 'u',
        password: 'Missing-host-Pw-1',
      });
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'Unreachable');
      assert.deepEqual(codes(conn), ['validate_input_parameters', 'resolve_host']);
      assert.match(conn.ConnectMessage, /missing\.dshub\.test could not be resolved/);
      assert.ok(dns.queries.includes('missing.dshub.test'), 'the configured DNS server was asked');
    });

    it('InstanceMode is Unsupport: an Alibaba Cloud instance id cannot be reached from here', async () => {
      const c = t();
      const id = await newDataSource(
        c,
        ws,
        'mysql',
        {
          regionId: 'cn-hangzhou',
          instanceId: 'rm-bp1z69dodhh85z9qa',
          database: 'd',
          username: 'u',
          password: 'Instance-Pw-1',
        },
        'InstanceMode',
      );
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'Unsupport');
      assert.deepEqual(codes(conn), ['validate_input_parameters']);
      assert.match(conn.ConnectMessage, /InstanceMode/);
      const [event] = await auditOf(c, conn.requestId);
      assert.match(event!.detail ?? '', /^Unsupport at validate_input_parameters via /);
    });

    it('a type without a probe, or without an address, is Unsupport', async () => {
      const c = t();
      const noProbe = await connectivity(
        c,
        ws,
        await newDataSource(c, ws, 'bigquery', { project: 'p', credentials: 'Bq-Secret-1' }),
      );
      assert.equal(noProbe.ConnectState, 'Unsupport');
      assert.match(noProbe.ConnectMessage, /no connectivity probe for data source type 'bigquery'/);
      await assertNoSecret(c, noProbe, 'Bq-Secret-1');

      const noAddress = await connectivity(
        c,
        ws,
        await newDataSource(c, ws, 'hive', { clusterIdentifier: 'c1', database: 'd' }, 'CdhMode'),
      );
      assert.equal(noAddress.ConnectState, 'Unsupport');
      assert.match(noAddress.ConnectMessage, /no network address/);
    });

    it('never shows a secret, even one that also appears elsewhere in the configuration', async (tc) => {
      if (!postgresTrusts) return skipNotice(tc, 'no PostgreSQL trusting local logins on 5432');
      const c = t();
      // The password doubles as the database name, which the server's error names.
      const secret = 'Shared_Secret_db_42';
      const id = await newDataSource(c, ws, 'postgresql', {
        address: at(5432),
        database: secret,
        username: 'postgres',
        password: secret,
      });
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'ConfigError');
      assert.match(conn.ConnectMessage, /\*\*\*\*\*\*/);
      await assertNoSecret(c, conn, secret);
    });

    it('a data source of another workspace, or none, answers 1000010005', async () => {
      const c = t();
      const other = await newWorkspace(c, c.root, STANDARD_MODE);
      const id = await newDataSource(c, other, 'redis', { address: at(6379) });
      for (const [dataSourceId, projectId] of [
        [id, ws], // exists, but not in ProjectId: nothing says where it is
        [id + 1_000_000, other],
        [id, 9_999_999], // no such workspace
      ] as const) {
        const r = await testIt(c, c.root, {
          DataSourceId: dataSourceId,
          ProjectId: projectId,
          ResourceGroupId: 'rg',
        });
        assert.equal(r.status, 404, JSON.stringify(r.body));
        assert.equal(r.body.Code, '1000010005');
        assert.doesNotMatch(String(r.body.Message), new RegExp(`workspace|${other}`));
      }
    });

    it('answers the roles of §1.0 in the data source workspace, and nobody else', async () => {
      const c = t();
      const port = await closedPort();
      const dsId = await newDataSource(c, ws, 'redis', { address: at(port) });
      const call = (key: Key) =>
        testIt(c, key, { DataSourceId: dsId, ProjectId: ws, ResourceGroupId: 'rg' });
      const developer = await c.newUser();
      await addMember(c, ws, developer.userId, ['role_project_dev']);
      const visitor = await c.newUser();
      await addMember(c, ws, visitor.userId, ['role_project_guest']);
      const outsider = await c.newTenant();
      assert.equal((await call(developer)).status, 200);
      const refused = await call(visitor);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.Code, 'Forbidden.Access');
      const stranger = await call(outsider);
      assert.equal(stranger.body.Code, '1000010005');
    });

    it('requires ResourceGroupId, and takes any value of it', async () => {
      const c = t();
      const r = await testIt(c, c.root, { DataSourceId: 1, ProjectId: ws });
      assert.equal(r.status, 400);
      assert.equal(r.body.Code, 'MissingResourceGroupId');
    });
  },
  { DSHUB_CONNECTIVITY_DNS_SERVERS: dns.server },
);

// ---- a short step timeout and one test at a time ---------------------------------------------

const STEP_TIMEOUT_MS = 400;

forEachDialect(
  'TestDataSourceConnectivity with a short step timeout and one test at a time',
  (t) => {
    let ws: number;
    let silent: number;
    before(async () => {
      ws = await newWorkspace(t(), t().root, STANDARD_MODE);
      silent = await newDataSource(t(), ws, 'mysql', {
        address: at(hang.port),
        database: 'd',
        username: 'u',
        password: 'Hang-Pw-1',
      });
    });

    it('a server that accepts and never answers fails within the step timeout', async () => {
      const c = t();
      const start = Date.now();
      const conn = await connectivity(c, ws, silent);
      const elapsed = Date.now() - start;
      assert.equal(conn.ConnectState, 'Unreachable');
      assert.equal(failedAt(conn), 'authenticate');
      assert.match(conn.ConnectMessage, new RegExp(`^timed out after ${STEP_TIMEOUT_MS} ms`));
      const step = conn.DetailLogs.at(-1)!;
      const took = step.EndTime - step.StartTime;
      assert.ok(
        took >= STEP_TIMEOUT_MS - 5 && took < STEP_TIMEOUT_MS + 300,
        `step took ${took} ms`,
      );
      assert.ok(elapsed < STEP_TIMEOUT_MS + 1500, `call took ${elapsed} ms`);
    });

    it('a test beyond the concurrency limit answers Throttling.User, and the limit is released', async () => {
      const c = t();
      const first = connectivity(c, ws, silent);
      // The first call must hold the only slot before the second one asks.
      const deadline = Date.now() + 5000;
      while (c.services.connectivity.active === 0) {
        assert.ok(Date.now() < deadline, 'the first test never started');
        await new Promise((r) => setTimeout(r, 5));
      }
      const second: ApiResult = await testIt(c, c.root, {
        DataSourceId: silent,
        ProjectId: ws,
        ResourceGroupId: 'rg',
      });
      assert.equal(second.status, 429, JSON.stringify(second.body));
      assert.equal(second.body.Code, 'Throttling.User');
      assert.equal(
        second.body.Message,
        '1 connectivity tests are already running on this server; retry in a few seconds.',
      );
      const [event] = await auditOf(c, second.body.RequestId as string);
      assert.equal(event!.outcome, 'Throttling.User');
      assert.deepEqual(JSON.parse(event!.targets), { DataSourceId: silent });

      assert.equal((await first).ConnectState, 'Unreachable');
      assert.equal(c.services.connectivity.active, 0);
      assert.equal((await connectivity(c, ws, silent)).ConnectState, 'Unreachable');
    });
  },
  {
    DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
    DSHUB_CONNECTIVITY_MAX_CONCURRENT: '1',
  },
);

// ---- a deny list covering the target --------------------------------------------------------

forEachDialect(
  'TestDataSourceConnectivity with 127.0.0.0/8 denied',
  (t) => {
    it('answers ConfigError at check_network_policy, naming the rule, without connecting', async () => {
      const c = t();
      const ws = await newWorkspace(c, c.root, STANDARD_MODE);
      const before = hang.accepted;
      const id = await newDataSource(c, ws, 'redis', { address: at(hang.port) });
      const conn = await connectivity(c, ws, id);
      assert.equal(conn.ConnectState, 'ConfigError');
      assert.deepEqual(codes(conn), [
        'validate_input_parameters',
        'resolve_host',
        'check_network_policy',
      ]);
      assert.match(conn.ConnectMessage, /127\.0\.0\.1 is inside denied network 127\.0\.0\.0\/8/);
      assert.match(conn.ConnectMessage, /DSHUB_CONNECTIVITY_DENY_NETWORKS/);
      assert.equal(hang.accepted, before, 'nothing was connected to');
    });

    // Regression: these spellings of 127.0.0.1 used to pass the deny list and test Connectable.
    for (const host of ['::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::FFFF:7F00:0001']) {
      it(`refuses a MySQL source at ${host} (an IPv6 spelling of 127.0.0.1)`, async () => {
        const c = t();
        const ws = await newWorkspace(c, c.root, STANDARD_MODE);
        const before = hang.accepted;
        const id = await newDataSource(c, ws, 'mysql', {
          address: at(hang.port, host),
          database: 'shop',
          username: 'app',
          password: 'pw',
        });
        const conn = await connectivity(c, ws, id);
        assert.equal(conn.ConnectState, 'ConfigError', conn.ConnectMessage);
        assert.equal(failedAt(conn), 'check_network_policy');
        assert.match(
          conn.ConnectMessage,
          /\(127\.0\.0\.1\) is inside denied network 127\.0\.0\.0\/8/,
        );
        assert.equal(hang.accepted, before, 'nothing was connected to');
      });
    }
  },
  { DSHUB_CONNECTIVITY_DENY_NETWORKS: '127.0.0.0/8' },
);
