/**
 * Static serving of the built console (src/server/console-static.ts) on a bare Fastify: cache
 * headers, the Content-Security-Policy, gzip, client-side routes, the browser redirect from "/".
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { CONSOLE_CSP, registerConsole } from '../../src/server/console-static.js';

describe('console static files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dshub-console-'));
  const app = Fastify();
  const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  before(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dshub</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), js);
    registerConsole(app, dir);
    app.get('/', async () => ({ api: true }));
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html revalidated, with a strict CSP', async () => {
    const r = await app.inject({ url: '/console/' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    const csp = r.headers['content-security-policy'] as string;
    assert.equal(csp, CONSOLE_CSP);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval|https?:|\*/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
  });

  it('caches hashed assets for a year and gzips them when asked', async () => {
    const r = await app.inject({
      url: '/console/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(r.rawPayload).toString(), js);
    const plain = await app.inject({ url: '/console/assets/index-abc123.js' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, js);
  });

  it('answers client routes with index.html, a missing asset with 404', async () => {
    const deep = await app.inject({ url: '/console/w/1/data-sources?page=2' });
    assert.equal(deep.statusCode, 200);
    assert.match(deep.body, /<title>dshub/);
    const missing = await app.inject({ url: '/console/assets/old-zzz.js' });
    assert.equal(missing.statusCode, 404);
    const traversal = await app.inject({ url: '/console/../package.json' });
    assert.notEqual(traversal.body.includes('"name"'), true);
    const bare = await app.inject({ url: '/console' });
    assert.equal(bare.statusCode, 301);
    assert.equal(bare.headers.location, '/console/');
  });

  it('redirects a browser opening "/" and leaves API calls alone', async () => {
    const browser = await app.inject({ url: '/', headers: { accept: 'text/html,*/*' } });
    assert.equal(browser.statusCode, 302);
    assert.equal(browser.headers.location, '/console/');
    const api = await app.inject({ url: '/', headers: { accept: 'application/json' } });
    assert.equal(api.statusCode, 200);
    const signed = await app.inject({
      url: '/',
      headers: { accept: 'text/html', 'x-acs-action': 'GetCallerIdentity' },
    });
    assert.equal(signed.statusCode, 200);
    const withQuery = await app.inject({ url: '/?Action=X', headers: { accept: 'text/html' } });
    assert.equal(withQuery.statusCode, 200);
  });
});
