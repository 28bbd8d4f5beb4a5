/**
 * The HTTP shell around the pipeline: Fastify reads the raw body (needed for the ACS3 body
 * hash), serves "/" and the operational endpoints, and turns every framework-level failure
 * into Alibaba's error envelope.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type InjectOptions,
} from 'fastify';
import { type ApiError, errors } from '../errors.js';
import { buildOpenApiDocument } from '../registry/openapi.js';
import type { Services } from '../services.js';
import { handleApiRequest, hostId, publicBase, renderError } from '../wire/handle.js';
import { newRequestId } from '../wire/request-id.js';
import { clipHost, createApiRoute, frontHandler, hostAllowed, JSON_TYPE } from './api-route.js';
import { registerConsole } from './console-static.js';
import { registerErrorDocs } from './error-docs.js';
import { Lifecycle, registerHealthRoutes } from './health.js';

export { hostAllowed };

const EMPTY = Buffer.alloc(0);

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: bigint;
  }
  interface FastifyInstance {
    /** Where clients reach dshub (for Recommend links), from the request's headers. */
    dshubPublicBase(headers: FastifyRequest['headers']): string;
  }
}

function sendError(reply: FastifyReply, req: FastifyRequest, err: ApiError): FastifyReply {
  const requestId = newRequestId();
  return reply
    .code(err.status)
    .header('content-type', JSON_TYPE)
    .header('x-acs-request-id', requestId)
    .send(renderError(err, requestId, hostId(req), req.server.dshubPublicBase(req.headers)));
}

/**
 * Node's HTTP parser refuses some requests before any route runs (bad chunking, both
 * Transfer-Encoding and Content-Length, NUL in a header, bare LF, headers over 16 KiB, a request
 * that does not arrive in time). The answer is written on the socket directly, in the envelope.
 */
