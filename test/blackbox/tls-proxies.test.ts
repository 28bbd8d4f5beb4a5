/**
 * HTTPS and reverse proxies, from outside: a test CA made here signs a certificate for
 * 127.0.0.1; dshub serves it (DSHUB_TLS_CERT/KEY) and Alibaba's client calls over https trusting
 * that CA; SIGHUP loads a renewed certificate. X-Forwarded-For is believed only from
 * DSHUB_TRUSTED_PROXIES: the forwarded address is what the request log, the audit trail and a
 * policy's acs:SourceIp condition see, and an untrusted peer's header changes none of them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  adminCli,
  type Credentials,
  type RunningServer,
  type SdkError,
  sdkCall,
  sdkError,
  startServer,
} from './support.js';

const run = promisify(execFile);

interface TestPki {
  dir: string;
  ca: string;
  /** Issues a certificate for 127.0.0.1 into cert-<n>.pem / key-<n>.pem; returns its serial. */
  issue(n: number): Promise<string>;
}

async function testPki(): Promise<TestPki | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'dshub-tls-'));
  const f = (name: string) => join(dir, name);
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-subj',
      '/CN=dshub test CA',
      '-days',
      '2',
    ]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    ca: await readFile(f('ca.pem'), 'utf8'),
    async issue(n) {
      await run('openssl', [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        f(`key-${n}.pem`),
        '-out',
        f(`req-${n}.csr`),
        '-subj',
        `/CN=dshub test ${n}`,
      ]);
      await run('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > '${f(`ext-${n}`)}'`]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        f(`req-${n}.csr`),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
        '-out',
        f(`cert-${n}.pem`),
        '-days',
        '2',
        '-extfile',
        f(`ext-${n}`),
      ]);
      const { stdout } = await run('openssl', [
        'x509',
        '-in',
        f(`cert-${n}.pem`),
        '-noout',
        '-serial',
      ]);
      return stdout
        .trim()
        .replace(/^serial=/, '')
        .toUpperCase();
    },
  };
}

/** The serial of the certificate the server presents now. */
function presentedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/health/live', ca, agent: false },
      (res) => {
        const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate()
          .serialNumber;
        res.resume();
        res.on('end', () => resolve(serial.toUpperCase()));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe("black box: HTTPS with a test CA, through Alibaba's client", async () => {
  const pki = await testPki();
  if (!pki) {
    it.skip('openssl is not installed');
    return;
  }
  let server: RunningServer;
  let first: string;
  before(async () => {
    first = await pki.issue(1);
    await run('cp', [join(pki.dir, 'cert-1.pem'), join(pki.dir, 'cert.pem')]);
    await run('cp', [join(pki.dir, 'key-1.pem'), join(pki.dir, 'key.pem')]);
    server = await startServer({
      env: {
        DSHUB_TLS_CERT: join(pki.dir, 'cert.pem'),
        DSHUB_TLS_KEY: join(pki.dir, 'key.pem'),
      },
    });
  });
  after(async () => {
    await server?.stop();
    await rm(pki.dir, { recursive: true, force: true });
  });

  it('answers openapi-core over https (protocol https, the test CA trusted)', async () => {
    assert.match(server.output(), /listening on https:\/\//);
    const created = await sdkCall(
      server,
      'CreateProject',
      { method: 'POST', body: { Name: 'tls_project', DisplayName: 'tls' } },
      { https: { ca: pki.ca } },
    );
    assert.equal(typeof created.Id, 'number');
  });

  it('refuses plain http on the TLS port, and a client that does not trust the CA', async () => {
    const plain = await new Promise<string>((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: server.port, path: '/health/live' },
        (res) => {
          res.resume();
          resolve(`status ${res.statusCode}`);
        },
      );
      req.on('error', (e) => resolve(e.message));
    });
    assert.doesNotMatch(plain, /status 200/);
    const untrusted = await sdkError(
      sdkCall(
        server,
        'CreateProject',
        { method: 'POST', body: { Name: 'x', DisplayName: 'x' } },
        {
          https: { ca: '' },
        },
      ),
    );
    assert.match(String(untrusted.message ?? untrusted), /certificate|self.signed|verify/i);
  });

  it('SIGHUP loads a renewed certificate without a restart', async () => {
    assert.equal(await presentedSerial(server.port, pki.ca), first);
    const second = await pki.issue(2);
    await run('cp', [join(pki.dir, 'cert-2.pem'), join(pki.dir, 'cert.pem')]);
    await run('cp', [join(pki.dir, 'key-2.pem'), join(pki.dir, 'key.pem')]);
    server.signal('SIGHUP');
    let seen = '';
    for (let i = 0; i < 100 && seen !== second; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await presentedSerial(server.port, pki.ca);
    }
    assert.equal(seen, second);
    const created = await sdkCall(
      server,
      'CreateProject',
      { method: 'POST', body: { Name: 'tls_project_2', DisplayName: 'tls' } },
      { https: { ca: pki.ca } },
    );
    assert.equal(typeof created.Id, 'number');
  });
});

