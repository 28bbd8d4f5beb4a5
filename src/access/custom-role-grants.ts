/**
 * What a custom workspace role (Type UserCustom) grants in dshub. DataWorks describes a custom
 * role as module permissions (ModuleId + Write/Read/NotSet); dshub serves the data source part of
 * DataWorks, so a custom role's modules are translated into three data source grants, and the
 * operations that act on data sources declare which grant lets a custom role call them
 * (docs/DECISIONS.md, "Custom workspace roles"):
 *
 * - DataSourceRead: list the workspace's data sources and those shared into it.
 * - DataSourceUse: read one data source's configuration, test its connectivity, resolve it.
 * - DataSourceManage: create, update, delete and clone data sources.
 *
 * Data Integration (9) is where DataWorks manages data sources: Write grants all three, Read
 * grants read and use. Data Studio (11) uses them: Write grants read and use, Read grants read.
 * Data Map (7) Read or Write grants read. Every other module grants nothing here. Workspace
 * administration (members, roles, sharing rules, workspace settings) stays with the built-in
 * roles: no custom role grants it.
 */
export const DATA_SOURCE_GRANTS = ['DataSourceRead', 'DataSourceUse', 'DataSourceManage'] as const;
export type DataSourceGrant = (typeof DATA_SOURCE_GRANTS)[number];

/**
 * Every custom role makes its holder a member who may read the workspace (GetProject, members,
 * roles) like any built-in role; `CustomRole` stands for "holds at least one custom role".
 */
export const CUSTOM_ROLE_GRANTS = ['CustomRole', ...DATA_SOURCE_GRANTS] as const;
export type CustomRoleGrant = (typeof CUSTOM_ROLE_GRANTS)[number];

export type CustomPermissionType = 'Write' | 'Read' | 'NotSet';

export interface CustomModulePermission {
  ModuleId: number;
  PermissionType: CustomPermissionType;
}

const BY_MODULE: Record<number, Partial<Record<CustomPermissionType, DataSourceGrant[]>>> = {
  9: {
    Write: ['DataSourceRead', 'DataSourceUse', 'DataSourceManage'],
    Read: ['DataSourceRead', 'DataSourceUse'],
  },
  11: { Write: ['DataSourceRead', 'DataSourceUse'], Read: ['DataSourceRead'] },
  7: { Write: ['DataSourceRead'], Read: ['DataSourceRead'] },
};

export function grantsOf(permissions: readonly CustomModulePermission[]): Set<DataSourceGrant> {
  const out = new Set<DataSourceGrant>();
  for (const p of permissions)
    for (const g of BY_MODULE[p.ModuleId]?.[p.PermissionType] ?? []) out.add(g);
  return out;
}

export function isCustomRoleGrant(code: string): code is CustomRoleGrant {
  return (CUSTOM_ROLE_GRANTS as readonly string[]).includes(code);
}
