/**
 * Regenerates the committed artifacts derived from the registry: docs/openapi.json and
 * docs/operations.md, and the JSON Schema of the declarative file (docs/dshub-file.schema.json).
 * CI fails when the committed copies drift (test/unit/openapi.test.ts,
 * test/unit/operations-doc.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileJsonSchema } from '../src/cli/declarative/format.js';
import { renderOperationsDoc } from '../src/registry/docs.js';
import { buildOpenApiDocument } from '../src/registry/openapi.js';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
writeFileSync(join(docs, 'openapi.json'), `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
writeFileSync(join(docs, 'operations.md'), renderOperationsDoc());
writeFileSync(
  join(docs, 'dshub-file.schema.json'),
  `${JSON.stringify(fileJsonSchema(), null, 2)}\n`,
);
process.stdout.write(
  'wrote docs/openapi.json, docs/operations.md and docs/dshub-file.schema.json\n',
);
