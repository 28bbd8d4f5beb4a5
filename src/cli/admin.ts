/**
 * `dshub admin ...`: tenants, users, AccessKeys, tenant roles, policies and the master key,
 * straight on the store. The store and identity code is imported when a command runs, not when
 * the command tree is built (program.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { Services } from '../services.js';

function print(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
}

/** What a command did, for the person at the terminal; stdout stays the command's data. */
function say(text: string): void {
  process.stderr.write(`dshub: ${text}\n`);
}

/**
 * Admin commands work on an existing store only: run from the wrong directory, they would
 * otherwise create an empty store (and a new master key) and answer as if nothing were wrong.
 */
async function assertStoreExists(config: Config, where: string): Promise<void> {
  const { AdminError } = await import('../identity/identity-service.js');
  const hint =
    'point DSHUB_DATA_DIR (or DSHUB_DATABASE_URL) at the server’s store, or create one with `dshub init`';
  if (config.database.kind === 'sqlite') {
    if (config.database.file !== ':memory:' && !existsSync(config.database.file)) {
      throw new AdminError(`no dshub store at ${config.database.file}: ${hint}`);
    }
    return;
  }
  const [{ openDatabase }, { pendingMigrations }, { MIGRATIONS }] = await Promise.all([
    import('../store/dialect.js'),
    import('../store/migrate.js'),
    import('../store/migrations/index.js'),
  ]);
  const db = openDatabase(config.database);
  try {
    const pending = await pendingMigrations(db);
    if (pending.length === MIGRATIONS.length) {
      throw new AdminError(`no dshub store in ${where}: ${hint}`);
    }
  } finally {
    await db.close();
  }
}

/** Runs one admin action against the configured store, then closes it. */
function withServices(loadConfig: () => Promise<Config>, fn: (s: Services) => Promise<void>) {
  return async () => {
    const config = await loadConfig();
    const { describeStore } = await import('./store-description.js');
    const store = describeStore(config);
    await assertStoreExists(config, store);
    const [{ createServices }, { createLogger }] = await Promise.all([
      import('../services.js'),
      import('../observability/logger.js'),
    ]);
    const services = await createServices(config, {
      logger: createLogger('silent'),
      defaultMetrics: false,
    });
    try {
      await fn(services);
    } catch (e) {
      // A mistake stays one line on stderr, and still says which store it was checked against.
      if (e instanceof Error) e.message = `${e.message} (store ${store})`;
      throw e;
    } finally {
      await services.close();
    }
    say(`store ${store}`);
  };
}

/**
 * An identity command: `fn` returns the data to print (JSON on stdout) and/or `done`, the
 * sentence saying what happened (stderr), so every command that succeeds says so.
 */
function identityAction<A extends unknown[]>(
  loadConfig: () => Promise<Config>,
  fn: (identity: IdentityService, ...args: A) => Promise<{ data?: unknown; done?: string }>,
) {
  return (...args: A) =>
    withServices(loadConfig, async (s) => {
      const r = await fn(s.identity, ...args);
      if (r.data !== undefined) print(r.data);
      if (r.done) say(r.done);
    })();
}

/** `--tenant`, or the only tenant there is. */
async function tenantOf(id: IdentityService, given: string | undefined): Promise<string> {
  if (given) return given;
  const tenants = await id.listTenants();
  if (tenants.length === 1) return tenants[0]!.id;
  const { AdminError } = await import('../identity/identity-service.js');
  throw new AdminError(
    tenants.length === 0
      ? 'the store has no tenant yet: create one with `dshub admin tenant create <name>`'
      : `there are ${tenants.length} tenants (${tenants.map((t) => t.name).join(', ')}): name one with --tenant`,
  );
}

