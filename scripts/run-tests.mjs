#!/usr/bin/env node
// Runs the test files under the given folders (default: test/) with node's own test runner.
// Node 20 has no glob support for --test, so the files are collected here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}
const files = (roots.length ? roots : ['test']).flatMap((r) =>
  statSync(r).isDirectory() ? collect(r, []) : [r],
);
const concurrency = process.env.DSHUB_TEST_CONCURRENCY ?? '2';
// A short summary by default; DSHUB_TEST_REPORTER=spec (or tap) for everything.
const reporter =
  process.env.DSHUB_TEST_REPORTER ?? new URL('./summary-reporter.mjs', import.meta.url).href;
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-reporter=${reporter}`,
    ...extra,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
