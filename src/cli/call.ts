/**
 * `dshub call <Action> [--Param value ...]`: any operation of the registry, as a signed API call.
 * Lower-case flags belong to the CLI, capitalised ones are the operation's parameters, so the
 * two never collide (DataWorks parameters are all PascalCase).
 */
import { findOperation, OPERATIONS } from '../registry/index.js';
import type { Operation } from '../registry/operation.js';
import { buildParams, closest, kindLabel, UsageError } from './call-params.js';
import type { ApiBody, ApiClient } from './client/api-client.js';
import { type ClientFlags, clientFrom } from './client/connect.js';
import { applyQuery, parseOutputFormat, render } from './output.js';
import { createProgress, withProgress } from './progress.js';

const CLI_FLAGS: Record<string, 'value' | 'switch'> = {
  profile: 'value',
  signature: 'value',
  query: 'value',
  output: 'value',
  'all-pages': 'switch',
  help: 'switch',
};

interface CallFlags extends ClientFlags {
  query?: string;
  output?: string;
  'all-pages'?: boolean;
  help?: boolean;
}

/** Separates the CLI's own lower-case flags from the operation's parameters. */
function splitArgs(args: readonly string[]): { action?: string; flags: CallFlags; rest: string[] } {
  const flags: Record<string, string | boolean> = {};
  const rest: string[] = [];
  let action: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(a);
    const kind = m ? CLI_FLAGS[m[1]!] : undefined;
    if (a === '-h') {
      flags.help = true;
    } else if (m && kind === 'switch') {
      flags[m[1]!] = true;
    } else if (m && kind === 'value') {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new UsageError(`--${m[1]} needs a value`);
      flags[m[1]!] = v;
    } else if (m) {
      throw new UsageError(
        `unknown option --${m[1]} (operation parameters are capitalised, e.g. --ProjectId)`,
      );
    } else if (action === undefined && !a.startsWith('-')) {
      action = a;
    } else {
      rest.push(a);
      // A parameter's value may itself look like an option; keep it with its name.
      if (
        a.startsWith('--') &&
        !a.includes('=') &&
        args[i + 1] !== undefined &&
        !/^--[A-Za-z]/.test(args[i + 1]!)
      ) {
        rest.push(args[++i]!);
      }
    }
  }
  return { action, flags: flags as CallFlags, rest };
}

export function operationsHelp(): string {
  const width = Math.max(...OPERATIONS.map((o) => o.action.length));
  const lines = [...OPERATIONS]
    .sort((a, b) => a.action.localeCompare(b.action))
    .map((o) => `  ${o.action.padEnd(width)}  ${o.summary}`);
  return [
    'Usage: dshub call <Action> [--Param value ...] [options]',
    '',
    "Calls one operation on a dshub server: the DataWorks OpenAPI (2024-05-18) or RAM's user,",
    'AccessKey and policy API (2015-05-01), each signed with its own Version, with the',
    'credentials of the chosen profile (dshub configure) or the environment.',
    '',
    'Options:',
    '  --profile <name>     credential profile (default: "default", or DSHUB_PROFILE)',
    '  --signature <acs3|v2> ACS3-HMAC-SHA256 (default) or RPC HMAC-SHA1',
    '  --all-pages          walk every page of a List operation and print one merged array',
    '  --query <jmespath>   print only what the JMESPath expression selects',
    '  --output <json|table> JSON (indented on a terminal) or a table of rows',
    '  -h, --help           this help; dshub call <Action> --help for its parameters',
    '',
    'List parameters take a JSON array or the flag repeated (--UserIds 1 --UserIds 2);',
    'any value may be read from a file with file://path.',
    '',
    'Operations:',
    ...lines,
  ].join('\n');
}

