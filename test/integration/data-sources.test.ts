/**
 * CreateDataSource, GetDataSource, ListDataSources, UpdateDataSource and DeleteDataSource
 * through the signed endpoint, with the SDK's placement (every field in the URL query; Get,
 * List and Delete as GET), on both dialects; and the type catalog extensions.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { sql } from 'kysely';
import { rebuildIndex } from '../../src/datasources/list-index.js';
import { testGrant } from '../helpers/grants.js';
import { type ApiResult, forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import { addMember, newWorkspace, STANDARD_MODE } from '../helpers/workspaces.js';

const PASSWORD = 'Pa55-w0rd-Cl3ar';

type Props = Record<string, unknown>;

function mysqlUrl(env = 'Prod', over: Props = {}): Props {
  return {
    envType: env,
    address: [{ host: 'db.example.com', port: '3306' }],
    database: 'shop',
    username: 'app',
    password: PASSWORD,
    ...over,
  };
}

function mysqlInstance(env = 'Prod', over: Props = {}): Props {
  return {
    envType: env,
    regionId: 'cn-shanghai',
    instanceId: 'rm-uf6abc',
    database: 'shop',
    username: 'app',
    password: PASSWORD,
    ...over,
  };
}

type Params = Record<string, string | number | boolean | undefined>;

function call(c: TestContext, key: Key, action: string, params: Params, method: 'GET' | 'POST') {
  return c.call(key, action, params, { method, placement: 'query' });
}

const api = {
  create: (c: TestContext, key: Key, params: Params) =>
    call(c, key, 'CreateDataSource', params, 'POST'),
  get: (c: TestContext, key: Key, id: number) => call(c, key, 'GetDataSource', { Id: id }, 'GET'),
  list: (c: TestContext, key: Key, params: Params) =>
    call(c, key, 'ListDataSources', params, 'GET'),
  update: (c: TestContext, key: Key, params: Params) =>
    call(c, key, 'UpdateDataSource', params, 'POST'),
  delete: (c: TestContext, key: Key, id: number) =>
    call(c, key, 'DeleteDataSource', { Id: id }, 'GET'),
};

function ok(r: ApiResult, what = 'call'): Record<string, unknown> {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.Code, undefined, 'success bodies carry no Code');
  assert.equal(typeof r.body.RequestId, 'string');
  return r.body;
}

function fails(r: ApiResult, code: string, status: number): string {
  assert.equal(r.body.Code, code, JSON.stringify(r.body));
  assert.equal(r.status, status, JSON.stringify(r.body));
  const message = String(r.body.Message);
  assert.ok(!message.includes(PASSWORD), `the error echoes the password: ${message}`);
  return message;
}

async function newDataSource(
  c: TestContext,
  ws: number,
  opts: { name?: string; type?: string; mode?: string; props?: Props; description?: string } = {},
  key: Key = c.root,
): Promise<{ id: number; name: string }> {
  const name = opts.name ?? c.name('ds');
  const body = ok(
    await api.create(c, key, {
      ProjectId: ws,
      Name: name,
      Type: opts.type ?? 'mysql',
      ConnectionPropertiesMode: opts.mode ?? 'UrlMode',
      ConnectionProperties: JSON.stringify(opts.props ?? mysqlUrl()),
      Description: opts.description,
    }),
    'CreateDataSource',
  );
  assert.equal(typeof body.Id, 'number');
  return { id: body.Id as number, name };
}

async function getRecord(c: TestContext, id: number): Promise<Record<string, unknown>> {
  return ok(await api.get(c, c.root, id), 'GetDataSource').DataSource as Record<string, unknown>;
}

interface Group {
  Name: string;
  Type: string;
  DataSource: Record<string, unknown>[];
}

async function listGroups(c: TestContext, params: Params, key: Key = c.root) {
  const body = ok(await api.list(c, key, params), 'ListDataSources');
  const paging = body.PagingInfo as {
    PageNumber: number;
    PageSize: number;
    TotalCount: number;
    DataSources: Group[];
  };
  return paging;
}

/** The stored secret of a record, read through the service (as ResolveDataSource does). */
async function storedPassword(c: TestContext, id: number): Promise<unknown> {
  const view = await c.services.dataSources.reveal(c.services.db.kysely, { id });
  return view?.properties.password;
}

