/**
 * Signs requests for `dshub call` and the declarative commands, the way Alibaba's clients do:
 * ACS3-HMAC-SHA256 in the Authorization header (the default of the current SDKs) or RPC
 * HMAC-SHA1 as a `Signature` parameter (`--signature v2`). The primitives (percent-encoding,
 * canonical parameters, the HMACs) are the server's own, from the same package; the black-box
 * tests check the server against Alibaba's clients, and the CLI against the server.
 */
import { randomBytes } from 'node:crypto';
import { acs3Signature, sha256Hex } from '../../wire/signature/acs3.js';
import { canonicalParams, rfc3986 } from '../../wire/signature/encoding.js';
import { rpcSignature } from '../../wire/signature/rpc.js';

export type SignatureScheme = 'acs3' | 'v2';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface UnsignedRequest {
  method: 'GET' | 'POST';
  action: string;
  version: string;
  /** host[:port], as it will be sent in the Host header (it is signed). */
  host: string;
  query: ReadonlyArray<readonly [string, string]>;
  form: ReadonlyArray<readonly [string, string]>;
}

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** `/` or `/?...` */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

// Same shape as the SDKs: UTC, seconds precision.
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
}

export function signAcs3(
  req: UnsignedRequest,
  creds: Credentials,
  now: Date = new Date(),
): SignedRequest {
  const body = req.form.length > 0 ? encodePairs(req.form) : undefined;
  const headers: Record<string, string> = {
    host: req.host,
    'x-acs-action': req.action,
    'x-acs-version': req.version,
    'x-acs-date': timestamp(now),
    'x-acs-signature-nonce': randomBytes(16).toString('hex'),
    'x-acs-content-sha256': sha256Hex(body ?? ''),
  };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim()}\n`).join('');
  const canonical = `${req.method}\n/\n${canonicalParams(req.query, [])}\n${canonicalHeaders}\n${signedHeaders}\n${headers['x-acs-content-sha256']}`;
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${creds.accessKeyId},SignedHeaders=${signedHeaders},Signature=${acs3Signature(canonical, creds.accessKeySecret)}`;
  headers.accept = 'application/json';
  const qs = encodePairs(req.query);
  return { method: req.method, path: qs ? `/?${qs}` : '/', headers, body };
}

/** RPC style: protocol and business parameters in the query (GET) or the form body (POST). */
export function signV2(
  req: UnsignedRequest,
  creds: Credentials,
  now: Date = new Date(),
): SignedRequest {
  const params: Array<readonly [string, string]> = [
    ['Action', req.action],
    ['Version', req.version],
    ['Format', 'JSON'],
    ['AccessKeyId', creds.accessKeyId],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', randomBytes(16).toString('hex')],
    ['Timestamp', timestamp(now)],
    ...req.query,
    ...req.form,
  ];
  const stringToSign = `${req.method}&%2F&${rfc3986(canonicalParams(params, []))}`;
  params.push(['Signature', rpcSignature(stringToSign, creds.accessKeySecret)]);
  const headers: Record<string, string> = { host: req.host, accept: 'application/json' };
  if (req.method === 'GET')
    return { method: 'GET', path: `/?${encodePairs(params)}`, headers, body: undefined };
  headers['content-type'] = 'application/x-www-form-urlencoded';
  return { method: 'POST', path: '/', headers, body: encodePairs(params) };
}
