/**
 * Configuration is read from the environment once, here, and validated; everything else
 * receives the resulting object. A bad value stops start-up with a message naming the variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const cidrList = z
  .string()
  .transform((s) =>
    s.trim().toLowerCase() === 'none'
      ? []
      : s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected CIDRs like 10.0.0.0/8, or none'),
    ),
  );

/**
 * Link-local addresses hold cloud instance metadata services (169.254.169.254): a connectivity
 * test must not become a way to read them. `DSHUB_CONNECTIVITY_DENY_NETWORKS=none` lifts it.
 */
export const DEFAULT_DENY_NETWORKS = ['169.254.0.0/16', 'fe80::/10'];

const schema = z.object({
  DSHUB_HOST: z.string().min(1).default('127.0.0.1'),
  DSHUB_PORT: port.default(8080),
  DSHUB_DATA_DIR: z.string().min(1).default('./.dshub'),
  DSHUB_DATABASE_URL: z
    .string()
    .regex(/^(postgres|postgresql):\/\//, 'expected a postgres:// URL')
    .optional(),
  DSHUB_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$|^[0-9a-fA-F]{64}$/, 'expected 32 bytes as base64 or hex')
    .optional(),
  DSHUB_ROOT_ACCESS_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{4,64}$/, 'expected 4–64 letters, digits, _ or -')
    .optional(),
  DSHUB_ROOT_ACCESS_KEY_SECRET: z.string().min(8, 'expected at least 8 characters').optional(),
  DSHUB_REGION_ID: z.string().min(1).default('cn-hangzhou'),
  DSHUB_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  DSHUB_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
  DSHUB_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  DSHUB_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  DSHUB_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
  DSHUB_MAX_CONNECTIONS: positiveInt.default(1_024),
  DSHUB_TIMESTAMP_WINDOW_MINUTES: positiveInt.default(15),
  DSHUB_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  DSHUB_NONCE_MAX_PER_KEY: positiveInt.default(500_000),
  DSHUB_SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  DSHUB_PG_POOL_SIZE: positiveInt.default(10),
  DSHUB_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).default(180),
  DSHUB_VERSION_RETENTION_COUNT: positiveInt.default(100),
  DSHUB_VERSION_RETENTION_DAYS: z.coerce.number().int().min(0).default(365),
  DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS: positiveInt.default(5000),
  DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS: positiveInt.default(15000),
  DSHUB_CONNECTIVITY_MAX_CONCURRENT: positiveInt.default(8),
  DSHUB_CONNECTIVITY_ALLOW_NETWORKS: cidrList.optional(),
  DSHUB_CONNECTIVITY_DENY_NETWORKS: cidrList.optional(),
  DSHUB_CONNECTIVITY_DNS_SERVERS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .optional(),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database:
    | { kind: 'sqlite'; file: string; synchronous: 'NORMAL' | 'FULL' }
    | {
        kind: 'postgres';
        url: string;
        poolSize: number;
      };
  masterKey: string | undefined;
  rootAccessKey: { id: string; secret: string } | undefined;
  regionId: string;
  logLevel: string;
  maxBodyBytes: number;
  /** HTTP server limits against slow or hoarding clients (docs/SECURITY.md). */
  http: {
    /** The whole request (headers and body) must arrive within this. */
    requestTimeoutMs: number;
    /** The request line and headers must arrive within this. */
    headersTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number;
    /** Connections beyond this are closed on arrival. */
    maxConnections: number;
  };
  timestampWindowMs: number;
  authCacheTtlMs: number;
  /** Outstanding nonces one AccessKey may hold in the in-memory nonce store (SQLite). */
  noncesPerKey: number;
  auditRetentionDays: number;
  /** Data source versions kept: the newest `count` per record, none older than `days` (0: no age limit). */
  versionRetention: { count: number; days: number };
  connectivity: {
    stepTimeoutMs: number;
    totalTimeoutMs: number;
    maxConcurrent: number;
    allowNetworks: string[] | undefined;
    denyNetworks: string[] | undefined;
    dnsServers: string[] | undefined;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('DSHUB_') && v !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (
    (e.DSHUB_ROOT_ACCESS_KEY_ID === undefined) !==
    (e.DSHUB_ROOT_ACCESS_KEY_SECRET === undefined)
  ) {
    throw new ConfigError(
      'invalid configuration:\n  DSHUB_ROOT_ACCESS_KEY_ID and DSHUB_ROOT_ACCESS_KEY_SECRET must be set together',
    );
  }
  if (e.DSHUB_HEADERS_TIMEOUT_MS > e.DSHUB_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'invalid configuration:\n  DSHUB_HEADERS_TIMEOUT_MS must not exceed DSHUB_REQUEST_TIMEOUT_MS',
    );
  }
  const dataDir = resolve(e.DSHUB_DATA_DIR);
  return {
    host: e.DSHUB_HOST,
    port: e.DSHUB_PORT,
    dataDir,
    database: e.DSHUB_DATABASE_URL
      ? { kind: 'postgres', url: e.DSHUB_DATABASE_URL, poolSize: e.DSHUB_PG_POOL_SIZE }
      : {
          kind: 'sqlite',
          file: resolve(dataDir, 'dshub.db'),
          synchronous: e.DSHUB_SQLITE_SYNCHRONOUS,
        },
    masterKey: e.DSHUB_MASTER_KEY,
    rootAccessKey:
      e.DSHUB_ROOT_ACCESS_KEY_ID && e.DSHUB_ROOT_ACCESS_KEY_SECRET
        ? { id: e.DSHUB_ROOT_ACCESS_KEY_ID, secret: e.DSHUB_ROOT_ACCESS_KEY_SECRET }
        : undefined,
    regionId: e.DSHUB_REGION_ID,
    logLevel: e.DSHUB_LOG_LEVEL,
    maxBodyBytes: e.DSHUB_MAX_BODY_BYTES,
    http: {
      requestTimeoutMs: e.DSHUB_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.DSHUB_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.DSHUB_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.DSHUB_MAX_CONNECTIONS,
    },
    timestampWindowMs: e.DSHUB_TIMESTAMP_WINDOW_MINUTES * 60_000,
    authCacheTtlMs: e.DSHUB_AUTH_CACHE_TTL_MS,
    noncesPerKey: e.DSHUB_NONCE_MAX_PER_KEY,
    auditRetentionDays: e.DSHUB_AUDIT_RETENTION_DAYS,
    versionRetention: {
      count: e.DSHUB_VERSION_RETENTION_COUNT,
      days: e.DSHUB_VERSION_RETENTION_DAYS,
    },
    connectivity: {
      stepTimeoutMs: e.DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS,
      totalTimeoutMs: e.DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS,
      maxConcurrent: e.DSHUB_CONNECTIVITY_MAX_CONCURRENT,
      allowNetworks: e.DSHUB_CONNECTIVITY_ALLOW_NETWORKS,
      denyNetworks: e.DSHUB_CONNECTIVITY_DENY_NETWORKS ?? DEFAULT_DENY_NETWORKS,
      dnsServers: e.DSHUB_CONNECTIVITY_DNS_SERVERS,
    },
  };
}
