/**
 * Data sources through Alibaba's own clients against a real server on SQLite and PostgreSQL:
 * every field in the URL query as the SDK sends it (GetDataSource, ListDataSources and
 * DeleteDataSource as GET), answers cast into the SDK's models, errors as the SDK throws them,
 * the same calls signed by pop-core and openapi-core v2, and no secret in any answer or log.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { type FieldType, type SdkObject, sdkModel, sdkView } from './sdk-models.js';
import {
  forEachStore,
  popCall,
  type RunningServer,
  rejectsWithCode,
  type SdkCallOptions,
  sdkCall,
} from './support.js';

type Fields = Record<string, string | number | boolean>;

const PASSWORD = 'bl4ck-b0x-Data-S3cret';
const NEW_PASSWORD = 'r0tated-Data-S3cret';

// The SDK types ConnectionProperties as `any`: passed through as whatever JSON value it is.
const ANY = 'any' as unknown as FieldType;
const arrayOf = (itemType: FieldType & object) =>
  ({ type: 'array', itemType }) as unknown as FieldType;

/** The SDK's response models (dataworks-public-20240518 src/models, docs/WIRE.md §5). */
const MODELS = {
  IdAnswer: sdkModel({ Id: 'number', RequestId: 'string' }),
  Success: sdkModel({ RequestId: 'string', Success: 'boolean' }),
  GetDataSource: sdkModel({
    DataSource: sdkModel({
      ConnectionProperties: ANY,
      ConnectionPropertiesMode: 'string',
      CreateTime: 'number',
      CreateUser: 'string',
      Description: 'string',
      Id: 'number',
      ModifyTime: 'number',
      ModifyUser: 'string',
      Name: 'string',
      ProjectId: 'number',
      QualifiedName: 'string',
      Type: 'string',
    }),
    RequestId: 'string',
  }),
  ListDataSources: sdkModel({
    PagingInfo: sdkModel({
      DataSources: arrayOf(
        sdkModel({
          DataSource: arrayOf(
            sdkModel({
              ConnectionProperties: ANY,
              ConnectionPropertiesMode: 'string',
              CreateTime: 'number',
              CreateUser: 'string',
              Description: 'string',
              Id: 'number',
              ModifyTime: 'number',
              ModifyUser: 'string',
              QualifiedName: 'string',
            }),
          ),
          Name: 'string',
          Type: 'string',
        }),
      ),
      PageNumber: 'number',
      PageSize: 'number',
      TotalCount: 'number',
    }),
    RequestId: 'string',
  }),
};

const GETS = new Set(['GetDataSource', 'ListDataSources', 'DeleteDataSource']);

/** As the generated SDK calls these operations: every field in the query. */
function call(server: RunningServer, action: string, fields: Fields, opts: SdkCallOptions = {}) {
  return sdkCall(
    server,
    action,
    { method: GETS.has(action) ? 'GET' : 'POST', query: fields },
    opts,
  );
}

/** A refusal (rejectsWithCode), which never echoes the password the call carried. */
async function rejectsWithoutSecret(p: Promise<unknown>, code: string, statusCode: number) {
  const err = await rejectsWithCode(p, code, statusCode);
  assert.ok(!JSON.stringify(err.data).includes(PASSWORD));
  return err;
}

function mysql(env: string, password = PASSWORD) {
  return JSON.stringify({
    envType: env,
    address: [{ host: 'mysql.internal', port: 3306 }],
    database: 'orders',
    username: 'app',
    password,
  });
}

const obj = (v: unknown) => v as SdkObject;

