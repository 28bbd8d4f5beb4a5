/**
 * A small DataWorks OpenAPI client over node:http(s): signs each call, sends it where the
 * registry says the official SDK puts each parameter, and turns an error envelope into an
 * ApiCallError carrying Code, Message and RequestId.
 */
import http from 'node:http';
import https from 'node:https';
import { findOperation } from '../../registry/index.js';
import { API_VERSION } from '../../registry/operation.js';
import { normalizeEndpoint } from './endpoint.js';
import { ApiCallError, TransportError } from './errors.js';
import { type Credentials, type SignatureScheme, signAcs3, signV2 } from './signer.js';

export interface ClientOptions extends Credentials {
  /** `http://host:port`, `https://host`, or `host:port` (http). */
  endpoint: string;
  signature?: SignatureScheme;
  /** Whole-call timeout; connectivity tests may take the server's 15 s budget. */
  timeoutMs?: number;
}

export type ApiBody = Record<string, unknown>;

export class ApiClient {
  private readonly url: URL;
  constructor(private readonly opts: ClientOptions) {
    this.url = normalizeEndpoint(opts.endpoint);
  }

  get endpoint(): string {
    return this.url.origin;
  }

  /** Calls one action; `params` are wire values (strings), already validated by the caller. */
  async call(action: string, params: Record<string, string>): Promise<ApiBody> {
    const op = findOperation(action);
    const method = op?.method ?? 'POST';
    const query: [string, string][] = [];
    const form: [string, string][] = [];
    for (const [name, value] of Object.entries(params)) {
      const placement = op?.params[name]?.placement ?? 'query';
      (placement === 'body' && method === 'POST' ? form : query).push([name, value]);
    }
    const version = op?.version ?? API_VERSION;
    const unsigned = { method, action, version, host: this.url.host, query, form };
    const signed =
      this.opts.signature === 'v2' ? signV2(unsigned, this.opts) : signAcs3(unsigned, this.opts);
    const { status, text } = await this.send(
      signed.method,
      signed.path,
      signed.headers,
      signed.body,
    );
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TransportError(
        `${this.url.origin} answered HTTP ${status} with something other than JSON: is it a dshub server?`,
      );
    }
    const b = (body ?? {}) as ApiBody;
    if (status >= 400 || typeof b.Code === 'string') {
      throw new ApiCallError(
        String(b.Code ?? `HTTP${status}`),
        String(b.Message ?? `HTTP ${status}`),
        typeof b.RequestId === 'string' ? b.RequestId : undefined,
        status,
      );
    }
    return b;
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const lib = this.url.protocol === 'https:' ? https : http;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          method,
          path,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (e) => reject(new TransportError(e.message)));
        },
      );
      req.on('timeout', () => {
        req.destroy(new TransportError(`no answer from ${this.url.origin} within ${timeoutMs} ms`));
      });
      req.on('error', (e) =>
        reject(
          e instanceof TransportError
            ? e
            : new TransportError(
                `cannot reach ${this.url.origin}: ${(e as NodeJS.ErrnoException).code ?? e.message}`,
              ),
        ),
      );
      req.end(body);
    });
  }
}