export function operationHelp(op: Operation): string {
  const names = Object.keys(op.params);
  const width = Math.max(4, ...names.map((n) => n.length + 2));
  const params = names.map((n) => {
    const spec = op.params[n]!;
    const label = `${kindLabel(spec)}${spec.required ? ', required' : ''}`;
    return `  --${n.padEnd(width)} ${label}\n  ${' '.repeat(width + 3)}${spec.description}`;
  });
  return [
    `Usage: dshub call ${op.action}${names
      .filter((n) => op.params[n]!.required)
      .map((n) => ` --${n} <value>`)
      .join('')} [options]`,
    '',
    op.summary,
    ...(op.description ? ['', op.description] : []),
    '',
    `Version: ${op.version}.  Method: ${op.method}.  RAM action: ${op.ram ?? 'none'}.${pagedArrayKey(op) ? '  Paged: --all-pages walks every page.' : ''}`,
    '',
    'Parameters:',
    ...(params.length ? params : ['  (none)']),
  ].join('\n');
}

/** The array inside PagingInfo of a paged List operation, e.g. DataSources. */
export function pagedArrayKey(op: Operation): string | undefined {
  if (!op.params.PageNumber || !op.params.PageSize) return undefined;
  const props = op.response.PagingInfo?.properties ?? {};
  return Object.keys(props).find((k) => props[k]!.type === 'array');
}

/** Every page of a List operation, merged; PageSize 100 unless given. */
export async function allPages(
  client: ApiClient,
  op: Operation,
  params: Record<string, string>,
): Promise<unknown[]> {
  const key = pagedArrayKey(op);
  if (!key)
    throw new UsageError(
      `${op.action} is not paged; --all-pages applies to List operations with PageNumber`,
    );
  const progress = createProgress();
  const out: unknown[] = [];
  const pageSize = params.PageSize ?? '100';
  try {
    for (let page = Number(params.PageNumber ?? '1'); ; page++) {
      const body = await client.call(op.action, {
        ...params,
        PageNumber: String(page),
        PageSize: pageSize,
      });
      const info = (body.PagingInfo ?? {}) as Record<string, unknown>;
      const items = Array.isArray(info[key]) ? (info[key] as unknown[]) : [];
      out.push(...items);
      const total = typeof info.TotalCount === 'number' ? info.TotalCount : undefined;
      progress.update(
        `${op.action}: page ${page}${total !== undefined ? `, ${out.length}/${total}` : `, ${out.length}`}`,
      );
      if (
        items.length === 0 ||
        items.length < Number(pageSize) ||
        (total !== undefined && out.length >= total)
      )
        break;
    }
  } finally {
    progress.done();
  }
  return out;
}

/** `dshub call ...` with the arguments after `call`. */
export async function runCall(args: readonly string[]): Promise<void> {
  const { action, flags, rest } = splitArgs(args);
  if (action === undefined) {
    process.stdout.write(`${operationsHelp()}\n`);
    if (!flags.help) throw new UsageError('name an operation, e.g. dshub call ListProjects');
    return;
  }
  const op = findOperation(action);
  if (!op) {
    const hint = closest(
      action,
      OPERATIONS.map((o) => o.action),
    );
    throw new UsageError(
      `unknown operation ${action}${hint ? `; did you mean ${hint}?` : ''} (dshub call --help lists them)`,
    );
  }
  if (flags.help) {
    process.stdout.write(`${operationHelp(op)}\n`);
    return;
  }
  const format = parseOutputFormat(flags.output);
  const params = buildParams(op, rest);
  const client = clientFrom(flags);
  let result: unknown;
  if (flags['all-pages']) result = await allPages(client, op, params);
  else {
    const slow = op.action === 'TestDataSourceConnectivity';
    result = slow
      ? await withProgress(`${op.action}: testing connectivity…`, () =>
          client.call(op.action, params),
        )
      : ((await client.call(op.action, params)) as ApiBody);
  }
  const shown = await applyQuery(result, flags.query);
  process.stdout.write(`${render(shown, format, Boolean(process.stdout.isTTY))}\n`);
}
