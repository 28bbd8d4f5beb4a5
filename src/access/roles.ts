/**
 * The roles of the permission engine and the one table that says which of them may do what.
 * Operations declare a row of this table (`access: { roles: MAY.readWorkspace }`); the access
 * decisions (src/access/), the OpenAPI document, `dshub ops` and docs/permissions.md all
 * read the same rows, so a role list is written down exactly once.
 */
import type { Principal } from '../identity/principal.js';
import type { CustomRoleGrant } from './custom-role-grants.js';

/** DataWorks' ten built-in workspace roles, in the order its role table lists them. */
export const WORKSPACE_ROLES = [
  'role_project_owner',
  'role_project_admin',
  'role_project_dev',
  'role_project_pe',
  'role_project_deploy',
  'role_project_guest',
  'role_project_security',
  'role_project_erd',
  'role_project_data_analyst',
  'role_project_dg_admin',
] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/**
 * Who may call an operation, in the words of DataWorks' role descriptions, plus what custom
 * workspace roles grant (src/access/custom-role-grants.ts): `CustomRole` is any custom role,
 * the DataSource* grants come from its module permissions.
 */
export type Role = 'TenantOwner' | 'TenantAdmin' | WorkspaceRole | CustomRoleGrant;

/** Every role, tenant roles first: role lists are always kept (and shown) in this order. */
export const ALL_ROLES: readonly Role[] = [
  'TenantOwner',
  'TenantAdmin',
  ...WORKSPACE_ROLES,
  'CustomRole',
  'DataSourceRead',
  'DataSourceUse',
  'DataSourceManage',
];

function roles(...given: Role[]): readonly Role[] {
  return ALL_ROLES.filter((r) => given.includes(r));
}

/**
 * Which roles may do what. Workspace roles count in the workspace the call concerns; the Tenant
 * Owner and the Tenant Administrator count tenant-wide. docs/permissions.md explains each row.
 */
export const MAY = {
  /** CreateProject: a tenant act. */
  createWorkspace: roles('TenantOwner', 'TenantAdmin'),
  /**
   * RAM (2015-05-01): users, AccessKeys and policies of the tenant. The Tenant Owner's own user
   * and keys stay the Tenant Owner's, and a Tenant Administrator issues AccessKeys only for
   * itself (src/access/ram-decisions.ts).
   */
  manageUsers: roles('TenantOwner', 'TenantAdmin'),
  /** Get/List a workspace, its members and roles: anyone who works in it. */
  readWorkspace: roles('TenantOwner', 'TenantAdmin', ...WORKSPACE_ROLES, 'CustomRole'),
  /** UpdateProject, member and role changes, sharing rules, the workspace's audit trail. */
  manageWorkspace: roles('TenantOwner', 'TenantAdmin', 'role_project_owner', 'role_project_admin'),
  /** DeleteProject, and making or unmaking a Workspace Owner. */
  ownWorkspace: roles('TenantOwner', 'TenantAdmin', 'role_project_owner'),
  /** ListDataSources and ListSharedDataSources: every workspace role. */
  listDataSources: roles('TenantOwner', ...WORKSPACE_ROLES, 'DataSourceRead'),
  /**
   * GetDataSource, TestDataSourceConnectivity and ResolveDataSource of an own data source: the
   * roles that build, run or deploy jobs (DataWorks' §1.0 role list).
   */
  useDataSources: roles(
    'TenantOwner',
    'role_project_owner',
    'role_project_admin',
    'role_project_dev',
    'role_project_pe',
    'role_project_deploy',
    'DataSourceUse',
  ),
  /** CreateDataSource, DeleteDataSource, CloneDataSource. */
  manageDataSources: roles(
    'TenantOwner',
    'role_project_owner',
    'role_project_admin',
    'role_project_pe',
    'DataSourceManage',
  ),
  /** UpdateDataSource: the managers, and the Tenant Administrator (DataWorks' description). */
  updateDataSources: roles(
    'TenantOwner',
    'TenantAdmin',
    'role_project_owner',
    'role_project_admin',
    'role_project_pe',
    'DataSourceManage',
  ),
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof MAY;

/** The workspace roles of a row (without the tenant roles). */
export function workspaceRolesOf(row: readonly Role[]): WorkspaceRole[] {
  return row.filter((r): r is WorkspaceRole => (WORKSPACE_ROLES as readonly Role[]).includes(r));
}

/** Tenant Owner (always, in its own tenant) or a Tenant Administrator where the row names it. */
export function holdsTenantRole(principal: Principal, row: readonly Role[]): boolean {
  if (principal.isOwner) return true;
  return row.includes('TenantAdmin') && principal.tenantRoles.has('TenantAdmin');
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
  CustomRole: 'any custom role',
  DataSourceRead: 'a custom role with Data Map, Data Studio or Data Integration permissions',
  DataSourceUse: 'a custom role with Data Studio Write or Data Integration permissions',
  DataSourceManage: 'a custom role with Data Integration Write',
};

export function roleLabel(r: Role): string {
  return ROLE_LABELS[r];
}
