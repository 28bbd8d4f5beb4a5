import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { rotateMasterKey } from '../crypto/rotation.js';
import type { IdentityService } from '../identity/identity-service.js';
import { createLogger } from '../observability/logger.js';
import { createServices, type Services } from '../services.js';
import { acquireStoreLock } from '../store/store-lock.js';

function print(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
}

/** Runs one admin action against the configured store, then closes it. */
function withServices(loadConfig: () => Config, fn: (s: Services) => Promise<void>) {
  return async () => {
    const services = await createServices(loadConfig(), {
      logger: createLogger('silent'),
      defaultMetrics: false,
    });
    try {
      await fn(services);
    } finally {
      await services.close();
    }
  };
}

function identityAction<A extends unknown[]>(
  loadConfig: () => Config,
  fn: (identity: IdentityService, ...args: A) => Promise<unknown>,
) {
  return (...args: A) =>
    withServices(loadConfig, async (s) => {
      const r = await fn(s.identity, ...args);
      if (r !== undefined) print(r);
    })();
}

export function registerAdminCommands(program: Command, loadConfig: () => Config): void {
  const admin = program
    .command('admin')
    .description('manage tenants, users, AccessKeys, roles, policies and keys');

  const tenant = admin.command('tenant').description('tenants (accounts)');
  tenant
    .command('create <name>')
    .description('create a tenant, its owner and the owner’s first AccessKey (printed once)')
    .action(
      identityAction(loadConfig, async (id, name: string) => {
        const r = await id.createTenant(name);
        return { ...r.accessKey, ownerUserId: r.owner.id };
      }),
    );
  tenant
    .command('list')
    .description('list tenants')
    .action(identityAction(loadConfig, async (id) => id.listTenants()));

  const user = admin.command('user').description('users of a tenant (RAM-style)');
  user
    .command('create <name>')
    .requiredOption('-t, --tenant <tenant>', 'tenant id or name')
    .description('create a user')
    .action(
      identityAction(loadConfig, async (id, name: string, o: { tenant: string }) => {
        const u = await id.createUser(o.tenant, name);
        return { userId: u.id, tenantId: u.tenant_id, name: u.name };
      }),
    );
  user
    .command('list')
    .requiredOption('-t, --tenant <tenant>', 'tenant id or name')
    .description('list the users of a tenant with their roles and policies')
    .action(
      identityAction(loadConfig, async (id, o: { tenant: string }) => id.listUsers(o.tenant)),
    );
  user
    .command('disable <userId>')
    .description('disable a user: its AccessKeys stop working')
    .action(
      identityAction(loadConfig, async (id, userId: string) =>
        id.setUserStatus(userId, 'Disabled'),
      ),
    );
  user
    .command('enable <userId>')
    .description('enable a disabled user')
    .action(
      identityAction(loadConfig, async (id, userId: string) => id.setUserStatus(userId, 'Normal')),
    );

  const key = admin.command('key').description('AccessKeys');
  key
    .command('create <userId>')
    .description('create an AccessKey for a user (the secret is printed once)')
    .action(identityAction(loadConfig, async (id, userId: string) => id.createAccessKey(userId)));
  key
    .command('list <userId>')
    .description('list a user’s AccessKeys (never the secrets)')
    .action(identityAction(loadConfig, async (id, userId: string) => id.listAccessKeys(userId)));
  key
    .command('disable <accessKeyId>')
    .description('disable an AccessKey')
    .action(
      identityAction(loadConfig, async (id, k: string) => id.setAccessKeyStatus(k, 'Inactive')),
    );
  key
    .command('enable <accessKeyId>')
    .description('enable a disabled AccessKey')
    .action(
      identityAction(loadConfig, async (id, k: string) => id.setAccessKeyStatus(k, 'Active')),
    );
  key
    .command('delete <accessKeyId>')
    .description('delete an AccessKey')
    .action(identityAction(loadConfig, async (id, k: string) => id.deleteAccessKey(k)));

  const role = admin
    .command('role')
    .description('tenant roles (TenantAdmin = Tenant Administrator)');
  role
    .command('grant <userId> <role>')
    .description('grant a tenant role')
    .action(
      identityAction(loadConfig, async (id, u: string, r: string) => id.grantTenantRole(u, r)),
    );
  role
    .command('revoke <userId> <role>')
    .description('revoke a tenant role')
    .action(
      identityAction(loadConfig, async (id, u: string, r: string) => id.revokeTenantRole(u, r)),
    );

  const policy = admin.command('policy').description('RAM-style policies on users');
  policy
    .command('attach <userId> <name>')
    .description(
      'attach AliyunDataWorksFullAccess, AliyunDataWorksReadOnlyAccess, or a custom policy (with --document)',
    )
    .option(
      '-d, --document <json>',
      'custom policy document as JSON, or @file to read it from a file',
    )
    .action(
      identityAction(loadConfig, async (id, u: string, name: string, o: { document?: string }) => {
        const doc = o.document?.startsWith('@')
          ? readFileSync(o.document.slice(1), 'utf8')
          : o.document;
        await id.attachPolicy(u, name, doc);
      }),
    );
  policy
    .command('detach <userId> <name>')
    .description('detach a policy')
    .action(
      identityAction(loadConfig, async (id, u: string, name: string) => id.detachPolicy(u, name)),
    );

  admin
    .command('rotate-master-key')
    .description(
      're-wrap every secret’s data key with a new master key; safe to re-run if interrupted (stop the servers first)',
    )
    .action(async () => {
      const config = loadConfig();
      // Servers hold the master key in memory: a rotation beside one would leave it behind.
      const lock =
        config.database.kind === 'sqlite'
          ? acquireStoreLock(config.dataDir, 'dshub admin rotate-master-key')
          : undefined;
      try {
        await withServices(
          () => config,
          async (s) => {
            print(await rotateMasterKey(s));
          },
        )();
      } finally {
        lock?.release();
      }
    });
}
