/**
 * The console's one way to reach dshub: the public API at "/", every call signed in the browser
 * with ACS3-HMAC-SHA256. Parameters travel in a form body (covered by x-acs-content-sha256);
 * the API reads query and body alike.
 */
import type { Credentials } from './session';
import { rfc3986, signAcs3 } from './sign';

export type ParamValue = string | number | boolean | undefined | null;
export type Params = Record<string, ParamValue>;

/** What the API Explorer shows of a call: the request as sent (redacted) and the answer. */
export interface CallRecord {
  action: string;
  params: Record<string, string>;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  status: number;
  headers: Record<string, string>;
  requestId: string;
  body: unknown;
  ms: number;
}

const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'IncompleteSignature',
]);

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    message: string,
    readonly kind: 'api' | 'network' | 'aborted',
    readonly code: string,
    readonly status: number,
    readonly requestId: string,
    readonly recommend: string,
    readonly record?: CallRecord,
  ) {
    super(message);
  }

  /** The AccessKey itself was refused: wrong secret, deleted or disabled key. */
  get isAuth(): boolean {
    return AUTH_CODES.has(this.code);
  }
}

export function toParams(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    out[k] = String(v);
  }
  return out;
}

/** Shows which headers were signed without the signature itself. */
export function redactAuthorization(value: string): string {
  return value.replace(/Signature=[0-9a-f]+/i, 'Signature=<redacted>');
}

export async function callApi<T = Record<string, unknown>>(
  creds: Credentials,
  action: string,
  params: Params = {},
  options: {
    signal?: AbortSignal;
    onRecord?: (r: CallRecord) => void;
    /** The API version of the action (RAM's 2015-05-01); DataWorks' by default. */
    version?: string;
  } = {},
): Promise<T> {
  const flat = toParams(params);
  const body = Object.entries(flat)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const signed = await signAcs3({
    method: 'POST',
    host: location.host,
    path: '/',
    query: [],
    body,
    action,
    ...(options.version ? { version: options.version } : {}),
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
  });
  const headers: Record<string, string> = {
    ...signed.headers,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch('/', {
      method: 'POST',
      headers,
      body,
      signal: options.signal ?? null,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (options.signal?.aborted) {
      throw new ApiCallError('The request was cancelled.', 'aborted', 'Aborted', 0, '', '');
    }
    throw new ApiCallError(
      `dshub could not be reached (${err instanceof Error ? err.message : String(err)}). Check that the server is running and the network is up.`,
      'network',
      'NetworkError',
      0,
      '',
      '',
    );
  }
  const text = await res.text();
  // For bench/console.ts: when each answer arrived (render time is measured from here).
  performance.mark(`answered:${action}`);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { Message: text.slice(0, 500) };
  }
  const responseHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    responseHeaders[k] = v;
  });
  const requestId = String(json.RequestId ?? res.headers.get('x-acs-request-id') ?? '');
  const record: CallRecord = {
    action,
    params: flat,
    request: {
      method: 'POST',
      url: `${location.origin}/`,
      headers: {
        host: location.host,
        ...headers,
        authorization: redactAuthorization(headers.authorization ?? ''),
      },
      body,
    },
    status: res.status,
    headers: responseHeaders,
    requestId,
    body: json,
    ms: Math.round(performance.now() - started),
  };
  options.onRecord?.(record);
  if (!res.ok) {
    throw new ApiCallError(
      String(json.Message ?? `HTTP ${res.status}`),
      'api',
      String(json.Code ?? `HTTP${res.status}`),
      res.status,
      requestId,
      String(json.Recommend ?? ''),
      record,
    );
  }
  return json as T;
}
