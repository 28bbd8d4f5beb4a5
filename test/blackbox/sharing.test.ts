/**
 * Clone, sharing rules and resolution through Alibaba's own clients against a real server on
 * SQLite and PostgreSQL: the SDK's placement (every field in the URL query;
 * ListDataSourceSharedRules a GET), answers cast into the SDK's models, errors as the SDK
 * throws them, and the same calls signed by pop-core (RPC HMAC-SHA1).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { type SdkObject, sdkModel, sdkView } from './sdk-models.js';
import {
  adminCli,
  type Credentials,
  createUserWithCli,
  forEachStore,
  popCall,
  type RunningServer,
  rejectsWithCode,
  type SdkCallOptions,
  sdkCall,
} from './support.js';

type Fields = Record<string, string | number | boolean>;

const PASSWORD = 'bl4ck-b0x-Secret';

/** The SDK's response models (dataworks-public-20240518 src/models, docs/WIRE.md §5). */
const MODELS = {
  IdAnswer: sdkModel({ Id: 'number', RequestId: 'string' }),
  Success: sdkModel({ RequestId: 'string', Success: 'boolean' }),
  ListDataSourceSharedRules: sdkModel({
    DataSourceSharedRules: {
      type: 'array',
      itemType: sdkModel({
        CreateTime: 'number',
        CreateUser: 'string',
        DataSourceId: 'number',
        EnvType: 'string',
        Id: 'number',
        SharedDataSourceName: 'string',
        SharedUser: 'string',
        SourceProjectId: 'number',
        TargetProjectId: 'number',
      }),
    },
    RequestId: 'string',
  }),
};

/** The data source and sharing operations: POST with every field in the query, except GETs. */
const GETS = new Set([
  'ListDataSourceSharedRules',
  'ListSharedDataSources',
  'GetDataSource',
  'DeleteDataSource',
]);

function call(
  server: RunningServer,
  action: string,
  fields: Fields,
  opts: SdkCallOptions = {},
): Promise<Record<string, unknown>> {
  return sdkCall(
    server,
    action,
    { method: GETS.has(action) ? 'GET' : 'POST', query: fields },
    opts,
  );
}

