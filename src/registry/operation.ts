/**
 * An operation is declared once: action, parameters, response shape, RAM action, who may call
 * it, and its handler. Validation, permission checks, the OpenAPI document, the CLI's
 * `dshub ops` listing and the docs are derived from these declarations. The registry knows the
 * shape of a declaration, not the services a handler uses: the handler's context is a type
 * parameter, bound once in src/operations/context.ts.
 */
import type { Role } from '../access/roles.js';
import type { InferParams, ParamSpecs } from './params.js';
import type { InferMembers, JsonSchema } from './schema.js';

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

/** Declared response members (besides RequestId), each a schema from src/registry/schema.ts. */
export type ResponseMembers = Record<string, JsonSchema>;

/** What a handler answers: the declared members, those named in `Optional` optional. */
export type InferResponse<
  M extends ResponseMembers,
  Optional extends readonly string[] = [],
> = InferMembers<M, Optional[number]>;

/**
 * Members `R` has that the declaration `T` does not name, at any depth (the black-box
 * conformance check treats declared objects as closed). TypeScript does not check a function's
 * returned object literal for excess members, so the definer checks it with this.
 */
export type Undeclared<R, T> = T extends readonly (infer TItem)[]
  ? R extends readonly (infer RItem)[]
    ? Undeclared<RItem, TItem>
    : never
  : T extends object
    ? R extends object
      ? {
          [K in keyof R]-?: K extends keyof T ? Undeclared<R[K], Exclude<T[K], undefined>> : K;
        }[keyof R]
      : never
    : never;

/** Nothing when `R` names only declared members; otherwise a requirement naming the culprits. */
type DeclaredOnly<R, T> = [Undeclared<R, T>] extends [never]
  ? unknown
  : { handler: { undeclaredMembers: Undeclared<R, T> } };

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
  response: ResponseMembers;
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
  /**
   * Writes nothing in any outcome: no record, no audit event (so never `audit`), not even the
   * deletion of an expired sharing rule a read meets. Its handler may then start while the
   * request's nonce is still being claimed in the store, PostgreSQL's round trip overlapping
   * the handler's own; its answer, whatever it is, still waits for the claim (wire/handle.ts).
   */
  readOnly?: true;
  /** True for actions DataWorks does not have. */
  extension?: boolean;
  handler(ctx: C, params: InferParams<P>): Promise<R>;
}

/** A declaration as the registry keeps it: parameters and context are checked at definition. */
export type Operation = OperationDefinition<ParamSpecs, ResponseBody, never>;

/**
 * Binds the handler context type once; src/operations/context.ts exports the bound function.
 * The handler's result type is inferred from the declared `response` and `optionalResponse`
 * (`R` is the handler's own result, `const` so literals such as an enum member survive): a
 * member missing, of another type or not declared is a compile error.
 */
export function operationDefiner<C>() {
  return function defineOperation<
    const P extends ParamSpecs,
    M extends ResponseMembers,
    const O extends readonly (keyof M & string)[] = [],
    const R extends InferResponse<NoInfer<M>, NoInfer<O>> = InferResponse<NoInfer<M>, NoInfer<O>>,
  >(
    def: Omit<
      OperationDefinition<P, ResponseBody, C>,
      'ram' | 'version' | 'response' | 'optionalResponse' | 'handler'
    > & {
      ram?: OperationDefinition['ram'];
      version?: ApiVersion;
      response: M;
      optionalResponse?: O;
      handler(ctx: C, params: InferParams<P>): Promise<R>;
    } & DeclaredOnly<R, InferResponse<M, O>>,
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