function clientError(services: Services, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? errors.headerTooLarge()
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errors.requestTimeout(services.config.http.requestTimeoutMs)
        : errors.malformedRequest(
            `${err.code === undefined ? 'invalid HTTP' : parserReason(err.code)}. Send a well-formed HTTP/1.1 request.`,
          );
  const requestId = newRequestId();
  const body = renderError(
    apiError,
    requestId,
    hostId({ headers: {} }),
    publicBase(services.config, { host: services.config.host }),
  );
  services.metrics.observe('(unknown)', apiError.code, 0);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\n` +
        `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-acs-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function parserReason(code: string): string {
  switch (code) {
    case 'HPE_INVALID_CHUNK_SIZE':
      return 'the chunked body is malformed';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'Transfer-Encoding and Content-Length are both set';
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'a header holds a character HTTP does not allow';
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return 'lines must end with CRLF';
    default:
      return `the HTTP parser refused it (${code})`;
  }
}

function noSchemas(): never {
  throw new Error('dshub routes declare no Fastify schemas (see buildApp)');
}

/** Constant-time comparison of a bearer token with the configured one (any lengths). */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Fastify's `inject` calls Fastify's own handler, which would pass by the lean API route: calls
 * made in process (the integration tests) go through the same front handler as the network.
 */
function injectThroughFront(
  app: FastifyInstance,
  front: () => (req: IncomingMessage, res: ServerResponse) => void,
  closed: () => boolean,
): void {
  // Loaded on the first call, as Fastify does: a server that is never injected into skips it.
  let lightMyRequest: typeof import('light-my-request').inject | undefined;
  const inject = async (opts: InjectOptions | string) => {
    // As Fastify's own: a closed app is not served again.
    if (closed()) throw new Error('Fastify has already been closed and cannot be reopened');
    if (lightMyRequest === undefined) {
      await app.ready();
      lightMyRequest = (await import('light-my-request')).inject;
    }
    return lightMyRequest(front(), opts);
  };
  (app as unknown as { inject: typeof inject }).inject = inject;
}

export interface AppOptions {
  /** Shared with the serve command, which marks the start of a shutdown in it. */
  lifecycle?: Lifecycle;
  /** PEM certificate (chain) and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Called for every HTTP request, before it is routed (the idle memory release counts them). */
  onRequest?: () => void;
}

export async function buildApp(
  services: Services,
  opts: AppOptions = {},
): Promise<FastifyInstance> {
  const { trustedProxies, publicHosts } = services.config;
  const limits = services.config.http;
  let closing = false;
  const apiRoute = createApiRoute(services, { closing: () => closing });
  // Set by the server factory (Fastify calls it while it is being built): the front handler
  // gives "/" to the lean API route and everything else to Fastify.
  let front: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    // How often Node looks for requests past their timeouts (its default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
  const app = Fastify({
    logger: false,
    // Only read by Fastify for the scheme of the addresses it reports; the factory serves TLS.
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    serverFactory: (fastifyHandler) => {
      front = frontHandler(apiRoute, fastifyHandler, opts.onRequest);
      const server: Server = opts.tls
        ? createHttpsServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key }, front)
        : createHttpServer(serverOptions, front);
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = limits.keepAliveTimeoutMs;
      server.requestTimeout = limits.requestTimeoutMs;
      return server;
    },
    // X-Forwarded-For is believed only from these peers; req.ip is then the client's address
    // (logs, audit, policy source-IP conditions). Anyone else could write any address in it.
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    bodyLimit: services.config.maxBodyBytes,
    // The pipeline reads the raw query itself: signatures are over decoded pairs in order.
    routerOptions: { querystringParser: () => ({}) },
    // Fastify's own 503 while closing is not the envelope: the onRequest hook below answers.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: (err, socket) => clientError(services, err, socket),
    frameworkErrors: (err, req, reply) =>
      sendError(reply, req, errors.malformedRequest(`${err.message}.`)),
    // No route declares a Fastify schema (the pipeline checks parameters against the registry),
    // so Fastify's Ajv and fast-json-stringify compilers would be loaded for nothing: about a
    // sixth of start-up. A route given a schema fails at registration, loudly.
    schemaController: {
      compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas },
    },
  });
  app.server.maxConnections = limits.maxConnections;
  injectThroughFront(
    app,
    () => front!,
    () => closing,
  );

  app.addHook('preClose', async () => {
    closing = true;
  });

  app.decorate('dshubPublicBase', (headers: FastifyRequest['headers']) =>
    publicBase(services.config, headers),
  );
  registerErrorDocs(app);
  app.decorateRequest('startedAt', 0n);
  // A callback hook, not an async one: an async hook costs a promise and extra turns of the
  // microtask queue on every request, for a check that never waits.
  app.addHook('onRequest', (req, reply, done) => {
    req.startedAt = process.hrtime.bigint();
    if (closing) {
      reply.header('connection', 'close');
      sendError(reply, req, errors.shuttingDown());
      return;
    }
    // API calls name one of the server's public hosts, or are refused before any work
    // (the body is not even read). Only "/" carries signed requests: the route Fastify matched
    // counts (a target may also be "/#x?…" or an absolute URL), and so does the raw path for
    // methods "/" has no route for.
    if (
      publicHosts &&
      (req.routeOptions.url === '/' || req.url.split(/[?#]/, 1)[0] === '/') &&
      !hostAllowed(req.headers.host, publicHosts)
    ) {
      services.metrics.observe('(unknown)', 'Forbidden.Host', 0);
      services.logger.info(
        { ip: req.ip, host: clipHost(req.headers.host), code: 'Forbidden.Host', status: 403 },
        'request',
      );
      reply.header('connection', 'close');
      sendError(reply, req, errors.hostNotServed(req.headers.host));
      return;
    }
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const api = async (req: FastifyRequest, reply: FastifyReply) => {
    const res = await handleApiRequest(services, {
      method: req.method,
      url: req.url,
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : EMPTY,
      remoteAddress: req.ip,
      startedAt: req.startedAt,
    });
    return reply
      .code(res.status)
      .header('content-type', JSON_TYPE)
      .header('x-acs-request-id', res.requestId)
      .send(res.tail === undefined ? res.body : Buffer.concat([Buffer.from(res.body), res.tail]));
  };
  app.get('/', api);
  app.post('/', api);
  app.route({
    method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/',
    handler: async (req, reply) => sendError(reply, req, errors.unsupportedMethod(req.method)),
  });

  registerHealthRoutes(app, services, opts.lifecycle ?? new Lifecycle());
  const { metricsToken } = services.config;
  app.get('/metrics', async (req, reply) => {
    if (metricsToken !== undefined) {
      const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
      if (!m || !tokenMatches(m[1]!, metricsToken)) {
        reply.header('www-authenticate', 'Bearer realm="dshub metrics"');
        return sendError(reply, req, errors.metricsUnauthorized(m !== null));
      }
    }
    const m = await services.metrics.render();
    return reply.header('content-type', m.contentType).send(m.body);
  });
  // Built on the first request for it, not at start-up.
  let openapi: string | undefined;
  app.get('/openapi.json', async (_req, reply) => {
    openapi ??= JSON.stringify(
      buildOpenApiDocument({
        timeBudgetsMs: { TestDataSourceConnectivity: services.config.connectivity.totalTimeoutMs },
      }),
      null,
      2,
    );
    return reply.header('content-type', JSON_TYPE).send(openapi);
  });

  registerConsole(app);

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    // Any other method on "/" (PROPFIND, TRACE, ...) is a method error, not a path error.
    return sendError(
      reply,
      req,
      path === '/' ? errors.unsupportedMethod(req.method) : errors.pathNotFound(path),
    );
  });
  app.setErrorHandler((err: { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, req, errors.bodyTooLarge(services.config.maxBodyBytes));
    }
    if (err.statusCode && err.statusCode < 500) {
      return sendError(
        reply,
        req,
        errors.invalidParameter(
          'Request',
          'the request could not be read (malformed HTTP body or headers).',
        ),
      );
    }
    services.logger.error({ err }, 'unhandled error');
    return sendError(reply, req, errors.internal(err));
  });
  return app;
}
