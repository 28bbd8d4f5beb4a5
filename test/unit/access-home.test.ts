/**
 * Access is decided in src/access/ and nowhere else (docs/ARCHITECTURE.md). A code review
 * cannot see every new line, so this scans src/ for the two shapes a decision made elsewhere
 * takes: comparing an access refusal's error code (the old `catch … code === '1101080008'`), and
 * comparing role names (the principal's tenant roles, or a built-in role by its string).
 *
 * A grep rather than a dependency-cruiser rule: the layering rules see imports, and a decision
 * needs none (a string comparison is enough). The patterns are narrow on purpose — they find the
 * shapes, not every mention of a role — and the few files that name a role for another reason
 * are listed below with that reason, so a new one is a conscious choice.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';

const SRC = join(import.meta.dirname, '..', '..', 'src');

const DECISION_SHAPES: Array<[string, RegExp]> = [
  [
    "compares an access refusal's error code",
    /[!=]==\s*'(\d{10}|Forbidden\.[A-Za-z.]+)'|'(\d{10}|Forbidden\.[A-Za-z.]+)'\s*[!=]==/,
  ],
  ["asks the principal's tenant roles", /tenantRoles\s*\.\s*has\(/],
  [
    'compares a role by name',
    /[!=]==\s*'(TenantOwner|TenantAdmin|role_project_\w+)'|\.(has|includes)\('(TenantOwner|TenantAdmin|role_project_\w+)'\)/,
  ],
];

/** Files that name a role for something other than deciding access. */
const NOT_DECISIONS: Record<string, string> = {
  'workspaces/directory.ts': 'what a membership holds (a disabled Develop role grants nothing)',
  'workspaces/member-service.ts': 'refuses granting the Develop role a workspace disabled',
  'cli/declarative/export.ts': 'the file format leaves out the owner role the workspace implies',
  'cli/declarative/plan.ts': 'the plan compares declared and current roles, as data',
};

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* files(path);
    else if (e.name.endsWith('.ts')) yield path;
  }
}

it('no service outside src/access/ decides access by error codes or role names', () => {
  const found: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file).split('\\').join('/');
    if (rel.startsWith('access/') || rel in NOT_DECISIONS) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [what, shape] of DECISION_SHAPES) {
          if (shape.test(line)) found.push(`src/${rel}:${i + 1} ${what}: ${line.trim()}`);
        }
      });
  }
  assert.deepEqual(found, [], 'decide in src/access/ and enforce with the access guard');
});

it('every exception still names a role (else it is stale and goes)', () => {
  for (const rel of Object.keys(NOT_DECISIONS)) {
    const text = readFileSync(join(SRC, rel), 'utf8');
    assert.ok(
      DECISION_SHAPES.some(([, shape]) => text.split('\n').some((l) => shape.test(l))),
      rel,
    );
  }
});
