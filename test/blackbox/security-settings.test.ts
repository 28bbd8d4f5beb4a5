/**
 * The security settings from outside (docs/SECURITY.md), on the started server with Alibaba's
 * clients: DSHUB_PUBLIC_HOSTS binds signed requests to the server's names, DSHUB_METRICS_TOKEN
 * guards /metrics (and its absence leaves it open), and repeated failed signatures lock out the
 * failing address, not the key's owner. Every address is loopback; other client addresses are
 * X-Forwarded-For values that DSHUB_TRUSTED_PROXIES=127.0.0.1 makes the server believe.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../helpers/signer.js';
import {
  createUserWithCli,
  popCall,
  type RunningServer,
  recordingProxy,
  rejectsWithCode,
  replay,
  sdkCall,
  startServer,
} from './support.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: opts.headers ?? {},
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** A request signed like Alibaba's clients, sent to the server with the given Host. */
function signedCall(
  server: RunningServer,
  key: { accessKeyId: string; accessKeySecret: string },
  opts: { host?: string; from?: string; scheme?: 'acs3' | 'rpc' } = {},
): Promise<Answer> {
  const host = opts.host ?? server.endpoint;
  const signed = signRequest({
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    action: 'GetCallerIdentity',
    method: 'POST',
    host,
    ...(opts.scheme ? { scheme: opts.scheme } : {}),
  });
  return send(server.port, {
    method: signed.method,
    path: signed.url,
    headers: { ...signed.headers, ...(opts.from ? { 'x-forwarded-for': opts.from } : {}) },
    ...(signed.payload !== undefined ? { body: signed.payload } : {}),
  });
}

const TOKEN = randomBytes(24).toString('hex');

