/**
 * dshub's extensions through Alibaba's own clients against a started server, on SQLite and
 * PostgreSQL: @alicloud/openapi-core with ACS3-HMAC-SHA256 and with the v2 RPC signature, and
 * @alicloud/pop-core. Versions (list, get, diff, rollback refused on a stale CurrentVersion,
 * restore), Dev/Prod drift, promote and the ListDataSources Drift filter, expiring shares (a
 * client that sends no ExpireTime sees DataWorks' rule), and ExplainDataSourceAccess. Every
 * answer is checked against the OpenAPI document by the support module.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
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
type Body = Record<string, unknown>;

const GETS = new Set([
  'ListDataSourceVersions',
  'GetDataSourceVersion',
  'DiffDataSourceVersions',
  'GetDataSourceDrift',
  'ListDataSources',
  'ListDataSourceSharedRules',
  'ExplainDataSourceAccess',
  'DeleteDataSource',
  'GetDataSource',
]);

/** As the generated SDK calls a data source operation: every field in the query. */
function call(server: RunningServer, action: string, fields: Fields, opts: SdkCallOptions = {}) {
  return sdkCall(
    server,
    action,
    { method: GETS.has(action) ? 'GET' : 'POST', query: fields },
    opts,
  );
}

/** The same call in the three clients' signatures; answers must agree. */
async function everyClient(
  server: RunningServer,
  action: string,
  fields: Fields,
  creds?: Credentials,
): Promise<Body[]> {
  const credentials = creds ? { credentials: creds } : {};
  return [
    await call(server, action, fields, credentials),
    await call(server, action, fields, { ...credentials, signatureAlgorithm: 'v2' }),
    await popCall(server, action, fields, {
      method: GETS.has(action) ? 'GET' : 'POST',
      ...credentials,
    }),
  ];
}

/** Without the RequestId, as plain JSON (pop-core parses into null-prototype objects). */
const strip = (b: Body) => {
  const { RequestId: _, ...rest } = b;
  return JSON.parse(JSON.stringify(rest)) as Body;
};

function mysql(env: 'Dev' | 'Prod', extra: Body = {}) {
  return JSON.stringify({
    envType: env,
    address: [{ host: env === 'Dev' ? '10.9.0.1' : '10.9.0.2', port: 3306 }],
    database: env === 'Dev' ? 'orders_dev' : 'orders',
    username: 'app',
    password: env === 'Dev' ? 'Dev-bb-Secret-1' : 'Prod-bb-Secret-2',
    ...extra,
  });
}

