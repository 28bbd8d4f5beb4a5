/**
 * `dshub serve --ephemeral`: a throw-away instance for other projects' tests. Everything lives
 * in memory (SQLite `:memory:`, a master key generated for the process, no data directory, so
 * nothing is written to disk and no store lock is needed). When it is ready it prints one JSON
 * line on stdout (endpoint, the root AccessKey, seeded users' keys); logs go to stderr.
 * `--seed file.yaml` applies a declarative file (users and their keys included) before that line.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../config.js';
import { newAccessKeySecret } from '../identity/ids.js';
import { createLogger, flushLogger } from '../observability/logger.js';
import { buildApp } from '../server/app.js';
import { createServices, type Services } from '../services.js';
import { ApiClient } from './client/api-client.js';
import type { HubFile, UserSpec } from './declarative/format.js';

export interface ReadyLine {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  tenantId: string;
  regionId: string;
  users: Array<{
    name: string;
    userId: string;
    accessKeys: Array<{ accessKeyId: string; accessKeySecret?: string }>;
  }>;
  startupMs: number;
}

type Substitute = (value: string, env: NodeJS.ProcessEnv, where: string) => unknown;

/**
 * One seeded user, through RAM's API (2015-05-01) with the root key, as any client would:
 * CreateUser, AttachPolicyToUser, and CreateAccessKey for a key the seed does not name (RAM
 * generates its id and secret; both go into the ready line). Two things RAM's API cannot do go
 * to the store: a key the seed names (RAM never lets a caller choose a key's id or secret, and
 * tests want fixed credentials) and the TenantAdmin role (a dshub tenant role, not a RAM one).
 */
async function seedUser(
  client: ApiClient,
  services: Services,
  u: UserSpec,
  substitute: Substitute,
): Promise<ReadyLine['users'][number]> {
  const created = await client.call('CreateUser', { UserName: u.name });
  const userId = String((created.User as { UserId?: unknown } | undefined)?.UserId ?? '');
  for (const p of u.policies ?? []) {
    await client.call('AttachPolicyToUser', {
      PolicyType: p.startsWith('Aliyun') ? 'System' : 'Custom',
      PolicyName: p,
      UserName: u.name,
    });
  }
  for (const r of u.tenantRoles ?? []) await services.identity.grantTenantRole(userId, r);
  const keys: ReadyLine['users'][number]['accessKeys'] = [];
  for (const k of u.accessKeys ?? []) {
    if (k.id === undefined) {
      const made = await client.call('CreateAccessKey', { UserName: u.name });
      const key = made.AccessKey as { AccessKeyId: string; AccessKeySecret: string };
      keys.push({ accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret });
      continue;
    }
    const secret =
      k.secret === undefined
        ? undefined
        : String(substitute(k.secret, process.env, `user ${u.name}, key ${k.id}`));
    // A secret the seed leaves out is generated and printed (only then).
    const stored = await services.identity.createAccessKey(userId, {
      id: k.id,
      secret: secret ?? newAccessKeySecret(),
    });
    keys.push(
      secret === undefined
        ? { accessKeyId: stored.accessKeyId, accessKeySecret: stored.accessKeySecret }
        : { accessKeyId: stored.accessKeyId },
    );
  }
  return { name: u.name, userId, accessKeys: keys };
}

export async function runEphemeral(
  base: Config,
  opts: { seed?: string; portGiven: boolean },
): Promise<void> {
  const started = performance.now();
  // The seed's code (YAML, the file's schema, plan and apply) is loaded only for a seed.
  const seeding = opts.seed
    ? await Promise.all([import('./declarative/format.js'), import('./declarative/apply.js')])
    : undefined;
  // Read first: a broken seed stops start-up before anything listens.
  const seed: HubFile | undefined =
    opts.seed && seeding ? seeding[0].readHubFile(opts.seed) : undefined;
  const config: Config = {
    ...base,
    port: opts.portGiven ? base.port : 0,
    database: { kind: 'sqlite', file: ':memory:', synchronous: 'NORMAL', checkpointMs: 0 },
    masterKey: base.masterKey ?? randomBytes(32).toString('base64'),
    // Never created: with a master key given, nothing reads or writes the data directory.
    dataDir: join(tmpdir(), `dshub-ephemeral-${process.pid}-unused`),
  };
  const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: false }));
  const services = await createServices(config, { logger, defaultMetrics: false });
  const { tenant, accessKey } = await services.identity.createTenant(
    'default',
    config.rootAccessKey ? { accessKey: config.rootAccessKey } : {},
  );
  const app = await buildApp(services);
  const address = await app.listen({ host: config.host, port: config.port });
  services.startHousekeeping();
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await services.close();
    await flushLogger(logger);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  const users: ReadyLine['users'] = [];
  if (seed && seeding) {
    const client = new ApiClient({
      endpoint: address,
      accessKeyId: accessKey.accessKeyId,
      accessKeySecret: accessKey.accessKeySecret,
    });
    for (const u of seed.users ?? []) {
      users.push(await seedUser(client, services, u, seeding[0].substitute));
    }
    if (seed.workspaces.length) {
      await seeding[1].applyFile(client, seed, {}, (line) => logger.info({ seed: line }, 'seed'));
    }
  }
  const ready: ReadyLine = {
    endpoint: address,
    accessKeyId: accessKey.accessKeyId,
    accessKeySecret: accessKey.accessKeySecret,
    tenantId: tenant.id,
    regionId: config.regionId,
    users,
    startupMs: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}
