import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { OpenApiUtil } from '@alicloud/openapi-core';
import { Request as DaraRequest } from '@darabonba/typescript';
import {
  acs3CanonicalRequest,
  EMPTY_BODY_SHA256,
  parseAcs3,
  REQUIRED_SIGNED_HEADERS,
  sha256Hex,
} from '../../src/wire/signature/acs3.js';
import { canonicalParams, rfc3986 } from '../../src/wire/signature/encoding.js';
import {
  readSignatureClaim,
  type SignableRequest,
  type SignatureClaim,
  verifySignature,
} from '../../src/wire/signature/index.js';
import { rpcStringToSign } from '../../src/wire/signature/rpc.js';
import { type SignedHttpRequest, signRequest } from '../helpers/signer.js';

const CAPTURES = new URL('../fixtures/captures/', import.meta.url);
const SECRET = 'testsecret';

type Headers = Record<string, string | string[] | undefined>;

function pairs(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

function isForm(headers: Headers): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/x-www-form-urlencoded');
}

/** A SignableRequest from a request line, header lines and a (de-chunked) body. */
function buildRequest(requestLine: string, headerLines: string[], body: string): SignableRequest {
  const [method, target] = requestLine.split(' ');
  assert.ok(method && target, `bad request line: ${requestLine}`);
  const q = target.indexOf('?');
  const headers: Headers = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? [] : pairs(target.slice(q + 1)),
    form: isForm(headers) ? pairs(body) : [],
    headers,
    rawBody: Buffer.from(body, 'utf8'),
  };
}

/** Raw HTTP text as in the captures: CRLF-separated head, blank line, body. */
function parseHttp(raw: string, body?: string): SignableRequest {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'no end of headers');
  const head = raw.slice(0, end);
  const [requestLine, ...headerLines] = head.split('\r\n');
  return buildRequest(requestLine!, headerLines, body ?? raw.slice(end + 4));
}

/** Same, from lines written in this file. */
function http(lines: string[], body = ''): SignableRequest {
  return parseHttp(lines.join('\r\n') + '\r\n\r\n', body);
}

interface Capture {
  name: string;
  text: string;
  req: SignableRequest;
  /** The blocks between `----` lines of the server-side recomputation. */
  blocks: string[];
}

function loadCapture(name: string): Capture {
  const text = readFileSync(new URL(name, CAPTURES), 'utf8');
  const start = text.indexOf('\n', text.indexOf('=== RAW REQUEST')) + 1;
  const end = text.indexOf('\n\n=== SERVER-SIDE VIEW ===');
  assert.ok(start > 0 && end > start, `${name}: no raw request section`);
  const raw = text.slice(start, end);
  const recomputation = text.slice(text.indexOf('=== SIGNATURE RE-COMPUTATION ==='));
  const blocks = [...recomputation.matchAll(/\n----\n([\s\S]*?)\n----\n/g)].map((m) => m[1]!);
  return { name, text, req: parseHttp(raw), blocks };
}

function field(text: string, label: string): string {
  const m = new RegExp(`^${label}: (.*)$`, 'm').exec(text);
  assert.ok(m, `no "${label}" line`);
  return m[1]!;
}

const captureNames = readdirSync(CAPTURES)
  .filter((n) => /^(acs3|pop|rpcv2)-.*\.txt$/.test(n))
  .sort();

function claimOf(req: SignableRequest): SignatureClaim {
  const r = readSignatureClaim(req);
  assert.ok(r.ok, r.ok ? '' : `claim rejected: ${r.message}`);
  return r.claim;
}

function assertVerifies(req: SignableRequest, secret = SECRET): SignatureClaim {
  const claim = claimOf(req);
  const v = verifySignature(req, claim, secret);
  assert.deepEqual(v, { ok: true });
  return claim;
}

