/**
 * Every access decision of dshub's role layer, in one place. Each function *returns* a decision
 * and never throws for a refusal; operations turn decisions into errors in one way
 * (`RequestAccessGuard.enforce`, src/access/access-guard.ts), and an explanation ("who can use
 * this data source, and why?") reads the same decisions.
 *
 * A decision is one of
 *   - `allowed`:   carries a grant, the proof that writing service methods take as an argument;
 *   - `hidden`:    the caller learns nothing: answered exactly as a missing subject;
 *   - `denied`:    the caller may see the subject but holds none of the roles (`roles` lists them);
 *   - `read-only`: the data source is shared to the caller, who may use it but not change it.
 * and every decision has a `reason`: a stable `code` (below) and a sentence for people, plus the
 * role or the workspace it rests on where there is one.
 *
 * Rules, in order: another tenant's subject is hidden, even from that tenant's owner; the Tenant
 * Owner may do everything in its own tenant; a tenant role counts where the operation's row of
 * MAY (src/access/roles.ts) names it; a workspace role counts in its workspace. The Tenant
 * Administrator administers but never obtains a data source's secrets (ResolveDataSource,
 * TestDataSourceConnectivity), whatever workspace roles it holds — it could grant itself any.
 *
 * The module reads facts (memberships, where a record lives, which rules exist) through
 * `AccessFacts`, wired in src/services.ts; it has no store access of its own.
 */
import type { Principal } from '../identity/principal.js';
import type { Membership } from '../workspaces/directory.js';
import { MAY, type Role } from './roles.js';

export type ReasonCode =
  /** allowed: the Tenant Owner, in its own tenant. */
  | 'tenant-owner'
  /** allowed: a tenant role (Tenant Administrator) the operation's row names. */
  | 'tenant-role'
  /** allowed: a workspace role the row names, held in the subject's workspace. */
  | 'workspace-role'
  /** allowed (resolution of a shared name): a member of the asking workspace; a rule must cover it. */
  | 'sharing-rule'
  /** hidden: no such workspace, data source or rule. */
  | 'missing'
  /** hidden: it belongs to another tenant. */
  | 'other-tenant'
  /** hidden: the data source is not in the workspace the request names. */
  | 'elsewhere'
  /** denied (hidden for resolution): none of the row's roles. */
  | 'no-role'
  /** read-only: shared to the caller through a rule; only its own workspace's roles change it. */
  | 'shared-read-only'
  /** denied (hidden for resolution): the Tenant Administrator obtains no secrets. */
  | 'tenant-admin-no-secrets'
  /** denied: the workspace's Status is Forbidden, and the act uses its data sources. */
  | 'workspace-forbidden'
  /** denied (RAM): the Tenant Owner's user, keys and policies are the Tenant Owner's alone. */
  | 'tenant-owner-protected'
  /** denied (RAM): a Tenant Administrator creates AccessKeys only for itself. */
  | 'access-key-for-others'
  /** denied (RAM): only the Tenant Owner changes a Tenant Administrator's policies. */
  | 'admin-policies-protected';

export interface Reason {
  code: ReasonCode;
  /** One sentence for people, e.g. "holds Develop (role_project_dev) in workspace 7". */
  text: string;
  /** The role the decision rests on (allowed through a role). */
  role?: Role;
  /** The workspace whose roles were consulted. */
  workspaceId?: number;
  /** The custom role (its code) that gives `role`, when `role` is a custom role's grant. */
  customRole?: string;
}

/** What a hidden decision answers as: the subject the caller named, as if it did not exist. */
export type Subject =
  | { kind: 'workspace'; id: number }
  | { kind: 'data-source'; id: number | string }
  | { kind: 'sharing-rule'; id: number };

declare const GRANTED: unique symbol;

/**
 * Proof that an access decision allowed the caller. Only this module makes grants (the brand
 * cannot be written elsewhere without a cast), and services' writing methods take one, so a
 * write without a decision cannot be expressed.
 */
