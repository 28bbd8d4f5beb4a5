/**
 * How answers are printed: JSON (indented on a terminal, one line when piped, so `| jq` and
 * `| wc -l` behave), optionally narrowed by a JMESPath expression, or as a table of rows.
 */
import { UsageError } from './call-params.js';

export type OutputFormat = 'json' | 'table';

export function parseOutputFormat(v: string | undefined): OutputFormat {
  if (v === undefined || v === 'json') return 'json';
  if (v === 'table') return 'table';
  throw new UsageError(`--output must be json or table, not "${v}"`);
}

/** `--query`: jmespath is loaded only when an expression is given. */
export async function applyQuery(value: unknown, expression: string | undefined): Promise<unknown> {
  if (expression === undefined) return value;
  const { default: jmespath } = await import('jmespath');
  try {
    return jmespath.search(value, expression);
  } catch (e) {
    throw new UsageError(
      `--query "${expression}" is not a valid JMESPath expression: ${(e as Error).message}`,
    );
  }
}

export function formatJson(value: unknown, tty: boolean): string {
  return tty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\s+/g, ' ');
}

/** The rows a table shows: an array as is, else the first array found inside, else key/value. */
function rowsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) {
    return value.map((v) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : { Value: v },
    );
  }
  if (value !== null && typeof value === 'object') {
    const queue: unknown[] = [value];
    while (queue.length) {
      const v = queue.shift() as Record<string, unknown>;
      for (const child of Object.values(v)) {
        if (Array.isArray(child)) return rowsOf(child);
        if (child !== null && typeof child === 'object') queue.push(child);
      }
    }
    return Object.entries(value).map(([Key, Value]) => ({ Key, Value }));
  }
  return [{ Value: value }];
}

export function formatTable(value: unknown): string {
  const rows = rowsOf(value);
  if (rows.length === 0) return '(no rows)';
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => [...row[i]!].length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v + ' '.repeat(widths[i]! - [...v].length))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function render(value: unknown, format: OutputFormat, tty: boolean): string {
  return format === 'table' ? formatTable(value) : formatJson(value, tty);
}
