/**
 * Everything is built here, once, from the validated configuration; nothing else reads the
 * environment or reaches for globals. Tests build the same graph against their own database.
 */

import { AccessDecisions } from './access/decisions.js';
import { AuditService } from './audit/audit-service.js';
import { Authenticator } from './auth/authenticator.js';
import { FailureThrottle } from './auth/failure-throttle.js';
import { DatabaseNonceStore, MemoryNonceStore, type NonceStore } from './auth/nonce-store.js';
import type { Config } from './config.js';
import { ConnectivityTester } from './connectivity/index.js';
import { Envelope } from './crypto/envelope.js';
import { type Keyring, loadKeyring } from './crypto/keyring.js';
import { checkMasterKey } from './crypto/master-key-check.js';
import type { Rewrapper } from './crypto/rotation.js';
import { DataSourceConnectivity } from './datasources/connectivity-test.js';
import { DataSourceService } from './datasources/data-source-service.js';
import { rewrapDataSourceSecrets } from './datasources/secret-box.js';
import { IdentityService } from './identity/identity-service.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ShareExpiry } from './sharing/expiry.js';
import { DataSourceResolver } from './sharing/resolver.js';
import { SharingService } from './sharing/sharing-service.js';
import { type Db, openDatabase } from './store/dialect.js';
import { migrateToLatest } from './store/migrate.js';
import { describePostgresUrl, waitForDatabase } from './store/wait.js';
import { RamService } from './users/ram-service.js';
import { CustomRoleService } from './workspaces/custom-roles.js';
import { StoreWorkspaceDirectory, type WorkspaceDirectory } from './workspaces/directory.js';
import { MemberService } from './workspaces/member-service.js';
import { WorkspaceService } from './workspaces/workspace-service.js';

export interface Services {
  config: Config;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  envelope: Envelope;
  identity: IdentityService;
  nonces: NonceStore;
  authenticator: Authenticator;
  audit: AuditService;
  metrics: Metrics;
  workspaceDirectory: WorkspaceDirectory;
  workspaces: WorkspaceService;
  members: MemberService;
  customRoles: CustomRoleService;
  /** Users, AccessKeys and policies through RAM's API (2015-05-01). */
  ram: RamService;
  dataSources: DataSourceService;
  sharing: SharingService;
  resolver: DataSourceResolver;
  /** One per process, so its limit on concurrent tests holds across all requests. */
  connectivity: ConnectivityTester;
  /** TestDataSourceConnectivity's reveal, test, scrub and audit. */
  dataSourceConnectivity: DataSourceConnectivity;
  /** Every access decision (src/access/decisions.ts). */
  access: AccessDecisions;
  /** Every store of sealed values, for master key rotation (src/crypto/rotation.ts). */
  rewrappers: readonly Rewrapper[];
  /** Starts periodic housekeeping (nonce and audit sweeps). */
  startHousekeeping(): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** Skip migrations (the CLI's `migrate` command runs them explicitly). */
  migrate?: boolean;
  /** Process-level metrics (event loop, memory); off in tests to keep registries small. */
  defaultMetrics?: boolean;
  /** Wait up to config.databaseWaitMs for an unreachable PostgreSQL (serve, migrate). */
  waitForDatabase?: boolean;
  /** Sees the SQL of every store statement (tests count round trips per call with it). */
  onQuery?: (sql: string) => void;
}

export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Built first: a bad network list or DNS server stops start-up before anything is opened.
  const connectivity = new ConnectivityTester(config.connectivity);
  const { keyring } = loadKeyring({ masterKey: config.masterKey, dataDir: config.dataDir });
  const envelope = new Envelope(keyring);
  const db = openDatabase(config.database, opts.onQuery ? { onQuery: opts.onQuery } : {});
  try {
    if (opts.waitForDatabase && config.database.kind === 'postgres') {
      await waitForDatabase(db, {
        waitMs: config.databaseWaitMs,
        where: describePostgresUrl(config.database.url),
        logger,
      });
    }
    if (opts.migrate !== false) await migrateToLatest(db);
    await checkMasterKey(db, envelope);
  } catch (e) {
    await db.close();
    throw e;
  }
  const identity = new IdentityService(db, envelope);
  const nonces: NonceStore =
    db.dialect === 'postgres'
      ? new DatabaseNonceStore(db, config.noncesPerKey)
      : new MemoryNonceStore(60_000, config.noncesPerKey);
  const metrics = new Metrics({ defaults: opts.defaultMetrics ?? true });
  const throttle = new FailureThrottle({
    ...config.authFailures,
    onLockout: (l) => {
      metrics.lockout(l.scope);
      // Once per lockout, not per refused request: a flood cannot flood the log.
      logger.warn(
        {
          scope: l.scope,
          ip: l.address,
          ...(l.accessKeyId !== undefined ? { accessKeyId: l.accessKeyId } : {}),
          failures: l.failures,
          until: new Date(l.lockedUntil).toISOString(),
        },
        l.scope === 'key'
          ? 'AccessKey locked out from an address after repeated failed signatures'
          : 'address locked out after repeated failed signatures or unknown AccessKeys',
      );
    },
  });
  const authenticator = new Authenticator(identity, nonces, {
    windowMs: config.timestampWindowMs,
    cacheTtlMs: config.authCacheTtlMs,
    throttle,
    onThrottled: (v) => metrics.throttledRequest(v.scope),
  });
  const audit = new AuditService(db);
  const workspaceDirectory = new StoreWorkspaceDirectory(db);
  const dataSources = new DataSourceService(db, envelope, config.regionId);
  const sharing = new SharingService(db, new ShareExpiry(db));
  const timers: NodeJS.Timeout[] = [];