function assertFails(
  req: SignableRequest,
  code: 'IncompleteSignature' | 'SignatureDoesNotMatch',
  messagePart?: string | RegExp,
  secret = SECRET,
): string {
  const c = readSignatureClaim(req);
  let message: string;
  if (!c.ok) {
    assert.equal(code, 'IncompleteSignature', `claim rejected: ${c.message}`);
    assert.equal(c.code, code);
    message = c.message;
  } else {
    const v = verifySignature(req, c.claim, secret);
    assert.equal(v.ok, false, 'verification unexpectedly succeeded');
    if (v.ok) return '';
    assert.equal(v.code, code, v.message);
    message = v.message;
  }
  if (typeof messagePart === 'string') assert.ok(message.includes(messagePart), message);
  else if (messagePart) assert.match(message, messagePart);
  return message;
}

function withHeaders(req: SignableRequest, patch: Headers): SignableRequest {
  return { ...req, headers: { ...req.headers, ...patch } };
}

function withAuthorization(req: SignableRequest, edit: (auth: string) => string): SignableRequest {
  const auth = req.headers['authorization'];
  assert.equal(typeof auth, 'string');
  return withHeaders(req, { authorization: edit(auth as string) });
}

function withQueryValue(req: SignableRequest, name: string, value: string): SignableRequest {
  assert.ok(
    req.query.some(([k]) => k === name),
    `no ${name} in the query`,
  );
  return { ...req, query: req.query.map(([k, v]) => [k, k === name ? value : v] as const) };
}

function acs3Canonical(req: SignableRequest): string {
  const parsed = parseAcs3(req, req.headers['authorization'] as string);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return acs3CanonicalRequest(req, parsed.auth);
}

describe('captures', () => {
  assert.ok(captureNames.length >= 38, `only ${captureNames.length} captures found`);
  for (const name of captureNames) {
    test(name, () => {
      const c = loadCapture(name);
      const { req } = c;
      const length = req.headers['content-length'];
      if (typeof length === 'string') assert.equal(req.rawBody.length, Number(length));
      assert.equal(field(c.text, 'result'), 'MATCH');

      const claim = assertVerifies(req);
      assert.equal(claim.accessKeyId, 'testid');
      if (name.startsWith('acs3-')) {
        assert.equal(claim.scheme, 'ACS3-HMAC-SHA256');
        assert.equal(claim.timestamp, req.headers['x-acs-date']);
        assert.equal(claim.nonce, req.headers['x-acs-signature-nonce']);
        const canonical = acs3Canonical(req);
        assert.equal(canonical, c.blocks[0]);
        assert.equal(sha256Hex(canonical), field(c.text, 'hex\\(sha256\\(canonical request\\)\\)'));
      } else {
        assert.equal(claim.scheme, 'HMAC-SHA1');
        const all = new Map([...req.query, ...req.form]);
        assert.equal(claim.timestamp, all.get('Timestamp'));
        assert.equal(claim.nonce, all.get('SignatureNonce'));
        assert.equal(rpcStringToSign(req), c.blocks[1]);
      }
    });
  }
});

