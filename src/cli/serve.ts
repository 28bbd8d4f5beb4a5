/**
 * The server commands: serve (also --ephemeral), init, migrate, ops. Declared here, run from
 * run-server.ts and ephemeral.ts, which are imported only when their command runs.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';

export function registerServeCommands(program: Command, loadConfig: () => Promise<Config>): void {
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
      if (o.seed && !o.ephemeral) {
        const { ConfigError } = await import('../config.js');
        throw new ConfigError('--seed needs --ephemeral');
      }
      if (o.ephemeral) {
        const { runEphemeral } = await import('./ephemeral.js');
        await runEphemeral(await loadConfig(), {
          seed: o.seed,
          portGiven: Boolean(process.env.DSHUB_PORT),
        });
        return;
      }
      const config = await loadConfig();
      await (await import('./run-server.js')).runServe(config);
    });

  program
    .command('init')
    .description(
      'create the store (SQLite in DSHUB_DATA_DIR, or the DSHUB_DATABASE_URL database), its master key and first tenant, then exit',
    )
    .action(async () => {
      const config = await loadConfig();
      await (await import('./run-server.js')).runInit(config);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const config = await loadConfig();
      await (await import('./run-server.js')).runMigrate(config);
    });

  program
    .command('ops')
    .description(
      'list the operations this server answers: action, version, method, RAM action, roles',
    )
    .action(async () => {
      const [{ OPERATIONS }, { declaredRoles }] = await Promise.all([
        import('../registry/index.js'),
        import('../registry/operation.js'),
      ]);
      for (const op of OPERATIONS) {
        const roles = op.access === 'any-caller' ? 'any caller' : declaredRoles(op).join(',');
        process.stdout.write(
          `${op.action}\t${op.version}\t${op.method}\t${op.ram ?? '-'}\t${roles}\n`,
        );
      }
    });
}
