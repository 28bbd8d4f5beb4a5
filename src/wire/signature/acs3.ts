/**
 * ACS3-HMAC-SHA256, the `Authorization` header scheme of Alibaba's current SDKs
 * (docs/WIRE.md §3).
 */
import * as crypto from 'node:crypto';
import { canonicalParams, type ParamList } from './encoding.js';
import { hmac } from './hmac.js';
import type { SignableRequest } from './index.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const ACS3_PREFIX = 'ACS3-HMAC-SHA256 ';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Leaving any of these unsigned would let a captured signature be reused: on another host, for
 * another action or version, at another time, or with another body.
 */
export const REQUIRED_SIGNED_HEADERS: readonly string[] = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];

const REQUIRED = new Set(REQUIRED_SIGNED_HEADERS);
// The SDK signs about ten; the cap keeps the duplicate check and the canonical headers small.
const MAX_SIGNED_HEADERS = 64;
const UPPER_CASE = /[A-Z]/;
const NO_PARAMS: ParamList = [];

// crypto.hash (one-shot, no Hash object) only exists from Node 20.12; package.json allows 20.10.
export const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

export type HeaderValue = string | string[] | undefined;

export interface Acs3Authorization {
  accessKeyId: string;
  signature: string;
  /** Names exactly as listed in SignedHeaders, in that order. */
  signedHeaders: string[];
  /** The SignedHeaders text as sent, which is itself part of the canonical request. */
  signedHeadersText: string;
  /** `name:value\n` for each signed header, docs/WIRE.md §3. */
  canonicalHeaders: string;
  date: string;
  nonce: string;
  contentSha256: string;
}

export type Acs3ParseResult =
  | { ok: true; auth: Acs3Authorization }
  | { ok: false; message: string };

function fail(message: string): Acs3ParseResult {
  return { ok: false, message };
}

/**
 * Header names come from the caller's SignedHeaders, so a name such as `constructor` must not
 * reach the headers object's prototype.
 */
function headerOf(headers: SignableRequest['headers'], name: string): HeaderValue {
  const v = headers[name];
  return typeof v === 'string' || Array.isArray(v) ? v : undefined;
}

function singleValue(v: HeaderValue): string | undefined {
  if (typeof v === 'string') return v;
  return v !== undefined && v.length === 1 ? v[0] : undefined;
}

function canonicalHeaderValue(v: string | string[]): string {
  if (typeof v === 'string') return v.trim();
  if (v.length === 1) return v[0]!.trim();
  return v
    .map((s) => s.trim())
    .sort()
    .join(',');
}

/** Parses `authorization` (known to start with ACS3_PREFIX) and checks what is signed. */
export function parseAcs3(req: SignableRequest, authorization: string): Acs3ParseResult {
  let credential: string | undefined;
  let signedHeadersText: string | undefined;
  let signature: string | undefined;
  const len = authorization.length;
  let pos = ACS3_PREFIX.length;
  while (pos < len) {
    let comma = authorization.indexOf(',', pos);
    if (comma < 0) comma = len;
    const eq = authorization.indexOf('=', pos);
    if (eq >= 0 && eq < comma) {
      const key = authorization.slice(pos, eq).trim();
      const value = authorization.slice(eq + 1, comma).trim();
      if (key === 'Credential') {
        if (credential !== undefined) return fail('the Authorization header repeats Credential');
        credential = value;
      } else if (key === 'SignedHeaders') {
        if (signedHeadersText !== undefined) {
          return fail('the Authorization header repeats SignedHeaders');
        }
        signedHeadersText = value;
      } else if (key === 'Signature') {
        if (signature !== undefined) return fail('the Authorization header repeats Signature');
        signature = value;
      }
    }
    pos = comma + 1;
  }
  if (!credential) return fail('the Authorization header has no Credential=<AccessKeyId>');
  if (!signedHeadersText) return fail('the Authorization header has no SignedHeaders=<h1;h2;...>');
  if (!signature) return fail('the Authorization header has no Signature=<hex>');
  if (UPPER_CASE.test(signedHeadersText)) {
    return fail('SignedHeaders must list lower-case header names');
  }

  const signedHeaders = signedHeadersText.split(';');
  const n = signedHeaders.length;
  if (n > MAX_SIGNED_HEADERS) {
    return fail(`SignedHeaders lists more than ${MAX_SIGNED_HEADERS} headers`);
  }
  const { headers } = req;
  let required = 0;
  // Built here, where each header is looked up anyway. Only the headers the client listed count:
  // proxies may add their own.
  let canonicalHeaders = '';
  for (let i = 0; i < n; i++) {
    const name = signedHeaders[i]!;
    if (name === '') return fail('SignedHeaders contains an empty header name');
    const value = headerOf(headers, name);
    if (value === undefined) {
      return fail(`the header ${name} is listed in SignedHeaders but was not sent`);
    }
    canonicalHeaders += name + ':' + canonicalHeaderValue(value) + '\n';
    for (let j = 0; j < i; j++) {
      if (signedHeaders[j] === name) return fail(`SignedHeaders lists ${name} twice`);
    }
    if (REQUIRED.has(name)) required++;
  }
  if (required < REQUIRED_SIGNED_HEADERS.length) {
    const missing = REQUIRED_SIGNED_HEADERS.find((h) => !signedHeaders.includes(h));
    return fail(
      `SignedHeaders must include ${missing} (sign at least ${REQUIRED_SIGNED_HEADERS.join(', ')})`,
    );
  }

  const date = singleValue(headers['x-acs-date']);
  const nonce = singleValue(headers['x-acs-signature-nonce']);
  const contentSha256 = singleValue(headers['x-acs-content-sha256']);
  if (date === undefined) return fail('the x-acs-date header is sent more than once');
  if (nonce === undefined) return fail('the x-acs-signature-nonce header is sent more than once');
  if (contentSha256 === undefined) {
    return fail('the x-acs-content-sha256 header is sent more than once');
  }
  return {
    ok: true,
    auth: {
      accessKeyId: credential,
      signature,
      signedHeaders,
      signedHeadersText,
      canonicalHeaders,
      date,
      nonce,
      contentSha256,
    },
  };
}

/** The canonical request of docs/WIRE.md §3. */
export function acs3CanonicalRequest(req: SignableRequest, auth: Acs3Authorization): string {
  return (
    req.method +
    '\n' +
    req.path +
    '\n' +
    canonicalParams(req.query, NO_PARAMS) +
    '\n' +
    auth.canonicalHeaders +
    '\n' +
    auth.signedHeadersText +
    '\n' +
    auth.contentSha256
  );
}

/** Lower-case hex HMAC-SHA256 over the string to sign of docs/WIRE.md §3. */
export function acs3Signature(canonicalRequest: string, secret: string): string {
  return hmac('sha256', secret, ACS3_ALGORITHM + '\n' + sha256Hex(canonicalRequest), 'hex');
}

/** Hex SHA-256 of the body, skipping the hash for the common empty body. */
export function bodySha256(rawBody: Buffer): string {
  return rawBody.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(rawBody);
}
