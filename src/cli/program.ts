/**
 * The dshub command tree: `dshub serve` runs the server; `dshub admin ...` manages tenants, users,
 * AccessKeys, tenant roles, policies and the master key on the same store; `dshub migrate`
 * applies migrations; `dshub ops` lists the operations of the registry; call, configure,
 * export/plan/apply and completion are the API client (client-commands.ts).
 *
 * Only the tree is built here. Each command imports its code when it runs (a dynamic import in
 * its action), so `dshub call` never loads the server, its store drivers or Fastify, and
 * `dshub --help` loads commander alone. Keep it so: a static import of a heavy module from any
 * file reachable from here puts its loading time on every command (bench/cli-startup.ts).
 */
import { Command, CommanderError } from 'commander';
import type { Config } from '../config.js';
import { registerAdminCommands } from './admin.js';
import { registerClientCommands } from './client-commands.js';
import { reportError } from './report-error.js';
import { registerServeCommands } from './serve.js';

// `dshub ops | head`: the reader went away, which is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const loadConfig = async (): Promise<Config> => (await import('../config.js')).loadConfig();

const program = new Command('dshub')
  .description('dshub: a self-hosted data source hub speaking the DataWorks OpenAPI (2024-05-18)')
  .showHelpAfterError()
  .exitOverride();

registerServeCommands(program, loadConfig);
registerAdminCommands(program, loadConfig);
registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  reportError(e);
}