forEachStore(
  'data sources through the SDK',
  { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } },
  ({ dialect, server }) => {
    let accountId: string;
    let projectId: number;
    let basicProjectId: number;
    let prodId: number;
    let devId: number;

    before(async () => {
      accountId = String(
        (await sdkCall(server, 'GetCallerIdentity', { method: 'POST' })).AccountId,
      );
      const project = (name: string, dev: boolean) =>
        sdkCall(server, 'CreateProject', {
          method: 'POST',
          body: { Name: name, DisplayName: name, DevEnvironmentEnabled: dev },
        });
      projectId = (await project(`bb_ds_${dialect}`, true)).Id as number;
      basicProjectId = (await project(`bb_ds_basic_${dialect}`, false)).Id as number;
    });

    it('CreateDataSource: one record per environment, fields in the query', async () => {
      const prod = await call(server, 'CreateDataSource', {
        ConnectionProperties: mysql('Prod'),
        ConnectionPropertiesMode: 'UrlMode',
        Description: "demo: spaces & symbols *!'()~ + é 中",
        Name: 'orders_db',
        ProjectId: projectId,
        Type: 'mysql',
      });
      const sdk = sdkView(prod, MODELS.IdAnswer);
      assert.equal(typeof sdk.id, 'number');
      assert.equal(typeof sdk.requestId, 'string');
      prodId = sdk.id as number;
      devId = (
        await call(server, 'CreateDataSource', {
          ConnectionProperties: mysql('dev'),
          ConnectionPropertiesMode: 'UrlMode',
          Name: 'orders_db',
          ProjectId: projectId,
          Type: 'mysql',
        })
      ).Id as number;
      assert.notEqual(devId, prodId);
    });

    it('CreateDataSource errors as the SDK throws them', async () => {
      const base = {
        ConnectionProperties: mysql('Prod'),
        ConnectionPropertiesMode: 'UrlMode',
        Name: 'orders_db',
        ProjectId: projectId,
        Type: 'mysql',
      };
      await rejectsWithoutSecret(
        call(server, 'CreateDataSource', base),
        'Conflict.DataSourceName',
        409,
      );
      const { Name: _n, ...noName } = base;
      await rejectsWithoutSecret(call(server, 'CreateDataSource', noName), 'MissingName', 400);
      await rejectsWithoutSecret(
        call(server, 'CreateDataSource', { ...base, Name: '9lives' }),
        'InvalidParameter.Name',
        400,
      );
      const bad = await rejectsWithoutSecret(
        call(server, 'CreateDataSource', {
          ...base,
          Name: 'broken',
          ConnectionProperties: mysql('Prod').replace('3306', '"x"'),
        }),
        'InvalidParameter.ConnectionProperties',
        400,
      );
      assert.match(String(bad.data.Message), /\$\.address\[0\]\.port/);
      await rejectsWithoutSecret(
        call(server, 'CreateDataSource', {
          ...base,
          Name: 'not_json',
          ConnectionProperties: `{${PASSWORD}`,
        }),
        'InvalidParameter.ConnectionProperties',
        400,
      );
      await rejectsWithoutSecret(
        call(server, 'CreateDataSource', {
          ...base,
          Name: 'dev_in_basic',
          ProjectId: basicProjectId,
          ConnectionProperties: mysql('Dev'),
        }),
        'InvalidParameter.EnvType',
        400,
      );
      await rejectsWithoutSecret(
        call(server, 'CreateDataSource', { ...base, ProjectId: 99_999_999 }),
        '1101080008',
        404,
      );
    });

    it('GetDataSource (GET) answers the documented fields, ConnectionProperties an object, secrets masked', async () => {
      const body = await call(server, 'GetDataSource', { Id: prodId });
      const ds = obj(sdkView(body, MODELS.GetDataSource).dataSource);
      assert.equal(ds.id, prodId);
      assert.equal(ds.name, 'orders_db');
      assert.equal(ds.type, 'mysql');
      assert.equal(ds.projectId, projectId);
      assert.equal(ds.connectionPropertiesMode, 'UrlMode');
      assert.equal(ds.description, "demo: spaces & symbols *!'()~ + é 中");
      assert.deepEqual(ds.connectionProperties, {
        envType: 'Prod',
        address: [{ host: 'mysql.internal', port: 3306 }],
        database: 'orders',
        username: 'app',
        password: '******',
        securityProtocol: 'authTypeNone',
      });
      assert.equal(ds.qualifiedName, `${accountId}:cn-hangzhou:mysql:mysql.internal:3306:orders`);
      assert.equal(ds.createUser, accountId);
      assert.equal(typeof ds.createTime, 'number');
      assert.ok(Math.abs((ds.createTime as number) - Date.now()) < 60_000, 'epoch milliseconds');
      await rejectsWithoutSecret(
        call(server, 'GetDataSource', { Id: 987_654_321 }),
        '1000010005',
        404,
      );
    });

    it('ListDataSources (GET, Types comma-joined) groups Dev and Prod under one name', async () => {
      await call(server, 'CreateDataSource', {
        ConnectionProperties: JSON.stringify({
          envType: 'Prod',
          address: [{ host: 'pg.internal', port: 5432 }],
          database: 'bi',
          username: 'bi',
          password: PASSWORD,
        }),
        ConnectionPropertiesMode: 'UrlMode',
        Name: 'bi_pg',
        ProjectId: projectId,
        Type: 'postgresql',
      });
      const body = await call(server, 'ListDataSources', {
        ProjectId: projectId,
        Types: 'mysql,postgresql',
        SortBy: 'Name',
        Order: 'Asc',
        PageNumber: 1,
        PageSize: 10,
      });
      const paging = obj(sdkView(body, MODELS.ListDataSources).pagingInfo);
      assert.equal(paging.totalCount, 2);
      assert.equal(paging.pageNumber, 1);
      assert.equal(paging.pageSize, 10);
      const groups = paging.dataSources as SdkObject[];
      assert.deepEqual(
        groups.map((g) => [g.name, g.type, (g.dataSource as SdkObject[]).map((d) => d.id)]),
        [
          ['bi_pg', 'postgresql', [groups[0] && (obj(groups[0]).dataSource as SdkObject[])[0]?.id]],
          ['orders_db', 'mysql', [devId, prodId]],
        ],
      );
      for (const g of groups) {
        for (const d of g.dataSource as SdkObject[]) {
          assert.equal(obj(d.connectionProperties).password, '******');
        }
      }
      const dev = obj(
        sdkView(
          await call(server, 'ListDataSources', { ProjectId: projectId, EnvType: 'Dev' }),
          MODELS.ListDataSources,
        ).pagingInfo,
      );
      assert.equal(dev.totalCount, 1);
      const named = obj(
        sdkView(
          await call(server, 'ListDataSources', { ProjectId: projectId, Name: 'ORDERS' }),
          MODELS.ListDataSources,
        ).pagingInfo,
      );
      assert.deepEqual(
        (named.dataSources as SdkObject[]).map((g) => g.name),
        ['orders_db'],
      );
      await rejectsWithoutSecret(
        call(server, 'ListDataSources', { ProjectId: projectId, PageSize: 500 }),
        'InvalidParameter.PageSize',
        400,
      );
    });

    it('Tags: set with the extension parameter, filtered as the SDK sends them, refused when bad', async () => {
      const tagged = await call(server, 'CreateDataSource', {
        ConnectionProperties: mysql('Prod'),
        ConnectionPropertiesMode: 'UrlMode',
        Name: 'tagged_db',
        ProjectId: projectId,
        Type: 'mysql',
        Tags: '["finance","env=prod"]',
      });
      const id = Number(tagged.Id);
      // The SDK's model drops the extension member; the raw answer carries it.
      const got = await call(server, 'GetDataSource', { Id: id });
      assert.deepEqual((got.DataSource as { Tags: string[] }).Tags, ['env=prod', 'finance']);
      // As in the capture: the SDK sends Tags as JSON text in the query.
      const body = await call(server, 'ListDataSources', {
        ProjectId: projectId,
        Tags: '["finance","env=prod"]',
      });
      const paging = obj(sdkView(body, MODELS.ListDataSources).pagingInfo);
      assert.equal(paging.totalCount, 1);
      assert.equal(obj((paging.dataSources as SdkObject[])[0]).name, 'tagged_db');
      const none = await popCall(server, 'ListDataSources', {
        ProjectId: projectId,
        Tags: '["finance","nosuch"]',
      });
      assert.equal((none.PagingInfo as { TotalCount: number }).TotalCount, 0);
      await rejectsWithoutSecret(
        call(server, 'ListDataSources', { ProjectId: projectId, Tags: '["two words"]' }),
        'InvalidParameter.Tags',
        400,
      );
      await call(server, 'DeleteDataSource', { Id: id });
    });

    it('UpdateDataSource keeps a "******" secret, takes a new one, may switch mode', async () => {
      const update = (fields: Fields) =>
        call(server, 'UpdateDataSource', { Id: prodId, ProjectId: projectId, ...fields });
      const masked = await update({
        ConnectionProperties: mysql('Prod', '******'),
        Description: 'masked password kept',
      });
      assert.equal(sdkView(masked, MODELS.Success).success, true);
      await update({
        ConnectionProperties: JSON.stringify({
          envType: 'Prod',
          regionId: 'cn-shanghai',
          instanceId: 'rm-uf6bb',
          database: 'orders',
          username: 'app',
          password: NEW_PASSWORD,
        }),
        ConnectionPropertiesMode: 'InstanceMode',
      });
      const ds = obj(
        sdkView(await call(server, 'GetDataSource', { Id: prodId }), MODELS.GetDataSource)
          .dataSource,
      );
      assert.equal(ds.connectionPropertiesMode, 'InstanceMode');
      assert.equal(ds.description, 'masked password kept');
      assert.equal(obj(ds.connectionProperties).password, '******');
      assert.equal(ds.qualifiedName, `${accountId}:cn-shanghai:mysql:rm-uf6bb:orders`);
      await rejectsWithoutSecret(
        call(server, 'UpdateDataSource', {
          Id: 987_654_321,
          ProjectId: projectId,
          ConnectionProperties: mysql('Prod'),
        }),
        '1000010005',
        404,
      );
      // The name already has a Dev record: this one cannot move there.
      await rejectsWithoutSecret(
        update({ ConnectionProperties: mysql('Dev'), ConnectionPropertiesMode: 'UrlMode' }),
        'Conflict.DataSourceName',
        409,
      );
    });

    it('the same calls work signed by pop-core and by openapi-core v2', async () => {
      const created = await popCall(server, 'CreateDataSource', {
        ProjectId: projectId,
        Name: 'via_pop',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: mysql('Prod'),
      });
      const id = Number(created.Id);
      assert.ok(id > 0);
      const got = await popCall(server, 'GetDataSource', { Id: id }, { method: 'GET' });
      assert.equal((got.DataSource as Record<string, unknown>).Name, 'via_pop');
      const v2 = await call(server, 'GetDataSource', { Id: id }, { signatureAlgorithm: 'v2' });
      assert.equal(obj(sdkView(v2, MODELS.GetDataSource).dataSource).id, id);
      const deleted = await popCall(server, 'DeleteDataSource', { Id: id }, { method: 'GET' });
      assert.equal(deleted.Success, true);
    });

    it('DeleteDataSource (GET) answers Success, then the record is gone', async () => {
      const body = await call(server, 'DeleteDataSource', { Id: devId });
      assert.equal(sdkView(body, MODELS.Success).success, true);
      await rejectsWithoutSecret(call(server, 'GetDataSource', { Id: devId }), '1000010005', 404);
      await rejectsWithoutSecret(
        call(server, 'DeleteDataSource', { Id: devId }),
        '1000010005',
        404,
      );
    });

    it('serves the type catalog and schemas', async () => {
      const types = (await call(server, 'ListDataSourceTypes', {}, {})) as {
        DataSourceTypes: { Type: string; ConnectionPropertiesModes: string[] }[];
      };
      assert.deepEqual(
        types.DataSourceTypes.find((t) => t.Type === 'mysql')?.ConnectionPropertiesModes,
        ['UrlMode', 'InstanceMode'],
      );
      const schema = await sdkCall(server, 'GetDataSourceTypeSchema', {
        method: 'GET',
        query: { Type: 'postgresql', Mode: 'UrlMode' },
      });
      const props = (schema.Schema as { properties: Record<string, Record<string, unknown>> })
        .properties;
      assert.equal(props.password?.['x-secret'], true);
    });

    it('never shows a secret in the server’s output', async () => {
      const output = await server.flushedOutput();
      assert.ok(output.includes('CreateDataSource'), 'the server logs its requests');
      assert.ok(!output.includes(PASSWORD) && !output.includes(NEW_PASSWORD));
    });
  },
);