export type Grant<T extends object> = Readonly<T> & {
  readonly tenantId: string;
  readonly userId: string;
  readonly reason: Reason;
  readonly [GRANTED]: true;
};
export type TenantGrant = Grant<object>;
export type WorkspaceGrant = Grant<{ workspaceId: number }>;
export type DataSourceGrant = Grant<{ id: number; workspaceId: number }>;
export type RuleGrant = Grant<RuleFacts>;
/**
 * May resolve names in `workspaceId`: own names (`own: true`), or shared names through the rules
 * that cover `audience` (the Tenant Owner: every rule; anyone else: whole-workspace rules and
 * rules naming them).
 */
export type ResolutionGrant = Grant<{
  workspaceId: number;
  own: boolean;
  audience: ShareAudience;
}>;

/**
 * Whose sharing rules count for a caller: every rule for the Tenant Owner (who passes everywhere in
 * its tenant), else the whole-workspace rules and the rules naming the caller.
 */
export type ShareAudience = { everyone: true } | { userId: string };
/** May list what is shared into `workspaceId`, through the rules that cover `audience`. */
export type SharedListGrant = Grant<{ workspaceId: number; audience: ShareAudience }>;

function shareAudience(principal: Principal): ShareAudience {
  return principal.isOwner ? { everyone: true } : { userId: principal.userId };
}

export type Decision<G> =
  | { outcome: 'allowed'; reason: Reason; grant: G }
  | { outcome: 'hidden'; reason: Reason; subject: Subject }
  | { outcome: 'denied'; reason: Reason; roles: readonly Role[]; workspaceId?: number }
  | { outcome: 'read-only'; reason: Reason; subject: Subject; workspaceId: number };

export interface RuleFacts {
  id: number;
  dataSourceId: number;
  sourceWorkspaceId: number;
  targetWorkspaceId: number;
}

/** What the decisions read; src/services.ts wires the store-backed implementation. */
export interface AccessFacts {
  membership(workspaceId: number, userId: string): Promise<Membership | undefined>;
  /** The workspace a data source record belongs to. */
  locateDataSource(id: number): Promise<{ id: number; workspaceId: number } | undefined>;
  locateRule(id: number): Promise<RuleFacts | undefined>;
  /** Whether a rule shares the record into a workspace where the user holds a role. */
  isSharedWith(dataSourceId: number, userId: string): Promise<boolean>;
}

export interface DataSourceQuestion {
  /** The workspace the request names: the record must be in it. */
  workspaceId?: number;
  /**
   * The operation changes or derives from the record (update, delete, clone, re-share): a
   * caller who can use it only through a sharing rule is told it is read-only for them.
   */
  modifies?: boolean;
  /** The operation uses the record's secrets on the caller's behalf (connectivity test). */
  usesSecrets?: boolean;
  /**
   * The record's location when the caller has read it already (one read for Get), with the
   * caller's membership of its workspace when that was read in the same query.
   */
  found?: { id: number; workspaceId: number; membership?: Membership | undefined } | null;
  /** The act uses the workspace's data sources: refused in a Forbidden workspace. */
  activeWorkspace?: boolean;
}

export interface WorkspaceQuestion {
  /**
   * The act uses the workspace's data sources: a workspace whose Status is Forbidden refuses it,
   * once the caller's role has passed (only those who could otherwise act learn the status).
   */
  activeWorkspace?: boolean;
}

/** Makes a grant; for the decision modules of src/access/ only (src/access/ram-decisions.ts). */
export function grant<T extends object>(
  principal: Pick<Principal, 'tenantId' | 'userId'>,
  reason: Reason,
  facts: T,
): Grant<T> {
  return {
    ...facts,
    tenantId: principal.tenantId,
    userId: principal.userId,
    reason,
  } as unknown as Grant<T>;
}

/*
 * The grants of the hot decisions, each built as one object literal. `grant` spreads its facts,
 * and a spread of objects of many shapes (every kind of grant goes through it) is a megamorphic
 * clone that builds a new hidden class per call: about 1–4 µs each, three per GetDataSource.
 * These give the same members in the same order as `grant(principal, reason, facts)`.
 */
