/**
 * The closed catalog of errors dshub answers with. Every error that reaches a caller is an
 * ApiError built by one of the factories below; the wire layer renders it in Alibaba's envelope
 * ({RequestId, HostId, Code, Message, Recommend}). Codes follow Alibaba's gateway conventions
 * (docs/WIRE.md §5) and DataWorks' numeric business codes where they are known.
 */

/** Fixed codes. Parameter-specific codes are built from templates below. */
export const FIXED_CODES = {
  // Gateway: authentication of the request itself.
  IncompleteSignature: 400,
  SignatureDoesNotMatch: 400,
  'InvalidAccessKeyId.NotFound': 404,
  'InvalidAccessKeyId.Inactive': 403,
  'InvalidTimeStamp.Expired': 400,
  'InvalidTimeStamp.Format': 400,
  SignatureNonceUsed: 400,
  'InvalidAction.NotFound': 404,
  NoSuchVersion: 400,
  UnsupportedHTTPMethod: 403,
  'InvalidPath.NotFound': 404,
  'RequestBody.TooLarge': 413,
  'RequestHeader.TooLarge': 431,
  MalformedRequest: 400,
  RequestTimeout: 408,
  UnsupportedMediaType: 415,
  MissingParameter: 400,
  'Forbidden.Host': 403,
  Unauthorized: 401,
  // Authorisation.
  'Forbidden.RAM': 403,
  'Forbidden.Access': 403,
  'Forbidden.Shared': 403,
  'Forbidden.WorkspaceOwner': 403,
  'Forbidden.Workspace': 403,
  // DataWorks business codes (numeric strings, docs/WIRE.md §5).
  '1000010005': 404, // data source not found
  '1000011038': 404, // sharing rule not found
  'NotFound.DataSourceVersion': 404, // dshub extension: no such retained version
  '1101080008': 404, // workspace not found
  '1101080166': 404, // member not found
  '400010': 403, // user not in the tenant
  // RAM (2015-05-01) codes, as RAM answers them.
  'EntityNotExist.User': 404,
  'EntityNotExist.User.AccessKey': 404,
  'EntityNotExist.Policy': 404,
  'EntityNotExist.User.Policy': 404,
  'EntityAlreadyExists.User': 409,
  'EntityAlreadyExists.Policy': 409,
  'EntityAlreadyExists.User.Policy': 409,
  'DeleteConflict.User.AccessKey': 409,
  'DeleteConflict.User.Policy': 409,
  'DeleteConflict.User.Workspace': 409, // dshub: the user owns a workspace
  'DeleteConflict.Policy.User': 409,
  'LimitExceeded.User.AccessKey': 409,
  // Conflicts.
  'Conflict.Duplicate': 409,
  // Throttling and faults.
  'Throttling.User': 429,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const;

export type FixedCode = keyof typeof FIXED_CODES;
export type ErrorCode =
  | FixedCode
  | `Missing${string}`
  | `InvalidParameter.${string}`
  | `Conflict.${string}`
  | `Forbidden.${string}`;

/**
 * The anchor of a code on dshub's own error page (`/errors`). Codes with a variable part share
 * their family's entry (`MissingProjectId` → `missingparameter`).
 */
export function errorAnchor(code: string): string {
  const family =
    code in FIXED_CODES
      ? code
      : code.startsWith('Missing')
        ? 'MissingParameter'
        : code.split('.')[0]!;
  return family.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    /** Internal cause, logged but never rendered. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }

  /**
   * dshub's documentation of this code; `base` is where clients reach dshub. With the RequestId,
   * the page also links to that request's events in the console's audit view.
   */
  recommend(base: string, requestId?: string): string {
    const request = requestId ? `?RequestId=${encodeURIComponent(requestId)}` : '';
    return `${base}/errors${request}#${errorAnchor(this.code)}`;
  }
}

/** A caller-chosen value quoted in a message, bounded so an answer cannot be inflated by it. */
export function clip(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function fixed(code: FixedCode, message: string, cause?: unknown): ApiError {
  return new ApiError(code, FIXED_CODES[code], message, cause);
}

/** Factories: the only way errors are made. Messages tell the caller what to fix. */
export const errors = {
  incompleteSignature: (detail: string) => fixed('IncompleteSignature', detail),
  signatureMismatch: (detail?: string) =>
    fixed(
      'SignatureDoesNotMatch',
      detail ?? 'Specified signature is not matched with our calculation.',
    ),
  accessKeyNotFound: () =>
    fixed('InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  accessKeyInactive: () =>
    fixed(
      'InvalidAccessKeyId.Inactive',
      'Specified access key is disabled, or its user is disabled.',
    ),
  timestampExpired: (value: string, windowMinutes: number) =>
    fixed(
      'InvalidTimeStamp.Expired',
      `Specified time stamp or date value is expired: ${value} is more than ${windowMinutes} minutes away from the server time (${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}). Check the client clock.`,
    ),
  timestampFormat: (value: string) =>
    fixed(
      'InvalidTimeStamp.Format',
      `Specified time stamp or date value "${clip(value)}" is not in the format YYYY-MM-DDThh:mm:ssZ (UTC).`,
    ),
  nonceUsed: () =>
    fixed(
      'SignatureNonceUsed',
      'Specified signature nonce was used already. Send a new random nonce with every request.',
    ),
  actionNotFound: (action: string | undefined, version: string) =>
    fixed(
      'InvalidAction.NotFound',
      action
        ? `Specified api is not found, please check your url and method: action "${clip(action)}" does not exist in version ${version}.`
        : 'Specified api is not found: the request names no action (x-acs-action header or Action parameter).',
    ),
  noSuchVersion: (version: string | undefined) =>
    fixed(
      'NoSuchVersion',
      version
        ? `The specified version "${clip(version)}" does not exist. Use 2024-05-18 (DataWorks) or 2015-05-01 (RAM).`
        : 'The request names no version (x-acs-version header or Version parameter). Use 2024-05-18 (DataWorks) or 2015-05-01 (RAM).',
    ),
  unsupportedMethod: (method: string) =>
    fixed(
      'UnsupportedHTTPMethod',
      `This http method (${clip(method)}) is not supported: use GET or POST.`,
    ),
  pathNotFound: (path: string) =>
    fixed(
      'InvalidPath.NotFound',
      `Nothing is served at ${clip(path, 256)}: API calls go to "/"; the other paths are /health (/live, /ready), /metrics, /openapi.json, /errors and /console/.`,
    ),
  bodyTooLarge: (limit: number) =>
    fixed('RequestBody.TooLarge', `The request body is larger than the limit of ${limit} bytes.`),
  headerTooLarge: () =>
    fixed(
      'RequestHeader.TooLarge',
      'The request line and headers are larger than the server accepts (16 KiB): send long parameters in an application/x-www-form-urlencoded body instead of the URL.',
    ),
  malformedRequest: (detail: string) =>
    fixed('MalformedRequest', `The HTTP request could not be read: ${detail}`),
  requestTimeout: (ms: number) =>
    fixed(
      'RequestTimeout',
      `The request was not received completely within ${ms} ms: send the headers and body without pausing.`,
    ),
  unsupportedMediaType: (type: string) =>
    fixed(
      'UnsupportedMediaType',
      `Content-Type "${clip(type)}" is not supported: send parameters in the URL query or as an application/x-www-form-urlencoded body.`,
    ),
  missingParameter: (name: string) =>
    new ApiError(
      `Missing${name}`,
      400,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, why: string) =>
    new ApiError(
      `InvalidParameter.${name}`,
      400,
      `The specified parameter "${name}" is not valid: ${why}`,
    ),
  ramDenied: (action: string, explicit: boolean) =>
    fixed(
      'Forbidden.RAM',
      explicit
        ? `User not authorized to operate on the specified resource: a policy explicitly denies ${action}.`
        : `User not authorized to operate on the specified resource: no policy allows ${action}. Attach a policy such as AliyunDataWorksFullAccess.`,
    ),
  roleDenied: (action: string, roles: readonly string[]) =>
    fixed(
      'Forbidden.Access',
      `User not authorized to call ${action} here: it needs one of these roles: ${roles.join(', ')}.`,
    ),
  tenantAdminNoSecrets: (action: string) =>
    fixed(
      'Forbidden.Access',
      `User not authorized to call ${action}: a Tenant Administrator administers data sources but does not use their secrets; call it as a user who is not a Tenant Administrator.`,
    ),
  sharedReadOnly: (what: string) =>
    fixed(
      'Forbidden.Shared',
      `${what} is shared into this workspace: a shared data source can be used but not modified, deleted, cloned or re-shared from the target workspace.`,
    ),
  workspaceOwnerProtected: (workspaceId: number | string, userId: string, what: string) =>
    fixed(
      'Forbidden.WorkspaceOwner',
      `User ${userId} owns workspace ${workspaceId}: the owner ${what}. Delete the workspace instead, or act on another member.`,
    ),
  workspaceForbidden: (action: string, workspaceId: number | string) =>
    fixed(
      'Forbidden.Workspace',
      `Workspace ${workspaceId} is disabled (Status Forbidden): ${action} is refused there until UpdateProject sets Status=Available again.`,
    ),
  dataSourceNotFound: (id: number | string) =>
    fixed('1000010005', `The data source ${id} does not exist or you cannot see it.`),
  dataSourceVersionNotFound: (id: number, version: number) =>
    fixed(
      'NotFound.DataSourceVersion',
      `Data source ${id} has no version ${version}: it never existed or is past retention. ListDataSourceVersions lists the retained ones.`,
    ),
  sharingRuleNotFound: (id: number | string) =>
    fixed('1000011038', `The data source sharing rule ${id} does not exist or you cannot see it.`),
  workspaceNotFound: (id: number | string) =>
    fixed('1101080008', `The workspace ${id} does not exist or you cannot see it.`),
  memberNotFound: (workspaceId: number | string, userId: string) =>
    fixed('1101080166', `User ${userId} is not a member of workspace ${workspaceId}.`),
  roleNotFound: (workspaceId: number | string, code: string) =>
    new ApiError(
      'InvalidParameter.Code',
      400,
      `The specified parameter "Code" is not valid: workspace ${workspaceId} has no role "${code}"; ListProjectRoles shows its roles.`,
    ),
  userNotInTenant: (userId: string) =>
    fixed('400010', `User ${userId} does not belong to the tenant of this workspace.`),
  // RAM's entity errors: messages name what the caller asked for, never a secret.
  ramUserNotFound: (name: string) =>
    fixed('EntityNotExist.User', `The user does not exist: ${clip(name)}.`),
  ramUserExists: (name: string) =>
    fixed('EntityAlreadyExists.User', `The user already exists: ${clip(name)}.`),
  ramAccessKeyNotFound: (id: string) =>
    fixed('EntityNotExist.User.AccessKey', `The access key does not exist: ${clip(id)}.`),
  ramAccessKeyLimit: (limit: number) =>
    fixed(
      'LimitExceeded.User.AccessKey',
      `The count of access keys of this user would exceed the limit of ${limit}: delete an unused one (DeleteAccessKey) first.`,
    ),
  ramPolicyNotFound: (type: string, name: string) =>
    fixed('EntityNotExist.Policy', `The policy does not exist: ${type} ${clip(name)}.`),
  ramPolicyExists: (name: string) =>
    fixed('EntityAlreadyExists.Policy', `The policy already exists: ${clip(name)}.`),
  ramPolicyAttached: (name: string, user: string) =>
    fixed(
      'EntityAlreadyExists.User.Policy',
      `The policy ${clip(name)} is already attached to the user ${clip(user)}.`,
    ),
  ramPolicyNotAttached: (name: string, user: string) =>
    fixed(
      'EntityNotExist.User.Policy',
      `The policy ${clip(name)} is not attached to the user ${clip(user)}.`,
    ),
  ramDeleteConflict: (
    code:
      | 'DeleteConflict.User.AccessKey'
      | 'DeleteConflict.User.Policy'
      | 'DeleteConflict.User.Workspace'
      | 'DeleteConflict.Policy.User',
    message: string,
  ) => fixed(code, message),
  /** The Tenant Owner is not managed through another user's calls. */
  tenantOwnerProtected: (action: string) =>
    fixed(
      'Forbidden.Access',
      `User not authorized to call ${action} on the Tenant Owner: only the Tenant Owner manages its own user, AccessKeys and policies.`,
    ),
  /** A policy narrows a Tenant Administrator: it may not lift its own or another's. */
  adminPoliciesProtected: (action: string) =>
    fixed(
      'Forbidden.Access',
      `User not authorized to call ${action} on a Tenant Administrator's policies (its own included): only the Tenant Owner changes them, since they are what narrow an administrator.`,
    ),
  /** A Tenant Administrator issuing another user's AccessKey could act as that user. */
  accessKeyForOthers: (action: string) =>
    fixed(
      'Forbidden.Access',
      `User not authorized to call ${action} for another user: a Tenant Administrator creates AccessKeys only for itself (a key for another user would let it act as that user and so use data source secrets). Ask the Tenant Owner.`,
    ),
  conflict: (what: string, message: string) => new ApiError(`Conflict.${what}`, 409, message),
  throttled: (message: string) => fixed('Throttling.User', message),
  authLockedOut: (scope: 'address' | 'key', retryAfterSeconds: number) =>
    fixed(
      'Throttling.User',
      scope === 'key'
        ? `Too many requests with a wrong signature for this AccessKey came from your address: it is refused from here for ${retryAfterSeconds} more seconds. Check the AccessKey secret, then retry after that.`
        : `Too many requests with a wrong signature or an unknown AccessKey came from your address: it is refused for ${retryAfterSeconds} more seconds. Check the AccessKey id and secret, then retry after that.`,
    ),
  // The accepted names are not listed: a caller who has not signed anything yet should not
  // learn internal host names (the operator finds them in DSHUB_PUBLIC_HOSTS).
  hostNotServed: (host: string | undefined) =>
    fixed(
      'Forbidden.Host',
      `${host ? `The Host "${clip(host)}"` : 'A request without a Host header'} is not a name this server answers to (DSHUB_PUBLIC_HOSTS): call it at the address its operator published. Signatures are bound to the host they were made for.`,
    ),
  metricsUnauthorized: (given: boolean) =>
    fixed(
      'Unauthorized',
      given
        ? 'The bearer token is not the one this server expects for /metrics.'
        : '/metrics needs the header "Authorization: Bearer <token>" with the token set in DSHUB_METRICS_TOKEN.',
    ),
  internal: (cause: unknown) =>
    fixed(
      'InternalError',
      'The request processing has failed due to some unknown error. Quote the RequestId to the operator: the server log holds the details.',
      cause,
    ),
  shuttingDown: () =>
    fixed(
      'ServiceUnavailable',
      'The server is shutting down and takes no new requests. Retry: another replica, or this one once restarted, will answer.',
    ),
  unavailable: (cause: unknown) =>
    fixed(
      'ServiceUnavailable',
      'The request has failed due to a temporary failure of the server (storage unreachable). Retry later.',
      cause,
    ),
};

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
