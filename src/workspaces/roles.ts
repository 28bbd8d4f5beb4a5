/**
 * The ten built-in workspace roles (DataWorks' built-in role table) and the role sets operations
 * declare. Built-in roles are the same in every workspace, so they live in code, not in the
 * store; DataWorks reports them with Type "System" and ProjectId -1.
 */
import type { CustomPermissionType } from '../access/custom-role-grants.js';
import type { WorkspaceRole } from '../access/roles.js';
import type { CustomRole } from './custom-roles.js';

/** DataWorks module ids as its CreateProjectRole documentation numbers them. */
export const MODULES = {
  2: 'HoloStudio',
  3: 'StreamStudio',
  4: 'Deployment Center',
  6: 'Data Security Guard',
  7: 'Data Map',
  8: 'Data Service',
  9: 'Data Integration',
  11: 'Data Studio',
  12: 'Data Quality',
  10: 'Data Modeling (DataBlau DDM)',
  13: 'Data Governance',
  14: 'Operation Center',
  15: 'Resource Optimization',
  16: 'Migration Assistant',
  17: 'Data Analysis',
  18: 'Approval Center',
  19: 'Security Center',
  20: 'Intelligent Data Modeling',
} as const;
export type ModuleId = keyof typeof MODULES;

export type PermissionType = 'ReadWrite' | 'ReadOnly';

/** What a role may do in one module: ReadWrite/ReadOnly (built-in), Write/Read/NotSet (custom). */
export interface ModulePermission {
  moduleId: number;
  moduleName: string;
  permissionType: PermissionType | CustomPermissionType;
}

export type RoleType = 'System' | 'UserCustom';

/** A role as member views name it. */
export interface RoleRef {
  code: string;
  name: string;
  type: RoleType;
}

/** A role as the workspace services answer it; src/operations/members.ts maps it to the wire. */
export interface RoleView extends RoleRef {
  /** The workspace a custom role belongs to; built-in roles belong to none (every one has them). */
  workspaceId?: number;
  modulePermissions: ModulePermission[];
}

export interface RoleDefinition {
  code: WorkspaceRole;
  /** The English console name; DataWorks' own example answers "Visitors" for the guest role. */
  name: string;
  modulePermissions: readonly ModulePermission[];
}

// The modules the built-in table describes (those DataWorks lists for every edition).
const ALL_MODULES: ModuleId[] = [4, 6, 7, 8, 9, 11, 12, 13, 14, 17, 20];

function modules(rw: readonly ModuleId[], ro: readonly ModuleId[] = []): ModulePermission[] {
  const entry = (id: ModuleId, t: PermissionType) => ({
    moduleId: id,
    moduleName: MODULES[id],
    permissionType: t,
  });
  return [...rw.map((id) => entry(id, 'ReadWrite')), ...ro.map((id) => entry(id, 'ReadOnly'))].sort(
    (a, b) => a.moduleId - b.moduleId,
  );
}

/**
 * Module permissions follow the role descriptions of DataWorks' built-in role table; they are
 * informational (dshub enforces roles per operation, not per module).
 */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  { code: 'role_project_owner', name: 'Workspace Owner', modulePermissions: modules(ALL_MODULES) },
  {
    code: 'role_project_admin',
    name: 'Workspace Administrator',
    modulePermissions: modules(ALL_MODULES),
  },
  {
    code: 'role_project_dev',
    name: 'Develop',
    modulePermissions: modules([8, 9, 11, 12, 17], [7, 14]),
  },
  { code: 'role_project_pe', name: 'O&M', modulePermissions: modules([4, 9, 12, 14], [7, 11]) },
  { code: 'role_project_deploy', name: 'Deploy', modulePermissions: modules([4], [7, 11, 14]) },
  { code: 'role_project_guest', name: 'Visitors', modulePermissions: modules([], [7, 11, 14]) },
  {
    code: 'role_project_security',
    name: 'Security Administrator',
    modulePermissions: modules([6], [7]),
  },
  { code: 'role_project_erd', name: 'Model Designer', modulePermissions: modules([20], [7]) },
  {
    code: 'role_project_data_analyst',
    name: 'Data Analyst',
    modulePermissions: modules([17], [7]),
  },
  {
    code: 'role_project_dg_admin',
    name: 'Data Governance Administrator',
    modulePermissions: modules([7, 12, 13]),
  },
];

const byCode = new Map<string, RoleDefinition>(BUILT_IN_ROLES.map((r) => [r.code, r]));

export function findRole(code: string): RoleDefinition | undefined {
  return byCode.get(code);
}

export function isWorkspaceRole(code: string): code is WorkspaceRole {
  return byCode.has(code);
}

/** A built-in role as member views name it. */
export function builtInRoleRef(code: string): RoleRef {
  return { code, name: byCode.get(code)?.name ?? code, type: 'System' };
}

export interface RoleFilter {
  codes?: readonly string[];
  names?: readonly string[];
  type?: RoleType;
}

/**
 * The roles matching every given filter (names compare case-insensitively): built-in ones
 * first, in their table's order, then the workspace's custom ones in the order they were made.
 */
export function findRoles(f: RoleFilter, custom: readonly CustomRole[]): RoleView[] {
  const codes = f.codes?.length ? new Set(f.codes) : undefined;
  const names = f.names?.length ? new Set(f.names.map((n) => n.toLowerCase())) : undefined;
  const all = [
    ...(f.type === 'UserCustom' ? [] : BUILT_IN_ROLES.map(builtInRoleView)),
    ...(f.type === 'System' ? [] : custom.map(customRoleView)),
  ];
  return all.filter(
    (r) => (!codes || codes.has(r.code)) && (!names || names.has(r.name.toLowerCase())),
  );
}

export function customRoleView(r: CustomRole): RoleView {
  return {
    code: r.code,
    name: r.name,
    type: 'UserCustom',
    workspaceId: r.workspaceId,
    modulePermissions: r.modulePermissions.map((m) => ({
      moduleId: m.moduleId,
      moduleName: MODULES[m.moduleId as ModuleId] ?? String(m.moduleId),
      permissionType: m.permissionType,
    })),
  };
}

export function builtInRoleView(r: RoleDefinition): RoleView {
  return {
    code: r.code,
    name: r.name,
    type: 'System',
    modulePermissions: [...r.modulePermissions],
  };
}
