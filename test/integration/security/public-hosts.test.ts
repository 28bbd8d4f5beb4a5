/**
 * DSHUB_PUBLIC_HOSTS in-process, on both stores: a request whose Host is not listed is refused
 * before any work (no store statement, no nonce claimed), X-Forwarded-Host does not stand in for
 * Host even from a trusted proxy (it is not signed), and a listed Host works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectedDialects, skipDialect } from '../../helpers/database.js';
import { createTestContext, type TestContext } from '../../helpers/harness.js';
import { signRequest } from '../../helpers/signer.js';

for (const dialect of selectedDialects()) {
  describe(`${dialect}: DSHUB_PUBLIC_HOSTS`, async () => {
    const skip = await skipDialect(dialect);
    let c: TestContext;
    let statements = 0;
    before(async () => {
      if (skip) return;
      c = await createTestContext(
        dialect,
        { DSHUB_PUBLIC_HOSTS: 'dshub.example.com', DSHUB_TRUSTED_PROXIES: '127.0.0.1' },
        { onQuery: () => statements++ },
      );
    });
    after(async () => {
      await c?.close();
    });

    const call = (host: string, extra: Record<string, string> = {}, nonce?: string) => {
      const signed = signRequest({
        accessKeyId: c.root.accessKeyId,
        accessKeySecret: c.root.accessKeySecret,
        action: 'GetCallerIdentity',
        method: 'POST',
        host,
        ...(nonce ? { nonce } : {}),
      });
      return c.app.inject({
        method: signed.method,
        url: signed.url,
        headers: { ...signed.headers, ...extra },
      });
    };

    it('an unlisted Host is refused before any store statement, and burns no nonce', {
      skip,
    }, async () => {
      statements = 0;
      const refused = await call('other.example.com', {}, 'nonce-public-hosts-1');
      assert.equal(refused.statusCode, 403, refused.body);
      const body = refused.json() as Record<string, string>;
      assert.equal(body.Code, 'Forbidden.Host');
      assert.equal(refused.headers['x-acs-request-id'], body.RequestId);
      assert.equal(statements, 0, 'no store statement for a refused host');
      // The same nonce, now sent to the right host, is still fresh.
      const ok = await call('dshub.example.com', {}, 'nonce-public-hosts-1');
      assert.equal(ok.statusCode, 200, ok.body);
    });

    it('X-Forwarded-Host from a trusted proxy does not replace the Host that was signed', {
      skip,
    }, async () => {
      const r = await call('other.example.com', { 'x-forwarded-host': 'dshub.example.com' });
      assert.equal(r.statusCode, 403, r.body);
      const listed = await call('dshub.example.com:8443', {
        'x-forwarded-host': 'other.example.com',
      });
      assert.equal(listed.statusCode, 200, listed.body);
    });

    it('HEAD and unsupported methods on / are checked too; /health is not', { skip }, async () => {
      const head = await c.app.inject({ method: 'HEAD', url: '/', headers: { host: 'x.test' } });
      assert.equal(head.statusCode, 403);
      const put = await c.app.inject({ method: 'PUT', url: '/', headers: { host: 'x.test' } });
      assert.equal(put.statusCode, 403);
      assert.equal(put.json().Code, 'Forbidden.Host');
      const health = await c.app.inject({
        method: 'GET',
        url: '/health',
        headers: { host: 'x.test' },
      });
      assert.equal(health.statusCode, 200);
    });

    it('other spellings of the API path ("/#x?…", an absolute URL) are checked too', {
      skip,
    }, async () => {
      for (const url of [
        '/#x?Action=GetCallerIdentity',
        'http://evil.test/?Action=GetCallerIdentity',
      ]) {
        const r = await c.app.inject({ method: 'GET', url, headers: { host: 'x.test' } });
        assert.equal(r.statusCode, 403, `${url}: ${r.body}`);
        assert.equal(r.json().Code, 'Forbidden.Host');
      }
    });
  });
}
