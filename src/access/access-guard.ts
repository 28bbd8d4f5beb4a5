/**
 * The role layer as a handler meets it: asks src/access/decisions.ts and turns the decision into
 * the answer, in one way for every operation —
 *   allowed → the grant; hidden → the "missing" error of the subject the caller named;
 *   denied → Forbidden.Access naming the roles that would do; read-only → Forbidden.Shared.
 * A handler that never asks is refused after the fact by src/wire/handle.ts (`decided`).
 */
import { type ApiError, errors } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type {
  AccessDecisions,
  DataSourceGrant,
  DataSourceQuestion,
  Decision,
  ResolutionGrant,
  RuleGrant,
  SharedListGrant,
  Subject,
  TenantGrant,
  WorkspaceGrant,
} from './decisions.js';
import { type Role, roleLabel } from './roles.js';

export interface AccessGuard {
  /** The decision in this workspace, for a handler that words a refusal itself. */
  decideWorkspace(
    workspaceId: number,
    opts?: { roles?: readonly Role[] },
  ): Promise<Decision<WorkspaceGrant>>;
  /** The caller's grant in this workspace (one of the operation's roles there, or tenant-wide). */
  requireWorkspace(
    workspaceId: number,
    opts?: { roles?: readonly Role[] },
  ): Promise<WorkspaceGrant>;
  /** The caller's tenant-wide grant (Tenant Owner, or one of the operation's tenant roles). */
  requireTenant(opts?: { roles?: readonly Role[] }): TenantGrant;
  /** The caller's grant on one data source record, decided in its workspace. */
  requireDataSource(
    id: number,
    q?: DataSourceQuestion & { roles?: readonly Role[] },
  ): Promise<DataSourceGrant>;
  /** The decision itself, for a handler that records what it rests on before enforcing it. */
  decideDataSource(
    id: number,
    q?: DataSourceQuestion & { roles?: readonly Role[] },
  ): Promise<Decision<DataSourceGrant>>;
  /** The grant of an allowed decision; the refusal's error otherwise. */
  enforce<G>(d: Decision<G>): G;
  /** The decision on a sharing rule, from its source or its target workspace. */
  decideSharingRule(id: number): Promise<Decision<RuleGrant>>;
  /** ListSharedDataSources' grant: the workspace, and whose sharing rules the caller sees. */
  requireSharedList(workspaceId: number): Promise<SharedListGrant>;
  /** ResolveDataSource's decision: refusals answer as a missing data source named `name`. */
  requireResolution(workspaceId: number, name: string): Promise<ResolutionGrant>;
  /** Records that the handler decided access itself (e.g. filtered a list by visibility). */
  decidedByHandler(): void;
}

/** The operation as the guard sees it: its action (for messages) and its declared roles. */
export interface GuardedOperation {
  action: string;
  roles: readonly Role[];
  /** Refused in a workspace whose Status is Forbidden. */
  activeWorkspace?: boolean;
}

/** The one translation from a refusal to the caller's answer. */
export function refusal(
  action: string,
  d: Exclude<Decision<unknown>, { outcome: 'allowed' }>,
): ApiError {
  switch (d.outcome) {
    case 'hidden':
      return missing(d.subject);
    case 'read-only':
      return errors.sharedReadOnly(`Data source ${d.subject.id}`);
    case 'denied':
      if (d.reason.code === 'tenant-admin-no-secrets') return errors.tenantAdminNoSecrets(action);
      if (d.reason.code === 'tenant-owner-protected') return errors.tenantOwnerProtected(action);
      if (d.reason.code === 'access-key-for-others') return errors.accessKeyForOthers(action);
      if (d.reason.code === 'admin-policies-protected')
        return errors.adminPoliciesProtected(action);
      if (d.reason.code === 'workspace-forbidden' && d.workspaceId !== undefined) {
        return errors.workspaceForbidden(action, d.workspaceId);
      }
      return errors.roleDenied(action, d.roles.map(roleLabel));
  }
}

function missing(s: Subject): ApiError {
  switch (s.kind) {
    case 'workspace':
      return errors.workspaceNotFound(s.id);
    case 'data-source':
      return errors.dataSourceNotFound(s.id);
    case 'sharing-rule':
      return errors.sharingRuleNotFound(s.id);
  }
}

export class RequestAccessGuard implements AccessGuard {
  decided = false;

  constructor(
    private readonly principal: Principal,
    private readonly op: GuardedOperation,
    private readonly decisions: AccessDecisions,
  ) {}

  /** The grant of an allowed decision; the refusal's error otherwise. */
  enforce<G>(d: Decision<G>): G {
    if (d.outcome !== 'allowed') throw refusal(this.op.action, d);
    this.decided = true;
    return d.grant;
  }

  decideWorkspace(workspaceId: number, opts: { roles?: readonly Role[] } = {}) {
    return this.decisions.workspace(this.principal, workspaceId, opts.roles ?? this.op.roles, {
      activeWorkspace: this.op.activeWorkspace,
    });
  }

  async requireWorkspace(workspaceId: number, opts: { roles?: readonly Role[] } = {}) {
    return this.enforce(await this.decideWorkspace(workspaceId, opts));
  }

  requireTenant(opts: { roles?: readonly Role[] } = {}) {
    return this.enforce(this.decisions.tenant(this.principal, opts.roles ?? this.op.roles));
  }

  decideDataSource(id: number, q: DataSourceQuestion & { roles?: readonly Role[] } = {}) {
    // One literal rather than a spread of `q` (a clone of a new shape per call on the hot read).
    return this.decisions.dataSource(this.principal, id, q.roles ?? this.op.roles, {
      workspaceId: q.workspaceId,
      modifies: q.modifies,
      usesSecrets: q.usesSecrets,
      found: q.found,
      activeWorkspace: q.activeWorkspace ?? this.op.activeWorkspace,
    });
  }

  async requireDataSource(id: number, q: DataSourceQuestion & { roles?: readonly Role[] } = {}) {
    return this.enforce(await this.decideDataSource(id, q));
  }

  decideSharingRule(id: number) {
    return this.decisions.sharingRule(this.principal, id, this.op.roles, {
      activeWorkspace: this.op.activeWorkspace,
    });
  }

  async requireSharedList(workspaceId: number) {
    return this.enforce(
      await this.decisions.sharedList(this.principal, workspaceId, this.op.roles, {
        activeWorkspace: this.op.activeWorkspace,
      }),
    );
  }

  async requireResolution(workspaceId: number, name: string) {
    return this.enforce(await this.decisions.resolution(this.principal, workspaceId, name));
  }

  decidedByHandler(): void {
    this.decided = true;
  }
}