describe('negative controls (signed with a wrong secret)', () => {
  const text = readFileSync(new URL('negative-controls.txt', CAPTURES), 'utf8');
  const blocks = text.split(/^# negative-/m).slice(1);
  test('both controls are present', () => assert.equal(blocks.length, 2));
  for (const block of blocks) {
    const label = block.slice(0, block.indexOf(':'));
    test(label, () => {
      const raw = block.slice(block.indexOf('\n') + 1);
      const end = raw.indexOf('\r\n\r\n');
      const body = raw.slice(end + 4, raw.indexOf('\n\n\nscheme:'));
      const req = parseHttp(raw.slice(0, end + 4), body);
      const message = assertFails(
        req,
        'SignatureDoesNotMatch',
        'Specified signature is not matched with our calculation.',
      );
      const expected = field(block, 'expected (?:s|S)ignature');
      assert.ok(!message.includes(expected), 'message leaks the expected signature');
      assert.ok(!message.includes(SECRET), 'message leaks the secret');
    });
  }
});

describe('tampering and wrong secrets', () => {
  test('ACS3: a tampered query value fails', () => {
    const { req } = loadCapture('acs3-01-CreateDataSource.txt');
    assertFails(withQueryValue(req, 'ProjectId', '10002'), 'SignatureDoesNotMatch');
  });

  test('ACS3: an added query parameter fails', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    assertFails({ ...req, query: [...req.query, ['Extra', '1']] }, 'SignatureDoesNotMatch');
  });

  test('ACS3: a tampered signed header fails', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    assertFails(withHeaders(req, { 'x-acs-action': 'DeleteDataSource' }), 'SignatureDoesNotMatch');
    assertFails(withHeaders(req, { host: 'evil.example:80' }), 'SignatureDoesNotMatch');
  });

  test('ACS3: an unsigned header may change (proxies add their own)', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    assertVerifies(withHeaders(req, { 'user-agent': 'proxy', 'x-forwarded-for': '10.0.0.1' }));
  });

  test('ACS3: a tampered body fails on the body hash', () => {
    const { req } = loadCapture('acs3-11-CreateProject.txt');
    const body = req.rawBody.toString('utf8').replace('acc_ws_demo', 'acc_ws_evil');
    assertFails(
      { ...req, rawBody: Buffer.from(body), form: pairs(body) },
      'SignatureDoesNotMatch',
      'x-acs-content-sha256',
    );
  });

  test('ACS3: a body added to a body-less request fails on the body hash', () => {
    const { req } = loadCapture('acs3-05-CloneDataSource.txt');
    assertFails({ ...req, rawBody: Buffer.from('Id=1') }, 'SignatureDoesNotMatch', /body/);
  });

  test('ACS3: a body with a matching forged hash still fails on the signature', () => {
    const { req } = loadCapture('acs3-11-CreateProject.txt');
    const body = Buffer.from('Name=other');
    assertFails(
      withHeaders({ ...req, rawBody: body }, { 'x-acs-content-sha256': sha256Hex(body) }),
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    );
  });

  test('ACS3: a wrong secret fails without leaking anything', () => {
    const { req } = loadCapture('acs3-03-ListDataSources.txt');
    const message = assertFails(req, 'SignatureDoesNotMatch', undefined, 'wrongsecret');
    assert.ok(!message.includes('wrongsecret'));
    assert.ok(!message.includes(SECRET));
  });

  test('ACS3: a wrong-length or upper-case signature fails', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    assertFails(
      withAuthorization(req, (a) => a.slice(0, -1)),
      'SignatureDoesNotMatch',
    );
    assertFails(
      withAuthorization(req, (a) =>
        a.replace(/Signature=(\w+)$/, (_, s: string) => `Signature=${s.toUpperCase()}`),
      ),
      'SignatureDoesNotMatch',
    );
    // Same low byte as the real last character: must not pass as it would under latin1.
    assertFails(
      withAuthorization(
        req,
        (a) => a.slice(0, -1) + String.fromCharCode(0x100 | a.charCodeAt(a.length - 1)),
      ),
      'SignatureDoesNotMatch',
    );
  });

  test('RPC (pop-core GET): a tampered query value fails', () => {
    const { req } = loadCapture('pop-02-GetDataSource.txt');
    assertFails(withQueryValue(req, 'Id', '1002'), 'SignatureDoesNotMatch');
  });

  test('RPC (pop-core POST): a tampered form field fails', () => {
    const { req } = loadCapture('pop-05-CloneDataSource.txt');
    const form = req.form.map(([k, v]) => [k, k === 'Id' ? '1002' : v] as const);
    assertFails({ ...req, form }, 'SignatureDoesNotMatch');
  });

  test('RPC (openapi-core v2): a tampered form body fails', () => {
    const { req } = loadCapture('rpcv2-11-CreateProject.txt');
    const body = req.rawBody.toString('utf8').replace('acc_ws_demo', 'acc_ws_evil');
    assertFails({ ...req, rawBody: Buffer.from(body), form: pairs(body) }, 'SignatureDoesNotMatch');
  });

  test('RPC (openapi-core v2): a form field moved into the query still verifies', () => {
    // Both are signed as one parameter set, so where a field travels is not part of it.
    const { req } = loadCapture('rpcv2-11-CreateProject.txt');
    assertVerifies({ ...req, query: [...req.query, ...req.form], form: [] });
  });

  test('RPC: a wrong secret fails without leaking anything', () => {
    const { req } = loadCapture('pop-13-ListProjects.txt');
    const message = assertFails(req, 'SignatureDoesNotMatch', undefined, 'wrongsecret');
    assert.ok(!message.includes('wrongsecret'));
    assert.ok(!message.includes(SECRET));
  });

  test('a claim from another request is refused', () => {
    const a = loadCapture('acs3-02-GetDataSource.txt').req;
    const b = loadCapture('pop-02-GetDataSource.txt').req;
    const claimA = claimOf(a);
    const v = verifySignature(b, claimA, SECRET);
    assert.equal(v.ok, false);
    if (!v.ok) assert.equal(v.code, 'IncompleteSignature');
    const forged = verifySignature(a, { ...claimA, accessKeyId: 'otherid' }, SECRET);
    assert.equal(forged.ok, false);
  });

  test('a copied claim (not the object readSignatureClaim returned) still verifies', () => {
    for (const name of ['acs3-11-CreateProject.txt', 'pop-05-CloneDataSource.txt']) {
      const { req } = loadCapture(name);
      assert.deepEqual(verifySignature(req, { ...claimOf(req) }, SECRET), { ok: true });
    }
  });
});

