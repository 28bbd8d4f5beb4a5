/**
 * TestDataSourceConnectivity's work on a record the access decision allowed: open its secrets in
 * memory (a plain read, no transaction: a test may take seconds), test it with the process' one
 * ConnectivityTester, scrub every secret from the result a second time (the type registry's own
 * list, so a secret the tester and the registry disagree on still never leaves), and record the
 * outcome in the audit trail without a secret.
 */
import type { DataSourceGrant } from '../access/decisions.js';
import type { AuditRecorder } from '../audit/recorder.js';
import {
  ConnectivityBusyError,
  type ConnectivityResult,
  type ConnectivityTester,
  redactor,
} from '../connectivity/index.js';
import { findDataSourceType, type JsonValue, splitSecrets } from '../datasource-types/index.js';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import type { DataSourceService } from './data-source-service.js';

/** Every secret of the record as text, so the answer can be checked against each of them. */
function secretTexts(value: JsonValue): string[] {
  if (value === null) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(secretTexts);
  // An object secret (a service account key) may be echoed whole or in parts.
  return [JSON.stringify(value), ...Object.values(value).flatMap(secretTexts)];
}

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

export class DataSourceConnectivity {
  constructor(
    private readonly db: Db,
    private readonly dataSources: DataSourceService,
    private readonly tester: ConnectivityTester,
  ) {}

  async test(
    grant: DataSourceGrant,
    resourceGroupId: string,
    audit: AuditRecorder,
  ): Promise<ConnectivityResult> {
    const record = await this.dataSources.reveal(this.db.kysely, { id: grant.id });
    if (!record || record.workspaceId !== grant.workspaceId)
      throw errors.dataSourceNotFound(grant.id);

    const secrets = splitSecrets(record.type, record.mode, record.properties).secrets.flatMap(
      (entry) => secretTexts(entry.value),
    );
    let result: ConnectivityResult;
    try {
      result = await this.tester.test({
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
    await audit.record(this.db.kysely, {
      workspaceId: grant.workspaceId,
      targets: { DataSourceId: grant.id },
      detail: `${connectivity.ConnectState}${failedAt} via resource group ${resourceGroupId}`,
    });
    return connectivity;
  }
}
