/**
 * Users, AccessKeys and policies as Alibaba's RAM API (2015-05-01) manages them, inside one
 * tenant: what src/operations/ram-*.ts answer. `dshub admin` keeps working on the same tables
 * through src/identity/identity-service.ts.
 *
 * Who may touch whom is decided in src/access/ram-decisions.ts (docs/DECISIONS.md, "Users and
 * AccessKeys through the API"): reads take the tenant grant, writes on a user the grant of that
 * decision (`RamUserGrant`), so this module decides nothing itself; it reads the facts the
 * decisions need (`target`, `caller`, the holders of a policy). Every write records its audit event in its own transaction; no event, error or log line holds
 * an AccessKey secret.
 */
import type { Kysely } from 'kysely';
import type { TenantGrant } from '../access/decisions.js';
import type {
  RamHolder,
  RamHoldersGrant,
  RamTarget,
  RamUserGrant,
} from '../access/ram-decisions.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Envelope } from '../crypto/envelope.js';
import { errors } from '../errors.js';
import { accessKeyPurpose } from '../identity/identity-service.js';
import { newAccessKeyId, newAccessKeySecret, newAccountId } from '../identity/ids.js';
import {
  BUILTIN_POLICIES,
  isBuiltinPolicy,
  POLICY_DESCRIPTIONS,
  parsePolicyDocument,
} from '../identity/policies.js';
import type { Principal } from '../identity/principal.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Database, User } from '../store/schema.js';

/** RAM's limit: two keys are enough to rotate one without downtime. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

export type PolicyType = 'System' | 'Custom';
export type AttachmentChange = 'attach' | 'detach';

/** A user a RAM call acts on, with what the access decisions need to know of it. */
export interface TargetUser extends RamTarget {
  row: User;
}

/** The grant of a RAM write on one user (src/access/ram-decisions.ts). */
export type UserGrant = RamUserGrant<TargetUser>;

/** RAM's time format: ISO 8601 in UTC, to the second. */
export function ramDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface UserAttributes {
  DisplayName?: string;
  Email?: string;
  MobilePhone?: string;
  Comments?: string;
}

export interface RamUser {
  UserId: string;
  UserName: string;
  DisplayName: string;
  Email: string;
  MobilePhone: string;
  Comments: string;
  CreateDate: string;
  UpdateDate: string;
}

export function ramUser(u: User): RamUser {
  return {
    UserId: u.id,
    UserName: u.name,
    // RAM's display name defaults to the user name.
    DisplayName: u.display_name ?? u.name,
    Email: u.email ?? '',
    MobilePhone: u.mobile_phone ?? '',
    Comments: u.comments ?? '',
    CreateDate: ramDate(u.created_at),
    UpdateDate: ramDate(u.updated_at ?? u.created_at),
  };
}

export interface RamAccessKey {
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: string;
}

export interface RamPolicy {
  PolicyName: string;
  PolicyType: PolicyType;
  Description: string;
  DefaultVersion: string;
  CreateDate: string;
  UpdateDate: string;
  AttachmentCount: number;
}

/** A page of a Marker-paged RAM list. */
export interface MarkerPage<T> {
  items: T[];
  /** Where the next page starts; undefined on the last page. */
  marker: string | undefined;
}

/** Markers are opaque to clients: the last name of the page, base64url-encoded. */
function encodeMarker(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined || marker === '') return undefined;
  const name = /^[A-Za-z0-9_-]{1,400}$/.test(marker)
    ? Buffer.from(marker, 'base64url').toString('utf8')
    : '';
  if (name === '' || encodeMarker(name) !== marker) {
    throw errors.invalidParameter(
      'Marker',
      'is not a marker this server answered; send the Marker of the previous page unchanged.',
    );
  }
  return name;
}

function page<T>(rows: T[], max: number, nameOf: (t: T) => string): MarkerPage<T> {
  const more = rows.length > max;
  const items = more ? rows.slice(0, max) : rows;
  return { items, marker: more ? encodeMarker(nameOf(items[items.length - 1]!)) : undefined };
}

