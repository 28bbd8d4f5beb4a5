/**
 * The HTTP shell around the pipeline: Fastify reads the raw body (needed for the ACS3 body
 * hash), serves "/" and the operational endpoints, and turns every framework-level failure
 * into Alibaba's error envelope.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type ApiError, errors } from '../errors.js';
import { buildOpenApiDocument } from '../registry/openapi.js';
import type { Services } from '../services.js';
import { ping } from '../store/dialect.js';
import { handleApiRequest, hostId, newRequestId, renderError } from '../wire/handle.js';
import { registerConsole } from './console-static.js';

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

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
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

  app.get('/health', async (_req, reply) => {
    try {
      await ping(services.db);
      return reply
        .header('content-type', JSON_TYPE)
        .send({ status: 'ok', store: services.db.dialect });
    } catch {
      return reply
        .code(503)
        .header('content-type', JSON_TYPE)
        .send({ status: 'unavailable', store: services.db.dialect });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await services.metrics.render();
    return reply.header('content-type', m.contentType).send(m.body);
  });
  const openapi = JSON.stringify(buildOpenApiDocument(), null, 2);
  app.get('/openapi.json', async (_req, reply) =>
    reply.header('content-type', JSON_TYPE).send(openapi),
  );

  registerConsole(app);

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
