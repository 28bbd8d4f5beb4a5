/**
 * The API client side of the `dshub` command, declared in one place: call, configure,
 * export/plan/apply and completion. Each action imports its code when it runs; their errors end
 * the process in report-error.ts (exit 1 API error, 2 usage, 3 transport).
 */
import type { Command } from 'commander';
import { registerConfigureCommands } from './configure.js';
import { registerDeclarativeCommands } from './declarative/commands.js';

export function registerClientCommands(program: Command): void {
  program
    .command('call')
    .description(
      'call any operation of the API, signed with a profile’s credentials (dshub call --help)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args: string[]) => (await import('./call.js')).runCall(args));
  registerConfigureCommands(program);
  registerDeclarativeCommands(program);
  program
    .command('completion <shell>')
    .description('print a bash or zsh completion script: source <(dshub completion bash)')
    .action(async (shell: string) =>
      (await import('./completion.js')).runCompletion(
        shell,
        program.commands.map((c) => c.name()),
      ),
    );
}
