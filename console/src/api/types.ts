/** The response shapes the console reads (the API's own names). */
export interface Identity {
  AccountId: string;
  UserId: string;
  UserName: string;
  IdentityType: string;
  Arn: string;
  AccessKeyId: string;
  TenantRoles: string[];
}

export interface Project {
  Id: number;
  Name: string;
  DisplayName: string;
  Description?: string;
  Owner: string;
  Status: string;
  DevEnvironmentEnabled: boolean;
  DevRoleDisabled: boolean;
  PaiTaskEnabled: boolean;
}

export interface DataSourceRecord {
  Id: number;
  Name?: string;
  Type?: string;
  ConnectionPropertiesMode: string;
  ConnectionProperties: Record<string, unknown>;
  Description?: string;
  ProjectId?: number;
  QualifiedName: string;
  CreateTime: number;
  CreateUser: string;
  ModifyTime: number;
  ModifyUser: string;
}

export interface DataSourceGroup {
  Name: string;
  Type: string;
  DataSource: DataSourceRecord[];
}

export interface Paging<K extends string, T> {
  PagingInfo: { PageNumber: number; PageSize: number; TotalCount: number } & Record<K, T[]>;
}

export interface DataSourceType {
  Type: string;
  DisplayName: string;
  Category: string;
  ConnectionPropertiesModes: string[];
  ConnectivityProbe?: string;
}

export interface SharedRule {
  Id: number;
  DataSourceId: number;
  SharedDataSourceName: string;
  SourceProjectId: number;
  TargetProjectId: number;
  SharedUser?: string;
  EnvType: 'Dev' | 'Prod';
  CreateTime: number;
  CreateUser: string;
}

export interface SharedDataSource {
  SharedDataSourceName: string;
  DataSourceId: number;
  SourceProjectId: number;
  SharedRuleId: number;
  Type: string;
  ConnectionPropertiesMode: string;
  EnvType: 'Dev' | 'Prod';
  SharedUser?: string;
  CreateTime: number;
}

export interface AuditEvent {
  RequestId: string;
  Time: number;
  UserId: string;
  AccessKeyId: string;
  Action: string;
  ProjectId?: number;
  Targets: Record<string, unknown>;
  Outcome: string;
  Detail?: string;
  SourceIp?: string;
}

export interface Member {
  ProjectId: number;
  UserId: string;
  UserName: string;
  Status: string;
  Roles: { Code: string; Name: string; Type: string }[];
}

export interface Role {
  Code: string;
  Name: string;
  Type: string;
}

export interface ConnectivityLog {
  Code: string;
  Message: string;
  StartTime: number;
  EndTime: number;
}

export interface Connectivity {
  ConnectState: 'Connectable' | 'ConfigError' | 'Unreachable' | 'Unsupport';
  ConnectMessage: string;
  DetailLogs: ConnectivityLog[];
}