describe('incomplete signatures', () => {
  test('no signature at all', () => {
    const req = http(['GET /?Id=1001 HTTP/1.1', 'host: localhost', 'x-acs-action: GetDataSource']);
    assertFails(
      req,
      'IncompleteSignature',
      'the request is not signed: send an Authorization header (ACS3-HMAC-SHA256) or the Signature parameter',
    );
  });

  test('an unsupported Authorization scheme', () => {
    const req = http(['GET / HTTP/1.1', 'host: localhost', 'authorization: ACS3-HMAC-SM3 x']);
    assertFails(req, 'IncompleteSignature', 'ACS3-HMAC-SM3');
  });

  for (const name of REQUIRED_SIGNED_HEADERS) {
    test(`ACS3: ${name} not signed`, () => {
      const { req } = loadCapture('acs3-02-GetDataSource.txt');
      const edited = withAuthorization(req, (a) =>
        a.replace(/SignedHeaders=([^,]*)/, (_, list: string) => {
          return (
            'SignedHeaders=' +
            list
              .split(';')
              .filter((h) => h !== name)
              .join(';')
          );
        }),
      );
      assertFails(edited, 'IncompleteSignature', name);
    });
  }

  test('ACS3: a signed header that was not sent', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    assertFails(withHeaders(req, { 'x-acs-date': undefined }), 'IncompleteSignature', 'x-acs-date');
  });

  test('ACS3: SignedHeaders must be lower-case', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    const edited = withAuthorization(req, (a) =>
      a.replace('SignedHeaders=host', 'SignedHeaders=Host'),
    );
    assertFails(edited, 'IncompleteSignature', 'lower-case');
  });

  test('ACS3: SignedHeaders naming a prototype property does not crash', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    for (const odd of ['constructor', '__proto__']) {
      const edited = withAuthorization(req, (a) =>
        a.replace('SignedHeaders=host', `SignedHeaders=${odd};host`),
      );
      assertFails(edited, 'IncompleteSignature', odd);
    }
  });

  test('ACS3: Credential, SignedHeaders and Signature are all required', () => {
    const { req } = loadCapture('acs3-02-GetDataSource.txt');
    for (const part of ['Credential', 'SignedHeaders', 'Signature']) {
      const edited = withAuthorization(req, (a) => a.replace(`${part}=`, 'Other='));
      assertFails(edited, 'IncompleteSignature', part);
    }
    assertFails(withHeaders(req, { authorization: 'ACS3-HMAC-SHA256 ' }), 'IncompleteSignature');
  });

  test('RPC: the protocol parameters are required and checked', () => {
    const { req } = loadCapture('pop-02-GetDataSource.txt');
    const without = (name: string): SignableRequest => ({
      ...req,
      query: req.query.filter(([k]) => k !== name),
    });
    for (const name of [
      'SignatureMethod',
      'SignatureVersion',
      'AccessKeyId',
      'Timestamp',
      'SignatureNonce',
    ]) {
      assertFails(without(name), 'IncompleteSignature', name);
    }
    assertFails(
      withQueryValue(req, 'SignatureMethod', 'HMAC-SHA256'),
      'IncompleteSignature',
      'HMAC-SHA1',
    );
    assertFails(withQueryValue(req, 'SignatureVersion', '2.0'), 'IncompleteSignature', '1.0');
    assertFails(withQueryValue(req, 'Signature', ''), 'IncompleteSignature', 'Signature');
  });

  test('RPC: a protocol parameter given twice is refused', () => {
    const { req } = loadCapture('pop-02-GetDataSource.txt');
    assertFails(
      { ...req, form: [['AccessKeyId', 'otherid']] },
      'IncompleteSignature',
      'AccessKeyId',
    );
  });
});