forEachDialect('data sources', (t) => {
  it('creates a record and answers GetDataSource with exactly the documented fields', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const before = Date.now();
    const { id, name } = await newDataSource(c, ws, {
      props: mysqlUrl('pRoD'),
      description: "orders: spaces & symbols *!'()~ + é 中",
    });
    assert.ok(id >= 1001, `ids start at 1001 (${id})`);
    const ds = await getRecord(c, id);
    assert.deepEqual(Object.keys(ds).sort(), [
      'ConnectionProperties',
      'ConnectionPropertiesMode',
      'CreateTime',
      'CreateUser',
      'Description',
      'Id',
      'ModifyTime',
      'ModifyUser',
      'Name',
      'ProjectId',
      'QualifiedName',
      'Type',
    ]);
    assert.equal(ds.Id, id);
    assert.equal(ds.Name, name);
    assert.equal(ds.Type, 'mysql');
    assert.equal(ds.ProjectId, ws);
    assert.equal(ds.ConnectionPropertiesMode, 'UrlMode');
    assert.equal(ds.Description, "orders: spaces & symbols *!'()~ + é 中");
    // An object, not a string; envType normalised, port an integer, secret masked.
    assert.deepEqual(ds.ConnectionProperties, {
      envType: 'Prod',
      address: [{ host: 'db.example.com', port: 3306 }],
      database: 'shop',
      username: 'app',
      password: '******',
      securityProtocol: 'authTypeNone',
    });
    assert.equal(ds.QualifiedName, `${c.root.tenantId}:cn-hangzhou:mysql:db.example.com:3306:shop`);
    assert.equal(ds.CreateUser, c.root.userId);
    assert.equal(ds.ModifyUser, c.root.userId);
    assert.equal(typeof ds.CreateTime, 'number');
    assert.ok((ds.CreateTime as number) >= before && (ds.CreateTime as number) <= Date.now());
    assert.equal(ds.ModifyTime, ds.CreateTime);
    assert.equal(await storedPassword(c, id), PASSWORD);
  });

  it('accepts GET and POST, query and form placement alike', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const r = await c.call(
      c.root,
      'CreateDataSource',
      {
        ProjectId: ws,
        Name: 'from_terraform',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: JSON.stringify(mysqlUrl()),
        RegionId: 'cn-hangzhou',
      },
      { method: 'POST', placement: 'body' },
    );
    const id = ok(r).Id as number;
    ok(await c.call(c.root, 'GetDataSource', { Id: id }, { method: 'POST', placement: 'body' }));
    ok(await c.call(c.root, 'GetDataSource', { Id: id }, { method: 'GET', scheme: 'rpc' }));
  });

  it('validates names, descriptions, types and modes', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const base = {
      ProjectId: ws,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify(mysqlUrl()),
    };
    const n255 = `a${'b'.repeat(254)}`;
    ok(await api.create(c, c.root, { ...base, Name: n255 }), '255-character name');
    assert.equal((await listGroups(c, { ProjectId: ws, Name: n255 })).TotalCount, 1);
    fails(await api.create(c, c.root, { ...base, Name: `${n255}c` }), 'InvalidParameter.Name', 400);
    for (const bad of ['1abc', '_abc', 'a-b', 'a b', 'naïve', 'a.b']) {
      const m = fails(
        await api.create(c, c.root, { ...base, Name: bad }),
        'InvalidParameter.Name',
        400,
      );
      assert.match(m, /letter/);
    }
    fails(await api.create(c, c.root, { ...base, Name: '' }), 'MissingName', 400);
    fails(await api.create(c, c.root, { ...base, Name: undefined }), 'MissingName', 400);
    ok(await api.create(c, c.root, { ...base, Name: 'with_desc', Description: 'é'.repeat(3000) }));
    fails(
      await api.create(c, c.root, { ...base, Name: 'long_desc', Description: 'x'.repeat(3001) }),
      'InvalidParameter.Description',
      400,
    );
    fails(
      await api.create(c, c.root, { ...base, Name: 'x1', Type: 'nosuchdb' }),
      'InvalidParameter.Type',
      400,
    );
    const hint = fails(
      await api.create(c, c.root, { ...base, Name: 'x2', Type: 'MySQL' }),
      'InvalidParameter.Type',
      400,
    );
    assert.match(hint, /Did you mean "mysql"/);
    fails(
      await api.create(c, c.root, { ...base, Name: 'x3', Type: undefined }),
      'MissingType',
      400,
    );
    const mode = fails(
      await api.create(c, c.root, { ...base, Name: 'x4', Type: 'hologres' }),
      'InvalidParameter.ConnectionPropertiesMode',
      400,
    );
    assert.match(mode, /InstanceMode/);
    fails(
      await api.create(c, c.root, { ...base, Name: 'x5', ConnectionPropertiesMode: undefined }),
      'MissingConnectionPropertiesMode',
      400,
    );
    fails(
      await api.create(c, c.root, { ...base, Name: 'x6', ProjectId: 'abc' }),
      'InvalidParameter.ProjectId',
      400,
    );
    fails(
      await api.create(c, c.root, { ...base, Name: 'x7', ProjectId: undefined }),
      'MissingProjectId',
      400,
    );
    fails(
      await api.create(c, c.root, { ...base, Name: 'x8', ProjectId: 999_999 }),
      '1101080008',
      404,
    );
    const other = await c.newTenant();
    fails(await api.create(c, other, { ...base, Name: 'x9' }), '1101080008', 404);
  });

  it('validates ConnectionProperties by JSON path and rule, never echoing a secret', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const create = (props: string, mode = 'UrlMode') =>
      api.create(c, c.root, {
        ProjectId: ws,
        Name: c.name('v'),
        Type: 'mysql',
        ConnectionPropertiesMode: mode,
        ConnectionProperties: props,
      });
    fails(
      await create(`{"envType":"Prod","password":"${PASSWORD}"`),
      'InvalidParameter.ConnectionProperties',
      400,
    );
    assert.match(
      fails(await create(`not json ${PASSWORD}`), 'InvalidParameter.ConnectionProperties', 400),
      /JSON/,
    );
    assert.match(
      fails(await create('[1,2]'), 'InvalidParameter.ConnectionProperties', 400),
      /object/,
    );
    assert.match(
      fails(await create('"text"'), 'InvalidParameter.ConnectionProperties', 400),
      /object/,
    );
    fails(await create(''), 'MissingConnectionProperties', 400);
    const { envType: _e, ...noEnv } = mysqlUrl();
    assert.match(
      fails(await create(JSON.stringify(noEnv)), 'InvalidParameter.ConnectionProperties', 400),
      /\$\.envType is required \(rule: required\)/,
    );
    assert.match(
      fails(
        await create(JSON.stringify(mysqlUrl('Test'))),
        'InvalidParameter.ConnectionProperties',
        400,
      ),
      /\$\.envType must be one of/,
    );
    const port = fails(
      await create(JSON.stringify(mysqlUrl('Prod', { address: [{ host: 'h', port: 'x' }] }))),
      'InvalidParameter.ConnectionProperties',
      400,
    );
    assert.match(port, /\$\.address\[0\]\.port must be an integer \(rule: /);
    assert.match(
      fails(
        await create(JSON.stringify(mysqlUrl('Prod', { password: 42 }))),
        'InvalidParameter.ConnectionProperties',
        400,
      ),
      /\$\.password/,
    );
    const { password: _p, ...noPassword } = mysqlUrl();
    assert.match(
      fails(await create(JSON.stringify(noPassword)), 'InvalidParameter.ConnectionProperties', 400),
      /\$\.password is required/,
    );
    // A mask is never stored as a secret: on create it counts as absent.
    assert.match(
      fails(
        await create(JSON.stringify(mysqlUrl('Prod', { password: '******' }))),
        'InvalidParameter.ConnectionProperties',
        400,
      ),
      /\$\.password is required/,
    );
    assert.match(
      fails(
        await create(JSON.stringify(mysqlUrl()), 'InstanceMode'),
        'InvalidParameter.ConnectionProperties',
        400,
      ),
      /\$\.(regionId|instanceId) is required/,
    );
  });

  it('keeps names unique per workspace and environment, and groups Dev with Prod', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const prod = await newDataSource(c, ws, { name: 'orders' });
    const again = await api.create(c, c.root, {
      ProjectId: ws,
      Name: 'orders',
      Type: 'mysql',
      ConnectionPropertiesMode: 'InstanceMode',
      ConnectionProperties: JSON.stringify(mysqlInstance('prod')),
    });
    assert.match(fails(again, 'Conflict.DataSourceName', 409), /orders.*Prod/);
    const dev = await newDataSource(c, ws, {
      name: 'orders',
      mode: 'InstanceMode',
      props: mysqlInstance('dev'),
    });
    // The Dev and Prod records of one name share its type.
    await newDataSource(c, ws, { name: 'typed' });
    const otherType = await api.create(c, c.root, {
      ProjectId: ws,
      Name: 'typed',
      Type: 'postgresql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify({
        ...mysqlUrl('Dev'),
        address: [{ host: 'h', port: 5432 }],
      }),
    });
    assert.match(fails(otherType, 'InvalidParameter.Type', 400), /mysql/);
    // The same name in another workspace is another data source.
    const ws2 = await newWorkspace(c, c.root, STANDARD_MODE);
    await newDataSource(c, ws2, { name: 'orders' });

    const page = await listGroups(c, { ProjectId: ws, Name: 'orders' });
    assert.equal(page.TotalCount, 1);
    assert.equal(page.DataSources.length, 1);
    const group = page.DataSources[0]!;
    assert.deepEqual(Object.keys(group).sort(), ['DataSource', 'Name', 'Type']);
    assert.equal(group.Name, 'orders');
    assert.equal(group.Type, 'mysql');
    assert.deepEqual(
      group.DataSource.map((d) => [
        d.Id,
        (d.ConnectionProperties as Props).envType,
        d.ConnectionPropertiesMode,
      ]),
      [
        [dev.id, 'Dev', 'InstanceMode'],
        [prod.id, 'Prod', 'UrlMode'],
      ],
    );
    assert.deepEqual(Object.keys(group.DataSource[0]!).sort(), [
      'ConnectionProperties',
      'ConnectionPropertiesMode',
      'CreateTime',
      'CreateUser',
      'Description',
      'Id',
      'ModifyTime',
      'ModifyUser',
      'QualifiedName',
    ]);
    for (const d of group.DataSource)
      assert.equal((d.ConnectionProperties as Props).password, '******');
    assert.equal(
      group.DataSource[0]!.QualifiedName,
      `${c.root.tenantId}:cn-shanghai:mysql:rm-uf6abc:shop`,
    );
  });

  it('refuses Dev records in a basic-mode workspace', async () => {
    const c = t();
    const basic = await newWorkspace(c);
    const r = await api.create(c, c.root, {
      ProjectId: basic,
      Name: 'dev_one',
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify(mysqlUrl('Dev')),
    });
    assert.match(fails(r, 'InvalidParameter.EnvType', 400), /basic mode/);
    const prod = await newDataSource(c, basic);
    const move = await api.update(c, c.root, {
      Id: prod.id,
      ProjectId: basic,
      ConnectionProperties: JSON.stringify(mysqlUrl('Dev')),
    });
    fails(move, 'InvalidParameter.EnvType', 400);
  });

  it('updates: keeps secrets on "******" or omission, switches modes, keeps what is not sent', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const editor = await c.newUser();
    await addMember(c, ws, editor.userId, ['role_project_pe']);
    const { id } = await newDataSource(c, ws, { description: 'first' });
    const created = await getRecord(c, id);
    const qn = created.QualifiedName;

    const update = (props: Props, extra: Params = {}, key: Key = editor) =>
      api.update(c, key, {
        Id: id,
        ProjectId: ws,
        ConnectionProperties: JSON.stringify(props),
        ...extra,
      });

    // Masked secret: the stored one stays; description kept when not sent.
    assert.equal(
      ok(await update(mysqlUrl('Prod', { password: '******', database: 'shop' }))).Success,
      true,
    );
    assert.equal(await storedPassword(c, id), PASSWORD);
    let ds = await getRecord(c, id);
    assert.equal(ds.Description, 'first');
    assert.equal(ds.QualifiedName, qn, 'QualifiedName is stable when the address is');
    assert.equal(ds.CreateUser, c.root.userId);
    assert.equal(ds.ModifyUser, editor.userId);
    assert.ok((ds.ModifyTime as number) >= (ds.CreateTime as number));

    // Omitted secret: kept too.
    const { password: _p, ...noPassword } = mysqlUrl('Prod', { username: 'app2' });
    ok(await update(noPassword, { Description: 'second' }));
    assert.equal(await storedPassword(c, id), PASSWORD);
    ds = await getRecord(c, id);
    assert.equal((ds.ConnectionProperties as Props).username, 'app2');
    assert.equal((ds.ConnectionProperties as Props).password, '******');
    assert.equal(ds.Description, 'second');

    // A new secret replaces it; an empty Description clears it.
    ok(await update(mysqlUrl('Prod', { password: 'n3w-pa55' }), { Description: '' }));
    assert.equal(await storedPassword(c, id), 'n3w-pa55');
    assert.equal((await getRecord(c, id)).Description, '');

    // Switch to InstanceMode (the password carried over as "******") and back.
    ok(
      await update(mysqlInstance('Prod', { password: '******' }), {
        ConnectionPropertiesMode: 'InstanceMode',
      }),
    );
    ds = await getRecord(c, id);
    assert.equal(ds.ConnectionPropertiesMode, 'InstanceMode');
    assert.equal((ds.ConnectionProperties as Props).instanceId, 'rm-uf6abc');
    assert.equal((ds.ConnectionProperties as Props).address, undefined);
    assert.equal(ds.QualifiedName, `${c.root.tenantId}:cn-shanghai:mysql:rm-uf6abc:shop`);
    assert.equal(await storedPassword(c, id), 'n3w-pa55');
    ok(
      await update(mysqlUrl('Prod', { password: '******' }), {
        ConnectionPropertiesMode: 'UrlMode',
      }),
    );
    ds = await getRecord(c, id);
    assert.equal(ds.ConnectionPropertiesMode, 'UrlMode');
    assert.equal(ds.QualifiedName, qn);

    // Invalid changes are refused and change nothing.
    fails(
      await update(mysqlUrl('Prod'), { ConnectionPropertiesMode: 'CdhMode' }),
      'InvalidParameter.ConnectionPropertiesMode',
      400,
    );
    fails(
      await update(mysqlUrl('Prod', { address: [] })),
      'InvalidParameter.ConnectionProperties',
      400,
    );
    fails(
      await api.update(c, editor, { Id: id, ProjectId: ws, ConnectionProperties: '{oops' }),
      'InvalidParameter.ConnectionProperties',
      400,
    );
    fails(
      await api.update(c, editor, { Id: id, ProjectId: ws }),
      'MissingConnectionProperties',
      400,
    );
    assert.equal((await getRecord(c, id)).ConnectionPropertiesMode, 'UrlMode');
  });

  it('moves a record to the other environment only while that one is free', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const prod = await newDataSource(c, ws, { name: 'movable' });
    ok(
      await api.update(c, c.root, {
        Id: prod.id,
        ProjectId: ws,
        ConnectionProperties: JSON.stringify(mysqlUrl('dev', { password: '******' })),
      }),
    );
    let group = (await listGroups(c, { ProjectId: ws, EnvType: 'Dev' })).DataSources;
    assert.deepEqual(
      group.map((g) => g.DataSource.map((d) => d.Id)),
      [[prod.id]],
    );
    assert.equal((await listGroups(c, { ProjectId: ws, EnvType: 'Prod' })).TotalCount, 0);
    assert.equal(await storedPassword(c, prod.id), PASSWORD);

    const second = await newDataSource(c, ws, { name: 'movable', props: mysqlUrl('Prod') });
    const clash = await api.update(c, c.root, {
      Id: second.id,
      ProjectId: ws,
      ConnectionProperties: JSON.stringify(mysqlUrl('Dev')),
    });
    assert.match(fails(clash, 'Conflict.DataSourceName', 409), /Dev/);
    group = (await listGroups(c, { ProjectId: ws })).DataSources;
    assert.equal(group.length, 1);
    assert.deepEqual(
      group[0]!.DataSource.map((d) => d.Id),
      [prod.id, second.id],
    );
  });

  it('answers 1000010005 for a missing id, a wrong ProjectId and another tenant’s record', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const other = await newWorkspace(c, c.root, STANDARD_MODE);
    const { id } = await newDataSource(c, ws);
    const props = JSON.stringify(mysqlUrl());
    fails(await api.get(c, c.root, 987_654), '1000010005', 404);
    fails(await api.delete(c, c.root, 987_654), '1000010005', 404);
    fails(
      await api.update(c, c.root, { Id: 987_654, ProjectId: ws, ConnectionProperties: props }),
      '1000010005',
      404,
    );
    fails(
      await api.update(c, c.root, { Id: id, ProjectId: other, ConnectionProperties: props }),
      '1000010005',
      404,
    );
    fails(
      await api.update(c, c.root, { Id: id, ProjectId: 999_999, ConnectionProperties: props }),
      '1000010005',
      404,
    );
    fails(await api.get(c, c.root, 0), 'InvalidParameter.Id', 400);
    fails(await api.get(c, c.root, 'x1' as unknown as number), 'InvalidParameter.Id', 400);
    fails(await call(c, c.root, 'GetDataSource', {}, 'GET'), 'MissingId', 400);
    const stranger = await c.newTenant();
    const a = fails(await api.get(c, stranger, id), '1000010005', 404);
    const b = fails(await api.get(c, stranger, 987_654), '1000010005', 404);
    assert.equal(a.replace(String(id), 'N'), b.replace('987654', 'N'), 'same message either way');
    fails(await api.delete(c, stranger, id), '1000010005', 404);
    fails(
      await api.update(c, stranger, { Id: id, ProjectId: ws, ConnectionProperties: props }),
      '1000010005',
      404,
    );
    ok(await api.get(c, c.root, id));
  });

  it('deletes one record (GET), then answers 1000010005 for it', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const prod = await newDataSource(c, ws, { name: 'twins' });
    const dev = await newDataSource(c, ws, { name: 'twins', props: mysqlUrl('Dev') });
    const deleted = ok(await api.delete(c, c.root, prod.id));
    assert.deepEqual(Object.keys(deleted).sort(), ['RequestId', 'Success']);
    assert.equal(deleted.Success, true);
    fails(await api.get(c, c.root, prod.id), '1000010005', 404);
    fails(await api.delete(c, c.root, prod.id), '1000010005', 404);
    const page = await listGroups(c, { ProjectId: ws });
    assert.equal(page.TotalCount, 1);
    assert.deepEqual(
      page.DataSources[0]!.DataSource.map((d) => d.Id),
      [dev.id],
    );
    const last = ok(await api.delete(c, c.root, dev.id));
    assert.equal(last.Success, true);
    assert.equal((await listGroups(c, { ProjectId: ws })).TotalCount, 0);
    // The name is free again, in both environments.
    await newDataSource(c, ws, { name: 'twins' });
  });

  it('lists name groups with filters, sorting and paging', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const holo = (env: string) => ({
      envType: env,
      regionId: 'cn-beijing',
      instanceId: 'hgprecn-cn-x0r3oun4k001',
      database: 'testdb',
      authType: 'Executor',
      authIdentity: '1107550004253538',
    });
    const pg = (env: string) =>
      mysqlUrl(env, { address: [{ host: 'pg.example.com', port: 5432 }] });
    const specs: [string, string, string, (env: string) => Props, string[]][] = [
      ['alpha', 'mysql', 'UrlMode', mysqlUrl, ['Prod']],
      ['Beta_orders', 'postgresql', 'UrlMode', pg, ['Dev', 'Prod']],
      ['gamma_orders', 'mysql', 'UrlMode', mysqlUrl, ['Dev']],
      ['delta', 'hologres', 'InstanceMode', holo, ['Prod']],
      ['epsilon_ORD', 'postgresql', 'UrlMode', pg, ['Prod', 'Dev']],
      ['zeta', 'mysql', 'UrlMode', mysqlUrl, ['Prod']],
      ['eta', 'mysql', 'UrlMode', mysqlUrl, ['Dev', 'Prod']],
    ];
    const ids = new Map<string, number>();
    for (const [name, type, mode, props, envs] of specs) {
      for (const env of envs) {
        const { id } = await newDataSource(c, ws, { name, type, mode, props: props(env) });
        ids.set(`${name}/${env}`, id);
      }
    }
    const created = specs.map((s) => s[0]);
    const names = async (params: Params) =>
      (await listGroups(c, { ProjectId: ws, PageSize: 100, ...params })).DataSources.map(
        (g) => g.Name,
      );

    const first = await listGroups(c, { ProjectId: ws });
    assert.equal(first.PageNumber, 1);
    assert.equal(first.PageSize, 10);
    assert.equal(first.TotalCount, 7);
    assert.deepEqual(
      first.DataSources.map((g) => g.Name),
      [...created].reverse(),
      'default: CreateTime Desc',
    );
    assert.deepEqual(
      first.DataSources.map((g) => g.Type),
      [...specs].reverse().map((s) => s[1]),
    );
    assert.deepEqual(await names({ Order: 'Asc' }), created);
    assert.deepEqual(await names({ SortBy: 'CreateTime', Order: 'asc' }), created);
    assert.deepEqual(await names({ SortBy: 'Id', Order: 'Asc' }), created);
    assert.deepEqual(await names({ SortBy: 'Id' }), [...created].reverse());
    const byName = ['Beta_orders', 'alpha', 'delta', 'epsilon_ORD', 'eta', 'gamma_orders', 'zeta'];
    assert.deepEqual(await names({ SortBy: 'Name', Order: 'Asc' }), byName);
    assert.deepEqual(await names({ SortBy: 'name' }), [...byName].reverse());

    // Paging over groups, not records.
    const pages: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const page = await listGroups(c, {
        ProjectId: ws,
        SortBy: 'Name',
        Order: 'Asc',
        PageSize: 3,
        PageNumber: n,
      });
      assert.equal(page.TotalCount, 7);
      assert.equal(page.PageNumber, n);
      assert.equal(page.PageSize, 3);
      pages.push(...page.DataSources.map((g) => g.Name));
    }
    assert.deepEqual(pages, byName);
    const beyond = await listGroups(c, { ProjectId: ws, PageSize: 3, PageNumber: 4 });
    assert.deepEqual(beyond.DataSources, []);
    assert.equal(beyond.TotalCount, 7);
    assert.equal((await listGroups(c, { ProjectId: ws, PageSize: 100 })).DataSources.length, 7);

    // Name: a case-insensitive substring; % and _ are literal.
    assert.deepEqual(await names({ Name: 'ORD', SortBy: 'Name', Order: 'Asc' }), [
      'Beta_orders',
      'epsilon_ORD',
      'gamma_orders',
    ]);
    assert.deepEqual(await names({ Name: 'a_o', SortBy: 'Name', Order: 'Asc' }), [
      'Beta_orders',
      'gamma_orders',
    ]);
    assert.deepEqual(await names({ Name: '_', SortBy: 'Name', Order: 'Asc' }), [
      'Beta_orders',
      'epsilon_ORD',
      'gamma_orders',
    ]);
    assert.deepEqual(await names({ Name: '%' }), []);
    assert.deepEqual(await names({ Name: 'zeta' }), ['zeta']);
    assert.equal(
      (await listGroups(c, { ProjectId: ws, Name: 'ta', PageSize: 1, PageNumber: 2 })).TotalCount,
      4,
    );

    // Types: one or several, comma-joined as the SDK sends them.
    assert.deepEqual(await names({ Types: 'postgresql', Order: 'Asc' }), [
      'Beta_orders',
      'epsilon_ORD',
    ]);
    assert.deepEqual(await names({ Types: 'hologres, postgresql', Order: 'Asc' }), [
      'Beta_orders',
      'delta',
      'epsilon_ORD',
    ]);

    // EnvType: groups with a record there, and only that record.
    const dev = await listGroups(c, { ProjectId: ws, EnvType: 'dev', Order: 'Asc' });
    assert.equal(dev.TotalCount, 4);
    assert.deepEqual(
      dev.DataSources.map((g) => [g.Name, g.DataSource.map((d) => d.Id)]),
      [
        ['Beta_orders', [ids.get('Beta_orders/Dev')]],
        ['gamma_orders', [ids.get('gamma_orders/Dev')]],
        ['epsilon_ORD', [ids.get('epsilon_ORD/Dev')]],
        ['eta', [ids.get('eta/Dev')]],
      ],
    );
    const all = await listGroups(c, { ProjectId: ws, Name: 'eta', SortBy: 'Name' });
    assert.deepEqual(
      all.DataSources.map((g) => [
        g.Name,
        g.DataSource.map((d) => (d.ConnectionProperties as Props).envType),
      ]),
      [
        ['zeta', ['Prod']],
        ['eta', ['Dev', 'Prod']],
        ['Beta_orders', ['Dev', 'Prod']],
      ],
    );
    assert.deepEqual(
      await names({ EnvType: 'Prod', Types: 'mysql', Name: 'a', SortBy: 'Name', Order: 'Asc' }),
      ['alpha', 'eta', 'zeta'],
    );
    // An empty tag filter filters nothing (tag-filters.test.ts covers tags themselves).
    assert.equal((await listGroups(c, { ProjectId: ws, Tags: '[]' })).TotalCount, 7);
    assert.equal((await listGroups(c, { ProjectId: ws, Tags: '' })).TotalCount, 7);

    for (const [params, code] of [
      [{ PageSize: 101 }, 'InvalidParameter.PageSize'],
      [{ PageSize: 0 }, 'InvalidParameter.PageSize'],
      [{ PageNumber: 0 }, 'InvalidParameter.PageNumber'],
      [{ PageNumber: 'two' }, 'InvalidParameter.PageNumber'],
      [{ Types: 'mysql,nosuchdb' }, 'InvalidParameter.Types'],
      [{ SortBy: 'Size' }, 'InvalidParameter.SortBy'],
      [{ Order: 'Up' }, 'InvalidParameter.Order'],
      [{ EnvType: 'Test' }, 'InvalidParameter.EnvType'],
      [{ Tags: '["env prod"]' }, 'InvalidParameter.Tags'],
      [{ Tags: '[{"Key":"env","Value":"prod"}]' }, 'InvalidParameter.Tags'],
      [{ Tags: 'env:prod' }, 'InvalidParameter.Tags'],
      [
        { Tags: JSON.stringify(Array.from({ length: 11 }, (_, i) => `t${i}`)) },
        'InvalidParameter.Tags',
      ],
      [{ ProjectId: undefined }, 'MissingProjectId'],
    ] as const) {
      fails(await api.list(c, c.root, { ProjectId: ws, ...params }), code, 400);
    }
    fails(await api.list(c, await c.newTenant(), { ProjectId: ws }), '1101080008', 404);
  });

  it('rebuilds the list index from the records to the very same pages', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    for (let i = 0; i < 14; i++) {
      const name = `r${(i * 7) % 10}_${i}`;
      await newDataSource(c, ws, { name, props: mysqlUrl(i % 3 === 0 ? 'Dev' : 'Prod') });
      if (i % 4 === 0)
        await newDataSource(c, ws, { name, props: mysqlUrl(i % 3 === 0 ? 'Prod' : 'Dev') });
    }
    const queries: Params[] = [
      {},
      { SortBy: 'Name', Order: 'Asc', PageSize: 4, PageNumber: 2 },
      { EnvType: 'Dev' },
      { Name: 'r1', SortBy: 'Id' },
    ];
    const snapshot = () => Promise.all(queries.map((q) => listGroups(c, { ProjectId: ws, ...q })));
    const before = await snapshot();
    await c.services.db.kysely.transaction().execute((trx) => rebuildIndex(trx, ws));
    assert.deepEqual(await snapshot(), before);
  });

  it('keeps secrets only in the sealed blob: not in the database, the audit trail or answers', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const second = 'An0ther-S3cret-Value';
    const { id } = await newDataSource(c, ws, { name: 'secretive' });
    ok(
      await api.update(c, c.root, {
        Id: id,
        ProjectId: ws,
        ConnectionProperties: JSON.stringify(
          mysqlUrl('Prod', { password: second, truststorePassword: second }),
        ),
      }),
    );
    const answers = JSON.stringify([
      (await api.get(c, c.root, id)).body,
      (await api.list(c, c.root, { ProjectId: ws })).body,
    ]);
    assert.ok(!answers.includes(second) && !answers.includes(PASSWORD));
    assert.match(answers, /"password":"\*\*\*\*\*\*"/);
    assert.match(answers, /"truststorePassword":"\*\*\*\*\*\*"/);
    assert.equal(await storedPassword(c, id), second);

    const k = c.services.db.kysely;
    let raw: string;
    if (c.dialect === 'sqlite') {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(k);
      const file =
        c.services.config.database.kind === 'sqlite' ? c.services.config.database.file : '';
      raw = readFileSync(file).toString('latin1');
      if (existsSync(`${file}-wal`)) raw += readFileSync(`${file}-wal`).toString('latin1');
    } else {
      const rows = await sql<{ t: string }>`select t::text as t from data_sources t
        union all select a::text from audit_events a
        union all select g::text from data_source_groups g`.execute(k);
      raw = rows.rows.map((r) => r.t).join('\n');
    }
    assert.ok(raw.includes('db.example.com'), 'the check reads the stored data');
    assert.ok(raw.includes('secretive'), 'the check reads the stored data');
    for (const secret of [PASSWORD, second]) {
      assert.ok(!raw.includes(secret), `${secret} is stored in clear`);
    }
    const sealed = await k
      .selectFrom('data_sources')
      .select('secrets_sealed')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.match(String(sealed.secrets_sealed), /^v1:[0-9a-f]{16}:/);
  });

  it('audits create, update and delete with the data source id, and failures too', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const { id } = await newDataSource(c, ws);
    ok(
      await api.update(c, c.root, {
        Id: id,
        ProjectId: ws,
        ConnectionProperties: JSON.stringify(mysqlUrl()),
      }),
    );
    fails(
      await api.update(c, c.root, {
        Id: id,
        ProjectId: ws,
        ConnectionProperties: JSON.stringify(mysqlUrl('Nope')),
      }),
      'InvalidParameter.ConnectionProperties',
      400,
    );
    ok(await api.delete(c, c.root, id));
    const events = await c.services.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('project_id', '=', ws)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.action, e.outcome, JSON.parse(e.targets).DataSourceId]),
      [
        // The workspace was made through the API too, so its trail starts with its creation.
        ['CreateProject', 'Success', undefined],
        ['CreateDataSource', 'Success', id],
        ['UpdateDataSource', 'Success', id],
        ['UpdateDataSource', 'InvalidParameter.ConnectionProperties', id],
        ['DeleteDataSource', 'Success', id],
      ],
    );
    for (const e of events) {
      assert.equal(e.user_id, c.root.userId);
      assert.ok(!JSON.stringify(e).includes(PASSWORD));
    }
  });

  it('deleting a workspace deletes its data sources and their index', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const { id } = await newDataSource(c, ws, { name: 'doomed' });
    await newDataSource(c, ws, { name: 'doomed', props: mysqlUrl('Dev') });
    ok(await c.call(c.root, 'DeleteProject', { Id: ws }, { method: 'POST', placement: 'body' }));
    const k = c.services.db.kysely;
    for (const table of [
      'data_sources',
      'data_source_groups',
      'data_source_list_buckets',
      'data_source_name_grams',
      'data_source_list_state',
    ] as const) {
      const rows = await k
        .selectFrom(table)
        .select('project_id')
        .where('project_id', '=', ws)
        .execute();
      assert.equal(rows.length, 0, `${table} keeps rows of the deleted workspace`);
    }
    fails(await api.get(c, c.root, id), '1000010005', 404);
  });

  it('lists the data source types and serves their schemas to any caller', async () => {
    const c = t();
    const nobody = await c.newUser();
    const types = ok(await call(c, nobody, 'ListDataSourceTypes', {}, 'GET'))
      .DataSourceTypes as Props[];
    const mysql = types.find((x) => x.Type === 'mysql');
    assert.deepEqual(mysql, {
      Type: 'mysql',
      DisplayName: 'MySQL',
      Category: 'relational',
      ConnectionPropertiesModes: ['UrlMode', 'InstanceMode'],
      ConnectivityProbe: 'mysql',
    });
    assert.ok(types.length > 40);
    const relational = ok(
      await call(c, nobody, 'ListDataSourceTypes', { Category: 'relational' }, 'GET'),
    ).DataSourceTypes as Props[];
    assert.ok(relational.length > 0 && relational.every((x) => x.Category === 'relational'));

    const schema = ok(
      await call(
        c,
        nobody,
        'GetDataSourceTypeSchema',
        { Type: 'mysql', Mode: 'InstanceMode' },
        'GET',
      ),
    );
    assert.equal(schema.Type, 'mysql');
    assert.equal(schema.Mode, 'InstanceMode');
    const body = schema.Schema as { properties: Record<string, Props>; required: string[] };
    assert.ok(body.required.includes('instanceId'));
    assert.equal(body.properties.password?.['x-secret'], true);
    const first = ok(await call(c, nobody, 'GetDataSourceTypeSchema', { Type: 'hologres' }, 'GET'));
    assert.equal(first.Mode, 'InstanceMode');
    fails(
      await call(c, nobody, 'GetDataSourceTypeSchema', { Type: 'nosuchdb' }, 'GET'),
      'InvalidParameter.Type',
      400,
    );
    fails(
      await call(
        c,
        nobody,
        'GetDataSourceTypeSchema',
        { Type: 'hologres', Mode: 'UrlMode' },
        'GET',
      ),
      'InvalidParameter.Mode',
      400,
    );
    fails(await call(c, nobody, 'GetDataSourceTypeSchema', {}, 'GET'), 'MissingType', 400);
  });

  it('clones one record (the service behind CloneDataSource): secrets re-sealed, same environment', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const { id } = await newDataSource(c, ws, {
      name: 'source',
      props: mysqlUrl('Dev'),
      description: 'to copy',
    });
    const svc = c.services.dataSources;
    const quiet = { record: async () => {}, note: () => {} };
    const granted = testGrant({ userId: 'cloner', id, workspaceId: ws });
    const copyId = await svc.clone(granted, 'copy', quiet);
    const [source, copy] = [await getRecord(c, id), await getRecord(c, copyId)];
    assert.equal(copy.Name, 'copy');
    assert.equal(copy.CreateUser, 'cloner');
    for (const field of [
      'Type',
      'ConnectionPropertiesMode',
      'ConnectionProperties',
      'Description',
      'ProjectId',
      'QualifiedName',
    ]) {
      assert.deepEqual(copy[field], source[field], field);
    }
    assert.equal(await storedPassword(c, copyId), PASSWORD);
    await assert.rejects(
      svc.clone(granted, 'copy', quiet),
      (e: { code?: string }) => e.code === 'Conflict.DataSourceName',
    );
    assert.deepEqual(
      (await listGroups(c, { ProjectId: ws, EnvType: 'Dev', Order: 'Asc' })).DataSources.map(
        (g) => g.Name,
      ),
      ['source', 'copy'],
    );
  });
});
