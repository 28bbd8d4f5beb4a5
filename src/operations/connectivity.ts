/**
 * TestDataSourceConnectivity (docs/WIRE.md §5): tests one data source record for
 * real, from this server, with the process' shared ConnectivityTester (src/connectivity/). The
 * SDK sends the three fields in the URL query of a POST; the answer is DataWorks' Connectivity
 * object as is (docs/WIRE.md §5).
 */
import { MAY } from '../access/roles.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';

export const testDataSourceConnectivity = defineOperation({
  action: 'TestDataSourceConnectivity',
  summary: 'Tests whether this server can connect to a data source, step by step.',
  description:
    "dshub itself is the resource group: it validates the configuration, resolves the host, applies the server's network allow/deny lists, connects over TCP (and TLS when configured), logs in and runs a trivial query (SELECT 1, PING, a metadata request), stopping at the first step that fails. ConnectState: Connectable; ConfigError (reachable, but the configuration is wrong: credentials, TLS, database, or an address the server refuses); Unreachable (DNS, refused, timed out); Unsupport (InstanceMode, or a type dshub has no probe for). ConnectMessage is empty on success, otherwise the failing step's message; DetailLogs hold one entry per step run (codes validate_input_parameters, resolve_host, check_network_policy, tcp_connect, tls_handshake, authenticate, run_test_query). Secrets are used in memory for the test only and never appear in the answer or the audit trail. A Tenant Administrator is refused (Forbidden.Access) whatever workspace roles it holds: the test uses the stored secrets. The data source must belong to ProjectId: a data source shared into ProjectId is tested by its owners, in its own workspace. Each step is bounded (DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS, default 2.5 s) and so is the whole test (DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS, default 2.5 s, inside the 3 s Alibaba's clients wait by default); beyond DSHUB_CONNECTIVITY_MAX_CONCURRENT tests at once (default 8) the call answers Throttling.User.",
  method: 'POST',
  params: {
    DataSourceId: p.integer({
      description: 'The data source record (one environment) to test.',
      required: true,
      min: 1,
    }),
    ProjectId: p.integer({
      description: 'The workspace the data source belongs to.',
      required: true,
      min: 1,
    }),
    ResourceGroupId: p.string({
      description:
        'The DataWorks resource group to test from. Accepted as given and recorded in the audit trail: dshub always tests from itself.',
      required: true,
      maxLength: 256,
    }),
  },
  response: {
    Connectivity: s.object({
      ConnectState: s.string('The outcome.', {
        enum: ['Connectable', 'ConfigError', 'Unreachable', 'Unsupport'],
      }),
      ConnectMessage: s.string('Empty when Connectable; otherwise why, from the failing step.'),
      DetailLogs: s.array(
        s.object({
          Code: s.string('The step, e.g. validate_input_parameters, tcp_connect.'),
          Message: s.string('What the step found, secrets replaced by ******.'),
          StartTime: s.integer('Step start, epoch milliseconds.'),
          EndTime: s.integer('Step end, epoch milliseconds.'),
        }),
        'The steps run, in order; the last one failed unless the state is Connectable.',
      ),
    }),
  },
  access: { roles: MAY.useDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    const id = q.DataSourceId;
    ctx.audit.note({ workspaceId: q.ProjectId, targets: { DataSourceId: id } });
    // The workspace named first: a caller without a testing role there is told so; a workspace
    // it cannot see answers as the missing data source it named.
    const inWorkspace = await ctx.access.decideWorkspace(q.ProjectId);
    ctx.access.enforce(
      inWorkspace.outcome === 'hidden'
        ? { ...inWorkspace, subject: { kind: 'data-source', id } }
        : inWorkspace,
    );
    // Elsewhere (shared into ProjectId included) answers as missing, revealing nothing.
    const grant = await ctx.access.requireDataSource(id, {
      workspaceId: q.ProjectId,
      usesSecrets: true,
    });
    const connectivity = await ctx.services.dataSourceConnectivity.test(
      grant,
      q.ResourceGroupId,
      ctx.audit,
    );
    return { Connectivity: connectivity };
  },
});

export const operations = [testDataSourceConnectivity];
