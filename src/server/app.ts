/**
 * The HTTP shell around the pipeline: Fastify reads the raw body (needed for the ACS3 body
 * hash), serves "/" and the operational endpoints, and turns every framework-level failure
 * into Alibaba's error envelope.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type ApiError, errors } from '../errors.js';
import { buildOpenApiDocument } from '../registry/openapi.js';
import type { Services } from '../services.js';
import { handleApiRequest, hostId, newRequestId, renderError } from '../wire/handle.js';
import { Lifecycle, registerHealthRoutes } from './health.js';

const JSON_TYPE = 'application/json;charset=utf-8';
const EMPTY = Buffer.alloc(0);

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: bigint;
  }
}

function sendError(reply: FastifyReply, req: FastifyRequest, err: ApiError): FastifyReply {
  const requestId = newRequestId();
  return reply
    .code(err.status)
    .header('content-type', JSON_TYPE)
    .header('x-acs-request-id', requestId)
    .send(renderError(err, requestId, hostId(req)));
}

export interface AppOptions {
  /** Shared with the serve command, which marks the start of a shutdown in it. */
  lifecycle?: Lifecycle;
  /** PEM certificate (chain) and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
}

export async function buildApp(
  services: Services,
  opts: AppOptions = {},
): Promise<FastifyInstance> {
  const { trustedProxies } = services.config;
  const app = Fastify({
    logger: false,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    // X-Forwarded-For is believed only from these peers; req.ip is then the client's address
    // (logs, audit, policy source-IP conditions). Anyone else could write any address in it.
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    bodyLimit: services.config.maxBodyBytes,
    // The pipeline reads the raw query itself: signatures are over decoded pairs in order.
    routerOptions: { querystringParser: () => ({}) },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  app.decorateRequest('startedAt', 0n);
  app.addHook('onRequest', async (req) => {
    req.startedAt = process.hrtime.bigint();
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
      .send(res.body);
  };
  app.get('/', api);
  app.post('/', api);
  app.route({
    method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/',
    handler: async (req, reply) => sendError(reply, req, errors.unsupportedMethod(req.method)),
  });

  registerHealthRoutes(app, services, opts.lifecycle ?? new Lifecycle());
  app.get('/metrics', async (_req, reply) => {
    const m = await services.metrics.render();
    return reply.header('content-type', m.contentType).send(m.body);
  });
  const openapi = JSON.stringify(buildOpenApiDocument(), null, 2);
  app.get('/openapi.json', async (_req, reply) =>
    reply.header('content-type', JSON_TYPE).send(openapi),
  );

  app.setNotFoundHandler((req, reply) =>
    sendError(reply, req, errors.pathNotFound(req.url.split('?')[0]!)),
  );
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