describe('worked examples (docs/WIRE.md §3–4)', () => {
  test('1: ACS3 CloneDataSource, query only', () => {
    const signed =
      'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version';
    const req = http([
      'POST /?CloneDataSourceName=acc_mysql_demo_clone&Id=1001 HTTP/1.1',
      'host: 127.0.0.1:43789',
      'x-acs-version: 2024-05-18',
      'x-acs-action: CloneDataSource',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2',
      'x-acs-date: 2026-11-23T11:03:29Z',
      'x-acs-signature-nonce: e80421dacc94d7d2ba7db7bc09836e78a61fe4886101f39e7755a82632604156',
      'accept: application/json',
      `x-acs-content-sha256: ${EMPTY_BODY_SHA256}`,
      'x-acs-credentials-provider: static_ak',
      `Authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=${signed},Signature=57f40bc05f48d51c92000b3e207bc16ebcdc91645899c05e6abc399655962d54`,
      'Connection: keep-alive',
      'Content-Length: 0',
    ]);
    const canonical = acs3Canonical(req);
    assert.equal(
      sha256Hex(canonical),
      'cbe63f5ded2a21dbef48aa06991f6b4e69d21da7a326a5bda38459fc0fa5d872',
    );
    assertVerifies(req);
  });

  test('2: ACS3 CreateProject, form body', () => {
    const signed =
      'content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version';
    const body =
      'AliyunResourceTags=%5B%7B%22Key%22%3A%22env%22%2C%22Value%22%3A%22test%22%7D%5D&Description=made%20by%20capture.mjs&DevEnvironmentEnabled=true&DevRoleDisabled=false&DisplayName=Acceptance%20workspace&Name=acc_ws_demo&PaiTaskEnabled=false';
    const bodyHash = '54f025b984a93117be31d7aabe9b452aef52c4aa54ec55e69d79517b405ead8f';
    assert.equal(sha256Hex(Buffer.from(body)), bodyHash);
    const req = http(
      [
        'POST / HTTP/1.1',
        'host: 127.0.0.1:43789',
        'x-acs-version: 2024-05-18',
        'x-acs-action: CreateProject',
        'x-acs-date: 2026-11-23T11:03:29Z',
        'x-acs-signature-nonce: c790d2b6c19cf0eb398dc52903a32048b50fcf9003ac7469cae3c18facf50426',
        'accept: application/json',
        'content-type: application/x-www-form-urlencoded',
        `x-acs-content-sha256: ${bodyHash}`,
        'x-acs-credentials-provider: static_ak',
        `Authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=${signed},Signature=a1e329e7b20ecfa1157ffc074f094e2029db032f8df2717a911386f5373332b4`,
        'Transfer-Encoding: chunked',
      ],
      body,
    );
    const canonical = acs3Canonical(req);
    assert.equal(
      sha256Hex(canonical),
      'b82fd7d80fc3b34ab174068b264df1915187efc7332cdd4987a2db6d0e5ab1f1',
    );
    assertVerifies(req);
  });

  test('3: pop-core GET ListDataSourceSharedRules', () => {
    const req = http([
      'GET /?AccessKeyId=testid&Action=ListDataSourceSharedRules&DataSourceId=1001&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=206ae0af1321b7247c3e049d02cd1ab3&SignatureVersion=1.0&TargetProjectId=10002&Timestamp=2026-11-23T11%3A03%3A29Z&Version=2024-05-18&Signature=GWcvJFpJdtBctEXPF95PK7%2FeFqk%3D HTTP/1.1',
      'x-acs-action: ListDataSourceSharedRules',
      'Host: 127.0.0.1:43789',
    ]);
    assert.equal(
      rpcStringToSign(req),
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DListDataSourceSharedRules%26DataSourceId%3D1001%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D206ae0af1321b7247c3e049d02cd1ab3%26SignatureVersion%3D1.0%26TargetProjectId%3D10002%26Timestamp%3D2026-11-23T11%253A03%253A29Z%26Version%3D2024-05-18',
    );
    assertVerifies(req);
  });

  test('4: pop-core POST CloneDataSource, everything in the body', () => {
    const req = http(
      [
        'POST / HTTP/1.1',
        'content-type: application/x-www-form-urlencoded',
        'Host: 127.0.0.1:43789',
      ],
      'AccessKeyId=testid&Action=CloneDataSource&CloneDataSourceName=acc_mysql_demo_clone&Format=JSON&Id=1001&SignatureMethod=HMAC-SHA1&SignatureNonce=bb594f70712a34e8c2b6695b5d4b0ac4&SignatureVersion=1.0&Timestamp=2026-11-23T11%3A03%3A29Z&Version=2024-05-18&Signature=6fmxf5sj2hDSofG4iK06zQ6rXyY%3D',
    );
    assert.equal(
      rpcStringToSign(req),
      'POST&%2F&AccessKeyId%3Dtestid%26Action%3DCloneDataSource%26CloneDataSourceName%3Dacc_mysql_demo_clone%26Format%3DJSON%26Id%3D1001%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dbb594f70712a34e8c2b6695b5d4b0ac4%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T11%253A03%253A29Z%26Version%3D2024-05-18',
    );
    assertVerifies(req);
  });
});

