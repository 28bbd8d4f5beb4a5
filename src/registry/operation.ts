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

/** DataWorks' API version: the default, and what every DataWorks operation answers under. */
export const API_VERSION = '2024-05-18';
/** Alibaba RAM's API version: users, AccessKeys and policies (src/operations/ram-*.ts). */
export const RAM_API_VERSION = '2015-05-01';
/** Every version dshub answers, each with the product whose operations it names. */
export const API_VERSIONS = [
  { version: API_VERSION, product: 'DataWorks', ramPrefix: 'dataworks' },
  { version: RAM_API_VERSION, product: 'RAM', ramPrefix: 'ram' },
] as const;
export type ApiVersion = (typeof API_VERSIONS)[number]['version'];

export function isApiVersion(v: string | undefined): v is ApiVersion {
  return API_VERSIONS.some((x) => x.version === v);
}

/** The product a version belongs to (DataWorks, RAM). */
export function productOf(version: ApiVersion): string {
  return API_VERSIONS.find((x) => x.version === version)!.product;
}

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
  /**
   * The API version the action belongs to; requests dispatch on (Version, Action). Defaults to
   * DataWorks' 2024-05-18.
   */
  version: ApiVersion;
  summary: string;
  description?: string;
  /** The method the official SDK uses (both GET and POST are accepted). */
  method: 'GET' | 'POST';
  params: P;
  /** Response members besides RequestId. */
  response: Record<string, JsonSchema>;
  /** Response members present only sometimes (RAM's Marker on the last page); all others are required. */
  optionalResponse?: readonly string[];
  /**
   * The RAM action checked against the caller's policies (`dataworks:<Action>` for DataWorks,
   * `ram:<Action>` for RAM's own operations); null: no policy needed.
   */
  ram: `${'dataworks' | 'ram'}:${string}` | null;
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
    def: Omit<OperationDefinition<P, R, C>, 'ram' | 'version'> & {
      ram?: OperationDefinition<P, R, C>['ram'];
      version?: ApiVersion;
    },
  ): Operation {
    const version = def.version ?? API_VERSION;
    const prefix = API_VERSIONS.find((x) => x.version === version)!.ramPrefix;
    return {
      ...def,
      version,
      ram: def.ram === undefined ? `${prefix}:${def.action}` : def.ram,
    } as unknown as Operation;
  };
}

export function needsActiveWorkspace(op: Operation): boolean {
  return op.access !== 'any-caller' && op.access.activeWorkspace === true;
}

export function declaredRoles(op: Operation): readonly Role[] {
  return op.access === 'any-caller' ? [] : op.access.roles;
}
