/**
 * The role layer of the permission engine. An operation declares the roles that may call it;
 * the caller passes with the union of: Tenant Owner (in its own tenant) ∪ a declared tenant
 * role ∪ a declared workspace role in the workspace concerned. Another tenant's workspace
 * answers exactly as a missing one does.
 */
import { errors } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { AccessGuard, Operation, Role } from '../registry/operation.js';
import { declaredRoles } from '../registry/operation.js';

export interface Membership {
  tenantId: string;
  /** The caller's workspace role codes there (empty when not a member). */
  roles: ReadonlySet<string>;
}

/** How the guard learns a workspace's tenant and the caller's roles in it. */
export interface WorkspaceDirectory {
  membership(projectId: number, userId: string): Promise<Membership | undefined>;
}

export function holdsTenantRole(principal: Principal, roles: readonly Role[]): boolean {
  if (principal.isOwner) return true;
  return roles.includes('TenantAdmin') && principal.tenantRoles.has('TenantAdmin');
}

export class RequestAccessGuard implements AccessGuard {
  decided = false;

  constructor(
    private readonly principal: Principal,
    private readonly op: Operation,
    private readonly workspaces: WorkspaceDirectory,
  ) {}

  async requireWorkspace(
    projectId: number,
    opts: { roles?: readonly Role[]; membership?: Membership | undefined } = {},
  ): Promise<void> {
    const roles = opts.roles ?? declaredRoles(this.op);
    // A caller that read the caller's membership with its record (one round trip) passes it.
    const m =
      'membership' in opts
        ? opts.membership
        : await this.workspaces.membership(projectId, this.principal.userId);
    if (!m || m.tenantId !== this.principal.tenantId) throw errors.workspaceNotFound(projectId);
    if (!holdsTenantRole(this.principal, roles) && !roles.some((r) => m.roles.has(r))) {
      throw errors.roleDenied(this.op.action, roles.map(roleLabel));
    }
    this.decided = true;
  }

  requireTenant(opts: { roles?: readonly Role[] } = {}): void {
    const roles = opts.roles ?? declaredRoles(this.op);
    if (!holdsTenantRole(this.principal, roles))
      throw errors.roleDenied(this.op.action, roles.map(roleLabel));
    this.decided = true;
  }

  decidedByHandler(): void {
    this.decided = true;
  }
}

const ROLE_LABELS: Record<Role, string> = {
  TenantOwner: 'Tenant Owner',
  TenantAdmin: 'Tenant Administrator',
  role_project_owner: 'Workspace Owner (role_project_owner)',
  role_project_admin: 'Workspace Administrator (role_project_admin)',
  role_project_dev: 'Develop (role_project_dev)',
  role_project_pe: 'O&M (role_project_pe)',
  role_project_deploy: 'Deploy (role_project_deploy)',
  role_project_guest: 'Visitor (role_project_guest)',
  role_project_security: 'Security Administrator (role_project_security)',
  role_project_erd: 'Model Designer (role_project_erd)',
  role_project_data_analyst: 'Data Analyst (role_project_data_analyst)',
  role_project_dg_admin: 'Data Governance Administrator (role_project_dg_admin)',
};

export function roleLabel(r: Role): string {
  return ROLE_LABELS[r];
}
