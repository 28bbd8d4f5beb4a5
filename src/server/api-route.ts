/**
 * The API route "/" served straight from node:http, ahead of Fastify: signed calls are nearly
 * all the traffic, and Fastify's request and reply objects, hooks, content-type parsing and
 * header handling were a fifth of a GetCallerIdentity's CPU. Only the plain shapes are taken
 * here (GET, HEAD, and POST with no or a form Content-Type, on "/" or "/?…"); every other
 * request to "/" ("/#x?…", absolute-form targets, other methods, other media types) still goes
 * through Fastify's route and hook, which answer it as before. What Fastify did for the shapes
 * taken here is done here alike: 503 ShuttingDown while closing, Forbidden.Host before the body
 * is read, the client address from DSHUB_TRUSTED_PROXIES only, the body limit (413, from
 * Content-Length before reading and while reading), GET and HEAD bodies left unread, and every
 * failure in the envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { type ApiError, errors } from '../errors.js';
import type { Services } from '../services.js';
import {
  type ApiResponse,
  handleApiRequest,
  hostId,
  publicBase,
  renderError,
} from '../wire/handle.js';
import { newRequestId } from '../wire/request-id.js';
import { wantsConsole } from './console-static.js';

export const JSON_TYPE = 'application/json;charset=utf-8';
const EMPTY = Buffer.alloc(0);
// The media types Fastify's content-type check accepted and handed on unchanged; anything
// else on a POST (including a malformed Content-Type) is left to Fastify's route.
const FORM_TYPE = /^application\/x-www-form-urlencoded(?:\s*;\s*charset=[\w-]+)?$/i;
const QUESTION_MARK = 63;
const SLASH = 47;

export interface ApiRouteState {
  /** True from the start of a close: new requests get 503 ShuttingDown. */
  closing(): boolean;
}

export function clipHost(host: string | undefined): string | undefined {
  return host && host.length > 128 ? `${host.slice(0, 128)}…` : host;
}

/**
 * Whether a Host header names one of DSHUB_PUBLIC_HOSTS. An entry with a port matches only that
 * port; one without matches the name on any port (and without one).
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const h = host.toLowerCase().replace(/\.(?=(:\d+)?$)/, '');
  const name = h.replace(/:\d+$/, '');
  return allowed.some((entry) => {
    const e = entry.replace(/\.(?=(:\d+)?$)/, '');
    return /:\d+$/.test(e) ? e === h : e === name;
  });
}

/**
 * The client's address: the peer, or with DSHUB_TRUSTED_PROXIES the last address in
 * X-Forwarded-For that a trusted proxy did not add (what Fastify's `trustProxy` computed).
 */
export function clientAddressOf(
  trustedProxies: readonly string[],
): (req: IncomingMessage) => string {
  if (trustedProxies.length === 0) return (req) => req.socket?.remoteAddress as string;
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => {
    const all = proxyAddr.all(req, trust);
    return all[all.length - 1] as string;
  };
}

/**
 * Answers ready in one turn of the event loop are written together at its end (setImmediate runs
 * once the poll phase has handled every socket that was ready), the way Redis writes its replies
 * just before it waits again. Written one by one as each was ready, every answer woke the
 * client's sleeping reader: on loopback that wake-up is paid inside the server's `writev`
 * (sock_def_readable), and perf measured it at a quarter of a GetCallerIdentity's CPU. In a
 * batch the first write wakes the reader and the rest find it awake. An answer waits at most
 * for the rest of the turn that produced it, which is work that was already ahead of its write.
 */
export class AnswerBatch {
  private readonly pending: [ServerResponse, ApiResponse][] = [];
  private readonly flush = () => {
    const pending = this.pending.splice(0);
    for (const [res, { status, requestId, body, tail }] of pending) {
      // One header array, written with the body in one go: no header object per request.
      res.writeHead(status, [
        'content-type',
        JSON_TYPE,
        'x-acs-request-id',
        requestId,
        'content-length',
        String(Buffer.byteLength(body) + (tail === undefined ? 0 : tail.length)),
      ]);
      if (tail === undefined) {
        res.end(body);
      } else {
        // Held until `end`, which uncorks the socket: headers, head and tail in one write.
        res.cork();
        res.write(body);
        res.end(tail);
      }
    }
  };

  add(res: ServerResponse, answer: ApiResponse): void {
    if (this.pending.push([res, answer]) === 1) setImmediate(this.flush);
  }
}

