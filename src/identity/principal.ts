import type { CompiledPolicy } from './policies.js';

export const TENANT_ROLES = ['TenantAdmin'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Who is calling: resolved from the AccessKey of a verified request. */
export interface Principal {
  tenantId: string;
  userId: string;
  userName: string;
  accessKeyId: string;
  /** The Tenant Owner (the account itself): passes every check inside its own tenant. */
  isOwner: boolean;
  tenantRoles: ReadonlySet<TenantRole>;
  policies: readonly CompiledPolicy[];
}
