/**
 * ACS3-HMAC-SHA256 request signing in the browser, the same steps as Alibaba's SDKs: the
 * canonical request (method, path, canonical query, signed headers, body hash) hashed with
 * SHA-256, then HMAC-SHA256 with the AccessKey secret. Web Crypto does the work in a secure
 * context (HTTPS or localhost); elsewhere browsers hide it, and @noble/hashes takes over.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const ALGORITHM = 'ACS3-HMAC-SHA256';
export const API_VERSION = '2024-05-18';

const encoder = new TextEncoder();

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Whether the browser offers Web Crypto here (only in a secure context). */
export function hasWebCrypto(): boolean {
  return (
    typeof globalThis.crypto?.subtle?.digest === 'function' &&
    (globalThis as { isSecureContext?: boolean }).isSecureContext === true
  );
}

export async function sha256Hex(data: string): Promise<string> {
  const bytes = encoder.encode(data);
  if (hasWebCrypto()) return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
  return hex(sha256(bytes));
}

export async function hmacSha256Hex(secret: string, data: string): Promise<string> {
  const key = encoder.encode(secret);
  const bytes = encoder.encode(data);
  if (hasWebCrypto()) {
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return hex(new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes)));
  }
  return hex(hmac(sha256, key, bytes));
}

/** RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay literal. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorted by name (then value), each pair encoded, joined with &: the canonical query. */
export function canonicalQuery(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return hex(bytes);
}

/** ISO 8601 UTC without milliseconds, as x-acs-date expects. */
export function acsDate(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SignInput {
  method: 'GET' | 'POST';
  host: string;
  path: string;
  query: ReadonlyArray<readonly [string, string]>;
  body: string;
  action: string;
  /** The API version the action belongs to (x-acs-version); DataWorks' 2024-05-18 by default. */
  version?: string;
  accessKeyId: string;
  accessKeySecret: string;
  date?: string;
  nonce?: string;
}

export interface SignedRequest {
  /** Headers to send (host is signed but set by the browser itself). */
  headers: Record<string, string>;
  signedHeaders: string[];
  canonicalRequest: string;
}

export async function signAcs3(input: SignInput): Promise<SignedRequest> {
  const contentSha256 = await sha256Hex(input.body);
  const all: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-content-sha256': contentSha256,
    'x-acs-date': input.date ?? acsDate(),
    'x-acs-signature-nonce': input.nonce ?? newNonce(),
    'x-acs-version': input.version ?? API_VERSION,
  };
  const signedHeaders = Object.keys(all).sort();
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${all[h]!.trim()}\n`).join('');
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    contentSha256,
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${await sha256Hex(canonicalRequest)}`;
  const signature = await hmacSha256Hex(input.accessKeySecret, stringToSign);
  const headers: Record<string, string> = { ...all };
  delete headers.host;
  headers.authorization = `${ALGORITHM} Credential=${input.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
  return { headers, signedHeaders, canonicalRequest };
}
