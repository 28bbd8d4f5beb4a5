/**
 * One API call, from raw HTTP to the JSON answer: parse, authenticate, find the operation,
 * validate its parameters, check the policy layer, run the handler (which checks the role
 * layer), audit, and render the answer in Alibaba's shape. Framework-free, so it is the same
 * code whatever serves HTTP.
 */
import { RequestAccessGuard } from '../access/access-guard.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { type ApiError, errors, isApiError } from '../errors.js';
import { evaluatePolicies } from '../identity/policies.js';
import type { Principal } from '../identity/principal.js';
import { logRequest, type RequestLine } from '../observability/request-line.js';
import type { OperationContext } from '../operations/context.js';
import { answerBody } from '../registry/answer-text.js';
import { findOperation } from '../registry/index.js';
import {
  declaredRoles,
  isApiVersion,
  needsActiveWorkspace,
  type Operation,
} from '../registry/operation.js';
import type { ParamSpecs } from '../registry/params.js';
import type { Services } from '../services.js';
import { translateStoreError } from '../store/errors.js';
import { bindActionAndVersion, signedActionAndVersion } from './action.js';
import { type Pairs, parsePairs, RequestParams } from './params.js';
import { policyRequest } from './policy-request.js';
import { newRequestId } from './request-id.js';
import type { SignableRequest } from './signature/index.js';

export interface ApiRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  remoteAddress: string;
  /** Nanosecond clock reading when the request arrived. */
  startedAt: bigint;
}

export interface ApiResponse {
  status: number;
  /** The body, or with `tail` its start. */
  body: string;
  /** The rest of the body: the bytes of an answer served again (registry/answer-text.ts). */
  tail: Buffer | undefined;
  requestId: string;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const UNKNOWN_ACTION = '(unknown)';
/** The recorder of an operation that is not audited: it records nothing. */
const NOT_AUDITED: AuditRecorder = { record: async () => {}, note: () => {} };

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function hostId(req: Pick<ApiRequest, 'headers'>): string {
  const h = req.headers.host;
  const host = (Array.isArray(h) ? h[0] : h) ?? 'localhost';
  return host.replace(/:\d+$/, '');
}

/**
 * Where clients reach dshub, for links in answers: DSHUB_PUBLIC_URL when set (behind a proxy
 * dshub cannot know it), else the scheme it serves and the Host the client used.
 */
export function publicBase(
  config: { publicUrl: string | undefined; tls: unknown },
  headers: ApiRequest['headers'],
): string {
  if (config.publicUrl) return config.publicUrl;
  const h = headers.host;
  const host = (Array.isArray(h) ? h[0] : h) || 'localhost';
  return `${config.tls ? 'https' : 'http'}://${host}`;
}

export function renderError(
  err: ApiError,
  requestId: string,
  host: string,
  docsBase: string,
): string {
  return JSON.stringify({
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: err.recommend(docsBase, requestId),
  });
}

function parseParams(op: Operation, params: RequestParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const specs: ParamSpecs = op.params;
  for (const name in specs) {
    const spec = specs[name]!;
    const raw = params.raw(name);
    // The SDK sends an empty string as `Name=`; for anything but an optional string that
    // means "not given".
    const empty =
      raw === undefined || (raw.value === '' && (spec.required || spec.openapi.type !== 'string'));
    if (empty) {
      if (spec.required) throw errors.missingParameter(name);
      continue;
    }
    out[name] = spec.parse(name, raw);
  }
  return out;
}

export async function handleApiRequest(services: Services, req: ApiRequest): Promise<ApiResponse> {
  const requestId = newRequestId();
  // The metrics label and log field; replaced by the bound action once the signature holds.
  let action = '-';
  let principal: Principal | undefined;
  let status = 200;
  let body: string;
  let tail: Buffer | undefined;
  let code = 'Success';
  let failure: unknown;

  try {
    // HEAD is a GET whose body the HTTP layer drops: it answers the headers a GET would.
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      throw errors.unsupportedMethod(req.method);
    }
    const q = req.url.indexOf('?');
    const query: Pairs = q >= 0 ? parsePairs(req.url.slice(q + 1)) : [];
    let form: Pairs = [];
    if (req.rawBody.length > 0) {
      const type = header(req, 'content-type') ?? '';
      if (!type.toLowerCase().startsWith(FORM_TYPE))
        throw errors.unsupportedMediaType(type || '(none)');
      form = parsePairs(req.rawBody.toString('utf8'));
    }
    const params = new RequestParams(query, form);
    const param = (name: string) => params.get(name);
    const signed = signedActionAndVersion(req.headers, param);
    action = signed.action ?? '-';

    const signable: SignableRequest = {
      method: req.method,
      path: q >= 0 ? req.url.slice(0, q) : req.url,
      query,
      form,
      headers: req.headers,
      rawBody: req.rawBody,
    };
    const authenticated = services.authenticator.authenticate(signable, req.remoteAddress);
    // A cached key answers at once: no turn of the microtask queue for it.
    const caller = authenticated instanceof Promise ? await authenticated : authenticated;
    const pending = caller.nonceClaim;
    let outcome: Promise<Record<string, unknown>>;
    try {
      const op = dispatch(req.headers, param, signed.version);
      action = op.action;
      const run = () =>
        runOperation(services, op, caller.principal, params, {
          requestId,
          sourceIp: req.remoteAddress,
          arrivedAt: req.startedAt,
        });
      // An operation that writes nothing starts while its nonce claim is on its way to the store
      // (one round trip instead of two on PostgreSQL); any other waits for the claim.
      outcome = pending === undefined || op.readOnly ? run() : pending.then(run);
    } catch (e) {
      outcome = Promise.reject(e);
    }
    if (pending !== undefined) {
      // A replay gets SignatureNonceUsed and nothing else: not the data, not the handler's error.
      outcome.catch(() => {});
      await pending;
    }
    principal = caller.principal;
    const result = await outcome;
    ({ head: body, tail } = answerBody(requestId, result));
  } catch (e) {
    const err = toApiError(e);
    failure = e;
    status = err.status;
    code = err.code;
    body = renderError(err, requestId, hostId(req), publicBase(services.config, req.headers));
  }

