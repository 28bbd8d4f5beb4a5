/**
 * The role layer of the permission engine. An operation declares the roles that may call it;
 * the caller passes with the union of: Tenant Owner (in its own tenant) ∪ a declared tenant
 * role ∪ a declared workspace role in the workspace concerned. Another tenant's workspace
 * answers exactly as a missing one does.
 */
import { errors } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { Membership, WorkspaceDirectory } from '../workspaces/directory.js';
import { holdsTenantRole, type Role, roleLabel } from './roles.js';

export interface AccessGuard {
  /** Throws unless the caller holds one of the operation's roles in this workspace (or tenant-wide). */
  requireWorkspace(
    projectId: number,
    opts?: {
      roles?: readonly Role[];
      /**
       * The caller's membership in `projectId`, read in the same query as the record it
       * guards (one round trip); omitted: the guard looks it up.
       */
      membership?: Membership | undefined;
    },
  ): Promise<void>;
  /** Throws unless the caller is Tenant Owner or holds one of the operation's tenant roles. */
  requireTenant(opts?: { roles?: readonly Role[] }): void;
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

export class RequestAccessGuard implements AccessGuard {
  decided = false;

  constructor(
    private readonly principal: Principal,
    private readonly op: GuardedOperation,
    private readonly workspaces: WorkspaceDirectory,
  ) {}

  async requireWorkspace(
    projectId: number,
    opts: { roles?: readonly Role[]; membership?: Membership | undefined } = {},
  ): Promise<void> {
    const roles = opts.roles ?? this.op.roles;
    // A caller that read the caller's membership with its record (one round trip) passes it.
    const m =
      'membership' in opts
        ? opts.membership
        : await this.workspaces.membership(projectId, this.principal.userId);
    if (!m || m.tenantId !== this.principal.tenantId) throw errors.workspaceNotFound(projectId);
    if (!holdsTenantRole(this.principal, roles) && !roles.some((r) => m.roles.has(r))) {
      throw errors.roleDenied(this.op.action, roles.map(roleLabel));
    }
    // Checked after the role, so that only those who could otherwise call learn the status.
    if (this.op.activeWorkspace && m.status === 'Forbidden') {
      throw errors.workspaceForbidden(this.op.action, projectId);
    }
    this.decided = true;
  }

  requireTenant(opts: { roles?: readonly Role[] } = {}): void {
    const roles = opts.roles ?? this.op.roles;
    if (!holdsTenantRole(this.principal, roles))
      throw errors.roleDenied(this.op.action, roles.map(roleLabel));
    this.decided = true;
  }

  decidedByHandler(): void {
    this.decided = true;
  }
}
