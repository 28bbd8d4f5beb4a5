/**
 * Property-based fuzzing of every operation in the registry, on both stores: each declared
 * parameter gets generated values (wrong types, huge, empty, unicode, NUL, deep JSON,
 * injection-like strings, duplicates, shrink-format errors, real ids), the request is signed
 * correctly (ACS3 or RPC, query or body), and every answer must be: not a 5xx, the Alibaba
 * envelope with a RequestId, free of any planted secret. Afterwards the store's invariants hold.
 *
 * Seeded and bounded: DSHUB_FUZZ_RUNS runs per operation (CI default 6), DSHUB_FUZZ_SEED.
 * The nightly-size run is `npm run fuzz` (400 runs per operation).
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import fc from 'fast-check';
import { OPERATIONS } from '../../../src/registry/index.js';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { signRequest } from '../../helpers/signer.js';
import { newWorkspace, STANDARD_MODE } from '../../helpers/workspaces.js';

const RUNS = Number(process.env.DSHUB_FUZZ_RUNS ?? 6);
const SEED = Number(process.env.DSHUB_FUZZ_SEED ?? 20261202);
const PASSWORD = 'Fuzz-Planted-Secret-8c1f';
/** Signed requests sent, per store. */
const sent: Record<string, number> = {};
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

function value(ids: number[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '',
      ' ',
      'a\u0000b',
      '\u0000',
      'x\ud800',
      '💥'.repeat(300),
      'x'.repeat(70_000),
      "' OR 1=1 --",
      '"; DROP TABLE data_sources; --',
      '$' + '{jndi:ldap://127.0.0.1/a}',
      '../../../../etc/passwd',
      '<script>alert(1)</script>',
      '%00',
      '******',
      'true',
      'TRUE',
      'null',
      '-1',
      '0',
      '1e9999',
      '9007199254740993',
      '[]',
      '{}',
      '[1,',
      '["a","a"]',
      '[1,1,1]',
      'a,,b,',
      '{"envType":"Prod"}',
      '{"envType":"Dev","address":[{"host":"127.0.0.1","port":"1"}],"password":"p"}',
      '{"__proto__":{"x":1},"envType":"Prod"}',
      deepJson(2000),
      JSON.stringify({ envType: 'Prod', password: { a: [[[[[['deep']]]]]] } }),
      'Prod',
      'Dev',
      'mysql',
      'UrlMode',
      'InstanceMode',
      'role_project_admin',
    ),
    fc.integer().map(String),
    fc.constantFrom(...ids.map(String)),
    fc.json({ maxDepth: 4 }),
  );
}

interface Planted {
  workspace: number;
  dataSource: number;
}

