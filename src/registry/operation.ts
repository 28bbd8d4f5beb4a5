/**
 * An operation is declared once: action, parameters, response shape, RAM action, who may call
 * it, and its handler. Validation, permission checks, the OpenAPI document, the CLI's
 * `dshub ops` listing and the docs are derived from these declarations. The registry knows the
 * shape of a declaration, not the services a handler uses: the handler's context is a type
 * parameter, bound once in src/operations/context.ts.
 */
import type { Role } from '../access/roles.js';
import type { InferParams, ParamSpecs } from './params.js';
import type { JsonSchema } from './schema.js';

export const API_VERSION = '2024-05-18';

/**
 * `roles`: the caller needs one of these (Tenant Owner/Administrator tenant-wide, workspace
 * roles in the workspace the handler names); a row of the table in src/access/roles.ts.
 * `any-caller`: every authenticated caller; the handler decides what it may see (e.g.
 * ListProjects shows the caller's workspaces).
 */
export type AccessRule =
  | {
      roles: readonly Role[];
      /**
       * The call uses the workspace's data sources: a workspace whose Status is Forbidden refuses
       * it (Forbidden.Workspace) once the caller's role has passed (docs/DECISIONS.md).
       */
      activeWorkspace?: true;
    }
  | 'any-caller';

export type ResponseBody = Record<string, unknown>;

export interface OperationDefinition<
  P extends ParamSpecs = ParamSpecs,
  R extends ResponseBody = ResponseBody,
  C = never,
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
  handler(ctx: C, params: InferParams<P>): Promise<R>;
}

/** A declaration as the registry keeps it: parameters and context are checked at definition. */
export type Operation = OperationDefinition<ParamSpecs, ResponseBody, never>;

/** Binds the handler context type once; src/operations/context.ts exports the bound function. */
export function operationDefiner<C>() {
  return function defineOperation<const P extends ParamSpecs, R extends ResponseBody>(
    def: Omit<OperationDefinition<P, R, C>, 'ram'> & {
      ram?: OperationDefinition<P, R, C>['ram'];
    },
  ): Operation {
    return {
      ...def,
      ram: def.ram === undefined ? `dataworks:${def.action}` : def.ram,
    } as unknown as Operation;
  };
}

export function needsActiveWorkspace(op: Operation): boolean {
  return op.access !== 'any-caller' && op.access.activeWorkspace === true;
}

export function declaredRoles(op: Operation): readonly Role[] {
  return op.access === 'any-caller' ? [] : op.access.roles;
}
