#!/usr/bin/env node
/**
 * The dshub command: `dshub serve` runs the server; `dshub admin ...` manages tenants, users,
 * AccessKeys, tenant roles, policies and the master key on the same store; `dshub migrate`
 * applies migrations; `dshub ops` lists the operations of the registry. The API client commands
 * (call, configure, export, plan, apply, completion) are in client-commands.ts.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { AdminError } from '../identity/identity-service.js';
import { registerAdminCommands } from './admin.js';
import { registerClientCommands, reportClientError } from './client-commands.js';
import { registerServeCommands } from './serve.js';

// `dshub ops | head`: the reader went away, which is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

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
  reportClientError(e);
  if (e instanceof ConfigError || e instanceof AdminError) {
    process.stderr.write(`dshub: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`dshub: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
