import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderOperationsDoc } from '../../src/registry/docs.js';

const committed = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'docs',
  'operations.md',
);

it('the committed docs/operations.md matches the registry (run `npm run docs` to refresh)', () => {
  assert.equal(readFileSync(committed, 'utf8'), renderOperationsDoc());
});
