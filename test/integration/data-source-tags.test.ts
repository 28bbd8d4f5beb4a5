/**
 * Data source tags on both dialects: set with the extension parameter Tags of CreateDataSource
 * and UpdateDataSource, shown by GetDataSource and ListDataSources (only when there are some),
 * copied by CloneDataSource, gone with their record, and ListDataSources' Tags filter (AND,
 * at most 10, combined with the other filters and paging). Bad tags are refused, never ignored.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type ApiResult, forEachDialect, type TestContext } from '../helpers/harness.js';
import { newWorkspace, STANDARD_MODE } from '../helpers/workspaces.js';

type Params = Record<string, string | number | undefined>;

function ok(r: ApiResult, what: string): Record<string, unknown> {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}

function fails(r: ApiResult, code: string): string {
  assert.equal(r.body.Code, code, JSON.stringify(r.body));
  assert.equal(r.status, 400);
  return String(r.body.Message);
}

function props(env: string) {
  return JSON.stringify({
    envType: env,
    address: [{ host: 'db.example.com', port: 3306 }],
    database: 'shop',
    username: 'app',
    password: 'Pa55-w0rd',
  });
}

const call = (c: TestContext, action: string, params: Params, method: 'GET' | 'POST' = 'POST') =>
  c.call(c.root, action, params, { method, placement: 'query' });

async function create(c: TestContext, ws: number, name: string, env: string, tags?: string[]) {
  const body = ok(
    await call(c, 'CreateDataSource', {
      ProjectId: ws,
      Name: name,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: props(env),
      Tags: tags === undefined ? undefined : JSON.stringify(tags),
    }),
    'CreateDataSource',
  );
  return body.Id as number;
}

interface Group {
  Name: string;
  DataSource: { Id: number; Tags?: string[] }[];
}

async function list(c: TestContext, ws: number, params: Params = {}) {
  const body = ok(
    await call(c, 'ListDataSources', { ProjectId: ws, ...params }, 'GET'),
    'ListDataSources',
  );
  return body.PagingInfo as { TotalCount: number; DataSources: Group[] };
}

async function tagsOf(c: TestContext, id: number): Promise<string[] | undefined> {
  const body = ok(await call(c, 'GetDataSource', { Id: id }, 'GET'), 'GetDataSource');
  return (body.DataSource as { Tags?: string[] }).Tags;
}

forEachDialect('data source tags', (t) => {
  it('sets, shows, replaces, clears and clones tags; a record without tags shows none', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const id = await create(c, ws, 'orders', 'Prod', ['team:data', 'finance', 'finance', '中文']);
    assert.deepEqual(await tagsOf(c, id), ['finance', 'team:data', '中文']);
    const plain = await create(c, ws, 'plain', 'Prod');
    assert.equal(await tagsOf(c, plain), undefined, 'no Tags member without tags');

    // UpdateDataSource without Tags keeps them; with Tags replaces them; [] clears them.
    const update = (tags?: string) =>
      call(c, 'UpdateDataSource', {
        Id: id,
        ProjectId: ws,
        ConnectionProperties: props('Prod'),
        Tags: tags,
      });
    ok(await update(), 'UpdateDataSource');
    assert.deepEqual(await tagsOf(c, id), ['finance', 'team:data', '中文']);
    ok(await update('["env=prod","finance"]'), 'UpdateDataSource');
    assert.deepEqual(await tagsOf(c, id), ['env=prod', 'finance']);

    const clone = ok(
      await call(c, 'CloneDataSource', { Id: id, CloneDataSourceName: 'orders_copy' }),
      'CloneDataSource',
    ).Id as number;
    assert.deepEqual(await tagsOf(c, clone), ['env=prod', 'finance']);

    ok(await update('[]'), 'UpdateDataSource');
    assert.equal(await tagsOf(c, id), undefined);
    assert.deepEqual(await tagsOf(c, clone), ['env=prod', 'finance'], 'the clone keeps its own');

    // Tags go with their record.
    ok(await call(c, 'DeleteDataSource', { Id: clone }, 'GET'), 'DeleteDataSource');
    const left = await c.services.db.kysely
      .selectFrom('data_source_tags')
      .select('tag')
      .where('data_source_id', '=', clone)
      .execute();
    assert.deepEqual(left, []);

    // The audit trail says which tags a call set.
    const events = ok(
      await c.call(c.root, 'ListAuditEvents', { DataSourceId: id, Action: 'UpdateDataSource' }),
      'ListAuditEvents',
    ).PagingInfo as { AuditEvents: { Detail?: string }[] };
    assert.deepEqual(
      events.AuditEvents.map((e) => e.Detail),
      ['Tags=', 'Tags=env=prod,finance', undefined],
    );
  });

  it('filters ListDataSources by tags: AND, per record, with the other filters and paging', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const a = await create(c, ws, 'alpha', 'Dev', ['x', 'y']);
    const aProd = await create(c, ws, 'alpha', 'Prod', ['x']);
    const b = await create(c, ws, 'beta', 'Prod', ['x', 'y', 'z']);
    await create(c, ws, 'gamma', 'Prod', ['y']);
    await create(c, ws, 'delta', 'Prod');

    const names = (p: Awaited<ReturnType<typeof list>>) => p.DataSources.map((g) => g.Name);
    const x = await list(c, ws, { Tags: '["x"]', SortBy: 'Name', Order: 'Asc' });
    assert.equal(x.TotalCount, 2);
    assert.deepEqual(names(x), ['alpha', 'beta']);
    assert.deepEqual(
      x.DataSources[0]!.DataSource.map((r) => [r.Id, r.Tags]),
      [
        [a, ['x', 'y']],
        [aProd, ['x']],
      ],
    );

    // AND: only records with both; a group keeps only the records that pass.
    const xy = await list(c, ws, { Tags: '["y","x"]', SortBy: 'Name', Order: 'Asc' });
    assert.deepEqual(names(xy), ['alpha', 'beta']);
    assert.deepEqual(
      xy.DataSources[0]!.DataSource.map((r) => r.Id),
      [a],
    );
    assert.deepEqual(names(await list(c, ws, { Tags: '["x","y","z"]' })), ['beta']);
    assert.equal((await list(c, ws, { Tags: '["nosuch"]' })).TotalCount, 0);
    assert.equal((await list(c, ws, { Tags: '["X"]' })).TotalCount, 0, 'case-sensitive');

    // With EnvType, Name and Types.
    assert.deepEqual(names(await list(c, ws, { Tags: '["x","y"]', EnvType: 'Prod' })), ['beta']);
    assert.deepEqual(names(await list(c, ws, { Tags: '["y"]', Name: 'AMM' })), ['gamma']);
    assert.equal((await list(c, ws, { Tags: '["y"]', Types: 'postgresql' })).TotalCount, 0);

    // Paging: TotalCount stays the count of all matches.
    const page2 = await list(c, ws, { Tags: '["y"]', SortBy: 'Name', PageSize: 1, PageNumber: 2 });
    assert.equal(page2.TotalCount, 3);
    assert.deepEqual(names(page2), ['beta']);
    assert.equal(b > 0, true);
  });

  it('refuses bad tags on every operation that takes them, never ignoring them', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const id = await create(c, ws, 'orders', 'Prod');
    const bad: [string, RegExp][] = [
      ['["a b"]', /item 1 is not a tag/],
      ['[1]', /item 1 is not a tag/],
      ['[""]', /item 1 is not a tag/],
      [JSON.stringify(['x'.repeat(65)]), /item 1 is not a tag/],
      ['[{"Key":"k","Value":"v"}]', /item 1 is not a tag/],
      ['"x"', /JSON array of strings/],
      ['x,y', /JSON array of strings/],
    ];
    for (const [tags, message] of bad) {
      assert.match(
        fails(
          await call(c, 'ListDataSources', { ProjectId: ws, Tags: tags }, 'GET'),
          'InvalidParameter.Tags',
        ),
        message,
      );
      assert.match(
        fails(
          await call(c, 'UpdateDataSource', {
            Id: id,
            ProjectId: ws,
            ConnectionProperties: props('Prod'),
            Tags: tags,
          }),
          'InvalidParameter.Tags',
        ),
        message,
      );
    }
    const eleven = JSON.stringify(Array.from({ length: 11 }, (_, i) => `t${i}`));
    assert.match(
      fails(
        await call(c, 'ListDataSources', { ProjectId: ws, Tags: eleven }, 'GET'),
        'InvalidParameter.Tags',
      ),
      /at most 10 distinct tags/,
    );
    // Eleven repeats of one tag are one tag.
    ok(
      await call(
        c,
        'ListDataSources',
        { ProjectId: ws, Tags: JSON.stringify(Array(11).fill('t')) },
        'GET',
      ),
      'ListDataSources',
    );
    const twentyOne = JSON.stringify(Array.from({ length: 21 }, (_, i) => `t${i}`));
    assert.match(
      fails(
        await call(c, 'CreateDataSource', {
          ProjectId: ws,
          Name: 'many',
          Type: 'mysql',
          ConnectionPropertiesMode: 'UrlMode',
          ConnectionProperties: props('Prod'),
          Tags: twentyOne,
        }),
        'InvalidParameter.Tags',
      ),
      /at most 20 distinct tags/,
    );
    // Nothing was written by the refused calls.
    assert.equal(await tagsOf(c, id), undefined);
    assert.equal((await list(c, ws, { Name: 'many' })).TotalCount, 0);
  });
});