forEachStore(
  'clone, sharing and resolution through the SDK',
  { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } },
  ({ dialect, server }) => {
    let ownerId: string;
    /** A user of the tenant, member of the target workspace only (made with the CLI). */
    let carol: Credentials & { userId: string };
    let stranger: Credentials;
    const source = { id: 0, name: `bb_src_${dialect}` };
    const target = { id: 0, name: `bb_tgt_${dialect}` };
    let dataSourceId = 0;
    let ruleId = 0;
    const sharedName = () => `${source.name}.orders`;

    before(async () => {
      const cli = adminCli(server);
      const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
      ownerId = String(me.UserId);
      carol = await createUserWithCli(server, String(me.AccountId), 'carol');
      const other = await cli('admin', 'tenant', 'create', `bb_other_${dialect}`);
      stranger = { accessKeyId: other.accessKeyId!, accessKeySecret: other.accessKeySecret! };

      for (const ws of [source, target]) {
        const made = await sdkCall(server, 'CreateProject', {
          method: 'POST',
          body: { Name: ws.name, DisplayName: ws.name, DevEnvironmentEnabled: true },
        });
        ws.id = Number(made.Id);
      }
      await sdkCall(server, 'CreateProjectMember', {
        method: 'POST',
        body: {
          ProjectId: target.id,
          UserId: carol.userId,
          RoleCodes: JSON.stringify(['role_project_dev']),
        },
      });
      const created = await call(server, 'CreateDataSource', {
        ProjectId: source.id,
        Name: 'orders',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: JSON.stringify({
          envType: 'Dev',
          address: [{ host: '10.1.2.3', port: 3306 }],
          database: 'orders',
          username: 'app',
          password: PASSWORD,
        }),
        Description: 'black-box source',
      });
      dataSourceId = Number(created.Id);
    });

    it('CloneDataSource answers {RequestId, Id} and copies the record', async () => {
      const body = await call(server, 'CloneDataSource', {
        Id: dataSourceId,
        CloneDataSourceName: 'demo_holo_datasource',
      });
      const view = sdkView(body, MODELS.IdAnswer);
      assert.equal(typeof view.id, 'number');
      assert.equal(typeof view.requestId, 'string');
      const got = (await call(server, 'GetDataSource', { Id: Number(view.id) }))
        .DataSource as Record<string, unknown>;
      assert.equal(got.Name, 'demo_holo_datasource');
      assert.equal(got.ProjectId, source.id);
      assert.equal(got.Description, 'black-box source');
      assert.equal(got.CreateUser, ownerId);
      assert.equal((got.ConnectionProperties as Record<string, unknown>).envType, 'Dev');
    });

    it('CloneDataSource errors: name rule, duplicate, missing source, another tenant', async () => {
      const bad = await rejectsWithCode(
        call(server, 'CloneDataSource', { Id: dataSourceId, CloneDataSourceName: '9lives' }),
        'InvalidParameter.CloneDataSourceName',
        400,
      );
      assert.match(String(bad.data.Message), /must start with a letter/);
      await rejectsWithCode(
        call(server, 'CloneDataSource', { Id: dataSourceId, CloneDataSourceName: 'orders' }),
        'Conflict.DataSourceName',
        409,
      );
      await rejectsWithCode(
        call(server, 'CloneDataSource', { Id: 999999, CloneDataSourceName: 'copy_x' }),
        '1000010005',
        404,
      );
      await rejectsWithCode(
        call(
          server,
          'CloneDataSource',
          { Id: dataSourceId, CloneDataSourceName: 'copy_x' },
          { credentials: stranger },
        ),
        '1000010005',
        404,
      );
      await rejectsWithCode(
        call(server, 'CloneDataSource', { Id: dataSourceId }),
        'MissingCloneDataSourceName',
        400,
      );
    });

    it('CreateDataSourceSharedRule to one user, then ListDataSourceSharedRules (GET) as in the seed', async () => {
      const created = sdkView(
        await call(server, 'CreateDataSourceSharedRule', {
          DataSourceId: dataSourceId,
          EnvType: 'Dev',
          SharedUser: carol.userId,
          TargetProjectId: target.id,
        }),
        MODELS.IdAnswer,
      );
      ruleId = Number(created.id);
      const listed = sdkView(
        await call(server, 'ListDataSourceSharedRules', { DataSourceId: dataSourceId }),
        MODELS.ListDataSourceSharedRules,
      );
      const rules = listed.dataSourceSharedRules as SdkObject[];
      assert.equal(rules.length, 1);
      const rule = rules[0]!;
      assert.deepEqual(
        { ...rule, createTime: typeof rule.createTime },
        {
          id: ruleId,
          dataSourceId,
          sharedDataSourceName: sharedName(),
          sourceProjectId: source.id,
          targetProjectId: target.id,
          sharedUser: carol.userId,
          envType: 'Dev',
          createTime: 'number',
          createUser: ownerId,
        },
      );
      const filtered = sdkView(
        await call(server, 'ListDataSourceSharedRules', {
          DataSourceId: dataSourceId,
          TargetProjectId: source.id,
        }),
        MODELS.ListDataSourceSharedRules,
      );
      assert.deepEqual(filtered.dataSourceSharedRules, []);
    });

    it('CreateDataSourceSharedRule errors: self-share, duplicate, non-member, other tenant', async () => {
      const base = { DataSourceId: dataSourceId, EnvType: 'Dev', TargetProjectId: target.id };
      await rejectsWithCode(
        call(server, 'CreateDataSourceSharedRule', { ...base, TargetProjectId: source.id }),
        'InvalidParameter.TargetProjectId',
        400,
      );
      await rejectsWithCode(
        call(server, 'CreateDataSourceSharedRule', { ...base, SharedUser: carol.userId }),
        'Conflict.SharedRule',
        409,
      );
      await rejectsWithCode(
        call(server, 'CreateDataSourceSharedRule', { ...base, SharedUser: ownerId.slice(0, 15) }),
        '400010',
        403,
      );
      await rejectsWithCode(
        call(server, 'CreateDataSourceSharedRule', base, { credentials: stranger }),
        '1000010005',
        404,
      );
      await rejectsWithCode(
        call(server, 'CreateDataSourceSharedRule', { DataSourceId: dataSourceId, EnvType: 'Dev' }),
        'MissingTargetProjectId',
        400,
      );
    });

    it('ResolveDataSource gives the shared user the connection, secrets included; others nothing', async () => {
      const body = await call(
        server,
        'ResolveDataSource',
        { EnvType: 'Dev', Name: sharedName(), ProjectId: target.id },
        { credentials: carol },
      );
      const ds = body.DataSource as Record<string, unknown>;
      assert.equal(ds.Id, dataSourceId);
      assert.equal(ds.Shared, true);
      assert.equal(ds.SourceProjectId, source.id);
      assert.equal((ds.ConnectionProperties as Record<string, unknown>).password, PASSWORD);
      // The same call signed the older way (RPC HMAC-SHA1).
      const v2 = await call(
        server,
        'ResolveDataSource',
        { EnvType: 'Dev', Name: sharedName(), ProjectId: target.id },
        { credentials: carol, signatureAlgorithm: 'v2' },
      );
      assert.equal((v2.DataSource as Record<string, unknown>).Id, dataSourceId);

      const shared = await call(
        server,
        'ListSharedDataSources',
        { ProjectId: target.id },
        { credentials: carol },
      );
      assert.deepEqual(
        (
          shared.PagingInfo as { SharedDataSources: Record<string, unknown>[] }
        ).SharedDataSources.map((e) => e.SharedDataSourceName),
        [sharedName()],
      );
      assert.ok(!JSON.stringify(shared).includes(PASSWORD));

      await rejectsWithCode(
        call(
          server,
          'ResolveDataSource',
          { EnvType: 'Prod', Name: sharedName(), ProjectId: target.id },
          { credentials: carol },
        ),
        '1000010005',
        404,
      );
      // Carol has no role in the source: its own name is not hers to use.
      await rejectsWithCode(
        call(
          server,
          'ResolveDataSource',
          { EnvType: 'Dev', Name: 'orders', ProjectId: source.id },
          { credentials: carol },
        ),
        '1000010005',
        404,
      );
      await rejectsWithCode(
        call(
          server,
          'ResolveDataSource',
          { EnvType: 'Dev', Name: sharedName(), ProjectId: target.id },
          { credentials: stranger },
        ),
        '1000010005',
        404,
      );
      // From the target workspace the shared data source is read-only.
      await rejectsWithCode(
        call(
          server,
          'CloneDataSource',
          { Id: dataSourceId, CloneDataSourceName: 'carols_copy' },
          { credentials: carol },
        ),
        'Forbidden.Shared',
        403,
      );
    });

    it('pop-core (RPC HMAC-SHA1, everything in the query or form) drives the same operations', async () => {
      const listed = await popCall(
        server,
        'ListDataSourceSharedRules',
        { DataSourceId: dataSourceId },
        { method: 'GET' },
      );
      assert.equal((listed.DataSourceSharedRules as unknown[]).length, 1);
      const cloned = await popCall(server, 'CloneDataSource', {
        Id: dataSourceId,
        CloneDataSourceName: 'pop_copy',
      });
      assert.equal(typeof Number(cloned.Id), 'number');
      await rejectsWithCode(
        popCall(server, 'DeleteDataSourceSharedRule', { Id: 1 }),
        '1000011038',
        404,
      );
    });

    it('DeleteDataSourceSharedRule answers Success; afterwards the rule and the shared name are gone', async () => {
      const body = sdkView(
        await call(server, 'DeleteDataSourceSharedRule', { Id: ruleId }),
        MODELS.Success,
      );
      assert.equal(body.success, true);
      await rejectsWithCode(
        call(server, 'DeleteDataSourceSharedRule', { Id: ruleId }),
        '1000011038',
        404,
      );
      await rejectsWithCode(
        call(
          server,
          'ResolveDataSource',
          { EnvType: 'Dev', Name: sharedName(), ProjectId: target.id },
          { credentials: carol },
        ),
        '1000010005',
        404,
      );
      const left = sdkView(
        await call(server, 'ListDataSourceSharedRules', { DataSourceId: dataSourceId }),
        MODELS.ListDataSourceSharedRules,
      );
      assert.deepEqual(left.dataSourceSharedRules, []);
      // Deleting the data source: its rules' list answers 1000010005, as Terraform expects.
      await call(server, 'DeleteDataSource', { Id: dataSourceId });
      await rejectsWithCode(
        call(server, 'ListDataSourceSharedRules', { DataSourceId: dataSourceId }),
        '1000010005',
        404,
      );
    });

    it('ListAuditEvents shows the sharing events from the target workspace too (RelatedProjectId)', async () => {
      const body = await sdkCall(server, 'ListAuditEvents', {
        method: 'POST',
        query: { ProjectId: target.id, PageSize: 100 },
      });
      const events = (body.PagingInfo as { AuditEvents: Record<string, unknown>[] }).AuditEvents;
      const actions = events.map((e) => e.Action);
      for (const action of ['CreateDataSourceSharedRule', 'DeleteDataSourceSharedRule']) {
        const e = events.find((x) => x.Action === action);
        assert.ok(e, `${action} in ${actions}`);
        assert.equal(e.ProjectId, source.id);
        assert.equal(e.RelatedProjectId, target.id);
      }
    });
  },
);
