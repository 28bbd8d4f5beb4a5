/**
 * Throttling of repeated failed signatures (docs/SECURITY.md), in-process on both stores. The
 * harness connects from 127.0.0.1; other client addresses are X-Forwarded-For values that
 * DSHUB_TRUSTED_PROXIES=127.0.0.1 makes dshub believe (nothing leaves loopback).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type Key, type TestContext } from '../../helpers/harness.js';
import { signRequest } from '../../helpers/signer.js';

const ENV = {
  DSHUB_TRUSTED_PROXIES: '127.0.0.1',
  DSHUB_AUTH_MAX_FAILURES_PER_KEY: '3',
  DSHUB_AUTH_MAX_FAILURES_PER_ADDRESS: '6',
  DSHUB_AUTH_LOCKOUT_SECONDS: '120',
};

async function call(
  c: TestContext,
  key: Key,
  from: string,
  scheme: 'acs3' | 'rpc' = 'acs3',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const signed = signRequest({
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    action: 'GetCallerIdentity',
    method: 'POST',
    scheme,
  });
  const res = await c.app.inject({
    method: signed.method,
    url: signed.url,
    headers: { ...signed.headers, 'x-forwarded-for': from },
    ...(signed.payload !== undefined ? { payload: signed.payload } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function metric(c: TestContext, name: string, scope: string): Promise<number> {
  const text = (await c.services.metrics.render()).body;
  const m = new RegExp(`^${name}\\{scope="${scope}"\\} (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? Number.NaN);
}

forEachDialect(
  'repeated failed signatures are throttled per key at an address, and per address',
  (t) => {
    it('a key is locked out from the address that failed, not from its owner’s address', async () => {
      const c = t();
      const owner = await c.newUser();
      const forged = { accessKeyId: owner.accessKeyId, accessKeySecret: 'not-the-secret-0000' };
      for (let i = 0; i < 3; i++) {
        const r = await call(c, forged, '10.1.0.1', i % 2 ? 'rpc' : 'acs3');
        assert.equal(r.body.Code, 'SignatureDoesNotMatch', JSON.stringify(r.body));
      }
      // Locked out from there, even with the right secret, before the key is looked up.
      const locked = await call(c, owner, '10.1.0.1');
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.equal(locked.body.Code, 'Throttling.User');
      assert.match(
        String(locked.body.Message),
        /wrong signature for this AccessKey.*120 more seconds/,
      );
      assert.equal(typeof locked.body.RequestId, 'string');
      // The owner, at their own address, is not affected.
      const own = await call(c, owner, '10.1.0.2');
      assert.equal(own.status, 200, JSON.stringify(own.body));
      // Another key from the locked-out address still works (the address has 3 of 6).
      const other = await call(c, c.root, '10.1.0.1');
      assert.equal(other.status, 200, JSON.stringify(other.body));
      assert.equal(await metric(c, 'dshub_auth_lockouts_total', 'key'), 1);
      assert.equal(await metric(c, 'dshub_auth_throttled_total', 'key'), 1);
    });

    it('an address guessing keys (unknown or wrong) is locked out for every key', async () => {
      const c = t();
      for (let i = 0; i < 6; i++) {
        const r = await call(
          c,
          { accessKeyId: `LTAIguess${i}`, accessKeySecret: 'whatever-secret' },
          '10.2.0.1',
        );
        assert.equal(r.body.Code, 'InvalidAccessKeyId.NotFound');
      }
      const r = await call(c, c.root, '10.2.0.1');
      assert.equal(r.status, 429);
      assert.equal(r.body.Code, 'Throttling.User');
      assert.match(String(r.body.Message), /from your address: it is refused for 120 more seconds/);
      const elsewhere = await call(c, c.root, '10.2.0.2');
      assert.equal(elsewhere.status, 200);
      assert.equal(await metric(c, 'dshub_auth_lockouts_total', 'address'), 1);
      // Refused requests are not failures: the lockout is counted once however often it refuses.
      for (let i = 0; i < 5; i++) await call(c, c.root, '10.2.0.1');
      assert.equal(await metric(c, 'dshub_auth_lockouts_total', 'address'), 1);
      assert.equal(await metric(c, 'dshub_auth_throttled_total', 'address'), 6);
    });

    it('a correct signature clears the key’s failures at that address', async () => {
      const c = t();
      const owner = await c.newUser();
      const wrong = { accessKeyId: owner.accessKeyId, accessKeySecret: 'typo-in-the-secret' };
      // 2 + 2 failures: over the per-key limit (3) without the reset, under the address limit (6).
      for (let round = 0; round < 2; round++) {
        await call(c, wrong, '10.3.0.1');
        await call(c, wrong, '10.3.0.1');
        const ok = await call(c, owner, '10.3.0.1');
        assert.equal(ok.status, 200, `round ${round}: ${JSON.stringify(ok.body)}`);
      }
    });
  },
  ENV,
);
