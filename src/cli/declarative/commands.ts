/**
 * `dshub export`, `dshub plan -f` and `dshub apply -f`: workspaces as code, through the API.
 * Declared here; apply.ts (YAML, the plan, the client) is imported when one of them runs.
 */
import type { Command } from 'commander';
import type { ExportFlags, PlanFlags } from './apply.js';

function common(cmd: Command): Command {
  return cmd
    .option('-p, --profile <name>', 'credential profile')
    .option('--signature <acs3|v2>', 'signature scheme (default acs3)');
}

export function registerDeclarativeCommands(program: Command): void {
  common(
    program
      .command('export')
      .description(
        'write workspaces (members, data sources, sharing rules) as YAML; secrets as environment variable references',
      )
      .option(
        '-w, --workspace <name...>',
        'only these workspaces (default: every workspace you can see)',
      )
      .option('-o, --out <file>', 'write to a file instead of stdout'),
  ).action(async (o: ExportFlags) => (await import('./apply.js')).runExport(o));

  common(
    program
      .command('plan')
      .description(
        'show what apply would create, change and delete, field by field; changes nothing',
      )
      .requiredOption('-f, --file <file>', 'the declarative file (YAML), or - for stdin')
      .option('--prune', 'include deletions of what the file leaves out')
      .option('--update-secrets', 'also send the secrets of existing data sources'),
  ).action(async (o: PlanFlags) => (await import('./apply.js')).runPlan(o));

  common(
    program
      .command('apply')
      .description(
        'make the server match the file, through the API; a second apply changes nothing',
      )
      .requiredOption('-f, --file <file>', 'the declarative file (YAML), or - for stdin')
      .option('--prune', 'delete members, data sources and sharing rules the file leaves out')
      .option(
        '--update-secrets',
        'send the secrets of existing data sources too (they are never compared)',
      ),
  ).action(async (o: PlanFlags) => (await import('./apply.js')).runApply(o));
}
