/**
 * The console's browser signer (console/src/api/sign.ts) against the server's verifier: the
 * two are separate code (the console shares nothing with the server), so they must agree on
 * every canonicalisation detail. Both crypto paths are checked: Web Crypto (secure contexts)
 * and @noble/hashes (plain http from another host).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { canonicalQuery, hasWebCrypto, rfc3986, signAcs3 } from '../../console/src/api/sign.js';
import { readSignatureClaim, verifySignature } from '../../src/wire/signature/index.js';

const g = globalThis as { isSecureContext?: boolean };

async function signedRequest(body: string, query: [string, string][] = []) {
  const signed = await signAcs3({
    method: 'POST',
    host: '127.0.0.1:8080',
    path: '/',
    query,
    body,
    action: 'ListDataSources',
    accessKeyId: 'LTAIconsole',
    accessKeySecret: 's3cr3t/with+odd=chars',
  });
  const form = [...new URLSearchParams(body)] as [string, string][];
  return {
    signed,
    req: {
      method: 'POST',
      path: '/',
      query,
      form,
      headers: { ...signed.headers, host: '127.0.0.1:8080' },
      rawBody: Buffer.from(body),
    },
  };
}

describe('console ACS3 signer', () => {
  afterEach(() => {
    delete g.isSecureContext;
  });

  for (const secure of [true, false]) {
    it(`produces signatures the server accepts (${secure ? 'Web Crypto' : '@noble/hashes'})`, async () => {
      g.isSecureContext = secure;
      assert.equal(hasWebCrypto(), secure);
      const body = `ProjectId=1&Name=${rfc3986("a b*c'(é)")}&Types=mysql%2Cpostgresql`;
      const { req } = await signedRequest(body, [['Extra', 'x y']]);
      const claim = readSignatureClaim(req);
      assert.ok(claim.ok, JSON.stringify(claim));
      assert.deepEqual(verifySignature(req, claim.claim, 's3cr3t/with+odd=chars'), { ok: true });
      assert.equal(verifySignature(req, claim.claim, 'wrong').ok, false);
    });
  }

  it('signs the required headers and never sends the secret', async () => {
    const { signed } = await signedRequest('');
    assert.deepEqual(signed.signedHeaders, [
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]);
    assert.equal(signed.headers.host, undefined, 'the browser sets Host itself');
    assert.ok(!JSON.stringify(signed).includes('s3cr3t'));
  });

  it('canonicalises the query like the SDK: RFC 3986, sorted by name', () => {
    assert.equal(
      canonicalQuery([
        ['b', '2 3'],
        ['a', "!'()*~"],
      ]),
      'a=%21%27%28%29%2A~&b=2%203',
    );
  });
});