forEachStore(
  "dshub extensions through Alibaba's clients",
  { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } },
  ({ dialect, server }) => {
    let carol: Credentials & { userId: string };
    let projectId = 0;
    let target = 0;

    before(async () => {
      const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
      carol = await createUserWithCli(server, String(me.AccountId), 'carol');
      for (const name of [`bb_ext_${dialect}`, `bb_ext_t_${dialect}`]) {
        const made = await sdkCall(server, 'CreateProject', {
          method: 'POST',
          body: { Name: name, DisplayName: name, DevEnvironmentEnabled: true },
        });
        if (projectId === 0) projectId = Number(made.Id);
        else target = Number(made.Id);
      }
      await sdkCall(server, 'CreateProjectMember', {
        method: 'POST',
        body: { ProjectId: projectId, UserId: carol.userId, RoleCodes: '["role_project_dev"]' },
      });
    });

    it('versions: list, get (masked), diff, rollback refused when stale, rollback, restore', async () => {
      const id = Number(
        (
          await call(server, 'CreateDataSource', {
            ProjectId: projectId,
            Name: 'versioned',
            Type: 'mysql',
            ConnectionPropertiesMode: 'UrlMode',
            ConnectionProperties: mysql('Prod'),
          })
        ).Id,
      );
      await call(server, 'UpdateDataSource', {
        Id: id,
        ProjectId: projectId,
        ConnectionProperties: mysql('Prod', { database: 'orders_v2', password: 'N3w-bb-Secret' }),
      });
      const lists = await everyClient(server, 'ListDataSourceVersions', { DataSourceId: id });
      for (const l of lists) assert.deepEqual(strip(l), strip(lists[0]!));
      const paging = lists[0]!.PagingInfo as { TotalCount: number; Versions: Body[] };
      assert.equal(paging.TotalCount, 2);
      assert.deepEqual(
        paging.Versions.map((v) => [v.Version, v.Change]),
        [
          [2, 'Update'],
          [1, 'Create'],
        ],
      );
      for (const got of await everyClient(server, 'GetDataSourceVersion', {
        DataSourceId: id,
        VersionNumber: 1,
      })) {
        const v = got.DataSourceVersion as { ConnectionProperties: Body };
        assert.equal(v.ConnectionProperties.password, '******');
        assert.equal(v.ConnectionProperties.database, 'orders');
      }
      for (const diff of await everyClient(server, 'DiffDataSourceVersions', {
        DataSourceId: id,
        FromVersion: 1,
      })) {
        assert.ok(!JSON.stringify(diff).includes('bb-Secret'));
        assert.deepEqual(
          (diff.Differences as Body[]).map((d) => [d.Field, d.Change, d.Secret]),
          [
            ['QualifiedName', 'changed', false],
            ['ConnectionProperties.database', 'changed', false],
            ['ConnectionProperties.password', 'changed', true],
          ],
        );
      }
      // A stale CurrentVersion: the same refusal in every signature, nothing changes.
      const stale = { Id: id, ToVersion: 1, CurrentVersion: 1 };
      for (const opts of [{}, { signatureAlgorithm: 'v2' as const }]) {
        const e = await rejectsWithCode(
          call(server, 'RollbackDataSource', stale, opts),
          'Conflict.DataSourceChanged',
          409,
        );
        assert.match(String(e.data.Message), /version 2, not 1/);
      }
      await rejectsWithCode(
        popCall(server, 'RollbackDataSource', stale),
        'Conflict.DataSourceChanged',
        409,
      );
      const rolled = await popCall(server, 'RollbackDataSource', { ...stale, CurrentVersion: 2 });
      assert.equal(rolled.Version, 3);
      const now = (await call(server, 'GetDataSource', { Id: id })).DataSource as {
        ConnectionProperties: Body;
      };
      assert.equal(now.ConnectionProperties.database, 'orders');
      await call(server, 'DeleteDataSource', { Id: id });
      const restored = await call(
        server,
        'RestoreDataSource',
        { DataSourceId: id },
        { signatureAlgorithm: 'v2' },
      );
      assert.equal(restored.Version, 4);
      await rejectsWithCode(
        call(server, 'RestoreDataSource', { DataSourceId: id }),
        'Conflict.DataSourceExists',
        409,
      );
    });

    it('drift, the ListDataSources Drift filter, and promote', async () => {
      await call(server, 'CreateDataSource', {
        ProjectId: projectId,
        Name: 'drifting',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: mysql('Dev', { driverVersion: '8.2.0' }),
      });
      await call(server, 'CreateDataSource', {
        ProjectId: projectId,
        Name: 'drifting',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: mysql('Prod'),
      });
      for (const d of await everyClient(server, 'GetDataSourceDrift', {
        ProjectId: projectId,
        Name: 'drifting',
      })) {
        const drift = d.Drift as { Drifting: boolean; Suspicious: boolean; Differences: Body[] };
        assert.equal(drift.Drifting, true);
        assert.equal(drift.Suspicious, true);
        assert.ok(!JSON.stringify(d).includes('bb-Secret'));
        assert.ok(
          drift.Differences.some(
            (x) => x.Field === 'ConnectionProperties.driverVersion' && x.Kind === 'suspicious',
          ),
        );
      }
      const suspicious = async () =>
        (
          await everyClient(server, 'ListDataSources', {
            ProjectId: projectId,
            Drift: 'Suspicious',
          })
        ).map((l) => {
          const p = l.PagingInfo as { TotalCount: number; DataSources: Body[] };
          return [p.TotalCount, p.DataSources.map((g) => g.Name)];
        });
      for (const got of await suspicious()) assert.deepEqual(got, [1, ['drifting']]);
      // Without the extension parameter, ListDataSources is DataWorks' (every group).
      const all = (await call(server, 'ListDataSources', { ProjectId: projectId })).PagingInfo as {
        TotalCount: number;
      };
      assert.ok(all.TotalCount >= 2);
      const promoted = await popCall(server, 'PromoteDataSource', {
        ProjectId: projectId,
        Name: 'drifting',
        Fields: '["ConnectionProperties.driverVersion"]',
      });
      assert.equal(promoted.Version, 2);
      for (const got of await suspicious()) assert.deepEqual(got, [0, []]);
      await rejectsWithCode(
        call(
          server,
          'PromoteDataSource',
          { ProjectId: projectId, Name: 'drifting', Fields: '["ConnectionProperties.envType"]' },
          { signatureAlgorithm: 'v2' },
        ),
        'InvalidParameter.Fields',
        400,
      );
    });

    it('expiring shares: ExpireTime shown while it lasts; a client that sends none sees DataWorks', async () => {
      const make = async (name: string) =>
        Number(
          (
            await call(server, 'CreateDataSource', {
              ProjectId: projectId,
              Name: name,
              Type: 'mysql',
              ConnectionPropertiesMode: 'UrlMode',
              ConnectionProperties: mysql('Prod'),
            })
          ).Id,
        );
      const plain = await make('shared_plain');
      await call(server, 'CreateDataSourceSharedRule', {
        DataSourceId: plain,
        TargetProjectId: target,
        EnvType: 'Prod',
      });
      for (const l of await everyClient(server, 'ListDataSourceSharedRules', {
        DataSourceId: plain,
      })) {
        const [rule] = l.DataSourceSharedRules as Body[];
        assert.deepEqual(Object.keys(rule!).sort(), [
          'CreateTime',
          'CreateUser',
          'DataSourceId',
          'EnvType',
          'Id',
          'SharedDataSourceName',
          'SharedUser',
          'SourceProjectId',
          'TargetProjectId',
        ]);
      }
      const expiring = await make('shared_expiring');
      const ExpireTime = Date.now() + 86_400_000;
      await popCall(server, 'CreateDataSourceSharedRule', {
        DataSourceId: expiring,
        TargetProjectId: target,
        EnvType: 'Prod',
        ExpireTime,
      });
      for (const l of await everyClient(server, 'ListDataSourceSharedRules', {
        DataSourceId: expiring,
      })) {
        assert.equal((l.DataSourceSharedRules as Body[])[0]!.ExpireTime, ExpireTime);
      }
      await rejectsWithCode(
        call(
          server,
          'CreateDataSourceSharedRule',
          { DataSourceId: expiring, TargetProjectId: target, EnvType: 'Dev', ExpireTime: 1 },
          { signatureAlgorithm: 'v2' },
        ),
        'InvalidParameter.ExpireTime',
        400,
      );
    });

    it('ExplainDataSourceAccess: the listing, and one question in every signature', async () => {
      const id = Number(
        (
          await call(server, 'CreateDataSource', {
            ProjectId: projectId,
            Name: 'explained',
            Type: 'mysql',
            ConnectionPropertiesMode: 'UrlMode',
            ConnectionProperties: mysql('Prod'),
          })
        ).Id,
      );
      const listed = (await call(server, 'ExplainDataSourceAccess', { DataSourceId: id }))
        .Explanation as { Users: { UserId: string; Access: Body[] }[] };
      const carolPaths = listed.Users.find((u) => u.UserId === carol.userId)!.Access;
      assert.deepEqual(
        carolPaths.map((a) => [a.Capability, a.Kind, a.Role, a.Allowed]),
        [
          ['Read', 'WorkspaceRole', 'role_project_dev', true],
          ['Use', 'WorkspaceRole', 'role_project_dev', true],
        ],
      );
      // `Operation`, not `Action`: under the v2 signature and pop-core, Action is the API's own.
      for (const answer of await everyClient(server, 'ExplainDataSourceAccess', {
        DataSourceId: id,
        UserId: carol.userId,
        Operation: 'UpdateDataSource',
      })) {
        const d = (answer.Explanation as { Decision: Body }).Decision;
        assert.equal(d.Allowed, false);
        assert.equal(d.RefusedBy, 'Role');
        assert.equal(d.Code, 'Forbidden.Access');
        assert.equal(d.PolicyVerdict, 'Allow');
      }
      // What carol's own call answers, as the explanation said.
      await rejectsWithCode(
        call(
          server,
          'UpdateDataSource',
          { Id: id, ProjectId: projectId, ConnectionProperties: mysql('Prod') },
          { credentials: carol },
        ),
        'Forbidden.Access',
        403,
      );
      // Carol may not ask: she does not manage the data source.
      await rejectsWithCode(
        popCall(
          server,
          'ExplainDataSourceAccess',
          { DataSourceId: id },
          {
            method: 'GET',
            credentials: carol,
          },
        ),
        'Forbidden.Access',
        403,
      );
    });
  },
);