async function plant(c: TestContext): Promise<Planted> {
  const ws = await newWorkspace(c, c.root, STANDARD_MODE);
  const r = await c.call(c.root, 'CreateDataSource', {
    ProjectId: ws,
    Name: c.name('planted'),
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: JSON.stringify({
      envType: 'Prod',
      address: [{ host: '127.0.0.1', port: '3306' }],
      database: 'shop',
      username: 'app',
      password: PASSWORD,
    }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { workspace: ws, dataSource: r.body.Id as number };
}

async function send(
  c: TestContext,
  action: string,
  fields: Record<string, string>,
  scheme: 'acs3' | 'rpc',
  placement: 'query' | 'form',
  version: string,
) {
  const signed = signRequest({
    accessKeyId: c.root.accessKeyId,
    accessKeySecret: c.root.accessKeySecret,
    action,
    version,
    scheme,
    method: 'POST',
    ...(placement === 'query' ? { query: fields } : { form: fields }),
  });
  sent[c.dialect] = (sent[c.dialect] ?? 0) + 1;
  return c.app.inject({
    method: signed.method,
    url: signed.url,
    headers: signed.headers,
    ...(signed.payload !== undefined ? { payload: signed.payload } : {}),
  });
}

forEachDialect(
  'fuzz: every operation, generated parameters',
  (t) => {
    let planted: Planted;
    it('plants a workspace and a data source with a known secret', async () => {
      planted = await plant(t());
    });

    for (const op of OPERATIONS) {
      it(`${op.action}: never 5xx, always the envelope, never a secret`, async () => {
        const c = t();
        const ids = [planted.workspace, planted.dataSource, 1, 2];
        const names = Object.keys(op.params);
        const fields = fc.record(
          Object.fromEntries(names.map((n) => [n, fc.option(value(ids), { nil: undefined })])),
        );
        // Extra and duplicated spellings of a parameter (Name.1 flattening, unknown names).
        const extras = fc.dictionary(
          fc.constantFrom(...names.map((n) => `${n}.1`), 'Unknown', 'Action', 'Version'),
          value(ids),
          { maxKeys: 2 },
        );
        await fc.assert(
          fc.asyncProperty(
            fields,
            extras,
            fc.constantFrom('acs3' as const, 'rpc' as const),
            fc.constantFrom('query' as const, 'form' as const),
            async (f, x, scheme, placement) => {
              const all: Record<string, string> = {};
              // A lone surrogate cannot travel in UTF-8; a real client sends U+FFFD instead.
              for (const [k, v] of Object.entries({ ...f, ...x }))
                if (v !== undefined) all[k] = v.replace(LONE_SURROGATE, '\ufffd');
              const res = await send(c, op.action, all, scheme, placement, op.version);
              assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body.slice(0, 400)}`);
              const body = JSON.parse(res.body) as Record<string, unknown>;
              assert.equal(typeof body.RequestId, 'string', res.body.slice(0, 200));
              assert.equal(res.headers['x-acs-request-id'], body.RequestId);
              if (res.statusCode !== 200) {
                assert.equal(typeof body.Code, 'string');
                assert.equal(typeof body.Message, 'string');
              }
              assert.ok(!res.body.includes(PASSWORD), 'a planted secret leaked');
              assert.ok(!res.body.includes(c.root.accessKeySecret), 'the AccessKey secret leaked');
            },
          ),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      });
    }

    it('the store invariants hold afterwards', async () => {
      const c = t();
      const k = c.services.db.kysely;
      const orphans = await k
        .selectFrom('data_sources as d')
        .leftJoin('projects as p', 'p.id', 'd.project_id')
        .select('d.id')
        .where('p.id', 'is', null)
        .execute();
      assert.deepEqual(orphans, [], 'every data source belongs to an existing workspace');
      const rows = await k.selectFrom('data_sources').selectAll().execute();
      for (const row of rows) {
        assert.ok(!JSON.stringify(row).includes(PASSWORD), 'secrets are stored sealed');
      }
      const members = await k
        .selectFrom('project_member_roles as r')
        .leftJoin('project_members as m', (j) =>
          j.onRef('m.project_id', '=', 'r.project_id').onRef('m.user_id', '=', 'r.user_id'),
        )
        .select('r.user_id')
        .where('m.user_id', 'is', null)
        .execute();
      assert.deepEqual(members, [], 'every role belongs to a member');
      const get = await c.call(
        c.root,
        'GetDataSource',
        { Id: planted.dataSource },
        { method: 'GET' },
      );
      if (get.status === 200) assert.ok(!JSON.stringify(get.body).includes(PASSWORD));
      const health = await c.app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
    });
  },
  { DSHUB_LOG_LEVEL: 'silent' },
);

after(() => {
  const total = Object.values(sent).reduce((a, b) => a + b, 0);
  const each = Object.entries(sent)
    .map(([store, n]) => `${store} ${n}`)
    .join(', ');
  process.stdout.write(
    `# notice: fuzz sent ${total} signed requests (${each}; ${RUNS} runs per operation, seed ${SEED})\n`,
  );
});