export function registerAdminCommands(program: Command, loadConfig: () => Promise<Config>): void {
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
        return {
          data: { ...r.accessKey, ownerUserId: r.owner.id },
          done: `created tenant ${name} (${r.accessKey.tenantId}) with owner ${r.owner.id} and an AccessKey; the secret is shown only now`,
        };
      }),
    );
  tenant
    .command('list')
    .description('list tenants')
    .action(identityAction(loadConfig, async (id) => ({ data: await id.listTenants() })));

  const user = admin.command('user').description('users of a tenant (RAM-style)');
  user
    .command('create <name>')
    .option('-t, --tenant <tenant>', 'tenant id or name (needed only when there are several)')
    .description('create a user')
    .action(
      identityAction(loadConfig, async (id, name: string, o: { tenant?: string }) => {
        const u = await id.createUser(await tenantOf(id, o.tenant), name);
        return {
          data: { userId: u.id, tenantId: u.tenant_id, name: u.name },
          done: `created user ${u.name} (${u.id}) in tenant ${u.tenant_id}; it may do nothing until a policy is attached`,
        };
      }),
    );
  user
    .command('list')
    .option('-t, --tenant <tenant>', 'tenant id or name (needed only when there are several)')
    .description('list the users of a tenant with their roles and policies')
    .action(
      identityAction(loadConfig, async (id, o: { tenant?: string }) => ({
        data: await id.listUsers(await tenantOf(id, o.tenant)),
      })),
    );
  user
    .command('disable <userId>')
    .description('disable a user: its AccessKeys stop working')
    .action(
      identityAction(loadConfig, async (id, userId: string) => {
        await id.setUserStatus(userId, 'Disabled');
        return { done: `disabled user ${userId}: its AccessKeys stop working` };
      }),
    );
  user
    .command('enable <userId>')
    .description('enable a disabled user')
    .action(
      identityAction(loadConfig, async (id, userId: string) => {
        await id.setUserStatus(userId, 'Normal');
        return { done: `enabled user ${userId}` };
      }),
    );

  const key = admin.command('key').description('AccessKeys');
  key
    .command('create <userId>')
    .description('create an AccessKey for a user (the secret is printed once)')
    .action(
      identityAction(loadConfig, async (id, userId: string) => {
        const k = await id.createAccessKey(userId);
        return {
          data: k,
          done: `created AccessKey ${k.accessKeyId} for user ${userId}; the secret is shown only now`,
        };
      }),
    );
  key
    .command('list <userId>')
    .description('list a user’s AccessKeys (never the secrets)')
    .action(
      identityAction(loadConfig, async (id, userId: string) => ({
        data: await id.listAccessKeys(userId),
      })),
    );
  key
    .command('disable <accessKeyId>')
    .description('disable an AccessKey')
    .action(
      identityAction(loadConfig, async (id, k: string) => {
        await id.setAccessKeyStatus(k, 'Inactive');
        return { done: `disabled AccessKey ${k}` };
      }),
    );
  key
    .command('enable <accessKeyId>')
    .description('enable a disabled AccessKey')
    .action(
      identityAction(loadConfig, async (id, k: string) => {
        await id.setAccessKeyStatus(k, 'Active');
        return { done: `enabled AccessKey ${k}` };
      }),
    );
  key
    .command('delete <accessKeyId>')
    .description('delete an AccessKey')
    .action(
      identityAction(loadConfig, async (id, k: string) => {
        await id.deleteAccessKey(k);
        return { done: `deleted AccessKey ${k}` };
      }),
    );

  const role = admin
    .command('role')
    .description('tenant roles (TenantAdmin = Tenant Administrator)');
  role
    .command('grant <userId> <role>')
    .description('grant a tenant role')
    .action(
      identityAction(loadConfig, async (id, u: string, r: string) => {
        await id.grantTenantRole(u, r);
        return { done: `granted tenant role ${r} to user ${u}` };
      }),
    );
  role
    .command('revoke <userId> <role>')
    .description('revoke a tenant role')
    .action(
      identityAction(loadConfig, async (id, u: string, r: string) => {
        await id.revokeTenantRole(u, r);
        return { done: `revoked tenant role ${r} from user ${u}` };
      }),
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
        return { done: `attached policy ${name} to user ${u}` };
      }),
    );
  policy
    .command('detach <userId> <name>')
    .description('detach a policy')
    .action(
      identityAction(loadConfig, async (id, u: string, name: string) => {
        await id.detachPolicy(u, name);
        return { done: `detached policy ${name} from user ${u}` };
      }),
    );

  admin
    .command('rotate-master-key')
    .description(
      're-wrap every secret’s data key with a new master key; safe to re-run if interrupted (stop the servers first)',
    )
    .action(async () => {
      const config = await loadConfig();
      const [{ acquireStoreLock }, { rotateMasterKey }] = await Promise.all([
        import('../store/store-lock.js'),
        import('../crypto/rotation.js'),
      ]);
      // Servers hold the master key in memory: a rotation beside one would leave it behind.
      const lock =
        config.database.kind === 'sqlite'
          ? acquireStoreLock(config.dataDir, 'dshub admin rotate-master-key')
          : undefined;
      try {
        await withServices(
          async () => config,
          async (s) => {
            print(await rotateMasterKey(s));
            say('rotated the master key: every secret is now sealed under the new key');
          },
        )();
      } finally {
        lock?.release();
      }
    });
}