describe('DSHUB_PUBLIC_HOSTS and DSHUB_METRICS_TOKEN set (SQLite)', () => {
  let server: RunningServer;
  before(async () => {
    const port = await freePort();
    server = await startServer({
      env: {
        DSHUB_PORT: String(port),
        DSHUB_PUBLIC_HOSTS: `dshub.example.com,127.0.0.1:${port}`,
        DSHUB_METRICS_TOKEN: TOKEN,
      },
    });
  });
  after(() => server?.stop());

  it("Alibaba's clients pointed at a listed host work (openapi-core ACS3 and v2, pop-core)", async () => {
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const r = await sdkCall(
        server,
        'GetCallerIdentity',
        { method: 'POST' },
        signatureAlgorithm ? { signatureAlgorithm } : {},
      );
      assert.equal(typeof r.RequestId, 'string');
    }
    const pop = await popCall(server, 'GetCallerIdentity', {});
    assert.equal(typeof pop.RequestId, 'string');
  });

  it('a correctly signed request sent with another Host is refused before any work', async () => {
    const proxy = await recordingProxy(server);
    try {
      // The SDK signs for the proxy's address (a host the server does not list) ...
      const viaProxy = { ...server, endpoint: proxy.endpoint };
      await rejectsWithCode(
        sdkCall(viaProxy, 'GetCallerIdentity', { method: 'POST' }),
        'Forbidden.Host',
        403,
      );
      // ... and the same bytes, replayed, are refused whatever the signature says.
      const again = await replay(server, proxy.requests[0]!);
      assert.equal(again.status, 403);
      const body = JSON.parse(again.body) as Record<string, string>;
      assert.equal(body.Code, 'Forbidden.Host');
      assert.match(body.Message!, /is not a name this server answers to \(DSHUB_PUBLIC_HOSTS\)/);
      assert.doesNotMatch(body.Message!, /dshub\.example\.com/, 'the accepted names stay private');
      assert.match(body.RequestId!, /^[0-9A-F-]{36}$/);
    } finally {
      await proxy.close();
    }
    for (const scheme of ['acs3', 'rpc'] as const) {
      const r = await signedCall(server, server, { host: 'evil.example.net', scheme });
      assert.equal(r.status, 403, r.body);
      assert.equal(JSON.parse(r.body).Code, 'Forbidden.Host');
      assert.equal(r.headers['x-acs-request-id'], JSON.parse(r.body).RequestId);
    }
    // A listed name on any port (the entry has none) passes the host check.
    const named = await signedCall(server, server, { host: 'dshub.example.com' });
    assert.equal(named.status, 200, named.body);
    // The operational endpoints are not API calls: a load balancer's probe needs no listed name.
    const health = await send(server.port, {
      path: '/health/live',
      headers: { host: 'lb.internal' },
    });
    assert.equal(health.status, 200);
  });

  it('/metrics needs the bearer token: 401 in the envelope without it or with another', async () => {
    const none = await send(server.port, { path: '/metrics' });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="dshub metrics"');
    const body = JSON.parse(none.body) as Record<string, string>;
    assert.equal(body.Code, 'Unauthorized');
    assert.match(body.Message!, /Authorization: Bearer <token>.*DSHUB_METRICS_TOKEN/);
    assert.match(body.RequestId!, /^[0-9A-F-]{36}$/);
    const wrong = await send(server.port, {
      path: '/metrics',
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
    });
    assert.equal(wrong.status, 401);
    assert.match(JSON.parse(wrong.body).Message, /not the one this server expects/);
    const basic = await send(server.port, {
      path: '/metrics',
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
    const ok = await send(server.port, {
      path: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /dshub_requests_total\{action="GetCallerIdentity",code="Success"\}/);
    assert.match(ok.body, /code="Forbidden.Host"/);
    assert.ok(!ok.body.includes(TOKEN), 'the token is not in the metrics');
    assert.ok(!(await server.flushedOutput()).includes(TOKEN), 'nor in the log');
  });
});

describe('defaults, and failed-signature throttling (PostgreSQL)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      dialect: 'postgres',
      env: {
        DSHUB_TRUSTED_PROXIES: '127.0.0.1',
        DSHUB_AUTH_MAX_FAILURES_PER_KEY: '3',
        DSHUB_AUTH_MAX_FAILURES_PER_ADDRESS: '8',
        DSHUB_AUTH_LOCKOUT_SECONDS: '60',
      },
    });
  });
  after(() => server?.stop());

  it('without DSHUB_METRICS_TOKEN /metrics is open, and any Host is accepted', async () => {
    const m = await send(server.port, { path: '/metrics' });
    assert.equal(m.status, 200);
    assert.match(m.body, /dshub_auth_lockouts_total\{scope="key"\} 0/);
    const r = await signedCall(server, server, { host: 'any.example.net' });
    assert.equal(r.status, 200, r.body);
  });

  it('bad signatures with a victim’s AccessKey lock out the sender’s address, not the victim', async () => {
    const tenant = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
    const victim = await createUserWithCli(server, String(tenant.AccountId), 'victim');
    const forged = { accessKeyId: victim.accessKeyId, accessKeySecret: 'guessed-secret-000' };
    for (let i = 0; i < 3; i++) {
      const r = await signedCall(server, forged, {
        from: '10.20.30.40',
        scheme: i ? 'rpc' : 'acs3',
      });
      assert.equal(JSON.parse(r.body).Code, 'SignatureDoesNotMatch', r.body);
    }
    for (let i = 0; i < 4; i++) {
      const r = await signedCall(server, victim, { from: '10.20.30.40' });
      assert.equal(r.status, 429, r.body);
      const body = JSON.parse(r.body) as Record<string, string>;
      assert.equal(body.Code, 'Throttling.User');
      assert.match(body.Message!, /wrong signature for this AccessKey came from your address/);
      assert.match(body.RequestId!, /^[0-9A-F-]{36}$/);
    }
    // The victim, from their own address, with Alibaba's clients: unaffected.
    const own = await popCall(server, 'GetCallerIdentity', {}, { credentials: victim });
    assert.equal(typeof own.RequestId, 'string');
    const sdk = await sdkCall(
      server,
      'GetCallerIdentity',
      { method: 'POST' },
      { credentials: victim },
    );
    assert.equal(typeof sdk.RequestId, 'string');

    const m = await send(server.port, { path: '/metrics' });
    assert.match(m.body, /dshub_auth_lockouts_total\{scope="key"\} 1/);
    assert.match(m.body, /dshub_auth_throttled_total\{scope="key"\} 4/);
    assert.ok(!m.body.includes(victim.accessKeyId), 'no key id in a label');
    assert.ok(!m.body.includes('10.20.30.40'), 'no address in a label');
    const log = await server.flushedOutput();
    const lines = log.split('\n').filter((l) => l.includes('locked out'));
    assert.equal(lines.length, 1, 'logged once per lockout, not per refused request');
    assert.match(lines[0]!, new RegExp(`"accessKeyId":"${victim.accessKeyId}"`));
    assert.match(lines[0]!, /"ip":"10\.20\.30\.40"/);
    assert.ok(!lines[0]!.includes(victim.accessKeySecret));
  });

  it('an address sending unknown AccessKeys is locked out, with an Alibaba-style answer to the SDK', async () => {
    for (let i = 0; i < 8; i++) {
      const r = await signedCall(
        server,
        { accessKeyId: `LTAIunknown${i}`, accessKeySecret: 'x-secret' },
        { from: '10.20.30.41' },
      );
      assert.equal(JSON.parse(r.body).Code, 'InvalidAccessKeyId.NotFound', r.body);
    }
    const r = await signedCall(server, server, { from: '10.20.30.41' });
    assert.equal(r.status, 429);
    assert.match(JSON.parse(r.body).Message, /unknown AccessKey came from your address/);
    const other = await signedCall(server, server, { from: '10.20.30.42' });
    assert.equal(other.status, 200, other.body);
  });
});
