import type { Command } from 'commander';
import { ensureRootTenant } from '../bootstrap.js';
import { type Config, ConfigError } from '../config.js';
import { flushLogger } from '../observability/logger.js';
import { OPERATIONS } from '../registry/index.js';
import { declaredRoles } from '../registry/operation.js';
import { buildApp } from '../server/app.js';
import { createServices } from '../services.js';
import { openDatabase } from '../store/dialect.js';
import { migrateToLatest } from '../store/migrate.js';
import { runEphemeral } from './ephemeral.js';

export function registerServeCommands(program: Command, loadConfig: () => Config): void {
  program
    .command('serve')
    .description(
      'start the server (DSHUB_HOST, DSHUB_PORT, DSHUB_DATA_DIR, DSHUB_DATABASE_URL, ...)',
    )
    .option(
      '--ephemeral',
      'keep everything in memory; print endpoint and root key as one JSON line',
    )
    .option(
      '--seed <file>',
      'with --ephemeral: apply this declarative file (users included) at start',
    )
    .action(async (o: { ephemeral?: boolean; seed?: string }) => {
      if (o.seed && !o.ephemeral) throw new ConfigError('--seed needs --ephemeral');
      if (o.ephemeral) {
        await runEphemeral(loadConfig(), {
          seed: o.seed,
          portGiven: Boolean(process.env.DSHUB_PORT),
        });
        return;
      }
      const config = loadConfig();
      const services = await createServices(config);
      const boot = await ensureRootTenant(services);
      const app = await buildApp(services);
      const address = await app.listen({ host: config.host, port: config.port });
      services.startHousekeeping();
      const out: string[] = [];
      out.push(`dshub listening on ${address} (store: ${services.db.dialect})`);
      if (boot.accessKey) {
        out.push(
          `first AccessKey (tenant ${boot.accessKey.tenantId}, owner ${boot.accessKey.userId}):`,
        );
        out.push(`  AccessKeyId:     ${boot.accessKey.accessKeyId}`);
        if (!config.rootAccessKey) out.push(`  AccessKeySecret: ${boot.accessKey.accessKeySecret}`);
        if (boot.keyFile) out.push(`  (also written to ${boot.keyFile}, mode 0600)`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
      const stop = async (signal: string) => {
        services.logger.info({ signal }, 'shutting down');
        await app.close();
        await services.close();
        flushLogger(services.logger);
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const db = openDatabase(loadConfig().database);
      try {
        const r = await migrateToLatest(db);
        for (const m of r.results) process.stdout.write(`${m.migrationName}: ${m.status}\n`);
        if (r.results.length === 0) process.stdout.write('up to date\n');
      } finally {
        await db.close();
      }
    });

  program
    .command('ops')
    .description('list the operations this server answers, with their RAM action and roles')
    .action(() => {
      for (const op of OPERATIONS) {
        const roles = op.access === 'any-caller' ? 'any caller' : declaredRoles(op).join(',');
        process.stdout.write(`${op.action}\t${op.method}\t${op.ram ?? '-'}\t${roles}\n`);
      }
    });
}
