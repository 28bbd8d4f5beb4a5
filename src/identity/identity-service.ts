/**
 * Tenants, users, AccessKeys, tenant roles and policies: what `dshub admin` manages and what
 * every request's authentication reads. AccessKey secrets are sealed (envelope encryption),
 * not hashed, because verifying an HMAC needs the secret in clear.
 */
import type { Kysely } from 'kysely';
import type { Envelope } from '../crypto/envelope.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation, StoreError } from '../store/errors.js';
import type { AccessKeyRow, Database, Tenant, User } from '../store/schema.js';
import { newAccessKeyId, newAccessKeySecret, newAccountId } from './ids.js';
import {
  BUILTIN_POLICIES,
  type CompiledPolicy,
  compileBuiltin,
  compilePolicy,
  isBuiltinPolicy,
  parsePolicyDocument,
} from './policies.js';
import { type Principal, TENANT_ROLES, type TenantRole } from './principal.js';

/** An admin mistake: the CLI prints the message as one line and exits non-zero. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export const accessKeyPurpose = (id: string) => `access-key:${id}`;

/** The RAM attributes of a user nobody has described yet (CreateUser/UpdateUser set them). */
const NO_RAM_ATTRIBUTES = {
  display_name: null,
  email: null,
  mobile_phone: null,
  comments: null,
  updated_at: null,
} as const;

export interface CreatedAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  userId: string;
  tenantId: string;
}

export interface UserView {
  id: string;
  tenantId: string;
  name: string;
  owner: boolean;
  status: string;
  tenantRoles: string[];
  policies: string[];
  createdAt: string;
}

export class IdentityService {
  private readonly k: Kysely<Database>;

  constructor(
    db: Db,
    private readonly envelope: Envelope,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
  }

  // ---- tenants and users -------------------------------------------------------------------

