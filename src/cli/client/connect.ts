/**
 * An API client for the chosen profile (or the environment) and signature scheme: what every
 * client command (call, export, plan, apply) starts from.
 */
import { UsageError } from '../call-params.js';
import { resolveCredentials } from '../profiles.js';
import { ApiClient } from './api-client.js';
import type { SignatureScheme } from './signer.js';

export interface ClientFlags {
  profile?: string;
  signature?: string;
}

export function parseSignature(v: string | undefined): SignatureScheme {
  if (v === undefined || v === 'acs3' || v === 'v3') return 'acs3';
  if (v === 'v2') return 'v2';
  throw new UsageError(
    `--signature must be acs3 (ACS3-HMAC-SHA256, the default) or v2 (RPC HMAC-SHA1), not "${v}"`,
  );
}

export function clientFrom(flags: ClientFlags): ApiClient {
  const creds = resolveCredentials(flags.profile);
  return new ApiClient({ ...creds, signature: parseSignature(flags.signature) });
}
