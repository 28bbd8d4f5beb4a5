/**
 * An operation is declared once: action, parameters, response shape, RAM action, who may call
 * it, and its handler. Validation, permission checks, the OpenAPI document, the CLI's
 * `dshub ops` listing and the docs are derived from these declarations.
 */
import type { Kysely } from 'kysely';
import type { Membership } from '../access/access-guard.js';
import type { Principal } from '../identity/principal.js';
import type { Services } from '../services.js';
import type { Database } from '../store/schema.js';
import type { InferParams, ParamSpecs } from './params.js';
import type { JsonSchema } from './schema.js';

export const API_VERSION = '2024-05-18';

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

/** Who may call an operation, in the words of DataWorks' role descriptions. */
export type Role = 'TenantOwner' | 'TenantAdmin' | WorkspaceRole;

/**
 * `roles`: the caller needs one of these (Tenant Owner/Administrator tenant-wide, workspace
 * roles in the workspace the handler names). `any-caller`: every authenticated caller; the
 * handler decides what it may see (e.g. ListProjects shows the caller's workspaces).
 */
export type AccessRule = { roles: readonly Role[] } | 'any-caller';

export interface AuditTarget {
  projectId?: number | null;
  targets?: Record<string, number | string>;
  detail?: string;
}

/** Records the call's audit event inside the caller's transaction, so effect and record commit together. */
export interface AuditRecorder {
  record(trx: Kysely<Database>, target: AuditTarget): Promise<void>;
  /** Targets known before failing, so a failed call's event names them too. */
  note(target: AuditTarget): void;
}

export interface AccessGuard {
  /** Throws unless the caller holds one of the operation's roles in this workspace (or tenant-wide). */
  requireWorkspace(
    projectId: number,
    opts?: {
      roles?: readonly Role[];
      /**
       * The caller's membership in `projectId`, read in the same query as the record it
       * guards; omitted: the guard looks it up.
       */
      membership?: Membership | undefined;
    },
  ): Promise<void>;
  /** Throws unless the caller is Tenant Owner or holds one of the operation's tenant roles. */
  requireTenant(opts?: { roles?: readonly Role[] }): void;
  /** Records that the handler decided access itself (e.g. filtered a list by visibility). */
  decidedByHandler(): void;
}

export interface OperationContext {
  requestId: string;
  principal: Principal;
  services: Services;
  access: AccessGuard;
  audit: AuditRecorder;
  sourceIp: string;
}

export type ResponseBody = Record<string, unknown>;

export interface OperationDefinition<
  P extends ParamSpecs = ParamSpecs,
  R extends ResponseBody = ResponseBody,
> {
  action: string;
  summary: string;
  description?: string;
  /** The method the official SDK uses (both GET and POST are accepted). */
  method: 'GET' | 'POST';
  params: P;
  /** Response members besides RequestId. */
  response: Record<string, JsonSchema>;
  /** The RAM action checked against the caller's policies; null: no policy needed. */
  ram: `dataworks:${string}` | null;
  access: AccessRule;
  /** Mutating or sensitive calls are written to the audit trail. */
  audit: boolean;
  /** True for actions DataWorks does not have. */
  extension?: boolean;
  handler(ctx: OperationContext, params: InferParams<P>): Promise<R>;
}

export type Operation = OperationDefinition<ParamSpecs, ResponseBody>;

export function defineOperation<const P extends ParamSpecs, R extends ResponseBody>(
  def: Omit<OperationDefinition<P, R>, 'ram'> & { ram?: OperationDefinition<P, R>['ram'] },
): Operation {
  return {
    ...def,
    ram: def.ram === undefined ? `dataworks:${def.action}` : def.ram,
  } as unknown as Operation;
}

export function declaredRoles(op: Operation): readonly Role[] {
  return op.access === 'any-caller' ? [] : op.access.roles;
}
