import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestContext, forEachDialect } from '../helpers/harness.js';
import { signRequest } from '../helpers/signer.js';

function assertEnvelope(body: Record<string, unknown>, code: string): void {
  assert.equal(body.Code, code, JSON.stringify(body));
  for (const k of ['RequestId', 'HostId', 'Message', 'Recommend']) {
    assert.equal(typeof body[k], 'string', `${k} missing in ${JSON.stringify(body)}`);
  }
}

forEachDialect('the signed endpoint', (t) => {
  it('answers GetCallerIdentity for every signature scheme, method and placement', async () => {
    const c = t();
    for (const scheme of ['acs3', 'rpc'] as const) {
      for (const method of ['GET', 'POST'] as const) {
        const r = await c.call(c.root, 'GetCallerIdentity', {}, { scheme, method });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.AccountId, c.root.tenantId);
        assert.equal(r.body.IdentityType, 'Account');
        assert.deepEqual(r.body.TenantRoles, ['TenantOwner']);
        assert.equal(r.body.Code, undefined, 'success bodies never carry Code');
        assert.equal(r.headers['x-acs-request-id'], r.body.RequestId);
        assert.match(String(r.headers['content-type']), /^application\/json/);
      }
    }
    const extra = await c.call(
      c.root,
      'GetCallerIdentity',
      { RegionId: 'cn-hangzhou' },
      { placement: 'body' },
    );
    assert.equal(extra.status, 200, 'unknown extra parameters are ignored');
  });

  it('tells a RAM user from the owner and reports tenant roles', async () => {
    const c = t();
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true, policy: null });
    const r = await c.call(admin, 'GetCallerIdentity');
    assert.equal(r.status, 200, 'GetCallerIdentity needs no policy');
    assert.equal(r.body.IdentityType, 'RAMUser');
    assert.equal(r.body.UserId, admin.userId);
    assert.deepEqual(r.body.TenantRoles, ['TenantAdmin']);
  });

  it('refuses a wrong secret, an unknown key, a stale date and a replayed nonce', async () => {
    const c = t();
    const wrong = await c.call(
      { ...c.root, accessKeySecret: 'not-the-secret' },
      'GetCallerIdentity',
    );
    assert.equal(wrong.status, 400);
    assertEnvelope(wrong.body, 'SignatureDoesNotMatch');

    const unknown = await c.call(
      { accessKeyId: 'LTAInobody', accessKeySecret: 'x' },
      'GetCallerIdentity',
    );
    assert.equal(unknown.status, 404);
    assertEnvelope(unknown.body, 'InvalidAccessKeyId.NotFound');

    for (const scheme of ['acs3', 'rpc'] as const) {
      for (const offset of [-16 * 60_000, 16 * 60_000]) {
        const stale = await c.call(
          c.root,
          'GetCallerIdentity',
          {},
          { scheme, date: new Date(Date.now() + offset) },
        );
        assert.equal(stale.status, 400);
        assertEnvelope(stale.body, 'InvalidTimeStamp.Expired');
      }
      const nonce = `nonce-${scheme}-${Date.now()}`;
      const first = await c.call(c.root, 'GetCallerIdentity', {}, { scheme, nonce });
      assert.equal(first.status, 200);
      const replay = await c.call(c.root, 'GetCallerIdentity', {}, { scheme, nonce });
      assert.equal(replay.status, 400);
      assertEnvelope(replay.body, 'SignatureNonceUsed');
    }
  });

  it('refuses a disabled key and a disabled user, without revealing it to a wrong signature', async () => {
    const c = t();
    const u = await c.newUser();
    await c.services.identity.setAccessKeyStatus(u.accessKeyId, 'Inactive');
    const r = await c.call(u, 'GetCallerIdentity');
    assert.equal(r.status, 403);
    assertEnvelope(r.body, 'InvalidAccessKeyId.Inactive');
    const forged = await c.call({ ...u, accessKeySecret: 'guess' }, 'GetCallerIdentity');
    assertEnvelope(forged.body, 'SignatureDoesNotMatch');
    await c.services.identity.setAccessKeyStatus(u.accessKeyId, 'Active');
    assert.equal((await c.call(u, 'GetCallerIdentity')).status, 200);
    await c.services.identity.setUserStatus(u.userId, 'Disabled');
    assertEnvelope((await c.call(u, 'GetCallerIdentity')).body, 'InvalidAccessKeyId.Inactive');
  });

  it('answers unknown actions, versions, methods, paths and media types in the envelope', async () => {
    const c = t();
    const action = await c.call(c.root, 'NoSuchThing');
    assert.equal(action.status, 404);
    assertEnvelope(action.body, 'InvalidAction.NotFound');
    assert.match(String(action.body.Message), /NoSuchThing/);

    const version = await c.call(c.root, 'GetCallerIdentity', {}, { version: '2020-05-18' });
    assert.equal(version.status, 400);
    assertEnvelope(version.body, 'NoSuchVersion');

    const put = await c.app.inject({ method: 'PUT', url: '/' });
    assert.equal(put.statusCode, 403);
    assertEnvelope(put.json(), 'UnsupportedHTTPMethod');

    const path = await c.app.inject({ method: 'GET', url: '/admin' });
    assert.equal(path.statusCode, 404);
    assertEnvelope(path.json(), 'InvalidPath.NotFound');

    const json = await c.app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: '{"Action":"GetCallerIdentity"}',
    });
    assert.equal(json.statusCode, 415);
    assertEnvelope(json.json(), 'UnsupportedMediaType');

    const unsigned = await c.app.inject({
      method: 'GET',
      url: '/?Action=GetCallerIdentity&Version=2024-05-18',
    });
    assert.equal(unsigned.statusCode, 400);
    assertEnvelope(unsigned.json(), 'IncompleteSignature');
  });

  it('limits the body size', async () => {
    const c = t();
    const signed = signRequest({
      accessKeyId: c.root.accessKeyId,
      accessKeySecret: c.root.accessKeySecret,
      action: 'GetCallerIdentity',
      form: { Description: 'x'.repeat(1024 * 1024 + 10) },
    });
    const r = await c.app.inject({
      method: 'POST',
      url: signed.url,
      headers: signed.headers,
      payload: signed.payload,
    });
    assert.equal(r.statusCode, 413);
    assertEnvelope(r.json(), 'RequestBody.TooLarge');
  });

  it('serves /health, /metrics and /openapi.json', async () => {
    const c = t();
    const health = await c.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'ok');
    await c.call(c.root, 'GetCallerIdentity');
    const metrics = await c.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      /dshub_requests_total\{action="GetCallerIdentity",code="Success"\} \d+/,
    );
    assert.match(metrics.body, /dshub_request_duration_seconds_bucket/);
    const doc = (await c.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    assert.ok(doc.paths['/?Action=GetCallerIdentity']);
  });
});

