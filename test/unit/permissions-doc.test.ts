/**
 * docs/permissions.md states who may call each workspace operation; every row of its table must
 * say what the registry declares, so the prose cannot drift from what the server enforces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WORKSPACE_ROLES } from '../../src/access/roles.js';
import { OPERATIONS } from '../../src/registry/index.js';
import { declaredRoles, type Operation } from '../../src/registry/operation.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'permissions.md');
const COLUMNS = ['TenantAdmin', ...WORKSPACE_ROLES, 'CustomRole'];

/** The cells of the table row the registry implies for an operation. */
function expectedRow(op: Operation): string[] {
  const declared = new Set<string>(declaredRoles(op));
  const cells = COLUMNS.map((c) =>
    op.access === 'any-caller' ? '●' : declared.has(c) ? '✓' : '·',
  );
  return [op.action, `\`${op.ram}\``, ...cells];
}

/** A markdown table row's cells, whatever its alignment padding. */
function cells(row: string): string[] {
  return row
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

function tableRows(): string[] {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('<!-- permissions-table:start -->');
  const end = text.indexOf('<!-- permissions-table:end -->');
  assert.ok(start >= 0 && end > start, 'docs/permissions.md has no marked table');
  return text
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Operation') && !l.startsWith('| ---'));
}

it('docs/permissions.md says, for every operation it lists, what the registry declares', () => {
  const rows = tableRows();
  assert.ok(rows.length >= 13, 'the table lists the workspace operations');
  for (const row of rows) {
    const action = cells(row)[0]!;
    const op = OPERATIONS.find((o) => o.action === action);
    assert.ok(op, `docs/permissions.md lists ${action}, which the registry does not have`);
    assert.deepEqual(
      cells(row),
      expectedRow(op),
      `the row of ${action} should read: | ${expectedRow(op).join(' | ')} |`,
    );
  }
});

it('docs/permissions.md lists every workspace, member and role operation', () => {
  const listed = new Set(tableRows().map((r) => cells(r)[0]));
  const workspaceOps = OPERATIONS.filter((o) => /Project/.test(o.action)).map((o) => o.action);
  for (const action of workspaceOps) assert.ok(listed.has(action), `${action} is missing`);
});
