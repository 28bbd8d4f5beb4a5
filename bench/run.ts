/**
 * Runs the benchmarks one after another: `npm run bench` runs all of them, `npm run bench --
 * data-sources` only the named ones; `--profile` writes a CPU profile of each dshub server
 * under load to bench-profiles/ and prints its top functions by self time and its GC share.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib.js';

const ALL = ['caller-identity', 'data-sources', 'list-data-sources'];
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('-'));
const named = args.filter((a) => !a.startsWith('-'));
const unknown = named.filter((n) => !ALL.includes(n));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.join(', ')}\n`);
  process.exit(2);
}
for (const name of named.length ? named : ALL) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', `${name}.ts`), ...flags],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