export interface ApiRoute {
  /** Whether this request is one the lean route serves (else Fastify's handler gets it). */
  takes(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function createApiRoute(services: Services, state: ApiRouteState): ApiRoute {
  const { publicHosts, maxBodyBytes } = services.config;
  const clientAddress = clientAddressOf(services.config.trustedProxies);

  const sendError = (
    req: IncomingMessage,
    res: ServerResponse,
    err: ApiError,
    close = false,
  ): void => {
    const requestId = newRequestId();
    const body = renderError(err, requestId, hostId(req), publicBase(services.config, req.headers));
    const headers = [
      'content-type',
      JSON_TYPE,
      'x-acs-request-id',
      requestId,
      'content-length',
      String(Buffer.byteLength(body)),
    ];
    if (close) headers.push('connection', 'close');
    res.writeHead(err.status, headers);
    res.end(body);
  };

  const answers = new AnswerBatch();

  const run = (req: IncomingMessage, res: ServerResponse, rawBody: Buffer, startedAt: bigint) => {
    handleApiRequest(services, {
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      rawBody,
      remoteAddress: clientAddress(req),
      startedAt,
    }).then(
      (answer) => answers.add(res, answer),
      (err: unknown) => {
        services.logger.error({ err }, 'unhandled error');
        if (!res.headersSent) sendError(req, res, errors.internal(err));
      },
    );
  };

  const unreadable = (req: IncomingMessage, res: ServerResponse) => {
    if (res.headersSent || res.destroyed) return;
    sendError(
      req,
      res,
      errors.invalidParameter(
        'Request',
        'the request could not be read (malformed HTTP body or headers).',
      ),
    );
  };

  const readBody = (req: IncomingMessage, res: ServerResponse, startedAt: bigint) => {
    const contentLength = Number(req.headers['content-length']);
    if (contentLength > maxBodyBytes) {
      sendError(req, res, errors.bodyTooLarge(maxBodyBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (err?: unknown) => {
      req.removeListener('data', onData);
      req.removeListener('end', done);
      req.removeListener('error', done);
      if (err != null) {
        unreadable(req, res);
        return;
      }
      if (!Number.isNaN(contentLength) && received !== contentLength) {
        unreadable(req, res);
        return;
      }
      run(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received), startedAt);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBodyBytes) {
        req.removeListener('data', onData);
        req.removeListener('end', done);
        req.removeListener('error', done);
        sendError(req, res, errors.bodyTooLarge(maxBodyBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', done);
    req.on('error', done);
  };

  return {
    takes(req) {
      const url = req.url!;
      if (url !== '/' && !(url.charCodeAt(0) === SLASH && url.charCodeAt(1) === QUESTION_MARK)) {
        return false;
      }
      const method = req.method;
      // A browser opening "/" is redirected to the console by Fastify's hook (console-static.ts).
      if (method === 'GET') return !wantsConsole(req);
      if (method === 'HEAD') return true;
      if (method !== 'POST') return false;
      const type = req.headers['content-type'];
      return type === undefined || FORM_TYPE.test(type);
    },

    handle(req, res) {
      const startedAt = process.hrtime.bigint();
      if (state.closing()) {
        sendError(req, res, errors.shuttingDown(), true);
        return;
      }
      // API calls name one of the server's public hosts, or are refused before any work (the
      // body is not even read).
      if (publicHosts && !hostAllowed(req.headers.host, publicHosts)) {
        services.metrics.observe('(unknown)', 'Forbidden.Host', 0);
        services.logger.info(
          {
            ip: clientAddress(req),
            host: clipHost(req.headers.host),
            code: 'Forbidden.Host',
            status: 403,
          },
          'request',
        );
        sendError(req, res, errors.hostNotServed(req.headers.host), true);
        return;
      }
      if (req.method !== 'POST') {
        // A GET or HEAD body is not read (Node discards it once the answer is sent).
        run(req, res, EMPTY, startedAt);
        return;
      }
      const length = req.headers['content-length'];
      if (
        req.headers['transfer-encoding'] === undefined &&
        (length === undefined || length === '0')
      ) {
        run(req, res, EMPTY, startedAt);
        return;
      }
      readBody(req, res, startedAt);
    },
  };
}

/** The front handler: the lean route for what it takes, Fastify's handler for the rest. */
export function frontHandler(
  route: ApiRoute,
  fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void,
  onRequest: () => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    onRequest();
    if (route.takes(req)) route.handle(req, res);
    else fastifyHandler(req, res);
  };
}