function tenantGrant(principal: Principal, reason: Reason): TenantGrant {
  return {
    tenantId: principal.tenantId,
    userId: principal.userId,
    reason,
  } as unknown as TenantGrant;
}

function workspaceGrant(principal: Principal, reason: Reason, workspaceId: number): WorkspaceGrant {
  return {
    workspaceId,
    tenantId: principal.tenantId,
    userId: principal.userId,
    reason,
  } as unknown as WorkspaceGrant;
}

function dataSourceGrant(
  principal: Principal,
  reason: Reason,
  id: number,
  workspaceId: number,
): DataSourceGrant {
  return {
    id,
    workspaceId,
    tenantId: principal.tenantId,
    userId: principal.userId,
    reason,
  } as unknown as DataSourceGrant;
}

const label = (workspaceId: number) => `workspace ${workspaceId}`;

function forbiddenWorkspace(workspaceId: number): Decision<never> {
  return {
    outcome: 'denied',
    reason: {
      code: 'workspace-forbidden',
      text: `${label(workspaceId)} is disabled (Status Forbidden)`,
      workspaceId,
    },
    roles: [],
    workspaceId,
  };
}

/**
 * Why the caller passes tenant-wide, if it does: the Tenant Owner, or a tenant role the row
 * names; `workspaceId` when the question is asked in a workspace.
 */
function tenantReason(
  principal: Principal,
  row: readonly Role[],
  workspaceId?: number,
): Reason | undefined {
  if (principal.isOwner) {
    return workspaceId === undefined
      ? { code: 'tenant-owner', text: 'is the Tenant Owner' }
      : { code: 'tenant-owner', text: 'is the Tenant Owner', workspaceId };
  }
  if (row.includes('TenantAdmin') && principal.tenantRoles.has('TenantAdmin')) {
    const text = 'is a Tenant Administrator';
    return workspaceId === undefined
      ? { code: 'tenant-role', text, role: 'TenantAdmin' }
      : { code: 'tenant-role', text, role: 'TenantAdmin', workspaceId };
  }
  return undefined;
}

function isTenantAdmin(p: Principal): boolean {
  return !p.isOwner && p.tenantRoles.has('TenantAdmin');
}

export class AccessDecisions {
  constructor(private readonly facts: AccessFacts) {}

  /** A tenant-wide act (e.g. CreateProject): Tenant Owner, or a tenant role the row names. */
  tenant(principal: Principal, row: readonly Role[]): Decision<TenantGrant> {
    const reason = tenantReason(principal, row);
    if (reason) return { outcome: 'allowed', reason, grant: tenantGrant(principal, reason) };
    return {
      outcome: 'denied',
      reason: { code: 'no-role', text: 'holds no tenant role that may do this' },
      roles: row,
    };
  }

  /** An act in one workspace: a tenant role of the row, or a workspace role of the row there. */
  async workspace(
    principal: Principal,
    workspaceId: number,
    row: readonly Role[],
    q: WorkspaceQuestion = {},
  ): Promise<Decision<WorkspaceGrant>> {
    const m = await this.facts.membership(workspaceId, principal.userId);
    return this.withMembership(principal, workspaceId, row, m, q);
  }

  /** The workspace decision, with the rules the caller sees among those shared into it. */
  async sharedList(
    principal: Principal,
    workspaceId: number,
    row: readonly Role[],
    q: WorkspaceQuestion = {},
  ): Promise<Decision<SharedListGrant>> {
    const d = await this.workspace(principal, workspaceId, row, q);
    if (d.outcome !== 'allowed') return d;
    const audience = shareAudience(principal);
    return { ...d, grant: grant(principal, d.reason, { workspaceId, audience }) };
  }

