/**
 * Configuration is read from the environment once, here, and validated; everything else
 * receives the resulting object. A bad value stops start-up with a message naming the variable.
 */
import { Resolver } from 'node:dns';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * SQLite's page cache (MiB). 8 rather than 32: at 32 a write-heavy run ended with RSS above
 * 150 MB (24 MB of it this cache, full after the writes), while the hot reads are kept as
 * results and pages past the cache come from the kernel's file cache, a system call each
 * (docs/PERFORMANCE.md, "Round 13").
 */
export const DEFAULT_SQLITE_CACHE_MB = 8;

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
  .superRefine((list, ctx) => {
    for (const cidr of list) {
      if (!isCidr(cidr)) {
        ctx.addIssue({
          code: 'custom',
          message: `'${cidr}' is not a network: expected CIDRs like 10.0.0.0/8 or fd00::/8, or none`,
        });
      }
    }
  });

function isCidr(text: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const version = m ? isIP(m[1]!) : 0;
  return version !== 0 && Number(m![2]) <= (version === 4 ? 32 : 128);
}

const nonNegativeInt = z.coerce.number().int().min(0);

// host or host:port; an IPv6 literal in brackets ([::1]:8080), as it appears in a Host header.
const HOST_PORT =
  /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?)(:\d{1,5})?$/;

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
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
  // SQLite's page cache on the server's connection, a ceiling filled as pages are read (MiB).
  DSHUB_SQLITE_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(DEFAULT_SQLITE_CACHE_MB),
  // WAL checkpoints in a worker thread this often; 0: SQLite's own, inside the commit that fills
  // 1,000 WAL pages, which stalls every request queued behind it (docs/DECISIONS.md).
  DSHUB_SQLITE_CHECKPOINT_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  // After this long without a request (ms), the heap's slack goes back to the system; 0: never.
  DSHUB_IDLE_GC_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  DSHUB_PG_POOL_SIZE: positiveInt.default(10),
  DSHUB_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).default(180),
  DSHUB_VERSION_RETENTION_COUNT: positiveInt.default(100),
  DSHUB_VERSION_RETENTION_DAYS: z.coerce.number().int().min(0).default(365),
  // Alibaba's clients give the whole call 3 s by default: the whole test fits inside it.
  DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS: positiveInt.default(2500),
  DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS: positiveInt.default(2500),
  DSHUB_CONNECTIVITY_MAX_CONCURRENT: positiveInt.default(8),
  DSHUB_CONNECTIVITY_ALLOW_NETWORKS: cidrList.optional(),
  DSHUB_CONNECTIVITY_DENY_NETWORKS: cidrList.optional(),
  DSHUB_CONNECTIVITY_DNS_SERVERS: list
    .superRefine((servers, ctx) => {
      try {
        new Resolver().setServers(servers);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          message: `expected ip or ip:port, comma-separated (${e instanceof Error ? e.message : e})`,
        });
      }
    })
    .optional(),
  DSHUB_DATABASE_WAIT_SECONDS: z.coerce.number().int().min(0).default(60),
  DSHUB_SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(0),
  DSHUB_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  DSHUB_TLS_CERT: z.string().min(1).optional(),
  DSHUB_TLS_KEY: z.string().min(1).optional(),
  DSHUB_TRUSTED_PROXIES: list
    .superRefine((items, ctx) => {
      for (const item of items) {
        if (isIP(item) === 0 && !isCidr(item)) {
          ctx.addIssue({
            code: 'custom',
            message: `'${item}' is not an address or network: expected e.g. 127.0.0.1,10.0.0.0/8`,
          });
        }
      }
    })
    .optional(),
  DSHUB_PUBLIC_HOSTS: list
    .transform((items) => items.map((h) => h.toLowerCase()))
    .superRefine((items, ctx) => {
      for (const item of items) {
        if (!HOST_PORT.test(item)) {
          ctx.addIssue({
            code: 'custom',
            message: `'${item}' is not a host name: expected host or host:port, comma-separated (e.g. dshub.example.com,dshub.example.com:8443)`,
          });
        }
      }
    })
    .optional(),
  DSHUB_METRICS_TOKEN: z
    .string()
    .regex(
      /^[\x21-\x7e]{16,256}$/,
      'expected 16 to 256 printable ASCII characters without spaces (e.g. openssl rand -hex 32)',
    )
    .optional(),
  DSHUB_AUTH_FAILURE_WINDOW_SECONDS: positiveInt.default(60),
  DSHUB_AUTH_MAX_FAILURES_PER_KEY: nonNegativeInt.default(10),
  DSHUB_AUTH_MAX_FAILURES_PER_ADDRESS: nonNegativeInt.default(100),
  DSHUB_AUTH_LOCKOUT_SECONDS: positiveInt.default(300),
  DSHUB_AUTH_FAILURE_TRACKED: positiveInt.default(10_000),
  DSHUB_PUBLIC_URL: z
    .string()
    .regex(
      /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
      'expected an http(s) URL like https://dshub.example.com',
    )
    .transform((s) => s.replace(/\/+$/, ''))
    .optional(),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database:
    | {
        kind: 'sqlite';
        file: string;
        synchronous: 'NORMAL' | 'FULL';
        /** The page cache's ceiling (MiB); DEFAULT_SQLITE_CACHE_MB when not given. */
        cacheMb?: number;
        /** WAL checkpoints in a worker thread this often (ms); 0: inline, SQLite's default. */
        checkpointMs: number;
      }
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
  /** Idle memory release after this long without a request (ms); 0: never (observability/idle-memory.ts). */
  idleGcMs: number;
  /** Outstanding nonces one AccessKey may hold in the in-memory nonce store (SQLite). */
  noncesPerKey: number;
  auditRetentionDays: number;
  /** How long start-up waits for an unreachable PostgreSQL before giving up. */
  databaseWaitMs: number;
  shutdown: {
    /** Readiness fails this long before the server stops accepting requests. */
    drainMs: number;
    /** In-flight requests get this long to finish; then connections are closed. */
    timeoutMs: number;
  };
  /** Paths of the PEM certificate (chain) and key: serve HTTPS, reloaded on SIGHUP. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Addresses/CIDRs whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Where clients reach dshub (no trailing slash), for links in error answers. */
  publicUrl: string | undefined;
  /**
   * The Host values (lower case, host or host:port) API requests must carry; undefined accepts
   * any (docs/SECURITY.md).
   */
  publicHosts: string[] | undefined;
  /** Bearer token required on GET /metrics; undefined leaves it open (docs/SECURITY.md). */
  metricsToken: string | undefined;
  /** Throttling of failed signatures (src/auth/failure-throttle.ts); a limit of 0 disables it. */
  authFailures: {
    windowMs: number;
    /** Failures of one AccessKey from one address within the window before a lockout. */
    maxPerKey: number;
    /** Failures (any key, known or not) from one address within the window before a lockout. */
    maxPerAddress: number;
    lockoutMs: number;
    /** Entries each table holds at most; the least recently failed are forgotten first. */
    tracked: number;
  };
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
    // The variable, not zod's path into the parsed value (a list item would read `NAME.0`).
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
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
  if ((e.DSHUB_TLS_CERT === undefined) !== (e.DSHUB_TLS_KEY === undefined)) {
    throw new ConfigError(
      'invalid configuration:\n  DSHUB_TLS_CERT and DSHUB_TLS_KEY must be set together',
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
          cacheMb: e.DSHUB_SQLITE_CACHE_MB,
          checkpointMs: e.DSHUB_SQLITE_CHECKPOINT_MS,
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
    idleGcMs: e.DSHUB_IDLE_GC_MS,
    noncesPerKey: e.DSHUB_NONCE_MAX_PER_KEY,
    auditRetentionDays: e.DSHUB_AUDIT_RETENTION_DAYS,
    databaseWaitMs: e.DSHUB_DATABASE_WAIT_SECONDS * 1000,
    shutdown: { drainMs: e.DSHUB_SHUTDOWN_DRAIN_MS, timeoutMs: e.DSHUB_SHUTDOWN_TIMEOUT_MS },
    tls:
      e.DSHUB_TLS_CERT && e.DSHUB_TLS_KEY
        ? { certFile: resolve(e.DSHUB_TLS_CERT), keyFile: resolve(e.DSHUB_TLS_KEY) }
        : undefined,
    trustedProxies: e.DSHUB_TRUSTED_PROXIES ?? [],
    publicUrl: e.DSHUB_PUBLIC_URL,
    publicHosts:
      e.DSHUB_PUBLIC_HOSTS && e.DSHUB_PUBLIC_HOSTS.length > 0 ? e.DSHUB_PUBLIC_HOSTS : undefined,
    metricsToken: e.DSHUB_METRICS_TOKEN,
    authFailures: {
      windowMs: e.DSHUB_AUTH_FAILURE_WINDOW_SECONDS * 1000,
      maxPerKey: e.DSHUB_AUTH_MAX_FAILURES_PER_KEY,
      maxPerAddress: e.DSHUB_AUTH_MAX_FAILURES_PER_ADDRESS,
      lockoutMs: e.DSHUB_AUTH_LOCKOUT_SECONDS * 1000,
      tracked: e.DSHUB_AUTH_FAILURE_TRACKED,
    },
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
