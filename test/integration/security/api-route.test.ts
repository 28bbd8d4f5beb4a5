/**
 * The lean API route (src/server/api-route.ts) against a listening server on 127.0.0.1: the
 * request shapes it takes (a form body sent with Content-Length or chunked, the body limit
 * while reading a chunked body, HEAD) and the ones it leaves to Fastify's route (another media
 * type, "/#x?…") answer as Fastify's route did.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { findConsoleDir } from '../../../src/server/console-static.js';
import { createTestContext, type TestContext } from '../../helpers/harness.js';
import { type SignedHttpRequest, signRequest } from '../../helpers/signer.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes on a fresh connection and reads one answer (Connection: close). */
function exchange(port: number, text: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      data += d;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = data.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: data.slice(end + 4) });
    });
    socket.on('connect', () => socket.end(Buffer.from(text, 'latin1')));
  });
}

function head(s: SignedHttpRequest, extra: Record<string, string>): string {
  const headers = { ...s.headers, connection: 'close', ...extra };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${s.method} ${s.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function chunked(payload: string, size: number): string {
  let out = '';
  for (let i = 0; i < payload.length; i += size) {
    const piece = payload.slice(i, i + size);
    out += `${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`;
  }
  return `${out}0\r\n\r\n`;
}

function envelope(a: RawAnswer, status: number, code: string): void {
  assert.equal(a.status, status, JSON.stringify(a));
  const body = JSON.parse(a.body) as Record<string, string>;
  assert.equal(body.Code, code, a.body);
  assert.match(body.RequestId ?? '', /^[0-9A-F-]{36}$/);
  assert.equal(a.headers['x-acs-request-id'], body.RequestId);
}

describe('the lean API route', () => {
  let c: TestContext;
  let port: number;
  let host: string;
  const sign = (form: Record<string, string>, action = 'GetCallerIdentity') =>
    signRequest({
      accessKeyId: c.root.accessKeyId,
      accessKeySecret: c.root.accessKeySecret,
      action,
      method: 'POST',
      form,
      host,
    });

  before(async () => {
    c = await createTestContext('sqlite', { DSHUB_MAX_BODY_BYTES: '2048' });
    await c.app.listen({ host: '127.0.0.1', port: 0 });
    port = (c.app.server.address() as { port: number }).port;
    host = `127.0.0.1:${port}`;
  });
  after(async () => {
    await c.close();
  });

  it('reads a signed form body sent with Content-Length', async () => {
    const s = sign({ Padding: 'x'.repeat(100) });
    const a = await exchange(
      port,
      head(s, { 'content-length': String(Buffer.byteLength(s.payload!)) }) + s.payload,
    );
    assert.equal(a.status, 200, a.body);
    assert.equal(JSON.parse(a.body).IdentityType, 'Account', a.body);
    assert.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)));
  });

  it('reads a signed form body sent chunked, in small pieces', async () => {
    const s = sign({ Padding: 'y'.repeat(300) });
    const a = await exchange(
      port,
      head(s, { 'transfer-encoding': 'chunked' }) + chunked(s.payload!, 37),
    );
    assert.equal(a.status, 200, a.body);
  });

  it('refuses a chunked body past the limit with the 413 envelope', async () => {
    const s = sign({ Padding: 'z'.repeat(4000) });
    const a = await exchange(
      port,
      head(s, { 'transfer-encoding': 'chunked' }) + chunked(s.payload!, 512),
    );
    envelope(a, 413, 'RequestBody.TooLarge');
  });

  it('refuses a Content-Length past the limit before reading the body', async () => {
    const s = sign({});
    const a = await exchange(port, head(s, { 'content-length': '100000' }));
    envelope(a, 413, 'RequestBody.TooLarge');
  });

  it('leaves a browser opening "/" to the console redirect, and answers an API client', async () => {
    const browser = await exchange(
      port,
      `GET / HTTP/1.1\r\nhost: ${host}\r\naccept: text/html,application/xhtml+xml\r\nconnection: close\r\n\r\n`,
    );
    if (findConsoleDir() === undefined) {
      // No console built: "/" is only the API, which answers the envelope.
      assert.equal(browser.status, 400, browser.body);
    } else {
      assert.equal(browser.status, 302, browser.body);
      assert.equal(browser.headers.location, '/console/');
    }
    const client = await exchange(
      port,
      `GET / HTTP/1.1\r\nhost: ${host}\r\naccept: application/json\r\nconnection: close\r\n\r\n`,
    );
    assert.equal(client.status >= 400 && client.status < 500, true, client.body);
    assert.match(JSON.parse(client.body).RequestId, /^[0-9A-F-]{36}$/);
  });

  it('answers HEAD with the headers and no body', async () => {
    const s = signRequest({
      accessKeyId: c.root.accessKeyId,
      accessKeySecret: c.root.accessKeySecret,
      action: 'GetCallerIdentity',
      method: 'GET',
      host,
    });
    const a = await exchange(port, head({ ...s, method: 'HEAD' as 'GET' }, {}));
    // The signature covers the method, so the GET's signature does not match a HEAD: the
    // answer is the error's headers (with its length) and no body.
    assert.equal(a.status, 400);
    assert.equal(a.body, '');
    assert.ok(Number(a.headers['content-length']) > 0);
    assert.match(a.headers['x-acs-request-id'] ?? '', /^[0-9A-F-]{36}$/);
  });

  it('writes an answer served again whole after each RequestId, and its length for HEAD', async () => {
    // GetCallerIdentity's answer is kept per principal (registry/answer-text.ts): its bytes
    // follow the head in the same write.
    const call = (method: 'GET' | 'HEAD') =>
      exchange(
        port,
        head(
          signRequest({
            accessKeyId: c.root.accessKeyId,
            accessKeySecret: c.root.accessKeySecret,
            action: 'GetCallerIdentity',
            method: method as 'GET',
            host,
          }),
          {},
        ),
      );
    const answers = [await call('GET'), await call('GET')];
    const bodies = answers.map((a) => {
      assert.equal(a.status, 200, a.body);
      assert.equal(Number(a.headers['content-length']), Buffer.byteLength(a.body, 'latin1'));
      const body = JSON.parse(Buffer.from(a.body, 'latin1').toString('utf8'));
      assert.equal(body.RequestId, a.headers['x-acs-request-id']);
      return body as Record<string, unknown>;
    });
    assert.notEqual(bodies[0]!.RequestId, bodies[1]!.RequestId);
    assert.deepEqual({ ...bodies[0], RequestId: '' }, { ...bodies[1], RequestId: '' });
    const h = await call('HEAD');
    assert.equal(h.status, 200);
    assert.equal(h.body, '');
    assert.equal(h.headers['content-length'], answers[1]!.headers['content-length']);
  });

  it('leaves another media type to the Fastify route, which answers the envelope', async () => {
    const s = sign({});
    const body = '{"a":1}';
    const a = await exchange(
      port,
      head(s, {
        'content-type': 'application/json',
        'content-length': String(body.length),
      }) + body,
    );
    envelope(a, 415, 'UnsupportedMediaType');
  });
});