test('ACS3: a repeated header is canonicalised as its sorted, trimmed values joined by a comma', () => {
  const { req } = loadCapture('acs3-02-GetDataSource.txt');
  const edited = withAuthorization(withHeaders(req, { 'x-acs-foo': [' b', 'a '] }), (a) =>
    a.replace(';x-acs-version,', ';x-acs-version;x-acs-foo,'),
  );
  const canonical = acs3Canonical(edited);
  assert.ok(canonical.includes('\nx-acs-version:2024-05-18\nx-acs-foo:a,b\n\n'), canonical);
  assert.deepEqual(
    http(['GET / HTTP/1.1', 'x-acs-foo: b ', 'x-acs-foo:  a']).headers['x-acs-foo'],
    ['b', 'a'],
  );
});

describe('test vectors (Alibaba’s published signing examples)', () => {
  const host = 'host: dataworks.cn-hangzhou.aliyuncs.com';
  const date = 'x-acs-date: 2024-06-01T08:00:00Z';
  const nonce = 'x-acs-signature-nonce: 3156853299f313e23d1673dc12e1703d';

  test('V3 GET ListDataSources', () => {
    const signed =
      'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
    const req = http([
      'GET /?PageSize=10&ProjectId=10001&Types=mysql%2Chologres HTTP/1.1',
      host,
      'x-acs-version: 2024-05-18',
      'x-acs-action: ListDataSources',
      date,
      nonce,
      `x-acs-content-sha256: ${EMPTY_BODY_SHA256}`,
      `authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=${signed},Signature=8336409ac0ae15048cac822a9219bff47ff7f6464e41e753a685293f5a930cbe`,
    ]);
    assert.equal(
      acs3Canonical(req),
      [
        'GET',
        '/',
        'PageSize=10&ProjectId=10001&Types=mysql%2Chologres',
        'host:dataworks.cn-hangzhou.aliyuncs.com',
        'x-acs-action:ListDataSources',
        `x-acs-content-sha256:${EMPTY_BODY_SHA256}`,
        'x-acs-date:2024-06-01T08:00:00Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2024-05-18',
        '',
        signed,
        EMPTY_BODY_SHA256,
      ].join('\n'),
    );
    assertVerifies(req);
  });

  test('V3 POST CreateDataSource with a form body', () => {
    const signed =
      'content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
    const body = 'Description=a%20b&Name=demo';
    const bodyHash = 'ac86d303396534f30f7155686b540796f7ed57531875ec18e435dd377c2bb7fc';
    assert.equal(sha256Hex(Buffer.from(body)), bodyHash);
    const req = http(
      [
        'POST /?ProjectId=10001 HTTP/1.1',
        host,
        'x-acs-version: 2024-05-18',
        'x-acs-action: CreateDataSource',
        date,
        nonce,
        'content-type: application/x-www-form-urlencoded',
        `x-acs-content-sha256: ${bodyHash}`,
        `authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=${signed},Signature=37e2954dd44031fd11f9d3944f73244210f45f37cb9d200e733fb8deaa6026d6`,
      ],
      body,
    );
    assertVerifies(req);
  });

  test('V2 GET GetDataSource', () => {
    const query = new URLSearchParams({
      Action: 'GetDataSource',
      Format: 'json',
      Version: '2024-05-18',
      Timestamp: '2024-06-01T08:00:00Z',
      SignatureNonce: 'abc',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: 'testid',
      Id: '16035',
      Signature: '/JNHlbRAvfzZO9QtHghFLbCKUSc=',
    });
    assertVerifies(http([`GET /?${query} HTTP/1.1`, host]));
  });
});

