import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../../src/registry/openapi.js';

const committed = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.json');

it('the committed docs/openapi.json matches the registry (run `npm run openapi` to refresh)', () => {
  const expected = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  assert.equal(readFileSync(committed, 'utf8'), expected);
});
