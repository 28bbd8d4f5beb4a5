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
import { createServices } from '../services.js';
import { ApiClient } from './client/api-client.js';
import type { HubFile } from './declarative/format.js';

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
    database: { kind: 'sqlite', file: ':memory:', synchronous: 'NORMAL' },
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
  const users: ReadyLine['users'] = [];
  const userIds = new Map<string, string>();
  for (const u of seed?.users ?? []) {
    const user = await services.identity.createUser(tenant.id, u.name);
    userIds.set(u.name, user.id);
    for (const r of u.tenantRoles ?? []) await services.identity.grantTenantRole(user.id, r);
    for (const p of u.policies ?? []) await services.identity.attachPolicy(user.id, p);
    const keys: ReadyLine['users'][number]['accessKeys'] = [];
    for (const k of u.accessKeys ?? []) {
      const secret =
        k.secret === undefined
          ? undefined
          : String(seeding![0].substitute(k.secret, process.env, `user ${u.name}, key ${k.id}`));
      // The seed names the key; a secret it leaves out is generated and printed (only then).
      const created = await services.identity.createAccessKey(user.id, {
        id: k.id,
        secret: secret ?? newAccessKeySecret(),
      });
      keys.push(
        secret === undefined
          ? { accessKeyId: created.accessKeyId, accessKeySecret: created.accessKeySecret }
          : { accessKeyId: created.accessKeyId },
      );
    }
    users.push({ name: u.name, userId: user.id, accessKeys: keys });
  }
  const app = await buildApp(services);
  const address = await app.listen({ host: config.host, port: config.port });
  services.startHousekeeping();
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await services.close();
    flushLogger(logger);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (seed?.workspaces.length && seeding) {
    const client = new ApiClient({
      endpoint: address,
      accessKeyId: accessKey.accessKeyId,
      accessKeySecret: accessKey.accessKeySecret,
    });
    await seeding[1].applyFile(client, seed, { extraUsers: userIds }, (line) =>
      logger.info({ seed: line }, 'seed'),
    );
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
