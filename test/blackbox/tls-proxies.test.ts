/**
 * HTTPS and reverse proxies, from outside: a test CA made here signs a certificate for
 * 127.0.0.1; dshub serves it (DSHUB_TLS_CERT/KEY) and Alibaba's client calls over https trusting
 * that CA; SIGHUP loads a renewed certificate. X-Forwarded-For is believed only from
 * DSHUB_TRUSTED_PROXIES (the log's client address shows which).
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
import { type RunningServer, sdkCall, sdkError, startServer } from './support.js';

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

/** One signed-looking request with an X-Forwarded-For header; the answer does not matter. */
function callWithForwardedFor(port: number, forwarded: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/?Action=ListProjects',
        headers: { 'x-forwarded-for': forwarded },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
  });
}

describe('black box: X-Forwarded-For only from trusted proxies', () => {
  it('believes it from DSHUB_TRUSTED_PROXIES and ignores it otherwise', async () => {
    const trusting = await startServer({ env: { DSHUB_TRUSTED_PROXIES: '127.0.0.1' } });
    const plain = await startServer();
    try {
      await callWithForwardedFor(trusting.port, '198.51.100.23');
      await callWithForwardedFor(plain.port, '198.51.100.24');
      const trustedLog = await trusting.flushedOutput();
      const plainLog = await plain.flushedOutput();
      assert.match(trustedLog, /"ip":"198\.51\.100\.23"/);
      assert.doesNotMatch(plainLog, /198\.51\.100\.24/);
      assert.match(plainLog, /"ip":"127\.0\.0\.1"/);
    } finally {
      await trusting.stop();
      await plain.stop();
    }
  });
});
