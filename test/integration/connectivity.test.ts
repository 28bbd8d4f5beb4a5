/**
 * The connectivity tester against real servers, all on 127.0.0.1: the PostgreSQL, MariaDB/MySQL
 * and Redis of the machine (skipped with a notice when absent), a throw-away PostgreSQL cluster
 * with passwords and TLS, and in-process listeners, HTTP servers and a DNS responder.
 *
 * Every test also checks that nothing is left open afterwards: the process' sockets and timers
 * are back to what they were, and the test's own listeners count no connection.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  ConnectivityBusyError,
  type ConnectivityResult,
  ConnectivityTester,
  type ProbeFamily,
  STEP_CODES,
} from '../../src/connectivity/index.js';
import { redactor } from '../../src/connectivity/steps.js';
import {
  closedPort,
  type DnsResponder,
  dnsResponder,
  listener,
  reachable,
  type SelfSignedCert,
  selfSignedCert,
  type TempPostgres,
  type TestListener,
  tempPostgres,
} from '../helpers/connectivity-servers.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** Resource kinds that a leaked connection, lookup or timer shows up as. */
const WATCHED = new Set([
  'TCPSocketWrap',
  'TLSWrap',
  'TCPWrap',
  'ConnectWrap',
  'ShutdownWrap',
  'SimpleShutdownWrap',
  'WriteWrap',
  'Timeout',
  'Immediate',
  'UDPWrap',
  'GetAddrInfoReqWrap',
  'QueryReqWrap',
]);

function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function grown(before: Map<string, number>, now: Map<string, number>): string[] {
  return [...now].flatMap(([kind, n]) =>
    n > (before.get(kind) ?? 0) ? [`${kind} ${before.get(kind) ?? 0} → ${n}`] : [],
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asserts that the test left nothing open. Without in-process servers the check is immediate:
 * test() resolves only once its sockets are closed. A listener of the test closes its side of a
 * connection only after seeing the client's close, so with listeners it may take a moment.
 */
async function assertNothingLeft(
  before: Map<string, number>,
  listeners: TestListener[] = [],
): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    const open = await Promise.all(listeners.map((l) => l.open()));
    const extra = grown(before, resources());
    if (open.every((n) => n === 0) && extra.length === 0) return;
    if (listeners.length === 0 || Date.now() > deadline) {
      assert.fail(
        `left open after the test: ${[...extra, `listener connections ${open}`].join(', ')}`,
      );
    }
    await pause(10);
  }
}

/** Runs one test, checking the result's shape and that nothing is left open. */
async function check(
  tester: ConnectivityTester,
  input: { type?: string; mode?: string; probe: ProbeFamily; properties: Record<string, unknown> },
  listeners: TestListener[] = [],
): Promise<ConnectivityResult & { elapsed: number }> {
  const before = resources();
  const start = Date.now();
  const result = await tester.test({
    type: input.type ?? input.probe,
    mode: input.mode ?? 'UrlMode',
    probe: input.probe,
    properties: input.properties,
  });
  const elapsed = Date.now() - start;
  assertShape(result);
  await assertNothingLeft(before, listeners);
  assert.equal(tester.active, 0);
  return { ...result, elapsed };
}

function assertShape(result: ConnectivityResult): void {
  assert.ok(result.DetailLogs.length > 0, 'at least one step is logged');
  let order = -1;
  for (const log of result.DetailLogs) {
    const index = STEP_CODES.indexOf(log.Code as (typeof STEP_CODES)[number]);
    assert.ok(index > order, `steps in order, each once: ${result.DetailLogs.map((l) => l.Code)}`);
    order = index;
    assert.ok(log.Message.length > 0, `${log.Code} has a message`);
    assert.ok(Number.isInteger(log.StartTime) && log.StartTime > 1.6e12, 'StartTime is epoch ms');
    assert.ok(log.EndTime >= log.StartTime, 'EndTime is not before StartTime');
  }
  const last = result.DetailLogs.at(-1)!;
  if (result.ConnectState === 'Connectable') assert.equal(result.ConnectMessage, '');
  else assert.equal(result.ConnectMessage, last.Message, 'ConnectMessage is the failing step');
}

function codes(result: ConnectivityResult): string[] {
  return result.DetailLogs.map((l) => l.Code);
}

function failedAt(result: ConnectivityResult): string {
  return result.DetailLogs.at(-1)!.Code;
}

function assertNoSecret(result: ConnectivityResult, ...secrets: string[]): void {
  const text = JSON.stringify(result);
  for (const secret of secrets)
    assert.ok(!text.includes(secret), 'a secret leaked into the result');
}

const address = (port: number, host = '127.0.0.1') => [{ host, port }];

/** A test server seen as a listener, so checks wait for its side of connections to close. */
function watch(server: net.Server): TestListener {
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    open: () =>
      new Promise((resolve, reject) =>
        server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      ),
    close: async () => {},
  };
}