describe('encoding', () => {
  test('rfc3986 keeps only unreserved characters literal', () => {
    assert.equal(rfc3986('AZaz09-_.~'), 'AZaz09-_.~');
    assert.equal(rfc3986(''), '');
    assert.equal(
      rfc3986("demo: spaces & symbols *!'()~ + é 中"),
      'demo%3A%20spaces%20%26%20symbols%20%2A%21%27%28%29~%20%2B%20%C3%A9%20%E4%B8%AD',
    );
    assert.equal(rfc3986('/=&%'), '%2F%3D%26%25');
    assert.equal(rfc3986('😀'), '%F0%9F%98%80');
    assert.equal(rfc3986('a\uD800b'), 'a%EF%BF%BDb');
    for (let c = 0; c < 256; c++) {
      const ch = String.fromCharCode(c);
      const expected = /[A-Za-z0-9\-_.~]/.test(ch)
        ? ch
        : [...Buffer.from(ch)]
            .map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'))
            .join('');
      assert.equal(rfc3986(ch), expected, `char ${c}`);
    }
  });

  test('canonicalParams sorts by encoded name and keeps duplicates in arrival order', () => {
    assert.equal(canonicalParams([], []), '');
    assert.equal(canonicalParams([['b', '2']], []), 'b=2');
    assert.equal(
      canonicalParams(
        [
          ['b', '2'],
          ['a', 'z'],
          ['a1', 'x'],
          ['a', 'y'],
        ],
        [
          ['Signature', 's'],
          ['A', ' '],
        ],
        'Signature',
      ),
      'A=%20&a=z&a=y&a1=x&b=2',
    );
    const many: Array<[string, string]> = [];
    for (let i = 40; i > 0; i--) many.push([`k${String(i).padStart(2, '0')}`, String(i % 3)]);
    many.push(['k05', 'dup']);
    const out = canonicalParams(many, []).split('&');
    assert.equal(out.length, 41);
    assert.deepEqual(out.slice(4, 7), ['k05=2', 'k05=dup', 'k06=0']);
  });
});