  return {
    config,
    logger,
    db,
    keyring,
    envelope,
    identity,
    nonces,
    authenticator,
    audit,
    metrics,
    workspaceDirectory,
    workspaces: new WorkspaceService(db),
    members: new MemberService(db),
    customRoles: new CustomRoleService(db),
    ram: new RamService(db, envelope, (id) => authenticator.invalidate(id)),
    dataSources,
    sharing,
    resolver: new DataSourceResolver(db, dataSources, sharing),
    dataSourceConnectivity: new DataSourceConnectivity(db, dataSources, connectivity),
    access: new AccessDecisions({
      membership: (workspaceId, userId) => workspaceDirectory.membership(workspaceId, userId),
      locateDataSource: (id) => dataSources.locate(id),
      locateRule: (id) => sharing.locate(id),
      isSharedWith: (id, userId) => sharing.isSharedWith(id, userId),
    }),
    connectivity,
    rewrappers: [
      { name: 'access keys', run: (id) => identity.rewrapAccessKeys(id) },
      {
        name: 'data source secrets',
        run: (id) => rewrapDataSourceSecrets(db, envelope, id),
      },
      { name: 'data source versions', run: (id) => dataSources.versions.rewrap(id) },
    ],
    startHousekeeping() {
      const sweep = async () => {
        try {
          await nonces.sweep(Date.now());
          await audit.sweep(config.auditRetentionDays);
          await sharing.expiry.sweep();
          await dataSources.versions.sweep(config.versionRetention);
          await backfillDrift();
        } catch (e) {
          logger.warn({ err: e }, 'housekeeping failed; will retry');
        }
      };
      // Names whose drift is not known yet (migration 0011): computed at start, a batch at a time.
      const backfillDrift = async () => {
        while ((await dataSources.backfillDrift()) > 0) {}
      };
      backfillDrift().catch((e: unknown) =>
        logger.warn({ err: e }, 'computing data source drift failed; housekeeping retries'),
      );
      timers.push(setInterval(sweep, 60_000).unref());
      if (config.database.kind === 'sqlite' && config.database.checkpointMs > 0) {
        db.startCheckpoints?.({
          intervalMs: config.database.checkpointMs,
          onProblem: (err) =>
            logger.warn(
              { err },
              'SQLite checkpoint worker failed; checkpoints run inside commits again',
            ),
        });
      }
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await db.close();
    },
  };
}