forEachDialect('nonces across processes', (t) => {
  it('refuses a nonce replayed to another server sharing the store', async (tt) => {
    const c = t();
    if (c.dialect !== 'postgres') {
      tt.skip('SQLite is single-process: nonces live in memory');
      return;
    }
    const other = await createTestContext('postgres');
    try {
      // A second server process on the SAME database: same URL, same master key.
      const { loadConfig } = await import('../../src/config.js');
      const { createServices } = await import('../../src/services.js');
      const { buildApp } = await import('../../src/server/app.js');
      const { createLogger } = await import('../../src/observability/logger.js');
      const services = await createServices(
        {
          ...c.services.config,
          ...loadConfig({
            DSHUB_DATABASE_URL: c.database.url!,
            DSHUB_DATA_DIR: c.database.dataDir,
            DSHUB_MASTER_KEY: c.services.config.masterKey!,
            DSHUB_AUTH_CACHE_TTL_MS: '0',
          }),
        },
        { logger: createLogger('silent'), defaultMetrics: false },
      );
      const app2 = await buildApp(services);
      try {
        const signed = signRequest({
          accessKeyId: c.root.accessKeyId,
          accessKeySecret: c.root.accessKeySecret,
          action: 'GetCallerIdentity',
        });
        const a = await c.app.inject({
          method: signed.method,
          url: signed.url,
          headers: signed.headers,
        });
        assert.equal(a.statusCode, 200);
        const b = await app2.inject({
          method: signed.method,
          url: signed.url,
          headers: signed.headers,
        });
        assert.equal(b.statusCode, 400);
        assert.equal(b.json().Code, 'SignatureNonceUsed');
      } finally {
        await app2.close();
        await services.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe("Recommend links to dshub's own error documentation", () => {
  it('points at /errors#<code> on the configured public URL, and that page documents every fixed code', async () => {
    const { ApiError, errorAnchor, FIXED_CODES } = await import('../../src/errors.js');
    const { publicBase } = await import('../../src/wire/handle.js');
    const { ERROR_DOCS } = await import('../../src/server/error-docs.js');
    const e = new ApiError('MissingProjectId', 400, 'x');
    assert.equal(
      e.recommend(publicBase({ publicUrl: 'https://dshub.example.com', tls: undefined }, {})),
      'https://dshub.example.com/errors#missingparameter',
    );
    assert.equal(
      publicBase({ publicUrl: undefined, tls: undefined }, { host: '127.0.0.1:8080' }),
      'http://127.0.0.1:8080',
    );
    const documented = new Set(ERROR_DOCS.map((d) => errorAnchor(d.code)));
    for (const code of Object.keys(FIXED_CODES)) {
      assert.ok(documented.has(errorAnchor(code)), `${code} is not documented`);
    }
    for (const code of ['InvalidParameter.Name', 'Conflict.Something', 'Forbidden.Other']) {
      assert.ok(documented.has(errorAnchor(code)), code);
    }
  });
});