/** The RAM answer for what DataWorks and dshub call version 1 of every policy. */
const DEFAULT_VERSION = 'v1';
/** System policies have no creation time of their own; RAM shows the date they were published. */
const SYSTEM_POLICY_DATE = '2015-05-01T00:00:00Z';

export class RamService {
  private readonly k: Kysely<Database>;
  private readonly dialect: Db['dialect'];

  constructor(
    db: Db,
    private readonly envelope: Envelope,
    /** Forgets a cached credential after a change to it (src/auth/authenticator.ts). */
    private readonly forgetCredential: (accessKeyId: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
    this.dialect = db.dialect;
  }

  // ---- users ---------------------------------------------------------------------------------

  /** The user of the tenant with this name; EntityNotExist.User otherwise. */
  async findUser(tenantId: string, name: string, k: Kysely<Database> = this.k): Promise<User> {
    const u = await k
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!u) throw errors.ramUserNotFound(name);
    return u;
  }

  /** The named user, or the caller's own user when no name is given (RAM's default). */
  private async userOrCaller(
    grant: TenantGrant,
    principal: Principal,
    name: string | undefined,
  ): Promise<User> {
    if (name !== undefined) return this.findUser(grant.tenantId, name);
    return this.caller(grant, principal);
  }

  private async caller(grant: TenantGrant, principal: Principal): Promise<User> {
    // By id, not by the name the credential cache holds: after a rename on another replica that
    // name may already belong to someone else.
    const u = await this.k
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', grant.tenantId)
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    if (!u) throw errors.ramUserNotFound(principal.userName);
    return u;
  }

  /**
   * The user a RAM call acts on (the caller's own without a name), with the facts the decisions
   * of src/access/ram-decisions.ts need; EntityNotExist.User otherwise.
   */
  async target(
    grant: TenantGrant,
    principal: Principal,
    name: string | undefined,
  ): Promise<TargetUser> {
    const row = await this.userOrCaller(grant, principal, name);
    const admin = await this.k
      .selectFrom('tenant_roles')
      .select('user_id')
      .where('user_id', '=', row.id)
      .where('role', '=', 'TenantAdmin')
      .executeTakeFirst();
    return { id: row.id, isOwner: row.is_owner === 1, isTenantAdmin: !!admin, row };
  }

  async getUser(grant: TenantGrant, name: string): Promise<RamUser> {
    return ramUser(await this.findUser(grant.tenantId, name));
  }

  /** Users by name, `maxItems` at a time. The Tenant Owner is listed too (user `owner`). */
  async listUsers(
    grant: TenantGrant,
    marker: string | undefined,
    maxItems: number,
  ): Promise<MarkerPage<RamUser>> {
    const after = decodeMarker(marker);
    let q = this.k.selectFrom('users').selectAll().where('tenant_id', '=', grant.tenantId);
    if (after !== undefined) q = q.where('name', '>', after);
    const rows = await q
      .orderBy('name')
      .limit(maxItems + 1)
      .execute();
    const p = page(rows, maxItems, (u) => u.name);
    return { items: p.items.map(ramUser), marker: p.marker };
  }

