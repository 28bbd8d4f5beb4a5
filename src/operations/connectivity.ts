/**
 * TestDataSourceConnectivity (spec/dataworks-api.md §1.10): tests one data source record for
 * real, from this server, with the process' shared ConnectivityTester (src/connectivity/). The
 * SDK sends the three fields in the URL query of a POST; the answer is DataWorks' Connectivity
 * object as is (spec/WIRE.md §6.4).
 */
import { MAY } from '../access/roles.js';
import { ConnectivityBusyError, type ConnectivityResult, redactor } from '../connectivity/index.js';
import { findDataSourceType, type JsonValue, splitSecrets } from '../datasource-types/index.js';
import { errors, isApiError } from '../errors.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation, type OperationContext } from './context.js';

/** Every secret of the record as text, so the answer can be checked against each of them. */
function secretTexts(value: JsonValue): string[] {
  if (value === null) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(secretTexts);
  // An object secret (a service account key) may be echoed whole or in parts.
  return [JSON.stringify(value), ...Object.values(value).flatMap(secretTexts)];
}

/**
 * The tester already scrubs what it knows to be secret; this pass uses the type registry's own
 * list (schema-marked keys included), so a secret the two disagree on still never leaves.
 */
function scrubbed(result: ConnectivityResult, secrets: string[]): ConnectivityResult {
  const redact = redactor(secrets);
  return {
    ConnectState: result.ConnectState,
    ConnectMessage: redact(result.ConnectMessage),
    DetailLogs: result.DetailLogs.map((log) => ({
      Code: log.Code,
      Message: redact(log.Message),
      StartTime: log.StartTime,
      EndTime: log.EndTime,
    })),
  };
}

/**
 * Requires a testing role in `projectId`. Another tenant's workspace, or a missing one, answers as
 * a missing data source: the caller named a data source, and learns nothing else.
 */
async function requireTester(ctx: OperationContext, projectId: number, id: number) {
  try {
    await ctx.access.requireWorkspace(projectId);
  } catch (e) {
    if (isApiError(e) && e.code === '1101080008') throw errors.dataSourceNotFound(id);
    throw e;
  }
}

export const testDataSourceConnectivity = defineOperation({
  action: 'TestDataSourceConnectivity',
  summary: 'Tests whether this server can connect to a data source, step by step.',
  description:
    "dshub itself is the resource group: it validates the configuration, resolves the host, applies the server's network allow/deny lists, connects over TCP (and TLS when configured), logs in and runs a trivial query (SELECT 1, PING, a metadata request), stopping at the first step that fails. ConnectState: Connectable; ConfigError (reachable, but the configuration is wrong: credentials, TLS, database, or an address the server refuses); Unreachable (DNS, refused, timed out); Unsupport (InstanceMode, or a type dshub has no probe for). ConnectMessage is empty on success, otherwise the failing step's message; DetailLogs hold one entry per step run (codes validate_input_parameters, resolve_host, check_network_policy, tcp_connect, tls_handshake, authenticate, run_test_query). Secrets are used in memory for the test only and never appear in the answer or the audit trail. The data source must belong to ProjectId: a data source shared into ProjectId is tested by its owners, in its own workspace. Each step is bounded (DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS, default 5 s) and so is the whole test (default 15 s); beyond DSHUB_CONNECTIVITY_MAX_CONCURRENT tests at once (default 8) the call answers Throttling.User.",
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
    ctx.audit.note({ projectId: q.ProjectId, targets: { DataSourceId: id } });
    await requireTester(ctx, q.ProjectId, id);
    const service = ctx.services.dataSources;
    const ref = await service.locate(id);
    // Elsewhere (shared into ProjectId included) answers as missing, revealing nothing.
    if (!ref || ref.projectId !== q.ProjectId) throw errors.dataSourceNotFound(id);
    // A plain read, no transaction: the probe below may take seconds.
    const record = await service.reveal(ctx.services.db.kysely, { id });
    if (!record || record.projectId !== q.ProjectId) throw errors.dataSourceNotFound(id);

    const secrets = splitSecrets(record.type, record.mode, record.properties).secrets.flatMap(
      (entry) => secretTexts(entry.value),
    );
    let result: ConnectivityResult;
    try {
      result = await ctx.services.connectivity.test({
        type: record.type,
        mode: record.mode,
        probe: findDataSourceType(record.type)?.probe ?? 'none',
        properties: record.properties,
      });
    } catch (e) {
      if (e instanceof ConnectivityBusyError) {
        throw errors.throttled(
          `${e.limit} connectivity tests are already running on this server; retry in a few seconds.`,
        );
      }
      throw e;
    }
    const connectivity = scrubbed(result, secrets);

    const failedAt =
      connectivity.ConnectState === 'Connectable'
        ? ''
        : ` at ${connectivity.DetailLogs.at(-1)?.Code ?? 'validate_input_parameters'}`;
    await ctx.audit.record(ctx.services.db.kysely, {
      projectId: q.ProjectId,
      targets: { DataSourceId: id },
      detail: `${connectivity.ConnectState}${failedAt} via resource group ${q.ResourceGroupId}`,
    });
    return { Connectivity: connectivity };
  },
});

export const operations = [testDataSourceConnectivity];
