/**
 * Request signature verification for both schemes Alibaba's clients use (docs/WIRE.md §3–4).
 *
 * Two steps, because the secret is only known once the AccessKeyId has been looked up:
 * `readSignatureClaim` says who claims to have signed (and rejects malformed signatures), then
 * `verifySignature` recomputes the signature with that key's secret. Freshness of the timestamp
 * and nonce reuse are the caller's business; the claim carries both for that purpose.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  ACS3_PREFIX,
  type Acs3Authorization,
  acs3CanonicalRequest,
  acs3Signature,
  bodySha256,
  parseAcs3,
} from './acs3.js';
import { parseRpc, type RpcSignatureParams, rpcSignature, rpcStringToSign } from './rpc.js';

export { rfc3986 } from './encoding.js';

export interface SignableRequest {
  method: string;
  /** URL path without query, as sent (always '/' here). */
  path: string;
  /** Decoded URL query parameters, in arrival order. */
  query: ReadonlyArray<readonly [string, string]>;
  /** Decoded x-www-form-urlencoded body parameters (empty if none). */
  form: ReadonlyArray<readonly [string, string]>;
  /** Node's IncomingHttpHeaders (lower-case names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Exact body bytes as received (empty Buffer if none). */
  rawBody: Buffer;
}

export type SignatureFailureCode = 'IncompleteSignature' | 'SignatureDoesNotMatch';

/** What the request claims, before the secret is known. */
export interface SignatureClaim {
  scheme: 'ACS3-HMAC-SHA256' | 'HMAC-SHA1';
  accessKeyId: string;
  /** x-acs-date (ACS3) or Timestamp parameter (RPC), raw text. */
  timestamp: string;
  /** x-acs-signature-nonce or SignatureNonce. */
  nonce: string;
}

export type ClaimResult =
  | { ok: true; claim: SignatureClaim }
  | { ok: false; code: 'IncompleteSignature'; message: string };

export type VerifyResult =
  | { ok: true }
  | { ok: false; code: SignatureFailureCode; message: string };

const UNSIGNED_MESSAGE =
  'the request is not signed: send an Authorization header (ACS3-HMAC-SHA256) or the Signature parameter';
const MISMATCH_MESSAGE = 'Specified signature is not matched with our calculation.';
const ACS3_MISMATCH_HINT =
  ' Check the AccessKey secret, and that the Host header, the query and the signed headers reach the server unchanged.';
const RPC_MISMATCH_HINT =
  ' Check the AccessKey secret; the string to sign is METHOD&%2F& followed by the RFC 3986-encoded, sorted parameters (query and form body, without Signature).';
const BODY_HASH_MESSAGE =
  'the x-acs-content-sha256 header does not match the SHA-256 of the request body: hash the exact body bytes sent (the empty string when there is no body).';
const FOREIGN_CLAIM_MESSAGE = 'the signature claim does not describe this request';

type Parsed =
  | { scheme: 'ACS3-HMAC-SHA256'; acs3: Acs3Authorization }
  | { scheme: 'HMAC-SHA1'; rpc: RpcSignatureParams };

type ParseResult = { ok: true; parsed: Parsed } | { ok: false; message: string };

// What readSignatureClaim parsed rides on the claim it returns (under a symbol, so a copy of
// the claim does not carry it), so verifySignature need not parse the request again. A WeakMap
// did the same, but an entry per request made every garbage collection walk its ephemerons.
const PARSED = Symbol('dshub.parsedSignature');
type ClaimWithParsed = SignatureClaim & {
  [PARSED]?: { req: SignableRequest; parsed: Parsed };
};

function parse(req: SignableRequest): ParseResult {
  const authorization = req.headers['authorization'];
  if (typeof authorization === 'string' && authorization.startsWith(ACS3_PREFIX)) {
    const r = parseAcs3(req, authorization);
    return r.ok ? { ok: true, parsed: { scheme: 'ACS3-HMAC-SHA256', acs3: r.auth } } : r;
  }
  const r = parseRpc(req);
  if (r.ok) return { ok: true, parsed: { scheme: 'HMAC-SHA1', rpc: r.params } };
  if (!r.unsigned) return { ok: false, message: r.message };
  if (typeof authorization === 'string' && authorization !== '') {
    const scheme = authorization.split(' ', 1)[0]!.slice(0, 32);
    return {
      ok: false,
      message: `the Authorization scheme "${scheme}" is not supported: sign with ACS3-HMAC-SHA256, or send the Signature parameter (HMAC-SHA1)`,
    };
  }
  return { ok: false, message: UNSIGNED_MESSAGE };
}

export function readSignatureClaim(req: SignableRequest): ClaimResult {
  const r = parse(req);
  if (!r.ok) return { ok: false, code: 'IncompleteSignature', message: r.message };
  const { parsed } = r;
  const claim: ClaimWithParsed =
    parsed.scheme === 'ACS3-HMAC-SHA256'
      ? {
          scheme: parsed.scheme,
          accessKeyId: parsed.acs3.accessKeyId,
          timestamp: parsed.acs3.date,
          nonce: parsed.acs3.nonce,
          [PARSED]: { req, parsed },
        }
      : {
          scheme: parsed.scheme,
          accessKeyId: parsed.rpc.accessKeyId,
          timestamp: parsed.rpc.timestamp,
          nonce: parsed.rpc.nonce,
          [PARSED]: { req, parsed },
        };
  return { ok: true, claim };
}

/** Constant-time unless the lengths differ, and the expected length is public anyway. */
function sameSignature(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  const a = Buffer.from(expected, 'latin1');
  // utf8 (not latin1) so a non-ASCII character can never collide with an expected ASCII byte.
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function verifySignature(
  req: SignableRequest,
  claim: SignatureClaim,
  secret: string,
): VerifyResult {
  let parsed: Parsed;
  const cached = (claim as ClaimWithParsed)[PARSED];
  if (cached !== undefined && cached.req === req) {
    parsed = cached.parsed;
  } else {
    const r = parse(req);
    if (!r.ok) return { ok: false, code: 'IncompleteSignature', message: r.message };
    parsed = r.parsed;
  }

  if (parsed.scheme === 'ACS3-HMAC-SHA256') {
    const auth = parsed.acs3;
    // The secret was looked up for claim.accessKeyId, so it must be the key this request names.
    if (claim.scheme !== parsed.scheme || claim.accessKeyId !== auth.accessKeyId) {
      return { ok: false, code: 'IncompleteSignature', message: FOREIGN_CLAIM_MESSAGE };
    }
    if (bodySha256(req.rawBody) !== auth.contentSha256) {
      return { ok: false, code: 'SignatureDoesNotMatch', message: BODY_HASH_MESSAGE };
    }
    const canonical = acs3CanonicalRequest(req, auth);
    if (!sameSignature(acs3Signature(canonical, secret), auth.signature)) {
      return {
        ok: false,
        code: 'SignatureDoesNotMatch',
        message: MISMATCH_MESSAGE + ACS3_MISMATCH_HINT,
      };
    }
    return { ok: true };
  }

  const params = parsed.rpc;
  if (claim.scheme !== parsed.scheme || claim.accessKeyId !== params.accessKeyId) {
    return { ok: false, code: 'IncompleteSignature', message: FOREIGN_CLAIM_MESSAGE };
  }
  if (!sameSignature(rpcSignature(rpcStringToSign(req), secret), params.signature)) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: MISMATCH_MESSAGE + RPC_MISMATCH_HINT,
    };
  }
  return { ok: true };
}