/** Properties of each family pointing at 127.0.0.1:port. */
function propertiesFor(family: ProbeFamily, port: number): Record<string, unknown> {
  switch (family) {
    case 'mysql':
    case 'postgres':
      return { address: address(port), database: 'db', username: 'u', password: 'p4ssw0rd!' };
    case 'redis':
      return { host: '127.0.0.1', port };
    case 'http':
      return { endpoint: `http://127.0.0.1:${port}/` };
    case 'kafka':
      return { bootstrapServers: `127.0.0.1:${port}` };
    default:
      return { address: address(port) };
  }
}

const PROTOCOLS: ProbeFamily[] = ['mysql', 'postgres', 'redis', 'http', 'kafka'];

async function skipUnless(
  t: { skip(message?: string): void },
  port: number,
  name: string,
): Promise<boolean> {
  if (await reachable(port)) return false;
  const notice = `${name} is not reachable on 127.0.0.1:${port}; skipping its connectivity tests`;
  console.log(`# NOTICE: ${notice}`);
  t.skip(notice);
  return true;
}

// ---------------------------------------------------------------------------------------------

describe('connectivity: what cannot or need not be tested', () => {
  const tester = new ConnectivityTester();

  it('answers Unsupport for InstanceMode: an Alibaba Cloud instance id is not reachable from here', async () => {
    const r = await check(tester, {
      type: 'mysql',
      mode: 'InstanceMode',
      probe: 'mysql',
      properties: { regionId: 'cn-hangzhou', instanceId: 'rm-abc123', password: 'x-secret-1' },
    });
    assert.equal(r.ConnectState, 'Unsupport');
    assert.deepEqual(codes(r), ['validate_input_parameters']);
    assert.match(
      r.ConnectMessage,
      /Alibaba Cloud instance id cannot be reached from a self-hosted resource group/,
    );
    assert.match(r.ConnectMessage, /rm-abc123/);
  });

  it('answers Unsupport for a type without a probe', async () => {
    const r = await check(tester, {
      type: 'maxcompute',
      probe: 'none',
      properties: { project: 'p', regionId: 'cn-shanghai', endpointMode: 'SelfAdaption' },
    });
    assert.equal(r.ConnectState, 'Unsupport');
    assert.match(r.ConnectMessage, /no connectivity probe for data source type 'maxcompute'/);
  });

  it('answers Unsupport for a generic type with no address', async () => {
    const r = await check(tester, {
      type: 'hive',
      mode: 'CdhMode',
      probe: 'tcp',
      properties: { clusterIdentifier: 'c1', database: 'd' },
    });
    assert.equal(r.ConnectState, 'Unsupport');
    assert.match(r.ConnectMessage, /no network address/);
  });

  it('answers ConfigError for incomplete or malformed properties, naming the property', async () => {
    const cases: Array<[ProbeFamily, Record<string, unknown>, RegExp]> = [
      ['mysql', { database: 'd', username: 'u' }, /address is required/],
      [
        'mysql',
        { address: [{ host: '127.0.0.1', port: 'abc' }], database: 'd', username: 'u' },
        /address\[0\]\.port must be a port number/,
      ],
      [
        'postgres',
        { address: [{ host: 'db', port: 70000 }], database: 'd', username: 'u' },
        /port must be a port number/,
      ],
      [
        'postgres',
        { address: [{ host: 'db', port: 5432 }], database: 'd' },
        /username is required/,
      ],
      [
        'mysql',
        { address: [{ host: 'bad host!', port: 1 }], database: 'd', username: 'u' },
        /not a host name/,
      ],
      ['http', { endpoint: 'ftp://files.example/' }, /http:\/\/ or https:\/\//],
      [
        'kafka',
        { bootstrapServers: 'b1:9092', securityProtocol: 'SASL_PLAINTEXT', username: 'u' },
        /password is required for SASL/,
      ],
      [
        'redis',
        { host: '127.0.0.1', database: 'zero' },
        /database must be a Redis database number/,
      ],
    ];
    for (const [probe, properties, message] of cases) {
      const r = await check(tester, { probe, properties });
      assert.equal(r.ConnectState, 'ConfigError', `${probe} ${JSON.stringify(properties)}`);
      assert.deepEqual(codes(r), ['validate_input_parameters']);
      assert.match(r.ConnectMessage, message);
    }
  });

  it('answers Unsupport for a Kafka SASL mechanism it cannot speak', async () => {
    const r = await check(tester, {
      probe: 'kafka',
      properties: {
        bootstrapServers: 'b1:9092',
        saslMechanism: 'GSSAPI',
        username: 'u',
        password: 'p',
      },
    });
    assert.equal(r.ConnectState, 'Unsupport');
    assert.match(r.ConnectMessage, /GSSAPI/);
  });

  it('refuses invalid options when constructed', () => {
    assert.throws(() => new ConnectivityTester({ denyNetworks: ['10.0.0.0/33'] }), /denyNetworks/);
    assert.throws(() => new ConnectivityTester({ allowNetworks: ['not-a-net'] }), /allowNetworks/);
    assert.throws(() => new ConnectivityTester({ stepTimeoutMs: 0 }), /stepTimeoutMs/);
    assert.throws(() => new ConnectivityTester({ dnsServers: ['nonsense'] }), /dnsServers/);
  });

  it('scrubs secrets from messages, long ones anywhere and short ones as whole words', () => {
    const redact = redactor(['hunter2-long', 'ab']);
    assert.equal(redact('login hunter2-long failed; tab ab'), 'login ****** failed; tab ******');
  });
});

describe('connectivity: network steps against local listeners', () => {
  let hang: TestListener;
  let slam: TestListener;
  let dns: DnsResponder;

  before(async () => {
    hang = await listener('hang');
    slam = await listener('slam');
    dns = await dnsResponder({
      'db.dshub.test': '127.0.0.1',
      'svc.dshub.test': '127.0.0.1',
      'mapped.dshub.test': '::ffff:7f00:1',
    });
  });
  after(async () => {
    await hang.close();
    await slam.close();
    await dns.close();
  });

  for (const family of [...PROTOCOLS, 'tcp'] as ProbeFamily[]) {
    it(`${family}: a closed port is Unreachable at tcp_connect`, async () => {
      const port = await closedPort();
      const r = await check(new ConnectivityTester(), {
        probe: family,
        properties: propertiesFor(family, port),
      });
      assert.equal(r.ConnectState, 'Unreachable');
      assert.deepEqual(codes(r), [
        'validate_input_parameters',
        'resolve_host',
        'check_network_policy',
        'tcp_connect',
      ]);
      assert.match(
        r.ConnectMessage,
        new RegExp(`127\\.0\\.0\\.1:${port} refused \\(ECONNREFUSED\\)`),
      );
    });
  }

  for (const family of PROTOCOLS) {
    it(`${family}: a server that never answers times out within the step timeout`, async () => {
      const stepTimeoutMs = 400;
      const tester = new ConnectivityTester({ stepTimeoutMs });
      const r = await check(
        tester,
        { probe: family, properties: propertiesFor(family, hang.port) },
        [hang],
      );
      assert.equal(r.ConnectState, 'Unreachable');
      if (family === 'redis') {
        // Without a password nothing is sent before PING, so the silence shows there.
        assert.equal(failedAt(r), 'run_test_query');
        assert.match(r.ConnectMessage, /^timed out after 400 ms: the server did not answer/);
      } else {
        assert.equal(failedAt(r), 'authenticate');
        assert.match(
          r.ConnectMessage,
          /^timed out after 400 ms: the server accepted the connection/,
        );
      }
      assert.ok(r.elapsed < stepTimeoutMs + 500, `took ${r.elapsed} ms`);
      const step = r.DetailLogs.at(-1)!;
      assert.ok(step.EndTime - step.StartTime >= stepTimeoutMs - 5, 'the step ran its whole bound');
    });
  }

  it('tcp with TLS: a server that never answers times out in tls_handshake', async () => {
    const r = await check(
      new ConnectivityTester({ stepTimeoutMs: 300 }),
      {
        type: 'hive',
        probe: 'tcp',
        properties: { address: address(hang.port), securityProtocol: 'authTypeSsl' },
      },
      [hang],
    );
    assert.equal(r.ConnectState, 'Unreachable');
    assert.equal(failedAt(r), 'tls_handshake');
    assert.match(r.ConnectMessage, /^timed out after 300 ms/);
  });

  for (const family of PROTOCOLS) {
    it(`${family}: a server that hangs up at once is Unreachable`, async () => {
      const r = await check(new ConnectivityTester({ stepTimeoutMs: 2000 }), {
        probe: family,
        properties: propertiesFor(family, slam.port),
      });
      assert.equal(r.ConnectState, 'Unreachable', r.ConnectMessage);
      assert.ok(['authenticate', 'run_test_query'].includes(failedAt(r)), codes(r).join());
      assert.ok(r.elapsed < 1500, `took ${r.elapsed} ms`);
    });
  }

  it('cuts a step short when the whole test budget runs out', async () => {
    const tester = new ConnectivityTester({ stepTimeoutMs: 5000, totalTimeoutMs: 300 });
    const r = await check(
      tester,
      { probe: 'mysql', properties: propertiesFor('mysql', hang.port) },
      [hang],
    );
    assert.equal(r.ConnectState, 'Unreachable');
    assert.match(
      r.ConnectMessage,
      /timed out after \d+ ms \(cut short: the whole test is limited to 300 ms\)/,
    );
    assert.ok(r.elapsed < 300 + 500, `took ${r.elapsed} ms`);
  });

  it('a name that does not resolve is Unreachable at resolve_host', async () => {
    const tester = new ConnectivityTester({ dnsServers: [dns.server] });
    const r = await check(tester, {
      probe: 'postgres',
      properties: { address: address(5432, 'missing.dshub.test'), database: 'd', username: 'u' },
    });
    assert.equal(r.ConnectState, 'Unreachable');
    assert.deepEqual(codes(r), ['validate_input_parameters', 'resolve_host']);
    assert.match(
      r.ConnectMessage,
      /missing\.dshub\.test could not be resolved: the name does not exist \(NXDOMAIN\)/,
    );
    assert.ok(dns.queries.includes('missing.dshub.test'), 'the configured DNS server was asked');
  });

  it('a DNS server that does not answer times out at resolve_host', async () => {
    const mute = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
    try {
      const tester = new ConnectivityTester({
        stepTimeoutMs: 300,
        dnsServers: [`127.0.0.1:${mute.address().port}`],
      });
      const r = await check(tester, {
        probe: 'redis',
        properties: { host: 'db.dshub.test', port: 6379 },
      });
      assert.equal(r.ConnectState, 'Unreachable');
      assert.deepEqual(codes(r), ['validate_input_parameters', 'resolve_host']);
      assert.match(r.ConnectMessage, /^timed out after 300 ms: the DNS server did not answer/);
      assert.ok(r.elapsed < 800, `took ${r.elapsed} ms`);
    } finally {
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('resolves a name with the configured DNS server and connects to the resolved address', async () => {
    const server = await listener('hang');
    try {
      const tester = new ConnectivityTester({ dnsServers: [dns.server] });
      const r = await check(
        tester,
        {
          type: 'hive',
          probe: 'tcp',
          properties: { address: address(server.port, 'db.dshub.test') },
        },
        [server],
      );
      assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
      assert.deepEqual(codes(r), [
        'validate_input_parameters',
        'resolve_host',
        'check_network_policy',
        'tcp_connect',
      ]);
      assert.match(
        r.DetailLogs[1]!.Message,
        /db\.dshub\.test resolved to 127\.0\.0\.1 \(DNS servers 127\.0\.0\.1:\d+\)/,
      );
      assert.match(
        r.DetailLogs[3]!.Message,
        new RegExp(`connected to 127\\.0\\.0\\.1:${server.port} \\(db\\.dshub\\.test\\)`),
      );
      assert.equal(server.accepted, 1);
    } finally {
      await server.close();
    }
  });

  it('logs resolve_host for an IP address without a lookup', async () => {
    const r = await check(
      new ConnectivityTester(),
      {
        probe: 'tcp',
        properties: { address: address(hang.port) },
      },
      [hang],
    );
    assert.equal(r.ConnectState, 'Connectable');
    assert.equal(r.DetailLogs[1]!.Message, '127.0.0.1 is an IP address; no DNS lookup needed');
  });

  it('refuses an address inside a denied network, naming the rule, without connecting', async () => {
    const before = hang.accepted;
    const tester = new ConnectivityTester({ denyNetworks: ['10.0.0.0/8', '127.0.0.0/8'] });
    const r = await check(tester, {
      probe: 'redis',
      properties: propertiesFor('redis', hang.port),
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'check_network_policy');
    assert.match(
      r.ConnectMessage,
      /^127\.0\.0\.1 is inside denied network 127\.0\.0\.0\/8 \(DSHUB_CONNECTIVITY_DENY_NETWORKS\)/,
    );
    assert.equal(hang.accepted, before, 'no connection was attempted');
  });

  it('checks the policy on the resolved address of a host name', async () => {
    const tester = new ConnectivityTester({
      dnsServers: [dns.server],
      denyNetworks: ['127.0.0.0/8'],
    });
    const r = await check(tester, {
      probe: 'http',
      properties: { endpoint: `http://svc.dshub.test:${hang.port}/` },
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'check_network_policy');
    assert.match(
      r.ConnectMessage,
      /127\.0\.0\.1 is inside denied network 127\.0\.0\.0\/8 \(DSHUB_CONNECTIVITY_DENY_NETWORKS\); resolved from svc\.dshub\.test/,
    );
  });

  it('checks an AAAA answer spelling an IPv4 address (::ffff:7f00:1) as that address', async () => {
    const before = hang.accepted;
    const tester = new ConnectivityTester({
      dnsServers: [dns.server],
      denyNetworks: ['127.0.0.0/8'],
    });
    const r = await check(tester, {
      probe: 'http',
      properties: { endpoint: `http://mapped.dshub.test:${hang.port}/` },
    });
    assert.equal(r.ConnectState, 'ConfigError', r.ConnectMessage);
    assert.equal(failedAt(r), 'check_network_policy');
    assert.match(
      r.ConnectMessage,
      /::ffff:(?:7f00:1|127\.0\.0\.1) \(127\.0\.0\.1\) is inside denied network 127\.0\.0\.0\/8 \(DSHUB_CONNECTIVITY_DENY_NETWORKS\); resolved from mapped\.dshub\.test/,
    );
    assert.equal(hang.accepted, before, 'no connection was attempted');
  });

  it('refuses an address outside every allowed network', async () => {
    const tester = new ConnectivityTester({ allowNetworks: ['10.0.0.0/8', '192.168.0.0/16'] });
    const r = await check(tester, {
      probe: 'mysql',
      properties: propertiesFor('mysql', hang.port),
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'check_network_policy');
    assert.match(
      r.ConnectMessage,
      /127\.0\.0\.1 is not inside any allowed network \(DSHUB_CONNECTIVITY_ALLOW_NETWORKS: 10\.0\.0\.0\/8, 192\.168\.0\.0\/16\)/,
    );
  });

  it('passes an address inside an allowed network', async () => {
    const tester = new ConnectivityTester({
      allowNetworks: ['127.0.0.0/8'],
      denyNetworks: ['10.0.0.0/8'],
    });
    const r = await check(tester, { probe: 'tcp', properties: { address: address(hang.port) } }, [
      hang,
    ]);
    assert.equal(r.ConnectState, 'Connectable');
    assert.match(
      r.DetailLogs[2]!.Message,
      /127\.0\.0\.1 is inside allowed network 127\.0\.0\.0\/8/,
    );
  });

  it('tries the next address when the first refuses', async () => {
    const port = await closedPort();
    const r = await check(
      new ConnectivityTester(),
      {
        type: 'hive',
        probe: 'tcp',
        properties: {
          address: [
            { host: '127.0.0.1', port },
            { host: '127.0.0.1', port: hang.port },
          ],
        },
      },
      [hang],
    );
    assert.equal(r.ConnectState, 'Connectable');
    assert.match(
      r.DetailLogs[3]!.Message,
      new RegExp(`connected to 127\\.0\\.0\\.1:${hang.port} \\(after: .*${port} refused`),
    );
  });

  it('refuses a test beyond maxConcurrent with ConnectivityBusyError, before doing anything', async () => {
    const tester = new ConnectivityTester({ maxConcurrent: 1, stepTimeoutMs: 300 });
    const before = resources();
    const first = tester.test({
      type: 'mysql',
      mode: 'UrlMode',
      probe: 'mysql',
      properties: propertiesFor('mysql', hang.port),
    });
    assert.equal(tester.active, 1);
    await assert.rejects(
      tester.test({
        type: 'redis',
        mode: 'UrlMode',
        probe: 'redis',
        properties: propertiesFor('redis', hang.port),
      }),
      (err: unknown) =>
        err instanceof ConnectivityBusyError &&
        err.limit === 1 &&
        /already running/.test(err.message),
    );
    const r = await first;
    assert.equal(r.ConnectState, 'Unreachable');
    assert.equal(tester.active, 0);
    await assertNothingLeft(before, [hang]);
    const again = await check(
      tester,
      { probe: 'tcp', properties: { address: address(hang.port) } },
      [hang],
    );
    assert.equal(again.ConnectState, 'Connectable');
  });
});

describe('connectivity: HTTP probe against a local server', () => {
  let server: http.Server;
  let port: number;
  let dns: DnsResponder;
  const seen: Array<{ host?: string; path?: string }> = [];
  const password = 's3cret-pass-9';

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, path: req.url });
      if (req.url === '/secure') {
        const expected = `Basic ${Buffer.from(`elastic:${password}`).toString('base64')}`;
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="es"' }).end();
          return;
        }
      }
      if (req.url === '/missing') return void res.writeHead(404).end('no');
      if (req.url === '/down') return void res.writeHead(503).end('down');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"tagline":"You Know, for Search"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    dns = await dnsResponder({ 'es.dshub.test': '127.0.0.1' });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dns.close();
  });

  const self = (): TestListener => watch(server);

  it('is Connectable on 200, sending the configured host name', async () => {
    const tester = new ConnectivityTester({ dnsServers: [dns.server] });
    const r = await check(
      tester,
      {
        type: 'elasticsearch',
        probe: 'http',
        properties: { endpoint: `http://es.dshub.test:${port}/` },
      },
      [self()],
    );
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.deepEqual(codes(r), [
      'validate_input_parameters',
      'resolve_host',
      'check_network_policy',
      'tcp_connect',
      'authenticate',
      'run_test_query',
    ]);
    assert.match(r.DetailLogs.at(-1)!.Message, /GET \/ answered HTTP 200 OK/);
    assert.equal(seen.at(-1)?.host, `es.dshub.test:${port}`);
  });

  it('accepts Basic credentials the server takes, and never shows the password', async () => {
    const r = await check(
      new ConnectivityTester(),
      {
        type: 'elasticsearch',
        probe: 'http',
        properties: { endpoint: `http://127.0.0.1:${port}/secure`, username: 'elastic', password },
      },
      [self()],
    );
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.match(r.DetailLogs[4]!.Message, /accepted the configured credentials/);
    assertNoSecret(r, password);
  });

  it('answers ConfigError at authenticate on 401', async () => {
    const wrong = await check(
      new ConnectivityTester(),
      {
        probe: 'http',
        properties: { endpoint: `http://elastic:wrong-pass-77@127.0.0.1:${port}/secure` },
      },
      [self()],
    );
    assert.equal(wrong.ConnectState, 'ConfigError');
    assert.equal(failedAt(wrong), 'authenticate');
    assert.match(
      wrong.ConnectMessage,
      /HTTP 401 Unauthorized: the server rejected the configured username and password/,
    );
    assertNoSecret(wrong, 'wrong-pass-77');

    const none = await check(
      new ConnectivityTester(),
      {
        probe: 'http',
        properties: { endpoint: `http://127.0.0.1:${port}/secure` },
      },
      [self()],
    );
    assert.equal(none.ConnectState, 'ConfigError');
    assert.match(none.ConnectMessage, /requires credentials and none are configured/);
  });

  it('answers ConfigError on 404 and Unreachable on 503, at run_test_query', async () => {
    const missing = await check(
      new ConnectivityTester(),
      { probe: 'http', properties: { endpoint: `http://127.0.0.1:${port}/missing` } },
      [self()],
    );
    assert.equal(missing.ConnectState, 'ConfigError');
    assert.equal(failedAt(missing), 'run_test_query');
    assert.match(missing.ConnectMessage, /HTTP 404/);
    const down = await check(
      new ConnectivityTester(),
      { probe: 'http', properties: { endpoint: `http://127.0.0.1:${port}/down` } },
      [self()],
    );
    assert.equal(down.ConnectState, 'Unreachable');
    assert.equal(failedAt(down), 'run_test_query');
  });

  describe('over TLS', () => {
    let cert: SelfSignedCert | undefined;
    let tlsServer: https.Server | undefined;
    let tlsPort = 0;
    let sni: string[] = [];

    before(async () => {
      cert = await selfSignedCert();
      if (!cert) return;
      const context = tls.createSecureContext({ key: cert.key, cert: cert.cert });
      tlsServer = https.createServer(
        {
          key: cert.key,
          cert: cert.cert,
          // Called on every ClientHello, so it sees the SNI of each handshake, finished or not.
          SNICallback: (name, done) => {
            sni.push(name);
            done(null, context);
          },
        },
        (_req, res) => res.end('ok'),
      );
      await new Promise<void>((resolve) => tlsServer!.listen(0, '127.0.0.1', resolve));
      tlsPort = (tlsServer.address() as net.AddressInfo).port;
    });
    after(async () => {
      if (!tlsServer) return;
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tlsServer!.close(() => resolve()));
    });

    it('rejects a self-signed certificate at tls_handshake', async (t) => {
      if (!cert) return void t.skip('openssl is not installed');
      const r = await check(
        new ConnectivityTester(),
        { probe: 'http', properties: { endpoint: `https://127.0.0.1:${tlsPort}/` } },
        [watch(tlsServer!)],
      );
      assert.equal(r.ConnectState, 'ConfigError');
      assert.equal(failedAt(r), 'tls_handshake');
      assert.match(r.ConnectMessage, /certificate .* was rejected: self[- ]signed certificate/);
    });

    it('is Connectable with verification turned off, sending the host name as SNI', async (t) => {
      if (!cert) return void t.skip('openssl is not installed');
      sni = [];
      const tester = new ConnectivityTester({ dnsServers: [dns.server] });
      const r = await check(
        tester,
        {
          probe: 'http',
          properties: {
            endpoint: `https://es.dshub.test:${tlsPort}/`,
            properties: { verifyServerCertificate: false },
          },
        },
        [watch(tlsServer!)],
      );
      assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
      assert.ok(codes(r).includes('tls_handshake'));
      assert.match(
        r.DetailLogs[4]!.Message,
        /TLSv1\.[23] established with .*es\.dshub\.test.*certificate not verified/,
      );
      assert.ok(sni.length >= 2 && sni.every((name) => name === 'es.dshub.test'), `SNI: ${sni}`);
    });
  });
});

describe('connectivity: Redis over TLS, against a stand-in that answers +PONG', () => {
  let cert: SelfSignedCert | undefined;
  let server: tls.Server | undefined;
  let dns: DnsResponder;
  const sni: string[] = [];

  before(async () => {
    dns = await dnsResponder({ 'cache.dshub.test': '127.0.0.1' });
    cert = await selfSignedCert();
    if (!cert) return;
    const context = tls.createSecureContext({ key: cert.key, cert: cert.cert });
    // Not a Redis: it answers every command with +PONG, which is all a PING needs.
    server = tls.createServer(
      {
        key: cert.key,
        cert: cert.cert,
        SNICallback: (name, done) => {
          sni.push(name);
          done(null, context);
        },
      },
      (socket) => {
        socket.on('error', () => {});
        socket.on('data', () => socket.write('+PONG\r\n'));
      },
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await dns.close();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  });

  it('checks TLS itself, then lets ioredis connect over TLS with the host name as SNI', async (t) => {
    if (!cert || !server) return void t.skip('openssl is not installed');
    const port = (server.address() as net.AddressInfo).port;
    const tester = new ConnectivityTester({ dnsServers: [dns.server] });
    const r = await check(
      tester,
      {
        probe: 'redis',
        properties: {
          address: [{ host: 'cache.dshub.test', port }],
          securityProtocol: 'authTypeSsl',
          properties: { verifyServerCertificate: false },
        },
      },
      [watch(server)],
    );
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.deepEqual(codes(r), [
      'validate_input_parameters',
      'resolve_host',
      'check_network_policy',
      'tcp_connect',
      'tls_handshake',
      'authenticate',
      'run_test_query',
    ]);
    assert.deepEqual(sni, ['cache.dshub.test', 'cache.dshub.test']);
  });

  it('rejects its self-signed certificate when verification is on', async (t) => {
    if (!cert || !server) return void t.skip('openssl is not installed');
    const port = (server.address() as net.AddressInfo).port;
    const r = await check(
      new ConnectivityTester(),
      { probe: 'redis', properties: { host: '127.0.0.1', port, securityProtocol: 'authTypeSsl' } },
      [watch(server)],
    );
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'tls_handshake');
  });
});

describe('connectivity: MySQL/MariaDB on 127.0.0.1:3306', () => {
  const user = `dshub_ct_${process.pid}`;
  const database = `dshub_ct_${process.pid}`;
  const password = `Pw-${Math.random().toString(36).slice(2)}-x`;
  let admin: mysql.Connection | undefined;

  before(async () => {
    if (!(await reachable(3306))) return;
    try {
      admin = await mysql.createConnection({
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        password: '',
      });
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
      await admin.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'`);
      await admin.query(`GRANT ALL ON \`${database}\`.* TO '${user}'@'%'`);
    } catch (err) {
      console.log(`# NOTICE: cannot prepare a MySQL user as root: ${(err as Error).message}`);
      await admin?.end();
      admin = undefined;
    }
  });
  after(async () => {
    if (!admin) return;
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  });

  const props = (overrides: Record<string, unknown> = {}) => ({
    address: [{ host: '127.0.0.1', port: '3306' }],
    database,
    username: user,
    password,
    ...overrides,
  });

  it('is Connectable with the right password', async (t) => {
    if ((await skipUnless(t, 3306, 'MySQL')) || !admin)
      return void (admin || t.skip('no MySQL test user'));
    const r = await check(new ConnectivityTester(), {
      type: 'mysql',
      probe: 'mysql',
      properties: props(),
    });
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.deepEqual(codes(r), [
      'validate_input_parameters',
      'resolve_host',
      'check_network_policy',
      'tcp_connect',
      'authenticate',
      'run_test_query',
    ]);
    assert.match(r.DetailLogs.at(-1)!.Message, /SELECT 1 returned 1/);
    assertNoSecret(r, password);
  });

  it('answers ConfigError at authenticate for a wrong password, without showing it', async (t) => {
    if ((await skipUnless(t, 3306, 'MySQL')) || !admin)
      return void (admin || t.skip('no MySQL test user'));
    const r = await check(new ConnectivityTester(), {
      probe: 'mysql',
      properties: props({ password: 'Wrong-Pass-123' }),
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'authenticate');
    assert.match(r.ConnectMessage, /ER_ACCESS_DENIED_ERROR/);
    assertNoSecret(r, 'Wrong-Pass-123', password);
  });

  it('answers ConfigError at authenticate for a database the user may not use', async (t) => {
    if ((await skipUnless(t, 3306, 'MySQL')) || !admin)
      return void (admin || t.skip('no MySQL test user'));
    const r = await check(new ConnectivityTester(), {
      probe: 'mysql',
      properties: props({ database: 'no_such_db_dshub' }),
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.equal(failedAt(r), 'authenticate');
  });

  it('answers ConfigError at tls_handshake when TLS is asked and the certificate cannot be trusted', async (t) => {
    if ((await skipUnless(t, 3306, 'MySQL')) || !admin)
      return void (admin || t.skip('no MySQL test user'));
    // Either the server has no TLS, or a self-signed one this machine does not trust.
    const r = await check(new ConnectivityTester(), {
      probe: 'mysql',
      properties: props({ securityProtocol: 'authTypeSsl' }),
    });
    assert.equal(r.ConnectState, 'ConfigError', r.ConnectMessage);
    assert.equal(failedAt(r), 'tls_handshake');
  });
});

describe('connectivity: PostgreSQL', () => {
  it('is Connectable on 127.0.0.1:5432 as postgres, when that server trusts local logins', async (t) => {
    if (await skipUnless(t, 5432, 'PostgreSQL')) return;
    const probe = new pg.Client({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: '',
      database: 'postgres',
    });
    try {
      await probe.connect();
    } catch {
      return void t.skip('127.0.0.1:5432 does not let postgres in without a password');
    } finally {
      await probe.end().catch(() => {});
    }
    const r = await check(new ConnectivityTester(), {
      type: 'postgresql',
      probe: 'postgres',
      properties: {
        address: [{ host: '127.0.0.1', port: 5432 }],
        database: 'postgres',
        username: 'postgres',
      },
    });
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.match(r.DetailLogs.at(-1)!.Message, /SELECT 1 returned 1/);
  });

  describe('a throw-away cluster with scram passwords and TLS', () => {
    let cluster: TempPostgres | undefined;
    let cert: SelfSignedCert | undefined;

    before(async () => {
      cert = await selfSignedCert();
      try {
        cluster = await tempPostgres(cert);
      } catch (err) {
        console.log(`# NOTICE: could not start a temporary PostgreSQL: ${(err as Error).message}`);
      }
      if (!cluster)
        console.log('# NOTICE: no temporary PostgreSQL; skipping its connectivity tests');
    });
    after(async () => {
      await cluster?.close();
    });

    const props = (c: TempPostgres, overrides: Record<string, unknown> = {}) => ({
      address: [{ host: '127.0.0.1', port: String(c.port) }],
      database: 'postgres',
      username: c.user,
      password: c.password,
      ...overrides,
    });

    it('is Connectable with the right password', async (t) => {
      if (!cluster) return void t.skip('no temporary PostgreSQL');
      const r = await check(new ConnectivityTester(), {
        type: 'postgresql',
        probe: 'postgres',
        properties: props(cluster),
      });
      assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
      assert.ok(!codes(r).includes('tls_handshake'));
      assertNoSecret(r, cluster.password);
    });

    it('answers ConfigError at authenticate for a wrong password, without showing it', async (t) => {
      if (!cluster) return void t.skip('no temporary PostgreSQL');
      const r = await check(new ConnectivityTester(), {
        probe: 'postgres',
        properties: props(cluster, { password: 'not-the-password-42' }),
      });
      assert.equal(r.ConnectState, 'ConfigError');
      assert.equal(failedAt(r), 'authenticate');
      assert.match(r.ConnectMessage, /password authentication failed.*28P01/);
      assertNoSecret(r, 'not-the-password-42', cluster.password);
    });

    it('answers ConfigError at authenticate for a database that does not exist', async (t) => {
      if (!cluster) return void t.skip('no temporary PostgreSQL');
      const r = await check(new ConnectivityTester(), {
        probe: 'postgres',
        properties: props(cluster, { database: 'nope' }),
      });
      assert.equal(r.ConnectState, 'ConfigError');
      assert.match(r.ConnectMessage, /database 'nope' does not exist/);
    });

    it('negotiates TLS inside the protocol with sslmode=require', async (t) => {
      if (!cluster || !cert) return void t.skip('no temporary PostgreSQL with TLS');
      const r = await check(new ConnectivityTester(), {
        probe: 'postgres',
        properties: props(cluster, { properties: { sslmode: 'require' } }),
      });
      assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
      assert.deepEqual(codes(r), [
        'validate_input_parameters',
        'resolve_host',
        'check_network_policy',
        'tcp_connect',
        'tls_handshake',
        'authenticate',
        'run_test_query',
      ]);
      assert.match(
        r.DetailLogs[4]!.Message,
        /TLSv1\.[23] established with 127\.0\.0\.1:\d+; certificate not verified/,
      );
    });

    it('rejects an untrusted certificate at tls_handshake when verification is on', async (t) => {
      if (!cluster || !cert) return void t.skip('no temporary PostgreSQL with TLS');
      const r = await check(new ConnectivityTester(), {
        probe: 'postgres',
        properties: props(cluster, { securityProtocol: 'AuthTypeSsl' }),
      });
      assert.equal(r.ConnectState, 'ConfigError');
      assert.equal(failedAt(r), 'tls_handshake');
      assert.match(r.ConnectMessage, /certificate .* was rejected/);
    });
  });
});

describe('connectivity: Redis on 127.0.0.1:6379', () => {
  let dns: DnsResponder;
  before(async () => {
    dns = await dnsResponder({ 'cache.dshub.test': '127.0.0.1' });
  });
  after(async () => {
    await dns.close();
  });

  it('is Connectable, through a host name resolved by the configured DNS server', async (t) => {
    if (await skipUnless(t, 6379, 'Redis')) return;
    const tester = new ConnectivityTester({ dnsServers: [dns.server] });
    const r = await check(tester, {
      type: 'redis',
      probe: 'redis',
      properties: { address: [{ host: 'cache.dshub.test', port: '6379' }] },
    });
    assert.equal(r.ConnectState, 'Connectable', r.ConnectMessage);
    assert.match(r.DetailLogs.at(-1)!.Message, /PING answered PONG/);
  });

  it('answers ConfigError at authenticate for a password the server does not take', async (t) => {
    if (await skipUnless(t, 6379, 'Redis')) return;
    const r = await check(new ConnectivityTester(), {
      probe: 'redis',
      properties: { host: '127.0.0.1', port: 6379, password: 'not-the-redis-pass' },
    });
    assert.equal(r.ConnectState, 'ConfigError', r.ConnectMessage);
    assert.equal(failedAt(r), 'authenticate');
    assert.match(r.ConnectMessage, /Redis rejected AUTH/);
    assertNoSecret(r, 'not-the-redis-pass');
  });

  it('answers ConfigError for a database number the server does not have', async (t) => {
    if (await skipUnless(t, 6379, 'Redis')) return;
    const r = await check(new ConnectivityTester(), {
      probe: 'redis',
      properties: { host: '127.0.0.1', port: '6379', database: 4242 },
    });
    assert.equal(r.ConnectState, 'ConfigError');
    assert.match(r.ConnectMessage, /database 4242 cannot be selected/);
  });
});