  const seconds = Number(process.hrtime.bigint() - req.startedAt) / 1e9;
  // Only actions the registry knows become a label: the caller chooses the rest.
  services.metrics.observe(findOperation(action) ? action : UNKNOWN_ACTION, code, seconds);
  const line: RequestLine = {
    requestId,
    action: action.length > 64 ? `${action.slice(0, 64)}…` : action,
    caller: principal ? principal.userId : undefined,
    accessKeyId: principal?.accessKeyId,
    code,
    status,
    ms: Math.round(seconds * 1e6) / 1e3,
    ip: req.remoteAddress,
  };
  if (status >= 500) services.logger.error({ ...line, err: failure }, 'request failed');
  else logRequest(services.logger, line);
  return { status, body, tail, requestId };
}

/** The operation a verified request names (the signed Action and Version, bound as signed). */
function dispatch(
  headers: ApiRequest['headers'],
  param: (name: string) => string | undefined,
  signedVersion: string | undefined,
): Operation {
  const bound = bindActionAndVersion(
    headers,
    param,
    (name, paramName) =>
      name !== undefined &&
      signedVersion !== undefined &&
      findOperation(name, signedVersion)?.params[paramName] !== undefined,
  );
  // Dispatch on (Version, Action): each version is its own set of operations.
  if (!isApiVersion(bound.version)) throw errors.noSuchVersion(bound.version);
  const op = bound.action === undefined ? undefined : findOperation(bound.action, bound.version);
  if (!op) throw errors.actionNotFound(bound.action, bound.version);
  return op;
}

async function runOperation(
  services: Services,
  op: Operation,
  principal: Principal,
  params: RequestParams,
  call: Pick<OperationContext, 'requestId' | 'sourceIp' | 'arrivedAt'>,
): Promise<Record<string, unknown>> {
  const { requestId, sourceIp } = call;
  // Begun before the parameters are read, so that every refused call of an audited operation
  // (bad parameters, the policy layer, the role layer, the handler) is recorded alike.
  const audit = op.audit
    ? services.audit.begin({ requestId, action: op.action, principal, sourceIp })
    : undefined;
  try {
    const typed = parseParams(op, params);
    if (op.ram && !principal.isOwner) {
      const request = await policyRequest(services, op.action, typed, principal, sourceIp);
      const decision = evaluatePolicies(principal.policies, op.ram, request);
      if (decision !== 'allow') throw errors.ramDenied(op.ram, decision === 'deny');
    }
    const access = new RequestAccessGuard(
      principal,
      { action: op.action, roles: declaredRoles(op), activeWorkspace: needsActiveWorkspace(op) },
      services.access,
    );
    // Each field named: a spread followed by more fields costs V8 a slow store per field.
    const ctx: OperationContext = {
      requestId,
      principal,
      services,
      access,
      sourceIp,
      arrivedAt: call.arrivedAt,
      audit: audit ?? NOT_AUDITED,
    };
    const result = await op.handler(ctx as never, typed as never);
    if (!access.decided && op.access !== 'any-caller') {
      // A handler that never made an access decision is a bug; refuse rather than leak.
      throw errors.internal(new Error(`${op.action} returned without an access decision`));
    }
    if (audit) await audit.finish('Success');
    return result;
  } catch (e) {
    if (audit) {
      await audit.finish(toApiError(e).code).catch((err: unknown) => {
        services.logger.error(
          { err, requestId },
          'could not record a failed call in the audit trail',
        );
      });
    }
    throw e;
  }
}

export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  const store = translateStoreError(e);
  if (store?.kind === 'unavailable') return errors.unavailable(e);
  return errors.internal(e);
}
