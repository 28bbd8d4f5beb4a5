/**
 * The API client side of the `dshub` command, registered in one place so the entry point stays
 * small: call, configure, export/plan/apply and completion. Errors of these commands end the
 * process here with the exit codes documented in the README (1 API error, 2 usage, 3 transport).
 */
import type { Command } from 'commander';
import { registerCallCommand } from './call.js';
import { UsageError } from './call-params.js';
import { ApiCallError, TransportError } from './client/api-client.js';
import { registerCompletionCommand } from './completion.js';
import { registerConfigureCommands } from './configure.js';
import { registerDeclarativeCommands } from './declarative/commands.js';

export function registerClientCommands(program: Command): void {
  registerCallCommand(program);
  registerConfigureCommands(program);
  registerDeclarativeCommands(program);
  registerCompletionCommand(program);
}

/** Exits with the client exit code if `e` is a client error; returns otherwise. */
export function reportClientError(e: unknown): void {
  if (e instanceof UsageError) {
    process.stderr.write(`dshub: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof ApiCallError) {
    process.stderr.write(
      `Code: ${e.code}\nMessage: ${e.message}\nRequestId: ${e.requestId ?? '-'}\nHTTP status: ${e.status}\n`,
    );
    process.exit(1);
  }
  if (e instanceof TransportError) {
    process.stderr.write(`dshub: ${e.message}\n`);
    process.exit(3);
  }
}
