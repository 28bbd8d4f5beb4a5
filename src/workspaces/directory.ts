/**
 * The access decisions' view of workspaces: which tenant one belongs to, and a user's roles in it.
 */
import { type CustomModulePermission, grantsOf } from '../access/custom-role-grants.js';
import type { Db } from '../store/dialect.js';
import { type Prepared, param, prepare } from '../store/prepared.js';

export interface Membership {
  tenantId: string;
  /** The caller's workspace role codes there (empty when not a member). */
  roles: ReadonlySet<string>;
  /** The workspace's Status (Available, Forbidden, ...). */
  status: string;
  /** For each grant of a custom role (CustomRole, DataSource*): the first custom role giving it. */
  grantedBy?: ReadonlyMap<string, string>;
}

export interface WorkspaceDirectory {
  membership(workspaceId: number, userId: string): Promise<Membership | undefined>;
}

/**
 * What a membership is read from: the workspace's row left-joined with the caller's role rows
 * and, for a custom role, its module permissions (see `membershipQuery`).
 */
export interface MembershipRow {
  tenant_id: string;
  status: string;
  dev_role_disabled: number;
  role_code: string | null;
  module_permissions: string | null;
}

/** One row per role held (one row with a null role when none); no rows: no such workspace. */
export function membershipFromRows(rows: readonly MembershipRow[]): Membership | undefined {
  if (rows.length === 0) return undefined;
  // A workspace whose Develop role is disabled (UpdateProject DevRoleDisabled) leaves the
  // role on its holders, but it grants nothing there any more.
  const devDisabled = rows[0]!.dev_role_disabled === 1;
  const roles = new Set<string>();
  const grantedBy = new Map<string, string>();
  for (const r of rows) {
    if (!r.role_code || (devDisabled && r.role_code === 'role_project_dev')) continue;
    roles.add(r.role_code);
    // A custom role: what its module permissions grant (src/access/custom-role-grants.ts).
    if (r.module_permissions !== null) {
      const perms = JSON.parse(r.module_permissions) as CustomModulePermission[];
      for (const g of ['CustomRole', ...grantsOf(perms)]) {
        roles.add(g);
        if (!grantedBy.has(g)) grantedBy.set(g, r.role_code);
      }
    }
  }
  return {
    tenantId: rows[0]!.tenant_id,
    roles,
    status: rows[0]!.status,
    ...(grantedBy.size > 0 ? { grantedBy } : {}),
  };
}

export class StoreWorkspaceDirectory implements WorkspaceDirectory {
  // Every role-checked call runs it: compiled once (store/prepared.ts).
  private readonly query: Prepared<MembershipRow, 'workspaceId' | 'userId'>;

  constructor(db: Db) {
    this.query = prepare(
      db,
      'dshub_membership',
      db.kysely
        .selectFrom('projects as p')
        .leftJoin('project_member_roles as r', (j) =>
          j.onRef('r.project_id', '=', 'p.id').on('r.user_id', '=', param<string>('userId')),
        )
        .leftJoin('project_roles as c', (j) =>
          j.onRef('c.project_id', '=', 'p.id').onRef('c.code', '=', 'r.role_code'),
        )
        .select([
          'p.tenant_id',
          'p.status',
          'p.dev_role_disabled',
          'r.role_code',
          'c.module_permissions',
        ])
        .where('p.id', '=', param<number>('workspaceId')),
      ['workspaceId', 'userId'],
      { keepWhileUnchanged: true },
    );
  }

  async membership(workspaceId: number, userId: string): Promise<Membership | undefined> {
    const { rows } = await this.query.run({ workspaceId, userId });
    return membershipFromRows(rows);
  }
}
