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
  /** RAM's user attributes (0010), null until set through CreateUser/UpdateUser. */
  display_name: string | null;
  email: string | null;
  mobile_phone: string | null;
  comments: string | null;
  /** Epoch ms of the last UpdateUser; null: never updated. */
  updated_at: number | null;
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
  /** RAM's Description (0010). */
  description: string | null;
  /** Epoch ms of the last change of the document; null: as created. */
  updated_at: number | null;
}

export interface PolicyAttachmentTable {
  user_id: string;
  tenant_id: string;
  /** A built-in policy name, or the name of a custom policy of the tenant. */
  policy_name: string;
  /** Epoch ms (0010); null for attachments made before it. */
  attached_at: number | null;
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
  /** The second workspace the event concerns (a share's target, a resolved share's source). */
  related_project_id: number | null;
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

/** A custom workspace role (Type UserCustom). */
export interface ProjectRoleTable {
  id: Generated<number>;
  project_id: number;
  code: string;
  name: string;
  /** JSON text: [{"ModuleId":9,"PermissionType":"Write"}]. */
  module_permissions: string;
  client_token: string | null;
  created_at: number;
  create_user: string;
  modified_at: number;
}

/** One data source record: one environment of a name in a workspace. */
export interface DataSourceTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  env_type: 'Dev' | 'Prod';
  type: string;
  mode: string;
  /** ConnectionProperties JSON with every secret replaced by "******". */
  properties: string;
  /** The secrets (a JSON array of {path, value}) sealed by crypto/envelope; null when none. */
  secrets_sealed: string | null;
  description: string;
  qualified_name: string;
  create_time: number;
  create_user: string;
  modify_time: number;
  modify_user: string;
}

/** One row per data source name in a workspace: what ListDataSources pages over. */
export interface DataSourceGroupTable {
  project_id: number;
  name: string;
  type: string;
  /** 1 = Dev, 2 = Prod, 3 = both. */
  env_mask: number;
  first_id: number;
  /**
   * Dev/Prod drift: 0 none (or one record), 1 expected fields only, 2 a suspicious field;
   * null until computed (migration 0011). Kept by DataSourceService.
   */
  drift: number | null;
}

/** Counted buckets of group keys (src/datasources/list-index.ts). */
export interface DataSourceListBucketTable {
  project_id: number;
  kind: 'id' | 'name';
  lo: string;
  type: string;
  env_mask: number;
  n: number;
}

export interface DataSourceNameGramTable {
  project_id: number;
  /** A trigram of the lower-cased name. */
  gram: string;
  name: string;
}

export interface DataSourceListStateTable {
  project_id: number;
  version: number;
}

/** A sharing rule: one data source record shared into another workspace's environment. */
export interface DataSourceSharedRuleTable {
  id: Generated<number>;
  data_source_id: number;
  source_project_id: number;
  target_project_id: number;
  /** The environment in the target workspace. */
  env_type: 'Dev' | 'Prod';
  /** Null when shared to the whole target workspace. */
  shared_user: string | null;
  /** `<source workspace name>.<data source name>`. */
  shared_name: string;
  create_time: number;
  create_user: string;
  /** Epoch ms after which the rule no longer resolves (src/sharing/expiry.ts); null = for good. */
  expire_time: number | null;
}

/** One version of a data source record (src/datasources/versions.ts); outlives the record. */
/** A tag of a data source record (ListDataSources' Tags filter); project_id is the record's. */
export interface DataSourceTagTable {
  data_source_id: number;
  project_id: number;
  tag: string;
}

export interface DataSourceVersionTable {
  data_source_id: number;
  /** 1, 2, ... per data source record. */
  version: number;
  project_id: number;
  name: string;
  env_type: 'Dev' | 'Prod';
  type: string;
  mode: string;
  /** ConnectionProperties with every secret masked, as in data_sources. */
  properties: string;
  /** The record's sealed secrets as they were (sealed for the record's id); null when none. */
  secrets_sealed: string | null;
  description: string;
  qualified_name: string;
  /** What made it: Baseline, Create, Clone, Update, Rollback, Restore, Promote. */
  change: string;
  detail: string | null;
  create_time: number;
  create_user: string;
  request_id: string;
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
  project_roles: ProjectRoleTable;
  data_sources: DataSourceTable;
  data_source_groups: DataSourceGroupTable;
  data_source_list_buckets: DataSourceListBucketTable;
  data_source_name_grams: DataSourceNameGramTable;
  data_source_list_state: DataSourceListStateTable;
  data_source_shared_rules: DataSourceSharedRuleTable;
  data_source_versions: DataSourceVersionTable;
  data_source_tags: DataSourceTagTable;
}

export type Project = Selectable<ProjectTable>;
export type DataSourceRow = Selectable<DataSourceTable>;
export type DataSourceSharedRule = Selectable<DataSourceSharedRuleTable>;

export type Tenant = Selectable<TenantTable>;
export type User = Selectable<UserTable>;
export type AccessKeyRow = Selectable<AccessKeyTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
export type AuditEvent = Selectable<AuditEventTable>;
export type UserUpdate = Updateable<UserTable>;
