/**
 * RPC HMAC-SHA1 (SignatureVersion 1.0), the `Signature` parameter scheme of pop-core, the aliyun
 * CLI and openapi-core's `v2` mode (docs/WIRE.md §4).
 */
import { canonicalParams, rfc3986 } from './encoding.js';
import { hmac } from './hmac.js';
import type { SignableRequest } from './index.js';

export const RPC_SIGNATURE_METHOD = 'HMAC-SHA1';
export const RPC_SIGNATURE_VERSION = '1.0';

export interface RpcSignatureParams {
  accessKeyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export type RpcParseResult =
  | { ok: true; params: RpcSignatureParams }
  | { ok: false; unsigned: boolean; message: string };

function fail(message: string): RpcParseResult {
  return { ok: false, unsigned: false, message };
}

// The caller's own value, quoted for the error message but bounded in size.
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value);
}

/**
 * Reads the protocol parameters from query and form together. `unsigned` is set when there is
 * no Signature parameter at all, so the caller can tell "not RPC" from "broken RPC".
 */
export function parseRpc(req: SignableRequest): RpcParseResult {
  let signature: string | undefined;
  let method: string | undefined;
  let version: string | undefined;
  let accessKeyId: string | undefined;
  let timestamp: string | undefined;
  let nonce: string | undefined;
  let repeated: string | undefined;
  for (const list of [req.query, req.form]) {
    for (let i = 0; i < list.length; i++) {
      const [name, value] = list[i]!;
      switch (name) {
        case 'Signature':
          if (signature !== undefined) repeated ??= name;
          signature = value;
          break;
        case 'SignatureMethod':
          if (method !== undefined) repeated ??= name;
          method = value;
          break;
        case 'SignatureVersion':
          if (version !== undefined) repeated ??= name;
          version = value;
          break;
        case 'AccessKeyId':
          if (accessKeyId !== undefined) repeated ??= name;
          accessKeyId = value;
          break;
        case 'Timestamp':
          if (timestamp !== undefined) repeated ??= name;
          timestamp = value;
          break;
        case 'SignatureNonce':
          if (nonce !== undefined) repeated ??= name;
          nonce = value;
          break;
      }
    }
  }
  if (signature === undefined) {
    return { ok: false, unsigned: true, message: 'the Signature parameter is missing' };
  }
  // Which of two values would the caller mean? Refuse rather than guess.
  if (repeated !== undefined) return fail(`the parameter ${repeated} is given more than once`);
  if (signature === '') return fail('the Signature parameter is empty');
  if (method === undefined) {
    return fail(`SignatureMethod is missing: send SignatureMethod=${RPC_SIGNATURE_METHOD}`);
  }
  if (method !== RPC_SIGNATURE_METHOD) {
    return fail(`SignatureMethod ${quote(method)} is not supported: use ${RPC_SIGNATURE_METHOD}`);
  }
  if (version === undefined) {
    return fail(`SignatureVersion is missing: send SignatureVersion=${RPC_SIGNATURE_VERSION}`);
  }
  if (version !== RPC_SIGNATURE_VERSION) {
    return fail(
      `SignatureVersion ${quote(version)} is not supported: use ${RPC_SIGNATURE_VERSION}`,
    );
  }
  if (!accessKeyId) return fail('the AccessKeyId parameter is missing or empty');
  if (!timestamp) return fail('the Timestamp parameter is missing or empty');
  if (!nonce) return fail('the SignatureNonce parameter is missing or empty');
  return { ok: true, params: { accessKeyId, timestamp, nonce, signature } };
}

/** `METHOD&%2F&rfc3986(canonicalized parameters)`, docs/WIRE.md §4. */
export function rpcStringToSign(req: SignableRequest): string {
  return req.method + '&%2F&' + rfc3986(canonicalParams(req.query, req.form, 'Signature'));
}

/** Base64 HMAC-SHA1 keyed with `secret + '&'`, docs/WIRE.md §4. */
export function rpcSignature(stringToSign: string, secret: string): string {
  return hmac('sha1', secret + '&', stringToSign, 'base64');
}
