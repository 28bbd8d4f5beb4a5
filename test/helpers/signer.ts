/**
 * Test-only request signer for in-process integration tests (`app.inject`). It is written from
 * Alibaba's client code (@alicloud/openapi-core 1.0.8 `doRequest` / `doRPCRequest` and its
 * utils), deliberately sharing nothing with src/wire/signature, so that the verifier is checked
 * against a second implementation rather than against itself.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';

export interface SignOptions {
  accessKeyId: string;
  accessKeySecret: string;
  action: string;
  /** Default '2024-05-18'. */
  version?: string;
  /** Default 'POST' when `form` has fields, else 'GET'. */
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  form?: Record<string, string>;
  /** Default 'acs3' (what the SDK uses). */
  scheme?: 'acs3' | 'rpc';
  /** Default 'localhost:80', the Host that `app.inject` uses. */
  host?: string;
  date?: Date;
  nonce?: string;
}

export interface SignedHttpRequest {
  method: 'GET' | 'POST';
  /** '/' or '/?...' */
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

const USER_AGENT = 'AlibabaCloud (linux; x64) Node.js/v20 Core/1.0.1 TeaDSL/2';

// openapi-core utils `encode`.
function percentEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

// openapi-core utils `getTimestamp`: UTC, no milliseconds.
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function urlFor(query: Record<string, string>): string {
  const qs = stringify(query);
  return qs === '' ? '/' : '/?' + qs;
}

function signAcs3(o: SignOptions, method: 'GET' | 'POST'): SignedHttpRequest {
  const query = { ...o.query };
  const form = o.form ?? {};
  const body = Object.keys(form).length > 0 ? stringify(form) : undefined;
  const headers: Record<string, string> = {
    host: o.host ?? 'localhost:80',
    'x-acs-version': o.version ?? '2024-05-18',
    'x-acs-action': o.action,
    'user-agent': USER_AGENT,
    'x-acs-date': timestamp(o.date ?? new Date()),
    'x-acs-signature-nonce': o.nonce ?? randomBytes(32).toString('hex'),
    accept: 'application/json',
  };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  headers['x-acs-content-sha256'] = createHash('sha256')
    .update(body ?? '', 'utf8')
    .digest('hex');
  headers['x-acs-credentials-provider'] = 'static_ak';

  // utils getAuthorization: query sorted by key, values encoded, keys as they are.
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => k + '=' + percentEncode(query[k] ?? ''))
    .join('&');
  const signed = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-'))
    .sort();
  const canonicalHeaders = signed.map((k) => k + ':' + (headers[k] ?? '').trim() + '\n').join('');
  const canonicalRequest = [
    method,
    '/',
    canonicalQuery,
    canonicalHeaders,
    signed.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const stringToSign =
    'ACS3-HMAC-SHA256\n' + createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  const signature = createHmac('sha256', o.accessKeySecret).update(stringToSign).digest('hex');
  headers['authorization'] =
    `ACS3-HMAC-SHA256 Credential=${o.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`;

  const out: SignedHttpRequest = { method, url: urlFor(query), headers };
  if (body !== undefined) out.payload = body;
  return out;
}

function signRpc(o: SignOptions, method: 'GET' | 'POST'): SignedHttpRequest {
  const version = o.version ?? '2024-05-18';
  // doRPCRequest: protocol parameters first, then the business query, then the key fields.
  const query: Record<string, string> = {
    Action: o.action,
    Format: 'json',
    Version: version,
    Timestamp: timestamp(o.date ?? new Date()),
    SignatureNonce: o.nonce ?? randomBytes(32).toString('hex'),
    ...o.query,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: o.accessKeyId,
  };
  const form = o.form ?? {};
  const body = Object.keys(form).length > 0 ? stringify(form) : undefined;
  const headers: Record<string, string> = {
    host: o.host ?? 'localhost:80',
    'x-acs-version': version,
    'x-acs-action': o.action,
    'user-agent': USER_AGENT,
  };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  headers['x-acs-credentials-provider'] = 'static_ak';

  // utils getRPCSignature over query and form together.
  const all: Record<string, string> = { ...query, ...form };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => percentEncode(k) + '=' + percentEncode(all[k] ?? ''))
    .join('&');
  const stringToSign = method + '&' + percentEncode('/') + '&' + percentEncode(canonical);
  query['Signature'] = createHmac('sha1', o.accessKeySecret + '&')
    .update(stringToSign)
    .digest('base64');

  const out: SignedHttpRequest = { method, url: urlFor(query), headers };
  if (body !== undefined) out.payload = body;
  return out;
}

/** Signs one DataWorks call the way @alicloud/openapi-core does (ACS3, or RPC v2). */
export function signRequest(o: SignOptions): SignedHttpRequest {
  const hasForm = o.form !== undefined && Object.keys(o.form).length > 0;
  const method = o.method ?? (hasForm ? 'POST' : 'GET');
  if (method === 'GET' && hasForm) throw new Error('signRequest: a GET request has no body');
  return (o.scheme ?? 'acs3') === 'rpc' ? signRpc(o, method) : signAcs3(o, method);
}
