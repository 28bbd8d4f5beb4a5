/**
 * What each `dshub` command loads before it runs (docs/PERFORMANCE.md, "CLI start-up"): the
 * command tree loads commander alone, `dshub call` no server, store or driver, the server no
 * connectivity driver, pg, Ajv, YAML or JMESPath. Checked on the built files (dist/): the static
 * imports reachable from each entry, which is what Node loads before the command's first line.
 * A dynamic `import()` or a `createRequire` call inside a function is on-demand and not followed.
 * A failure names the chain of files that pulls the package in.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from './support.js';

const DIST = dirname(dirname(CLI));
const STATIC_IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^import\s+'([^']+)'/gms;

/** Every package reachable by static imports from `entry`, with the chain that reaches it. */
function staticPackages(entry: string): Map<string, string[]> {
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const packages = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) {
        const next = resolve(dirname(file), spec);
        if (!parent.has(next)) {
          parent.set(next, file);
          queue.push(next);
        }
      } else if (!spec.startsWith('node:') && !packages.has(spec)) {
        const chain: string[] = [];
        for (let f: string | undefined = file; f; f = parent.get(f)) {
          chain.unshift(relative(DIST, f));
        }
        packages.set(spec, chain);
      }
    }
  }
  return packages;
}

function assertNone(entry: string, forbidden: readonly string[]): void {
  const found = staticPackages(join(DIST, entry));
  const hits = forbidden
    .filter((p) => [...found.keys()].some((k) => k === p || k.startsWith(`${p}/`)))
    .map((p) => {
      const key = [...found.keys()].find((k) => k === p || k.startsWith(`${p}/`))!;
      return `${key} via ${found.get(key)!.join(' → ')}`;
    });
  assert.deepEqual(hits, [], `${entry} loads at start: ${hits.join('; ')}`);
}

const STORE_AND_SERVER = ['fastify', 'kysely', 'better-sqlite3', 'pino', 'zod', 'ipaddr.js'];
const DRIVERS = ['pg', 'mysql2', 'ioredis', 'kafkajs'];
// The policy evaluator's packages (src/identity/policies.ts): the server's, never the client's.
const POLICY_LAYER = ['zod', 'ipaddr.js'];
const ON_DEMAND = ['ajv', 'ajv-formats', 'yaml', 'jmespath', 'prom-client'];

describe('black box: what each dshub command loads at start', () => {
  it('the command tree (dshub --help, and every command before its action) loads commander alone', () => {
    const found = staticPackages(join(DIST, 'cli', 'main.js'));
    assert.deepEqual([...found.keys()], [], 'main.js loads the tree with a dynamic import');
    assert.deepEqual([...staticPackages(join(DIST, 'cli', 'program.js')).keys()], ['commander']);
  });

  it('dshub call loads no server, store, driver, policy evaluator, YAML or JMESPath', () => {
    assertNone('cli/call.js', [...STORE_AND_SERVER, ...POLICY_LAYER, ...DRIVERS, ...ON_DEMAND]);
  });

  it('export, plan and apply load no server, store or driver (YAML and the file schema only)', () => {
    // zod validates the file (src/cli/declarative/format.ts); the policy evaluator stays out.
    assertNone('cli/declarative/apply.js', [
      ...STORE_AND_SERVER.filter((p) => p !== 'zod'),
      'ipaddr.js',
      ...DRIVERS,
      'ajv',
      'jmespath',
      'prom-client',
    ]);
  });

  it('the admin and server commands are declared without loading their code', () => {
    for (const entry of ['cli/admin.js', 'cli/serve.js', 'cli/client-commands.js']) {
      assert.deepEqual([...staticPackages(join(DIST, entry)).keys()], [], entry);
    }
  });

  it('serve --ephemeral loads no connectivity driver, pg, Ajv, YAML, JMESPath or prom-client index', () => {
    assertNone('cli/ephemeral.js', [...DRIVERS, ...ON_DEMAND]);
  });

  it('dshub serve loads no connectivity driver, pg, Ajv, YAML or JMESPath', () => {
    assertNone('cli/run-server.js', [...DRIVERS, ...ON_DEMAND]);
  });
});
