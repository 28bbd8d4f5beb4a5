/**
 * Table types for Kysely. Both dialects store the same shapes: booleans as 0/1 integers and
 * times as epoch milliseconds, so one query path serves SQLite and PostgreSQL unchanged.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Flag = 0 | 1;

export interface MetaTable {
  key: string;
  value: string;
}

export interface TenantTable {
  /** Numeric string, like an Alibaba Cloud account id. */
  id: string;
  name: string;
  created_at: number;
}

export interface UserTable {
  /** Numeric string; the tenant owner's user id equals the tenant id, as an Alibaba main account. */
  id: string;
  tenant_id: string;
  name: string;
  is_owner: Flag;
  status: 'Normal' | 'Disabled';
  created_at: number;
}

export interface AccessKeyTable {
  id: string;
  user_id: string;
  tenant_id: string;
  /** The secret, sealed (crypto/envelope): HMAC verification needs it in clear. */
  secret_sealed: string;
  status: 'Active' | 'Inactive';
  created_at: number;
}

export interface TenantRoleTable {
  user_id: string;
  tenant_id: string;
  role: string;
}

export interface PolicyTable {
  id: Generated<number>;
  tenant_id: string;
  name: string;
  document: string;
  created_at: number;
}

export interface PolicyAttachmentTable {
  user_id: string;
  tenant_id: string;
  /** A built-in policy name, or the name of a custom policy of the tenant. */
  policy_name: string;
}

export interface NonceTable {
  access_key_id: string;
  nonce: string;
  expires_at: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  request_id: string;
  time: number;
  tenant_id: string;
  user_id: string;
  access_key_id: string;
  action: string;
  project_id: number | null;
  /** JSON object of target ids ({"DataSourceId":1001}); never a secret. */
  targets: string;
  outcome: string;
  /** Short human detail, e.g. a connectivity state; never a secret. */
  detail: string | null;
  source_ip: string | null;
}

export interface ProjectTable {
  id: Generated<number>;
  tenant_id: string;
  name: string;
  display_name: string;
  description: string;
  /** User id of the workspace owner (the creator). */
  owner: string;
  status: string;
  dev_environment_enabled: Flag;
  dev_role_disabled: Flag;
  pai_task_enabled: Flag;
  aliyun_resource_group_id: string;
  /** JSON text: [{"Key":"k","Value":"v"}]. */
  aliyun_resource_tags: string;
  created_at: number;
  modified_at: number;
}

export interface ProjectMemberTable {
  project_id: number;
  user_id: string;
  created_at: number;
}

export interface ProjectMemberRoleTable {
  project_id: number;
  user_id: string;
  role_code: string;
}

export interface Database {
  meta: MetaTable;
  tenants: TenantTable;
  users: UserTable;
  access_keys: AccessKeyTable;
  tenant_roles: TenantRoleTable;
  policies: PolicyTable;
  policy_attachments: PolicyAttachmentTable;
  nonces: NonceTable;
  audit_events: AuditEventTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  project_member_roles: ProjectMemberRoleTable;
}

export type Project = Selectable<ProjectTable>;

export type Tenant = Selectable<TenantTable>;
export type User = Selectable<UserTable>;
export type AccessKeyRow = Selectable<AccessKeyTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
export type AuditEvent = Selectable<AuditEventTable>;
export type UserUpdate = Updateable<UserTable>;
