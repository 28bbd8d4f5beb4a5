/**
 * The foundation through Alibaba's own clients: @alicloud/openapi-core (ACS3-HMAC-SHA256 and,
 * with signatureAlgorithm 'v2', RPC HMAC-SHA1) and @alicloud/pop-core, against a real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  popCall,
  type RunningServer,
  recordingProxy,
  rejectsWithCode,
  replay,
  sdkCall,
  startServer,
  withSkewedClock,
} from './support.js';

describe('black box: the signed endpoint through Alibaba clients', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('GetCallerIdentity works with every client', async () => {
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const body = await sdkCall(
        server,
        'GetCallerIdentity',
        { method: 'POST' },
        signatureAlgorithm ? { signatureAlgorithm } : {},
      );
      assert.equal(body.AccessKeyId, server.accessKeyId);
      assert.equal(body.IdentityType, 'Account');
      assert.equal(typeof body.RequestId, 'string');
    }
    for (const method of ['GET', 'POST'] as const) {
      const body = await popCall(server, 'GetCallerIdentity', {}, { method });
      assert.equal(body.AccessKeyId, server.accessKeyId);
    }
  });

  it('a wrong secret: SignatureDoesNotMatch, 400', async () => {
    const credentials = { accessKeyId: server.accessKeyId, accessKeySecret: 'wrong-secret' };
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      await rejectsWithCode(
        sdkCall(
          server,
          'GetCallerIdentity',
          { method: 'POST' },
          { credentials, ...(signatureAlgorithm ? { signatureAlgorithm } : {}) },
        ),
        'SignatureDoesNotMatch',
        400,
      );
    }
    // pop-core names its error after the Code: SignatureDoesNotMatchError.
    await rejectsWithCode(
      popCall(server, 'GetCallerIdentity', {}, { credentials }),
      'SignatureDoesNotMatch',
      400,
    );
  });

  it('an unknown key: InvalidAccessKeyId.NotFound, 404', async () => {
    const credentials = { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' };
    await rejectsWithCode(
      sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials }),
      'InvalidAccessKeyId.NotFound',
      404,
    );
    await rejectsWithCode(
      popCall(server, 'GetCallerIdentity', {}, { credentials, method: 'GET' }),
      'InvalidAccessKeyId.NotFound',
      404,
    );
  });

  it('an unknown action: InvalidAction.NotFound, 404', async () => {
    const err = await rejectsWithCode(
      sdkCall(server, 'DescribeNothing', { method: 'POST' }),
      'InvalidAction.NotFound',
      404,
    );
    assert.match(String(err.data.Message), /DescribeNothing/);
    assert.equal(typeof err.data.HostId, 'string');
    assert.equal(typeof err.data.Recommend, 'string');
  });

  it('a stale or future date: InvalidTimeStamp.Expired, 400', async () => {
    for (const offset of [-20 * 60_000, 20 * 60_000]) {
      for (const signatureAlgorithm of [undefined, 'v2'] as const) {
        await rejectsWithCode(
          withSkewedClock(offset, () =>
            sdkCall(
              server,
              'GetCallerIdentity',
              { method: 'POST' },
              signatureAlgorithm ? { signatureAlgorithm } : {},
            ),
          ),
          'InvalidTimeStamp.Expired',
          400,
        );
      }
      await rejectsWithCode(
        withSkewedClock(offset, () => popCall(server, 'GetCallerIdentity', {})),
        'InvalidTimeStamp.Expired',
        400,
      );
    }
  });

  it('a replayed request: SignatureNonceUsed, 400', async () => {
    const proxy = await recordingProxy(server);
    try {
      const via = { ...server, endpoint: proxy.endpoint };
      await sdkCall(via, 'GetCallerIdentity', { method: 'POST' });
      await sdkCall(via, 'GetCallerIdentity', { method: 'POST' }, { signatureAlgorithm: 'v2' });
      assert.equal(proxy.requests.length, 2);
      for (const rec of proxy.requests) {
        const again = await replay(server, rec);
        assert.equal(again.status, 400);
        assert.equal(JSON.parse(again.body).Code, 'SignatureNonceUsed');
      }
    } finally {
      await proxy.close();
    }
  });

  it('logs every call without secrets or signatures', async () => {
    await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
    const out = await server.flushedOutput();
    assert.match(out, /"action":"GetCallerIdentity"/);
    assert.match(out, /"requestId":"[0-9A-F-]{36}"/);
    assert.ok(!out.includes(server.accessKeySecret), 'the secret never appears in the logs');
    assert.ok(!/Signature=|ACS3-HMAC-SHA256 Credential/.test(out), 'no signature in the logs');
  });
});
