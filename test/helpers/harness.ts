/**
 * The in-process test harness: the real services and Fastify app on a fresh database, with
 * named builders for the things tests need (tenants, users, keys) and `call()`, which signs a
 * request like Alibaba's SDK and sends it through `app.inject`.
 */
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import type { CreatedAccessKey } from '../../src/identity/identity-service.js';
import { createLogger } from '../../src/observability/logger.js';
import { buildApp } from '../../src/server/app.js';
import { createServices, type ServiceOptions, type Services } from '../../src/services.js';
import type { DialectName } from '../../src/store/dialect.js';
import {
  createTestDatabase,
  selectedDialects,
  skipDialect,
  type TestDatabase,
} from './database.js';
import { type SignOptions, signRequest } from './signer.js';

export interface ApiResult {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export type Key = Pick<CreatedAccessKey, 'accessKeyId' | 'accessKeySecret'> &
  Partial<CreatedAccessKey>;

export class TestContext {
  private seq = 0;

  constructor(
    readonly dialect: DialectName,
    readonly services: Services,
    readonly app: FastifyInstance,
    readonly database: TestDatabase,
    /** Owner key of the first tenant. */
    readonly root: CreatedAccessKey,
  ) {}

  /** Signs (ACS3 by default, as the SDK does) and sends one API call in-process. */
  async call(
    key: Key,
    action: string,
    params: Record<string, string | number | boolean | undefined> = {},
    opts: Partial<Pick<SignOptions, 'method' | 'scheme' | 'date' | 'nonce' | 'version'>> & {
      placement?: 'query' | 'body';
    } = {},
  ): Promise<ApiResult> {
    const fields = Object.fromEntries(
      Object.entries(params)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    const placement = opts.placement ?? (opts.method === 'GET' ? 'query' : 'query');
    const signed = signRequest({
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      action,
      method: opts.method ?? 'POST',
      ...(placement === 'query' ? { query: fields } : { form: fields }),
      ...(opts.scheme ? { scheme: opts.scheme } : {}),
      ...(opts.date ? { date: opts.date } : {}),
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
      ...(opts.version ? { version: opts.version } : {}),
    });
    const res = await this.app.inject({
      method: signed.method,
      url: signed.url,
      headers: signed.headers,
      ...(signed.payload !== undefined ? { payload: signed.payload } : {}),
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  }

  /** A unique name with a prefix, for workspaces, data sources, users. */
  name(prefix = 'n'): string {
    this.seq += 1;
    return `${prefix}_${this.seq}_${randomBytes(3).toString('hex')}`;
  }

  async newTenant(): Promise<CreatedAccessKey> {
    const r = await this.services.identity.createTenant(this.name('tenant'));
    return r.accessKey;
  }

  /** A user of the tenant with one AccessKey and, unless told otherwise, full DataWorks access. */
  async newUser(
    tenantId: string = this.root.tenantId,
    opts: { policy?: string | null; tenantAdmin?: boolean } = {},
  ): Promise<CreatedAccessKey> {
    const user = await this.services.identity.createUser(tenantId, this.name('user'));
    const key = await this.services.identity.createAccessKey(user.id);
    const policy = opts.policy === undefined ? 'AliyunDataWorksFullAccess' : opts.policy;
    if (policy) await this.services.identity.attachPolicy(user.id, policy);
    if (opts.tenantAdmin) await this.services.identity.grantTenantRole(user.id, 'TenantAdmin');
    return key;
  }

  /**
   * Another replica of this server: its own services and app on the same PostgreSQL database
   * and master key, as a second process behind a load balancer would be. Closed by the caller;
   * the database stays this context's.
   */
  async replica(serviceOptions: ServiceOptions = {}): Promise<TestContext> {
    const { services, app } = await startServer(this.services.config, serviceOptions);
    const database = { ...this.database, drop: async () => {} };
    return new TestContext(this.dialect, services, app, database, this.root);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.services.close();
    await this.database.drop();
  }
}

/** The services, silent, and the app on them. */
async function startServer(config: Services['config'], serviceOptions: ServiceOptions) {
  const services = await createServices(config, {
    logger: createLogger('silent'),
    defaultMetrics: false,
    ...serviceOptions,
  });
  return { services, app: await buildApp(services) };
}

export async function createTestContext(
  dialect: DialectName,
  env: Record<string, string> = {},
  serviceOptions: ServiceOptions = {},
): Promise<TestContext> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({
    DSHUB_DATA_DIR: database.dataDir,
    DSHUB_MASTER_KEY: randomBytes(32).toString('base64'),
    DSHUB_AUTH_CACHE_TTL_MS: '0',
    DSHUB_LOG_LEVEL: 'silent',
    // Tests never send traffic off this machine, whatever address a fixture's data source names.
    DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '127.0.0.0/8',
    ...(database.url ? { DSHUB_DATABASE_URL: database.url, DSHUB_PG_POOL_SIZE: '4' } : {}),
    ...env,
  });
  const { services, app } = await startServer(config, serviceOptions);
  const { accessKey } = await services.identity.createTenant('root');
  return new TestContext(dialect, services, app, database, accessKey);
}

/**
 * Runs a suite once per selected dialect, each with its own fresh database:
 * `forEachDialect('workspaces', (t) => { it('...', async () => { await t().call(...) }) })`.
 */
export function forEachDialect(
  title: string,
  suite: (ctx: () => TestContext) => void,
  env: Record<string, string> = {},
): void {
  for (const dialect of selectedDialects()) {
    describe(`${dialect}: ${title}`, async () => {
      const skip = await skipDialect(dialect);
      if (skip) {
        describe(`skipped: ${skip}`, { skip }, () => {});
        return;
      }
      let ctx: TestContext | undefined;
      before(async () => {
        ctx = await createTestContext(dialect, env);
      });
      after(async () => {
        await ctx?.close();
      });
      suite(() => {
        if (!ctx) throw new Error('test context not ready');
        return ctx;
      });
    });
  }
}