function fromSigned(s: SignedHttpRequest): SignableRequest {
  return buildRequest(
    `${s.method} ${s.url} HTTP/1.1`,
    Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`),
    s.payload ?? '',
  );
}

describe('round trip with test/helpers/signer.ts', () => {
  const base = { accessKeyId: 'testid', accessKeySecret: SECRET };
  const awkward = "demo: spaces & symbols *!'()~ + é 中 😀";

  for (const scheme of ['acs3', 'rpc'] as const) {
    test(`${scheme} GET`, () => {
      const signed = signRequest({
        ...base,
        scheme,
        action: 'ListDataSources',
        query: { ProjectId: '10001', Name: awkward, Types: 'mysql,postgresql' },
      });
      assert.equal(signed.method, 'GET');
      assert.equal(signed.payload, undefined);
      const claim = assertVerifies(fromSigned(signed));
      assert.equal(claim.scheme, scheme === 'acs3' ? 'ACS3-HMAC-SHA256' : 'HMAC-SHA1');
      assert.equal(claim.accessKeyId, 'testid');
      assertFails(fromSigned(signed), 'SignatureDoesNotMatch', undefined, 'wrongsecret');
    });

    test(`${scheme} POST with a form body`, () => {
      const signed = signRequest({
        ...base,
        scheme,
        action: 'CreateProject',
        form: { Name: 'acc_ws_demo', Description: awkward, AliyunResourceTags: '[{"Key":"env"}]' },
        date: new Date('2026-01-02T03:04:05.678Z'),
        nonce: 'n0nce',
      });
      assert.equal(signed.method, 'POST');
      assert.equal(signed.headers['content-type'], 'application/x-www-form-urlencoded');
      const claim = assertVerifies(fromSigned(signed));
      assert.equal(claim.timestamp, '2026-01-02T03:04:05Z');
      assert.equal(claim.nonce, 'n0nce');
    });

    test(`${scheme} POST with query fields and no body`, () => {
      const signed = signRequest({
        ...base,
        scheme,
        method: 'POST',
        action: 'CloneDataSource',
        query: { Id: '1001', CloneDataSourceName: 'clone' },
        host: '127.0.0.1:8080',
      });
      assert.equal(signed.payload, undefined);
      assertVerifies(fromSigned(signed));
      const other = withHeaders(fromSigned(signed), { host: 'localhost:80' });
      if (scheme === 'acs3') assertFails(other, 'SignatureDoesNotMatch');
      else assertVerifies(other);
    });

    test(`${scheme} with more parameters than the insertion sort handles`, () => {
      const query: Record<string, string> = {};
      for (let i = 50; i > 0; i--) query[`P${i}`] = `v${i}`;
      assertVerifies(fromSigned(signRequest({ ...base, scheme, action: 'X', query })));
    });
  }

  test('ACS3 headers are the ones openapi-core sends', () => {
    const signed = signRequest({ ...base, action: 'GetProject', query: { Id: '1' } });
    assert.deepEqual(Object.keys(signed.headers), [
      'host',
      'x-acs-version',
      'x-acs-action',
      'user-agent',
      'x-acs-date',
      'x-acs-signature-nonce',
      'accept',
      'x-acs-content-sha256',
      'x-acs-credentials-provider',
      'authorization',
    ]);
    assert.match(signed.headers['x-acs-signature-nonce'] ?? '', /^[0-9a-f]{64}$/);
    assert.equal(signed.headers['host'], 'localhost:80');
    assert.equal(signed.url, '/?Id=1');
  });

  test('the signer agrees with @alicloud/openapi-core utils', () => {
    const query = { ProjectId: '10001', Name: awkward };
    const form = { Description: awkward, Name: 'x' };
    for (const method of ['GET', 'POST'] as const) {
      const acs3 = signRequest({
        ...base,
        method,
        action: 'A',
        query,
        ...(method === 'POST' ? { form } : {}),
      });
      const { authorization, ...headers } = acs3.headers;
      const request = new DaraRequest();
      request.method = method;
      request.pathname = '/';
      request.query = query;
      request.headers = headers;
      if (method === 'POST') {
        assert.equal(acs3.payload, OpenApiUtil.toForm(form));
      }
      assert.equal(
        authorization,
        OpenApiUtil.getAuthorization(
          request,
          'ACS3-HMAC-SHA256',
          sha256Hex(Buffer.from(acs3.payload ?? '')),
          base.accessKeyId,
          SECRET,
        ),
      );

      const rpc = signRequest({
        ...base,
        scheme: 'rpc',
        method,
        action: 'A',
        query,
        ...(method === 'POST' ? { form } : {}),
      });
      const sent = Object.fromEntries(new URL(rpc.url, 'http://x').searchParams);
      const { Signature, ...signedQuery } = sent;
      const signedForm = method === 'POST' ? form : {};
      assert.equal(
        Signature,
        OpenApiUtil.getRPCSignature({ ...signedQuery, ...signedForm }, method, SECRET),
      );
    }
  });
});
