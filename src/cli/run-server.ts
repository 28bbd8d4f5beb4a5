/**
 * What `dshub serve`, `dshub init` and `dshub migrate` do, loaded only when one of them runs
 * (serve.ts declares the commands).
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type tls from 'node:tls';
import { ensureRootTenant } from '../bootstrap.js';
import { type Config, ConfigError } from '../config.js';
import { watchEventLoopForBenchmark } from '../observability/event-loop.js';
import { startIdleMemoryRelease } from '../observability/idle-memory.js';
import { createLogger, flushLogger, flushLoggerSync } from '../observability/logger.js';
import { oneCpuAdvice } from '../observability/one-cpu.js';
import { keepTickObjectMaps } from '../observability/tick-maps.js';
import { buildApp } from '../server/app.js';
import { Lifecycle } from '../server/health.js';
import { createServices } from '../services.js';
import { openDatabase } from '../store/dialect.js';
import { migrateToLatest } from '../store/migrate.js';
import { acquireStoreLock, type StoreLock } from '../store/store-lock.js';
import { describePostgresUrl, waitForDatabase } from '../store/wait.js';
import { describeStore } from './store-description.js';

/** Signals this close to the first are the same one delivered twice (see onSignal). */
const SAME_SIGNAL_MS = 2_000;

async function serve(config: Config, lock: StoreLock | undefined): Promise<void> {
  const services = await createServices(config, { waitForDatabase: true });
  const boot = await ensureRootTenant(services);
  const lifecycle = new Lifecycle();
  const tls = config.tls ? readTls(config.tls) : undefined;
  // process.nextTick stays on V8's fast path through every collection (tick-maps.ts).
  keepTickObjectMaps();
  const advice = oneCpuAdvice();
  if (advice) services.logger.warn(advice);
  const idle = startIdleMemoryRelease(config.idleGcMs, services.logger);
  const app = await buildApp(services, {
    lifecycle,
    onRequest: idle.onRequest,
    ...(tls ? { tls } : {}),
  });
  const address = await app.listen({ host: config.host, port: config.port });
  services.startHousekeeping();
  if (config.tls) {
    const files = config.tls;
    // New certificates without a restart: new connections get them, open ones keep theirs.
    process.on('SIGHUP', () => {
      try {
        const next = readTls(files);
        (app.server as unknown as tls.Server).setSecureContext(next);
        services.logger.info({ cert: files.certFile }, 'TLS certificate reloaded');
      } catch (err) {
        services.logger.error({ err }, 'TLS certificate reload failed; keeping the current one');
      }
    });
  }

  /**
   * A stop: readiness fails first (a load balancer drains), then no new connections, in-flight
   * requests finish (up to the shutdown timeout), the store closes, the lock goes. A second
   * signal during it ends the process at once (see onSignal).
   */
  const stop = async (signal: string) => {
    lifecycle.draining = true;
    idle.stop();
    services.logger.info({ signal }, 'shutting down');
    if (config.shutdown.drainMs > 0) await sleep(config.shutdown.drainMs);
    const force = setTimeout(() => {
      services.logger.warn(
        { timeoutMs: config.shutdown.timeoutMs },
        'requests still running at the shutdown timeout; closing their connections',
      );
      app.server.closeAllConnections();
    }, config.shutdown.timeoutMs).unref();
    try {
      await app.close();
      clearTimeout(force);
      await services.close();
      services.logger.info('stopped');
    } finally {
      lock?.release();
      // Every line of a clean stop is written before the exit (bounded: see flushLogger).
      await flushLogger(services.logger);
      process.exit(0);
    }
  };
  let stopBegan = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopBegan === 0) {
      stopBegan = Date.now();
      void stop(signal);
      return;
    }
    // A terminal's Ctrl-C reaches node directly and again through `npm start`, which passes
    // signals on: one keypress, two SIGINTs. Only a signal after that is the operator insisting.
    if (Date.now() - stopBegan < SAME_SIGNAL_MS) return;
    services.logger.warn({ signal }, 'second signal: stopping at once');
    lock?.release();
    flushLoggerSync(services.logger);
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  watchEventLoopForBenchmark();
  // Printed last: whoever waits for this line may signal at once, so the handlers are in place.
  const out: string[] = [];
  out.push(`dshub listening on ${address} (store: ${describeStore(config)})`);
  if (boot.accessKey) {
    out.push(
      `first AccessKey (tenant ${boot.accessKey.tenantId}, owner ${boot.accessKey.userId}):`,
    );
    out.push(`  AccessKeyId:     ${boot.accessKey.accessKeyId}`);
    if (!config.rootAccessKey) out.push(`  AccessKeySecret: ${boot.accessKey.accessKeySecret}`);
    if (boot.keyFile) out.push(`  (also written to ${boot.keyFile}, mode 0600)`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function readTls(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (path: string, name: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new ConfigError(
        `${name}: cannot read ${path} (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  };
  return {
    cert: read(files.certFile, 'DSHUB_TLS_CERT'),
    key: read(files.keyFile, 'DSHUB_TLS_KEY'),
  };
}

/** `dshub serve`: the store lock first (a second server on this data directory stops here). */
export async function runServe(config: Config): Promise<void> {
  const lock =
    config.database.kind === 'sqlite' && config.database.file !== ':memory:'
      ? acquireStoreLock(config.dataDir, 'dshub serve')
      : undefined;
  try {
    await serve(config, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/** `dshub init`: the store, its master key and first tenant, then exit. */
export async function runInit(config: Config): Promise<void> {
  const lock =
    config.database.kind === 'sqlite' ? acquireStoreLock(config.dataDir, 'dshub init') : undefined;
  try {
    const services = await createServices(config, {
      waitForDatabase: true,
      logger: createLogger('silent'),
      defaultMetrics: false,
    });
    try {
      const boot = await ensureRootTenant(services);
      process.stderr.write(`dshub: store ${describeStore(config)} is ready (migrations applied)\n`);
      if (boot.accessKey) {
        process.stdout.write(`${JSON.stringify(boot.accessKey, null, 2)}\n`);
        process.stderr.write(
          `dshub: created the first tenant and its owner's AccessKey${boot.keyFile ? ` (also written to ${boot.keyFile}, mode 0600)` : ''}\n`,
        );
      } else {
        process.stderr.write('dshub: the store already had a tenant; nothing created\n');
      }
    } finally {
      await services.close();
    }
  } finally {
    lock?.release();
  }
}

/** `dshub migrate`: pending migrations, then exit. */
export async function runMigrate(config: Config): Promise<void> {
  const db = openDatabase(config.database);
  try {
    process.stderr.write(`dshub: store ${describeStore(config)}\n`);
    if (config.database.kind === 'postgres') {
      await waitForDatabase(db, {
        waitMs: config.databaseWaitMs,
        where: describePostgresUrl(config.database.url),
        logger: createLogger(config.logLevel),
      });
    }
    const r = await migrateToLatest(db);
    for (const m of r.results) process.stdout.write(`${m.migrationName}: ${m.status}\n`);
    if (r.results.length === 0) process.stdout.write('up to date\n');
  } finally {
    await db.close();
  }
}