  /** Creates a tenant and its owner (the account itself: same id), with one AccessKey. */
  async createTenant(
    name: string,
    opts: { accessKey?: { id: string; secret: string } } = {},
  ): Promise<{ tenant: Tenant; owner: User; accessKey: CreatedAccessKey }> {
    assertName('tenant name', name);
    const id = newAccountId();
    const at = this.now();
    try {
      return await this.k.transaction().execute(async (trx) => {
        const tenant = { id, name, created_at: at };
        await trx.insertInto('tenants').values(tenant).execute();
        const owner: User = {
          id,
          tenant_id: id,
          name: 'owner',
          is_owner: 1,
          status: 'Normal',
          created_at: at,
          ...NO_RAM_ATTRIBUTES,
        };
        await trx.insertInto('users').values(owner).execute();
        const accessKey = await this.insertAccessKey(trx, owner, opts.accessKey);
        return { tenant, owner, accessKey };
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new AdminError(`a tenant or AccessKey with that name or id exists already`);
      throw e;
    }
  }

  async listTenants(): Promise<Tenant[]> {
    return this.k.selectFrom('tenants').selectAll().orderBy('created_at').execute();
  }

  async findTenant(idOrName: string): Promise<Tenant> {
    const t = await this.k
      .selectFrom('tenants')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!t) throw new AdminError(`no tenant ${idOrName}`);
    return t;
  }

  async createUser(tenantIdOrName: string, name: string): Promise<User> {
    assertName('user name', name);
    const tenant = await this.findTenant(tenantIdOrName);
    const user: User = {
      id: newAccountId(),
      tenant_id: tenant.id,
      name,
      is_owner: 0,
      status: 'Normal',
      created_at: this.now(),
      ...NO_RAM_ATTRIBUTES,
    };
    try {
      await this.k.insertInto('users').values(user).execute();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new AdminError(`tenant ${tenant.name} has a user named ${name} already`);
      throw e;
    }
    return user;
  }

  async findUser(idOrName: string, tenantIdOrName?: string): Promise<User> {
    let q = this.k.selectFrom('users').selectAll();
    if (tenantIdOrName) {
      const t = await this.findTenant(tenantIdOrName);
      q = q
        .where('tenant_id', '=', t.id)
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]));
    } else {
      q = q.where('id', '=', idOrName);
    }
    const u = await q.executeTakeFirst();
    if (!u) {
      throw new AdminError(
        tenantIdOrName
          ? `no user ${idOrName} in tenant ${tenantIdOrName}`
          : `no user with id ${idOrName} (give --tenant to find a user by name)`,
      );
    }
    return u;
  }

  async getUser(id: string): Promise<User | undefined> {
    return this.k.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listUsers(tenantIdOrName: string): Promise<UserView[]> {
    const tenant = await this.findTenant(tenantIdOrName);
    const users = await this.k
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const roles = await this.k
      .selectFrom('tenant_roles')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .execute();
    const pols = await this.k
      .selectFrom('policy_attachments')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .execute();
    return users.map((u) => ({
      id: u.id,
      tenantId: u.tenant_id,
      name: u.name,
      owner: u.is_owner === 1,
      status: u.status,
      tenantRoles: roles.filter((r) => r.user_id === u.id).map((r) => r.role),
      policies: pols.filter((p) => p.user_id === u.id).map((p) => p.policy_name),
      createdAt: new Date(u.created_at).toISOString(),
    }));
  }

  async setUserStatus(userId: string, status: 'Normal' | 'Disabled'): Promise<void> {
    const u = await this.findUser(userId);
    if (u.is_owner && status === 'Disabled')
      throw new AdminError('the tenant owner cannot be disabled');
    await this.k.updateTable('users').set({ status }).where('id', '=', u.id).execute();
  }

  // ---- AccessKeys ----------------------------------------------------------------------------

  async createAccessKey(
    userId: string,
    given?: { id: string; secret: string },
  ): Promise<CreatedAccessKey> {
    const user = await this.findUser(userId);
    try {
      return await this.insertAccessKey(this.k, user, given);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new AdminError(`an AccessKey with id ${given?.id} exists already`);
      throw e;
    }
  }

  private async insertAccessKey(
    k: Kysely<Database>,
    user: User,
    given?: { id: string; secret: string },
  ): Promise<CreatedAccessKey> {
    const id = given?.id ?? newAccessKeyId();
    const secret = given?.secret ?? newAccessKeySecret();
    await k
      .insertInto('access_keys')
      .values({
        id,
        user_id: user.id,
        tenant_id: user.tenant_id,
        secret_sealed: this.envelope.seal(secret, accessKeyPurpose(id)),
        status: 'Active',
        created_at: this.now(),
      })
      .execute();
    return { accessKeyId: id, accessKeySecret: secret, userId: user.id, tenantId: user.tenant_id };
  }

  async listAccessKeys(
    userId: string,
  ): Promise<Array<{ id: string; status: string; createdAt: string }>> {
    const user = await this.findUser(userId);
    const rows = await this.k
      .selectFrom('access_keys')
      .select(['id', 'status', 'created_at'])
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async setAccessKeyStatus(accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void> {
    const r = await this.k
      .updateTable('access_keys')
      .set({ status })
      .where('id', '=', accessKeyId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new AdminError(`no AccessKey ${accessKeyId}`);
  }

  async deleteAccessKey(accessKeyId: string): Promise<void> {
    const r = await this.k
      .deleteFrom('access_keys')
      .where('id', '=', accessKeyId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new AdminError(`no AccessKey ${accessKeyId}`);
  }

  // ---- tenant roles and policies -------------------------------------------------------------

  async grantTenantRole(userId: string, role: string): Promise<void> {
    const user = await this.findUser(userId);
    const r = assertTenantRole(role);
    await this.k
      .insertInto('tenant_roles')
      .values({ user_id: user.id, tenant_id: user.tenant_id, role: r })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async revokeTenantRole(userId: string, role: string): Promise<void> {
    const user = await this.findUser(userId);
    await this.k
      .deleteFrom('tenant_roles')
      .where('user_id', '=', user.id)
      .where('role', '=', assertTenantRole(role))
      .execute();
  }

  /** Attaches a built-in policy by name, or a custom one given as a JSON document. */
  async attachPolicy(userId: string, name: string, documentText?: string): Promise<void> {
    const user = await this.findUser(userId);
    if (documentText === undefined) {
      if (!isBuiltinPolicy(name)) {
        const custom = await this.k
          .selectFrom('policies')
          .select('id')
          .where('tenant_id', '=', user.tenant_id)
          .where('name', '=', name)
          .executeTakeFirst();
        if (!custom) {
          throw new AdminError(
            `no policy ${name}: use ${Object.keys(BUILTIN_POLICIES).join(', ')}, or give --document with a custom policy`,
          );
        }
      }
    } else {
      if (isBuiltinPolicy(name))
        throw new AdminError(`${name} is a built-in policy; choose another name`);
      assertName('policy name', name);
      try {
        parsePolicyDocument(documentText);
      } catch (e) {
        throw new AdminError((e as Error).message);
      }
      await this.k
        .insertInto('policies')
        .values({ tenant_id: user.tenant_id, name, document: documentText, created_at: this.now() })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'name']).doUpdateSet({ document: documentText }),
        )
        .execute();
    }
    await this.k
      .insertInto('policy_attachments')
      .values({
        user_id: user.id,
        tenant_id: user.tenant_id,
        policy_name: name,
        attached_at: this.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async detachPolicy(userId: string, name: string): Promise<void> {
    const user = await this.findUser(userId);
    const r = await this.k
      .deleteFrom('policy_attachments')
      .where('user_id', '=', user.id)
      .where('policy_name', '=', name)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw new AdminError(`policy ${name} is not attached to user ${user.id}`);
  }

  // ---- authentication ------------------------------------------------------------------------

  /**
   * Everything a request needs to know about its AccessKey: the secret (to verify the
   * signature), whether key and user are active, and the principal. Undefined when unknown.
   */
  async loadCredential(accessKeyId: string): Promise<Credential | undefined> {
    const row = await this.k
      .selectFrom('access_keys as k')
      .innerJoin('users as u', 'u.id', 'k.user_id')
      .select([
        'k.id',
        'k.secret_sealed',
        'k.status as key_status',
        'u.id as user_id',
        'u.tenant_id',
        'u.name',
        'u.is_owner',
        'u.status as user_status',
      ])
      .where('k.id', '=', accessKeyId)
      .executeTakeFirst();
    if (!row) return undefined;
    const { tenantRoles, policies } = await this.rolesAndPolicies(row.user_id);
    return {
      secret: this.envelope.open(row.secret_sealed, accessKeyPurpose(row.id)),
      active: row.key_status === 'Active' && row.user_status === 'Normal',
      principal: {
        tenantId: row.tenant_id,
        userId: row.user_id,
        userName: row.name,
        accessKeyId: row.id,
        isOwner: row.is_owner === 1,
        tenantRoles,
        policies,
      },
    };
  }

  /**
   * A user as the permission engine sees it when it calls (AccessKey left empty), for
   * explaining what that user may do; undefined when the user is not in the tenant.
   */
  async loadPrincipal(
    tenantId: string,
    userId: string,
  ): Promise<{ principal: Principal; active: boolean } | undefined> {
    const u = await this.k
      .selectFrom('users')
      .select(['id', 'tenant_id', 'name', 'is_owner', 'status'])
      .where('id', '=', userId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!u) return undefined;
    const { tenantRoles, policies } = await this.rolesAndPolicies(u.id);
    return {
      active: u.status === 'Normal',
      principal: {
        tenantId: u.tenant_id,
        userId: u.id,
        userName: u.name,
        accessKeyId: '',
        isOwner: u.is_owner === 1,
        tenantRoles,
        policies,
      },
    };
  }

  /** The Tenant Owner and the holders of a tenant role: who may act tenant-wide. */
  async tenantLeaders(tenantId: string): Promise<string[]> {
    const [owners, roles] = await Promise.all([
      this.k
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('is_owner', '=', 1)
        .execute(),
      this.k
        .selectFrom('tenant_roles')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .execute(),
    ]);
    return [...new Set([...owners.map((o) => o.id), ...roles.map((r) => r.user_id)])];
  }

  private async rolesAndPolicies(userId: string) {
    const [roles, attachments] = await Promise.all([
      this.k.selectFrom('tenant_roles').select('role').where('user_id', '=', userId).execute(),
      this.k
        .selectFrom('policy_attachments as a')
        .leftJoin('policies as p', (j) =>
          j.onRef('p.tenant_id', '=', 'a.tenant_id').onRef('p.name', '=', 'a.policy_name'),
        )
        .select(['a.policy_name', 'p.document'])
        .where('a.user_id', '=', userId)
        .execute(),
    ]);
    const policies: CompiledPolicy[] = [];
    for (const a of attachments) {
      // The tenant's own policy first: a custom policy named like a built-in (one stored before
      // such names were refused) is read as what it says, never as the built-in.
      if (a.document) policies.push(compilePolicy(a.policy_name, parsePolicyDocument(a.document)));
      else if (isBuiltinPolicy(a.policy_name)) policies.push(compileBuiltin(a.policy_name));
    }
    return {
      tenantRoles: new Set(
        roles.map((r) => r.role).filter(isTenantRole),
      ) as ReadonlySet<TenantRole>,
      policies,
    };
  }

  // ---- master key rotation -------------------------------------------------------------------

  /** Re-wraps every AccessKey secret's data key under the current master key. Idempotent. */
  async rewrapAccessKeys(currentKeyId: string): Promise<number> {
    let changed = 0;
    const rows: Pick<AccessKeyRow, 'id' | 'secret_sealed'>[] = await this.k
      .selectFrom('access_keys')
      .select(['id', 'secret_sealed'])
      .execute();
    for (const r of rows) {
      if (this.envelope.keyIdOf(r.secret_sealed) === currentKeyId) continue;
      await this.k
        .updateTable('access_keys')
        .set({ secret_sealed: this.envelope.rewrap(r.secret_sealed, accessKeyPurpose(r.id)) })
        .where('id', '=', r.id)
        .where('secret_sealed', '=', r.secret_sealed)
        .execute();
      changed++;
    }
    return changed;
  }
}

export interface Credential {
  secret: string;
  active: boolean;
  principal: Principal;
}

function isTenantRole(r: string): r is TenantRole {
  return (TENANT_ROLES as readonly string[]).includes(r);
}

function assertTenantRole(role: string): TenantRole {
  const aliases: Record<string, TenantRole> = {
    tenantadmin: 'TenantAdmin',
    'tenant-admin': 'TenantAdmin',
    'tenant administrator': 'TenantAdmin',
  };
  const r = aliases[role.toLowerCase()];
  if (!r)
    throw new AdminError(
      `unknown tenant role ${role}: the tenant role is TenantAdmin (Tenant Administrator)`,
    );
  return r;
}

function assertName(what: string, name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new AdminError(
      `${what} "${name}" is not valid: 1–64 letters, digits, _ . -, starting with a letter`,
    );
  }
}

export { StoreError };