  private withMembership(
    principal: Principal,
    workspaceId: number,
    row: readonly Role[],
    m: Membership | undefined,
    q: WorkspaceQuestion,
  ): Decision<WorkspaceGrant> {
    const d = this.inWorkspace(principal, workspaceId, row, m);
    if (d.outcome === 'allowed' && q.activeWorkspace && m?.status === 'Forbidden') {
      return forbiddenWorkspace(workspaceId);
    }
    return d;
  }

  private inWorkspace(
    principal: Principal,
    workspaceId: number,
    row: readonly Role[],
    m: Membership | undefined,
  ): Decision<WorkspaceGrant> {
    const subject: Subject = { kind: 'workspace', id: workspaceId };
    if (!m) {
      return { outcome: 'hidden', subject, reason: { code: 'missing', text: 'no such workspace' } };
    }
    if (m.tenantId !== principal.tenantId) {
      return {
        outcome: 'hidden',
        subject,
        reason: { code: 'other-tenant', text: 'the workspace belongs to another tenant' },
      };
    }
    const tenant = tenantReason(principal, row, workspaceId);
    if (tenant) {
      return {
        outcome: 'allowed',
        reason: tenant,
        grant: workspaceGrant(principal, tenant, workspaceId),
      };
    }
    const role = row.find((r) => m.roles.has(r));
    if (role) {
      const customRole = m.grantedBy?.get(role);
      const reason: Reason =
        customRole === undefined
          ? {
              code: 'workspace-role',
              text: `holds ${role} in ${label(workspaceId)}`,
              role,
              workspaceId,
            }
          : {
              code: 'workspace-role',
              text: `holds the custom role ${customRole} (granting ${role}) in ${label(workspaceId)}`,
              role,
              workspaceId,
              customRole,
            };
      return { outcome: 'allowed', reason, grant: workspaceGrant(principal, reason, workspaceId) };
    }
    return {
      outcome: 'denied',
      reason: {
        code: 'no-role',
        text: `holds none of the roles in ${label(workspaceId)}`,
        workspaceId,
      },
      roles: row,
      workspaceId,
    };
  }

  /** An act on one data source record, decided in the workspace it belongs to. */
  async dataSource(
    principal: Principal,
    id: number,
    row: readonly Role[],
    q: DataSourceQuestion = {},
  ): Promise<Decision<DataSourceGrant>> {
    const subject: Subject = { kind: 'data-source', id };
    const ref = q.found === undefined ? await this.facts.locateDataSource(id) : q.found;
    if (!ref) {
      return {
        outcome: 'hidden',
        subject,
        reason: { code: 'missing', text: 'no such data source' },
      };
    }
    let base: Decision<WorkspaceGrant>;
    if (q.workspaceId !== undefined && ref.workspaceId !== q.workspaceId) {
      base = {
        outcome: 'hidden',
        subject,
        reason: { code: 'elsewhere', text: `the data source is not in ${label(q.workspaceId)}` },
      };
    } else {
      base =
        'membership' in ref
          ? this.withMembership(
              principal,
              ref.workspaceId,
              row,
              (ref as { membership?: Membership }).membership,
              q,
            )
          : await this.workspace(principal, ref.workspaceId, row, q);
    }
    if (base.outcome === 'allowed') {
      if (q.usesSecrets && isTenantAdmin(principal) && base.reason.code !== 'tenant-owner') {
        return {
          outcome: 'denied',
          reason: {
            code: 'tenant-admin-no-secrets',
            text: 'a Tenant Administrator administers data sources but does not use their secrets',
            workspaceId: ref.workspaceId,
          },
          roles: row,
          workspaceId: ref.workspaceId,
        };
      }
      return {
        outcome: 'allowed',
        reason: base.reason,
        grant: dataSourceGrant(principal, base.reason, id, ref.workspaceId),
      };
    }
    if (q.modifies && (await this.seesItOnlyShared(principal, ref.workspaceId, id))) {
      return {
        outcome: 'read-only',
        subject,
        workspaceId: ref.workspaceId,
        reason: {
          code: 'shared-read-only',
          text: `the data source is shared to the caller; it belongs to ${label(ref.workspaceId)}`,
          workspaceId: ref.workspaceId,
        },
      };
    }
    if (base.outcome === 'hidden') return { ...base, subject };
    return base;
  }

