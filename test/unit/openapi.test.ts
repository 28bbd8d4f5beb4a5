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

it('a running server writes its time budgets into the operations they bound (x-dshub-time-budget-ms)', () => {
  const doc = buildOpenApiDocument({ timeBudgetsMs: { TestDataSourceConnectivity: 4000 } });
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  assert.equal(paths['/?Action=TestDataSourceConnectivity']!.post!['x-dshub-time-budget-ms'], 4000);
  assert.equal(paths['/?Action=GetDataSource']!.get!['x-dshub-time-budget-ms'], undefined);
  // The committed document describes the registry alone: no server's settings in it.
  assert.ok(!readFileSync(committed, 'utf8').includes('x-dshub-time-budget-ms'));
});
