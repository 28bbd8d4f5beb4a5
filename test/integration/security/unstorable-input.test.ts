/**
 * Regressions through the signed endpoint, on both stores: a NUL in a string parameter
 * (PostgreSQL answered 500 `invalid byte sequence 0x00`), and JSON nested ~2,000 levels inside
 * ConnectionProperties (500 `RangeError`), now answer InvalidParameter with the envelope.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { newWorkspace, STANDARD_MODE } from '../../helpers/workspaces.js';

function props(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    envType: 'Prod',
    address: [{ host: 'db.example.com', port: '3306' }],
    database: 'shop',
    username: 'app',
    password: 'pw-123456',
    ...over,
  });
}

function deepJson(levels: number): string {
  return `${'{"x":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

async function create(c: TestContext, projectId: number, connectionProperties: string) {
  return c.call(c.root, 'CreateDataSource', {
    ProjectId: projectId,
    Name: c.name('ds'),
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: connectionProperties,
  });
}

forEachDialect('characters and JSON the stores cannot hold', (t) => {
  it('ListDataSources Name=a%00b answers InvalidParameter.Name', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    for (const scheme of ['acs3', 'rpc'] as const) {
      const r = await c.call(
        c.root,
        'ListDataSources',
        { ProjectId: ws, Name: 'a\u0000b' },
        { method: 'GET', scheme },
      );
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.Code, 'InvalidParameter.Name');
      assert.equal(typeof r.body.RequestId, 'string');
    }
  });

  it('NUL in CreateDataSource Description, or as \\u0000 inside ConnectionProperties', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const r1 = await c.call(c.root, 'CreateDataSource', {
      ProjectId: ws,
      Name: c.name('ds'),
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: props(),
      Description: 'x\u0000y',
    });
    assert.equal(r1.status, 400, JSON.stringify(r1.body));
    assert.equal(r1.body.Code, 'InvalidParameter.Description');
    const r2 = await create(c, ws, props({ database: 'sh\u0000op' }));
    assert.equal(r2.status, 400, JSON.stringify(r2.body));
    assert.equal(r2.body.Code, 'InvalidParameter.ConnectionProperties');
    const list = await c.call(c.root, 'ListDataSources', { ProjectId: ws }, { method: 'GET' });
    assert.equal(
      list.body.PagingInfo && (list.body.PagingInfo as { TotalCount: number }).TotalCount,
      0,
    );
  });

  it('ConnectionProperties nested 2,000 levels answers InvalidParameter on create and update', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const text = props({ extra: JSON.parse(deepJson(2000)) });
    assert.ok(text.length < 13_000);
    const r = await create(c, ws, text);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidParameter.ConnectionProperties');
    assert.match(String(r.body.Message), /deeper than/);

    const made = await create(c, ws, props());
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const u = await c.call(c.root, 'UpdateDataSource', {
      Id: made.body.Id as number,
      ProjectId: ws,
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: text,
    });
    assert.equal(u.status, 400, JSON.stringify(u.body));
    assert.equal(u.body.Code, 'InvalidParameter.ConnectionProperties');
  });
});