/**
 * A reverse proxy in front of dshub that connects from `localAddress` (a loopback address of its
 * own, so dshub can tell a trusted proxy from an untrusted peer while everything stays on
 * loopback) and sets X-Forwarded-For to the client address it reports (`forwardFor`), as nginx's
 * `proxy_set_header X-Forwarded-For $remote_addr` does. Every client here is on 127.0.0.1, so
 * the address a proxy "saw" is set by the test. Headers and body pass unchanged (Host is signed).
 */
async function forwardingProxy(
  server: RunningServer,
  localAddress: string,
): Promise<{ endpoint: string; forwardFor: string; close(): Promise<void> }> {
  const state = { endpoint: '', forwardFor: '', close: async () => {} };
  const proxy = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        localAddress,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': state.forwardFor },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  state.endpoint = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
  state.close = () => new Promise((r) => proxy.close(() => r()));
  return state;
}

describe('black box: X-Forwarded-For only from trusted proxies (log, audit, policy source IP)', () => {
  const ALLOWED = '198.51.100.23';
  const OTHER = '198.51.100.24';
  let server: RunningServer;
  let user: Credentials;
  let trusted: Awaited<ReturnType<typeof forwardingProxy>>;
  let untrusted: Awaited<ReturnType<typeof forwardingProxy>>;

  before(async () => {
    server = await startServer({
      env: { DSHUB_TRUSTED_PROXIES: '127.0.0.2', DSHUB_AUTH_CACHE_TTL_MS: '0' },
    });
    const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
    const cli = adminCli(server);
    const u = await cli('admin', 'user', 'create', 'office', '-t', String(me.AccountId));
    const key = await cli('admin', 'key', 'create', u.userId!);
    // The role that may create workspaces; the policy below decides where from.
    await cli('admin', 'role', 'grant', u.userId!, 'TenantAdmin');
    // Everything, but only from the office's address.
    await cli(
      'admin',
      'policy',
      'attach',
      u.userId!,
      'OfficeOnly',
      '--document',
      JSON.stringify({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dataworks:*',
            Resource: '*',
            Condition: { IpAddress: { 'acs:SourceIp': [`${ALLOWED}/32`] } },
          },
        ],
      }),
    );
    user = { accessKeyId: key.accessKeyId!, accessKeySecret: key.accessKeySecret! };
    trusted = await forwardingProxy(server, '127.0.0.2');
    untrusted = await forwardingProxy(server, '127.0.0.3');
  });
  after(async () => {
    await trusted?.close();
    await untrusted?.close();
    await server?.stop();
  });

  /** CreateProject through a proxy, as the office user; resolves with the RequestId and code. */
  async function createThrough(
    proxy: { endpoint: string; forwardFor: string },
    forwardFor: string,
    name: string,
  ): Promise<{ requestId: string; code: string }> {
    proxy.forwardFor = forwardFor;
    const via = { ...server, endpoint: proxy.endpoint };
    try {
      const ok = await sdkCall(
        via,
        'CreateProject',
        { method: 'POST', body: { Name: name, DisplayName: name } },
        { credentials: user },
      );
      return { requestId: String(ok.RequestId), code: 'Success' };
    } catch (e) {
      const err = e as SdkError;
      if (!err.data?.RequestId) throw e;
      return { requestId: String(err.data.RequestId), code: err.code };
    }
  }

  /** What the audit trail and the request log say about one call. */
  async function recorded(requestId: string): Promise<{ audit: string; log: string }> {
    const events = await sdkCall(server, 'ListAuditEvents', {
      method: 'POST',
      query: { RequestId: requestId },
    });
    const list = (events.PagingInfo as { AuditEvents: Array<{ SourceIp: string }> }).AuditEvents;
    assert.equal(list.length, 1, JSON.stringify(events));
    const line = (await server.flushedOutput())
      .split('\n')
      .find((l) => l.includes(`"requestId":"${requestId}"`));
    assert.ok(line, `no log line for ${requestId}`);
    return { audit: list[0]!.SourceIp, log: (JSON.parse(line) as { ip: string }).ip };
  }

  it('from a trusted proxy, the forwarded address is what the policy, audit and log see', async () => {
    const allowed = await createThrough(trusted, ALLOWED, 'office_ok');
    assert.equal(allowed.code, 'Success');
    assert.deepEqual(await recorded(allowed.requestId), { audit: ALLOWED, log: ALLOWED });

    const refused = await createThrough(trusted, OTHER, 'office_elsewhere');
    assert.equal(refused.code, 'Forbidden.RAM');
    assert.deepEqual(await recorded(refused.requestId), { audit: OTHER, log: OTHER });
  });

  it("an untrusted peer's X-Forwarded-For is ignored by the policy, audit and log", async () => {
    const spoofed = await createThrough(untrusted, ALLOWED, 'office_spoofed');
    assert.equal(spoofed.code, 'Forbidden.RAM');
    assert.deepEqual(await recorded(spoofed.requestId), { audit: '127.0.0.3', log: '127.0.0.3' });
    assert.doesNotMatch(
      (await server.flushedOutput())
        .split('\n')
        .filter((l) => l.includes(spoofed.requestId))
        .join('\n'),
      /198\.51\.100/,
    );
  });
});
