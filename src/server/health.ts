/**
 * Health for orchestrators and load balancers, as two questions:
 * - liveness (`/health/live`): the process serves HTTP. Nothing else is checked: a store outage
 *   must not get a healthy process restarted.
 * - readiness (`/health/ready`, and `/health` as before): the store answers, every migration
 *   this build knows has run, the master key opens the store, and the server is not shutting
 *   down. It fails from the first moment of a shutdown, so a load balancer stops sending
 *   traffic while in-flight requests finish.
 */
import type { FastifyInstance } from 'fastify';
import { checkMasterKey } from '../crypto/master-key-check.js';
import type { Services } from '../services.js';
import { ping } from '../store/dialect.js';
import { pendingMigrations } from '../store/migrate.js';

const JSON_TYPE = 'application/json;charset=utf-8';

/** Set by the serve command when a stop begins. */
export class Lifecycle {
  draining = false;
}

type Check = { ok: true } | { ok: false; reason: string };

async function readiness(services: Services, lifecycle: Lifecycle): Promise<Check> {
  if (lifecycle.draining) return { ok: false, reason: 'shutting down' };
  try {
    await ping(services.db);
  } catch {
    return { ok: false, reason: 'the store does not answer' };
  }
  try {
    const pending = await pendingMigrations(services.db);
    if (pending.length > 0) {
      return { ok: false, reason: `migrations not applied: ${pending.join(', ')}` };
    }
    await checkMasterKey(services.db, services.envelope);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : 'store check failed' };
  }
  return { ok: true };
}

export function registerHealthRoutes(
  app: FastifyInstance,
  services: Services,
  lifecycle: Lifecycle,
): void {
  const store = services.db.dialect;
  app.get('/health/live', async (_req, reply) =>
    reply.header('content-type', JSON_TYPE).send({ status: 'ok' }),
  );
  const ready = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    const check = await readiness(services, lifecycle);
    return check.ok
      ? reply.header('content-type', JSON_TYPE).send({ status: 'ok', store })
      : reply
          .code(503)
          .header('content-type', JSON_TYPE)
          .send({ status: 'unavailable', store, reason: check.reason });
  };
  app.get('/health/ready', ready);
  app.get('/health', ready);
}
