/**
 * Named credential profiles, like the cloud CLIs: `~/.dshub/config.json`, mode 0600 in a 0700
 * directory, written only by `dshub configure`. It is the one place a secret is kept in clear,
 * for its owner only.
 *
 * Precedence for each field: an explicit `--profile` (or DSHUB_PROFILE) wins outright; otherwise
 * ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and DSHUB_ENDPOINT override the
 * `default` profile.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './call-params.js';

export interface Profile {
  endpoint?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
}

export interface ProfileFile {
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';
const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), '.dshub');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(`profile name "${name}" must be 1–64 letters, digits, _ . or -`);
  }
  return name;
}

export function readProfiles(env: NodeJS.ProcessEnv = process.env): ProfileFile {
  const path = configPath(env);
  if (!existsSync(path)) return { profiles: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `${path} is not valid JSON (${(e as Error).message}); fix it or run dshub configure`,
    );
  }
  const profiles = (parsed as ProfileFile | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null) return { profiles: {} };
  return { profiles };
}

/** Writes the whole file atomically with mode 0600 (the directory 0700). */
export function writeProfiles(file: ProfileFile, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = configPath(env);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

export interface ResolvedCredentials {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where each came from, for error messages (never the values themselves). */
  source: string;
}

export function resolveCredentials(
  explicitProfile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCredentials {
  const chosen = explicitProfile ?? (env.DSHUB_PROFILE || undefined);
  const name = checkProfileName(chosen ?? DEFAULT_PROFILE);
  const { profiles } = readProfiles(env);
  const profile = profiles[name];
  if (chosen !== undefined && !profile) {
    const known = Object.keys(profiles);
    throw new UsageError(
      `no profile "${name}" in ${configPath(env)}${known.length ? ` (profiles: ${known.join(', ')})` : ''}; create it with dshub configure --profile ${name}`,
    );
  }
  const fromEnv = chosen === undefined;
  const pick = (envName: string, field: keyof Profile) => {
    const e = fromEnv ? env[envName] : undefined;
    return e ? { value: e, from: envName } : { value: profile?.[field], from: `profile ${name}` };
  };
  const endpoint = pick('DSHUB_ENDPOINT', 'endpoint');
  const id = pick('ALIBABA_CLOUD_ACCESS_KEY_ID', 'accessKeyId');
  const secret = pick('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'accessKeySecret');
  const missing = [
    !endpoint.value && 'an endpoint (DSHUB_ENDPOINT)',
    !id.value && 'an AccessKey ID (ALIBABA_CLOUD_ACCESS_KEY_ID)',
    !secret.value && 'an AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
  ].filter(Boolean);
  if (missing.length) {
    throw new UsageError(
      `no credentials: missing ${missing.join(', ')}; run dshub configure${name === DEFAULT_PROFILE ? '' : ` --profile ${name}`} or set the environment variables`,
    );
  }
  const mode = profile ? profileFileMode(env) : undefined;
  if (mode !== undefined && (mode & 0o077) !== 0) {
    process.stderr.write(
      `dshub: warning: ${configPath(env)} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it\n`,
    );
  }
  const sources = [...new Set([endpoint.from, id.from, secret.from])];
  return {
    endpoint: endpoint.value!,
    accessKeyId: id.value!,
    accessKeySecret: secret.value!,
    source: sources.join(', '),
  };
}

/** The file's permission bits: a secret readable by others earns a warning, as ssh gives. */
export function profileFileMode(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const path = configPath(env);
  return existsSync(path) ? statSync(path).mode & 0o777 : undefined;
}