  /** No role in the source workspace, but a sharing rule lets the caller use it elsewhere. */
  private async seesItOnlyShared(principal: Principal, sourceWorkspaceId: number, id: number) {
    const inSource = await this.facts.membership(sourceWorkspaceId, principal.userId);
    if (inSource && inSource.tenantId !== principal.tenantId) return false;
    if (inSource && inSource.roles.size > 0) return false;
    return this.facts.isSharedWith(id, principal.userId);
  }

  /**
   * An act on a sharing rule, allowed from either side (the sharer stops sharing, the receiver
   * declines): the row's roles in the source or in the target workspace.
   */
  async sharingRule(
    principal: Principal,
    id: number,
    row: readonly Role[],
    q: WorkspaceQuestion = {},
  ): Promise<Decision<RuleGrant>> {
    const subject: Subject = { kind: 'sharing-rule', id };
    const rule = await this.facts.locateRule(id);
    if (!rule) {
      return { outcome: 'hidden', subject, reason: { code: 'missing', text: 'no such rule' } };
    }
    const fromSource = await this.workspace(principal, rule.sourceWorkspaceId, row, q);
    const decided =
      fromSource.outcome === 'allowed'
        ? fromSource
        : await this.workspace(principal, rule.targetWorkspaceId, row, q);
    if (decided.outcome === 'allowed') {
      return {
        outcome: 'allowed',
        reason: decided.reason,
        grant: grant(principal, decided.reason, rule),
      };
    }
    // Both workspaces are in one tenant: another tenant's caller sees neither.
    if (fromSource.outcome === 'hidden') return { ...fromSource, subject };
    return fromSource as Decision<RuleGrant>;
  }

  /**
   * ResolveDataSource: may the caller obtain, with secrets, what `name` means in `workspaceId`?
   * Own names: the Tenant Owner and the roles of MAY.useDataSources there. Shared names
   * (`<workspace>.<name>`): the Tenant Owner and every member, limited to the rules that cover
   * them (decided with the read, in the resolver's transaction). The Tenant Administrator gets
   * nothing (it administers, it could make itself a member). Every refusal is hidden: it answers
   * exactly as a missing data source.
   */
  async resolution(
    principal: Principal,
    workspaceId: number,
    name: string,
  ): Promise<Decision<ResolutionGrant>> {
    const subject: Subject = { kind: 'data-source', id: name };
    const m = await this.facts.membership(workspaceId, principal.userId);
    const own = !name.includes('.');
    let base = this.inWorkspace(principal, workspaceId, MAY.useDataSources, m);
    if (base.outcome === 'hidden') return { ...base, subject };
    if (!own && base.outcome === 'denied' && m && m.roles.size > 0) {
      // Any member may use what a rule shares to it, whatever its role.
      const reason: Reason = {
        code: 'sharing-rule',
        text: `is a member of ${label(workspaceId)}; a sharing rule must cover the caller`,
        workspaceId,
      };
      base = { outcome: 'allowed', reason, grant: grant(principal, reason, { workspaceId }) };
    }
    if (base.outcome === 'allowed' && isTenantAdmin(principal)) {
      return {
        outcome: 'hidden',
        subject,
        reason: {
          code: 'tenant-admin-no-secrets',
          text: 'a Tenant Administrator does not obtain data source secrets',
          workspaceId,
        },
      };
    }
    if (base.outcome !== 'allowed') return { outcome: 'hidden', subject, reason: base.reason };
    // Own and shared names alike stop resolving in a disabled workspace.
    if (m?.status === 'Forbidden') return forbiddenWorkspace(workspaceId);
    const reason = base.reason;
    const audience = shareAudience(principal);
    return {
      outcome: 'allowed',
      reason,
      grant: grant(principal, reason, { workspaceId, own, audience }),
    };
  }
}
