/**
 * The access decisions' view of workspaces: which tenant one belongs to, and a user's roles in it.
 */
import type { Db } from '../store/dialect.js';

export interface Membership {
  tenantId: string;
  /** The caller's workspace role codes there (empty when not a member). */
  roles: ReadonlySet<string>;
}

export interface WorkspaceDirectory {
  membership(projectId: number, userId: string): Promise<Membership | undefined>;
}

export class StoreWorkspaceDirectory implements WorkspaceDirectory {
  constructor(private readonly db: Db) {}

  async membership(projectId: number, userId: string): Promise<Membership | undefined> {
    const rows = await this.db.kysely
      .selectFrom('projects as p')
      .leftJoin('project_member_roles as r', (j) =>
        j.onRef('r.project_id', '=', 'p.id').on('r.user_id', '=', userId),
      )
      .select(['p.tenant_id', 'p.dev_role_disabled', 'r.role_code'])
      .where('p.id', '=', projectId)
      .execute();
    if (rows.length === 0) return undefined;
    // A workspace whose Develop role is disabled (UpdateProject DevRoleDisabled) leaves the
    // role on its holders, but it grants nothing there any more.
    const devDisabled = rows[0]!.dev_role_disabled === 1;
    return {
      tenantId: rows[0]!.tenant_id,
      roles: new Set(
        rows.flatMap((r) =>
          r.role_code && !(devDisabled && r.role_code === 'role_project_dev') ? [r.role_code] : [],
        ),
      ),
    };
  }
}
