/**
 * TestDataSourceConnectivity through Alibaba's own clients against a real server, on SQLite and
 * PostgreSQL: the workspace and data sources made with the SDK's placement (CreateProject in
 * the form body, CreateDataSource and TestDataSourceConnectivity in the URL query of a POST),
 * the answer cast into the SDK's model. Targets are on 127.0.0.1 only: Redis on 6379
 * (Connectable, skipped with a notice when absent) and a closed port (Unreachable).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { closedPort, listener, reachable } from '../helpers/connectivity-servers.js';
import { type SdkObject, type SdkValue, sdkModel, sdkView } from './sdk-models.js';
import { forEachStore, popCall, sdkCall } from './support.js';

/** TestDataSourceConnectivityResponseBody of the SDK (docs/WIRE.md §5). */
const TestDataSourceConnectivity = sdkModel({
  Connectivity: sdkModel({
    ConnectMessage: 'string',
    ConnectState: 'string',
    DetailLogs: {
      type: 'array',
      itemType: sdkModel({
        Code: 'string',
        EndTime: 'number',
        Message: 'string',
        StartTime: 'number',
      }),
    },
  }),
  RequestId: 'string',
});

const obj = (v: SdkValue): SdkObject => v as SdkObject;

forEachStore(
  'TestDataSourceConnectivity through the SDK',
  // Nothing leaves this machine, whatever a data source names.
  { env: { DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '127.0.0.0/8' } },
  ({ dialect, server }) => {
    let projectId: number;

    const createDataSource = async (name: string, properties: Record<string, unknown>) => {
      const body = await sdkCall(server, 'CreateDataSource', {
        method: 'POST',
        query: {
          ConnectionProperties: JSON.stringify({ envType: 'Prod', ...properties }),
          ConnectionPropertiesMode: 'UrlMode',
          Name: name,
          ProjectId: projectId,
          Type: 'redis',
        },
      });
      return body.Id as number;
    };

    const testConnectivity = async (id: number) => {
      const body = await sdkCall(server, 'TestDataSourceConnectivity', {
        method: 'POST',
        query: {
          DataSourceId: id,
          ProjectId: projectId,
          ResourceGroupId: 'Serverless_res_group_1',
        },
      });
      return obj(sdkView(body, TestDataSourceConnectivity).connectivity);
    };

    before(async () => {
      const created = await sdkCall(server, 'CreateProject', {
        method: 'POST',
        body: { Name: `bb_conn_${dialect}`, DisplayName: 'connectivity' },
      });
      projectId = created.Id as number;
    });

    it('Redis on 127.0.0.1:6379 is Connectable, every step in the SDK model', async (t) => {
      if (!(await reachable(6379))) {
        console.log('# NOTICE: no Redis on 127.0.0.1:6379; skipping the Connectable case');
        return void t.skip('no Redis on 127.0.0.1:6379');
      }
      const id = await createDataSource('bb_redis', {
        address: [{ host: '127.0.0.1', port: 6379 }],
      });
      const c = await testConnectivity(id);
      assert.equal(c.connectState, 'Connectable', String(c.connectMessage));
      assert.equal(c.connectMessage, '');
      const logs = (c.detailLogs as SdkValue[]).map(obj);
      assert.deepEqual(
        logs.map((l) => l.code),
        [
          'validate_input_parameters',
          'resolve_host',
          'check_network_policy',
          'tcp_connect',
          'authenticate',
          'run_test_query',
        ],
      );
      for (const l of logs) {
        assert.equal(typeof l.startTime, 'number');
        assert.ok((l.endTime as number) >= (l.startTime as number));
      }
    });

    it('a closed port is Unreachable at tcp_connect, through openapi-core and pop-core alike', async () => {
      const port = await closedPort();
      const id = await createDataSource('bb_closed', {
        address: [{ host: '127.0.0.1', port }],
        password: 'Bb-Redis-Secret-1',
      });
      const c = await testConnectivity(id);
      assert.equal(c.connectState, 'Unreachable');
      assert.match(String(c.connectMessage), new RegExp(`127\\.0\\.0\\.1:${port} refused`));
      assert.equal(obj((c.detailLogs as SdkValue[]).at(-1)).code, 'tcp_connect');
      assert.ok(!JSON.stringify(c).includes('Bb-Redis-Secret-1'));

      // pop-core (RPC HMAC-SHA1) sends every parameter in the form body.
      const body = await popCall(server, 'TestDataSourceConnectivity', {
        DataSourceId: id,
        ProjectId: projectId,
        ResourceGroupId: 'rg',
      });
      assert.equal(obj(body.Connectivity as SdkValue).ConnectState, 'Unreachable');
      assert.ok(
        !(await server.flushedOutput()).includes('Bb-Redis-Secret-1'),
        'the secret is in the log',
      );
    });

    it("a silent host answers Unreachable inside the clients' default 3 s timeout, saying the budget ran out", async () => {
      const hang = await listener('hang');
      try {
        const id = await createDataSource('bb_silent', {
          address: [{ host: '127.0.0.1', port: hang.port }],
        });
        // sdkCall uses the client's default runtime options: its own timeout applies.
        const c = await testConnectivity(id);
        assert.equal(c.connectState, 'Unreachable');
        assert.match(String(c.connectMessage), /time budget of the whole test, 2500 ms, ran out/);
        const last = obj((c.detailLogs as SdkValue[]).at(-1));
        assert.match(String(last.message), /ran out/);
      } finally {
        await hang.close();
      }
    });
  },
);