  async createUser(
    grant: TenantGrant,
    name: string,
    attrs: UserAttributes,
    audit: AuditRecorder,
  ): Promise<RamUser> {
    const user: User = {
      id: newAccountId(),
      tenant_id: grant.tenantId,
      name,
      is_owner: 0,
      status: 'Normal',
      created_at: this.now(),
      display_name: attrs.DisplayName ?? null,
      email: attrs.Email ?? null,
      mobile_phone: attrs.MobilePhone ?? null,
      comments: attrs.Comments ?? null,
      updated_at: null,
    };
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user).execute();
        await audit.record(trx, { targets: { UserId: user.id, UserName: name } });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw errors.ramUserExists(name);
      throw e;
    }
    return ramUser(user);
  }

  async updateUser(
    grant: UserGrant,
    changes: UserAttributes & { NewUserName?: string },
    audit: AuditRecorder,
  ): Promise<RamUser> {
    const user = grant.user.row;
    const name = user.name;
    const set = {
      ...(changes.NewUserName !== undefined ? { name: changes.NewUserName } : {}),
      ...(changes.DisplayName !== undefined ? { display_name: changes.DisplayName } : {}),
      ...(changes.Email !== undefined ? { email: changes.Email } : {}),
      ...(changes.MobilePhone !== undefined ? { mobile_phone: changes.MobilePhone } : {}),
      ...(changes.Comments !== undefined ? { comments: changes.Comments } : {}),
      updated_at: this.now(),
    };
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx.updateTable('users').set(set).where('id', '=', user.id).execute();
        await audit.record(trx, {
          targets: {
            UserId: user.id,
            UserName: name,
            ...(changes.NewUserName !== undefined ? { NewUserName: changes.NewUserName } : {}),
          },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw errors.ramUserExists(changes.NewUserName ?? name);
      throw e;
    }
    // A renamed user's cached credentials would carry the old name for a few seconds.
    if (changes.NewUserName !== undefined) await this.forgetKeysOf(user.id);
    return ramUser({ ...user, ...set });
  }

  /**
   * Deletes a user without keys or policies (RAM's rule), who owns no workspace (dshub's: a
   * workspace keeps its owner). Its memberships and tenant role go with it.
   */
  async deleteUser(grant: UserGrant, audit: AuditRecorder): Promise<void> {
    const user = grant.user.row;
    const name = user.name;
    await this.k.transaction().execute(async (trx) => {
      const key = await trx
        .selectFrom('access_keys')
        .select('id')
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (key) {
        throw errors.ramDeleteConflict(
          'DeleteConflict.User.AccessKey',
          `The user ${name} still has AccessKeys: delete them first (ListAccessKeys, DeleteAccessKey).`,
        );
      }
      const policy = await trx
        .selectFrom('policy_attachments')
        .select('policy_name')
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (policy) {
        throw errors.ramDeleteConflict(
          'DeleteConflict.User.Policy',
          `The user ${name} still has attached policies: detach them first (ListPoliciesForUser, DetachPolicyFromUser).`,
        );
      }
      const owned = await trx
        .selectFrom('projects')
        .select('id')
        .where('tenant_id', '=', user.tenant_id)
        .where('owner', '=', user.id)
        .executeTakeFirst();
      if (owned) {
        throw errors.ramDeleteConflict(
          'DeleteConflict.User.Workspace',
          `The user ${name} owns workspace ${owned.id}: delete the workspace first.`,
        );
      }
      const r = await trx.deleteFrom('users').where('id', '=', user.id).executeTakeFirst();
      // Deleted meanwhile by another call: as if it had never been there.
      if (Number(r.numDeletedRows) === 0) throw errors.ramUserNotFound(name);
      await audit.record(trx, { targets: { UserId: user.id, UserName: name } });
    });
  }

  // ---- AccessKeys ----------------------------------------------------------------------------

  /**
   * A new AccessKey for the user (the caller without UserName). The secret is in this answer
   * only: the store keeps it sealed and no later call reveals it.
   */
  async createAccessKey(
    grant: UserGrant,
    audit: AuditRecorder,
  ): Promise<RamAccessKey & { AccessKeySecret: string }> {
    const user = grant.user.row;
    const id = newAccessKeyId();
    const secret = newAccessKeySecret();
    const at = this.now();
    await this.k.transaction().execute(async (trx) => {
      // Counted inside the transaction that inserts, so that two creates cannot both pass on
      // SQLite (one writer); on PostgreSQL the user row is locked first for the same effect.
      const locked = await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', user.id)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!locked) throw errors.ramUserNotFound(user.name);
      const [{ n }] = (await trx
        .selectFrom('access_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', user.id)
        .execute()) as [{ n: number }];
      if (Number(n) >= MAX_ACCESS_KEYS_PER_USER) {
        throw errors.ramAccessKeyLimit(MAX_ACCESS_KEYS_PER_USER);
      }
      await trx
        .insertInto('access_keys')
        .values({
          id,
          user_id: user.id,
          tenant_id: user.tenant_id,
          secret_sealed: this.envelope.seal(secret, accessKeyPurpose(id)),
          status: 'Active',
          created_at: at,
        })
        .execute();
      await audit.record(trx, {
        targets: { UserId: user.id, UserName: user.name, AccessKeyId: id },
      });
    });
    return { AccessKeyId: id, AccessKeySecret: secret, Status: 'Active', CreateDate: ramDate(at) };
  }

  async listAccessKeys(
    grant: TenantGrant,
    principal: Principal,
    name: string | undefined,
  ): Promise<RamAccessKey[]> {
    const user = await this.userOrCaller(grant, principal, name);
    const rows = await this.k
      .selectFrom('access_keys')
      .select(['id', 'status', 'created_at'])
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      AccessKeyId: r.id,
      Status: r.status,
      CreateDate: ramDate(r.created_at),
    }));
  }

  /** Activates or deactivates one of the user's keys; takes effect at once in this process. */
  async updateAccessKey(
    grant: UserGrant,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
    audit: AuditRecorder,
  ): Promise<void> {
    const user = grant.user.row;
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('access_keys')
        .set({ status })
        .where('id', '=', accessKeyId)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw errors.ramAccessKeyNotFound(accessKeyId);
      await audit.record(trx, { detail: `Status=${status}` });
    });
    this.forgetCredential(accessKeyId);
  }

  async deleteAccessKey(
    grant: UserGrant,
    accessKeyId: string,
    audit: AuditRecorder,
  ): Promise<void> {
    const user = grant.user.row;
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('access_keys')
        .where('id', '=', accessKeyId)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw errors.ramAccessKeyNotFound(accessKeyId);
      await audit.record(trx, {});
    });
    this.forgetCredential(accessKeyId);
  }

  private async forgetKeysOf(userId: string): Promise<void> {
    const keys = await this.k
      .selectFrom('access_keys')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    for (const k of keys) this.forgetCredential(k.id);
  }

  // ---- policies ------------------------------------------------------------------------------

  /**
   * Checks, inside the transaction `trx` that then writes an attachment, that a policy of this
   * type and name exists (System: built in; Custom: the tenant's). On PostgreSQL the custom
   * policy's row is share-locked until that transaction ends, and DeletePolicy locks it for
   * update before it reads the attachments: whichever comes second waits for the first, so an
   * attachment never outlives its policy. SQLite runs one transaction at a time.
   */
  private async requirePolicy(
    trx: Kysely<Database>,
    tenantId: string,
    type: PolicyType,
    name: string,
  ): Promise<void> {
    const exists =
      type === 'System'
        ? isBuiltinPolicy(name)
        : !!(await trx
            .selectFrom('policies')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('name', '=', name)
            .$if(this.dialect === 'postgres', (q) => q.forShare())
            .executeTakeFirst());
    if (!exists) throw errors.ramPolicyNotFound(type, name);
  }

  /**
   * AttachPolicyToUser and DetachPolicyFromUser: the same checks and the same audit, one write
   * each. The change takes effect on the user's next call on this server (its cached credentials
   * are forgotten).
   */
  async changeAttachment(
    grant: UserGrant,
    change: AttachmentChange,
    type: PolicyType,
    policyName: string,
    audit: AuditRecorder,
  ): Promise<void> {
    const user = grant.user.row;
    try {
      await this.k.transaction().execute(async (trx) => {
        await this.requirePolicy(trx, user.tenant_id, type, policyName);
        if (change === 'attach') {
          await trx
            .insertInto('policy_attachments')
            .values({
              user_id: user.id,
              tenant_id: user.tenant_id,
              policy_name: policyName,
              attached_at: this.now(),
            })
            .execute();
        } else {
          const r = await trx
            .deleteFrom('policy_attachments')
            .where('user_id', '=', user.id)
            .where('policy_name', '=', policyName)
            .executeTakeFirst();
          if (Number(r.numDeletedRows) === 0) {
            throw errors.ramPolicyNotAttached(policyName, user.name);
          }
        }
        await audit.record(trx, { detail: `PolicyType=${type}` });
      });
    } catch (e) {
      if (change === 'attach' && isUniqueViolation(e)) {
        throw errors.ramPolicyAttached(policyName, user.name);
      }
      throw e;
    }
    await this.forgetKeysOf(user.id);
  }

  async listPoliciesForUser(
    grant: TenantGrant,
    userName: string,
  ): Promise<
    Array<Omit<RamPolicy, 'CreateDate' | 'UpdateDate' | 'AttachmentCount'> & { AttachDate: string }>
  > {
    const user = await this.findUser(grant.tenantId, userName);
    const rows = await this.k
      .selectFrom('policy_attachments as a')
      .leftJoin('policies as p', (j) =>
        j.onRef('p.tenant_id', '=', 'a.tenant_id').onRef('p.name', '=', 'a.policy_name'),
      )
      .select(['a.policy_name', 'a.attached_at', 'p.description', 'p.id'])
      .where('a.user_id', '=', user.id)
      .orderBy('a.policy_name')
      .execute();
    return rows.map((r) => {
      const name = r.policy_name;
      // A System policy has no row of the tenant's: a custom one named like it is Custom.
      const system = r.id === null && isBuiltinPolicy(name);
      return {
        PolicyName: name,
        PolicyType: system ? 'System' : 'Custom',
        Description: system ? POLICY_DESCRIPTIONS[name] : (r.description ?? ''),
        DefaultVersion: DEFAULT_VERSION,
        AttachDate: ramDate(r.attached_at ?? user.created_at),
      };
    });
  }

  async createPolicy(
    grant: TenantGrant,
    name: string,
    documentText: string,
    description: string | undefined,
    audit: AuditRecorder,
  ): Promise<Omit<RamPolicy, 'UpdateDate' | 'AttachmentCount'>> {
    audit.note({ targets: { PolicyName: name } });
    if (isBuiltinPolicy(name)) throw errors.ramPolicyExists(name);
    try {
      parsePolicyDocument(documentText);
    } catch (e) {
      throw errors.invalidParameter('PolicyDocument', (e as Error).message);
    }
    const at = this.now();
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx
          .insertInto('policies')
          .values({
            tenant_id: grant.tenantId,
            name,
            document: documentText,
            created_at: at,
            description: description ?? null,
            updated_at: null,
          })
          .execute();
        await audit.record(trx, {});
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw errors.ramPolicyExists(name);
      throw e;
    }
    return {
      PolicyName: name,
      PolicyType: 'Custom',
      Description: description ?? '',
      DefaultVersion: DEFAULT_VERSION,
      CreateDate: ramDate(at),
    };
  }

  private async attachmentCounts(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.k
      .selectFrom('policy_attachments')
      .select(['policy_name', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', tenantId)
      .groupBy('policy_name')
      .execute();
    return new Map(rows.map((r) => [r.policy_name, Number(r.n)]));
  }

  /** Every policy the tenant can attach: the system ones, then its custom ones, by name. */
  private async allPolicies(
    tenantId: string,
    type: PolicyType | undefined,
  ): Promise<Array<RamPolicy & { document: string }>> {
    const counts = await this.attachmentCounts(tenantId);
    const out: Array<RamPolicy & { document: string }> = [];
    if (type !== 'Custom') {
      for (const [name, doc] of Object.entries(BUILTIN_POLICIES)) {
        out.push({
          PolicyName: name,
          PolicyType: 'System',
          Description: POLICY_DESCRIPTIONS[name as keyof typeof BUILTIN_POLICIES],
          DefaultVersion: DEFAULT_VERSION,
          CreateDate: SYSTEM_POLICY_DATE,
          UpdateDate: SYSTEM_POLICY_DATE,
          AttachmentCount: counts.get(name) ?? 0,
          document: JSON.stringify(doc),
        });
      }
    }
    if (type !== 'System') {
      const rows = await this.k
        .selectFrom('policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .execute();
      for (const r of rows) {
        out.push({
          PolicyName: r.name,
          PolicyType: 'Custom',
          Description: r.description ?? '',
          DefaultVersion: DEFAULT_VERSION,
          CreateDate: ramDate(r.created_at),
          UpdateDate: ramDate(r.updated_at ?? r.created_at),
          AttachmentCount: counts.get(r.name) ?? 0,
          document: r.document,
        });
      }
    }
    return out.sort((a, b) =>
      a.PolicyName < b.PolicyName ? -1 : a.PolicyName > b.PolicyName ? 1 : 0,
    );
  }

  async getPolicy(
    grant: TenantGrant,
    type: PolicyType,
    name: string,
  ): Promise<RamPolicy & { PolicyDocument: string }> {
    const hit = (await this.allPolicies(grant.tenantId, type)).find((p) => p.PolicyName === name);
    if (!hit) throw errors.ramPolicyNotFound(type, name);
    const { document, ...policy } = hit;
    return { ...policy, PolicyDocument: document };
  }

  /** Policies by name; a tenant has few, so the page is cut from the whole list. */
  async listPolicies(
    grant: TenantGrant,
    type: PolicyType | undefined,
    marker: string | undefined,
    maxItems: number,
  ): Promise<MarkerPage<RamPolicy>> {
    const after = decodeMarker(marker);
    const all = (await this.allPolicies(grant.tenantId, type))
      .filter((p) => after === undefined || p.PolicyName > after)
      .map(({ document: _, ...p }) => p);
    return page(all.slice(0, maxItems + 1), maxItems, (p) => p.PolicyName);
  }

  /** Deletes a custom policy; attached to users only with CascadingDelete (then detached too). */
  async deletePolicy(
    grant: TenantGrant,
    name: string,
    cascading: boolean,
    /** The decision on the users the policy is attached to, read in the deleting transaction. */
    authorize: (holders: readonly RamHolder[]) => RamHoldersGrant,
    audit: AuditRecorder,
  ): Promise<void> {
    audit.note({ targets: { PolicyName: name } });
    const users = await this.k.transaction().execute(async (trx) => {
      // Locked before the attachments are read: an attachment in flight (requirePolicy) either
      // committed first and is read below, or waits and then finds no policy.
      const policy = await trx
        .selectFrom('policies')
        .select('id')
        .where('tenant_id', '=', grant.tenantId)
        .where('name', '=', name)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!policy) throw errors.ramPolicyNotFound('Custom', name);
      const attached = await trx
        .selectFrom('policy_attachments as a')
        .leftJoin('tenant_roles as r', (j) =>
          j.onRef('r.user_id', '=', 'a.user_id').on('r.role', '=', 'TenantAdmin'),
        )
        .select(['a.user_id', 'r.role'])
        .where('a.tenant_id', '=', grant.tenantId)
        .where('a.policy_name', '=', name)
        .execute();
      const holders = authorize(
        attached.map((a) => ({ id: a.user_id, isTenantAdmin: a.role !== null })),
      );
      if (attached.length > 0 && !cascading) {
        throw errors.ramDeleteConflict(
          'DeleteConflict.Policy.User',
          `The policy ${name} is attached to ${attached.length} user(s): detach it first, or send CascadingDelete=true.`,
        );
      }
      await trx
        .deleteFrom('policy_attachments')
        .where('tenant_id', '=', grant.tenantId)
        .where('policy_name', '=', name)
        .execute();
      await trx.deleteFrom('policies').where('id', '=', policy.id).execute();
      await audit.record(trx, { detail: `detached from ${attached.length} user(s)` });
      return holders.userIds;
    });
    for (const u of users) await this.forgetKeysOf(u);
  }
}
