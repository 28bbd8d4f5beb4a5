/**
 * ResolveDataSource: a data source by the name a workspace knows it under, with its secrets, for
 * a caller allowed to USE it. Access is the union of
 *   - the Tenant Owner (in its own tenant);
 *   - a role that may use data sources in the owning workspace (own names);
 *   - a sharing rule that covers the caller in the asking workspace (shared names
 *     `<source workspace>.<name>`): a whole-workspace rule covers every member, a one-user rule
 *     that member.
 * Whoever falls outside gets exactly what a missing data source gets: same code, same message.
 */
import type { Kysely } from 'kysely';
import { MAY } from '../access/roles.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { EnvType } from '../datasource-types/index.js';
import type { DataSourceService, DataSourceView } from '../datasources/data-source-service.js';
import { errors } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { Db } from '../store/dialect.js';
import type { Database } from '../store/schema.js';
import type { WorkspaceDirectory } from '../workspaces/directory.js';
import type { RuleView, SharingService } from './sharing-service.js';

export interface ResolveQuery {
  projectId: number;
  /** An own name, or `<source workspace name>.<data source name>` for a shared one. */
  name: string;
  envType: EnvType;
}

export interface Resolved {
  record: DataSourceView;
  /** The rule that grants it, for a shared data source. */
  rule?: RuleView;
}

export class DataSourceResolver {
  constructor(
    private readonly db: Db,
    private readonly dataSources: DataSourceService,
    private readonly sharing: SharingService,
    private readonly workspaces: WorkspaceDirectory,
  ) {}

  /** Resolves and records the audit event in one transaction: no secret leaves unaudited. */
  async resolve(caller: Principal, q: ResolveQuery, audit: AuditRecorder): Promise<Resolved> {
    const notFound = () => errors.dataSourceNotFound(q.name);
    const m = await this.workspaces.membership(q.projectId, caller.userId);
    if (!m || m.tenantId !== caller.tenantId) throw notFound();
    const shared = q.name.includes('.');
    const allowed = shared
      ? caller.isOwner || m.roles.size > 0
      : caller.isOwner || MAY.useDataSources.some((r) => m.roles.has(r));
    if (!allowed) throw notFound();
    if (m.status === 'Forbidden') throw errors.workspaceForbidden('ResolveDataSource', q.projectId);

    const expired: number[] = [];
    try {
      return await this.resolveWithin(caller, q, audit, shared, expired);
    } finally {
      // Rules met past their time are finished after our transaction, in one of their own.
      if (expired.length > 0) await this.sharing.expiry.finish(expired);
    }
  }

  private resolveWithin(
    caller: Principal,
    q: ResolveQuery,
    audit: AuditRecorder,
    shared: boolean,
    expired: number[],
  ): Promise<Resolved> {
    const notFound = () => errors.dataSourceNotFound(q.name);
    return this.db.kysely.transaction().execute(async (trx) => {
      const found: Resolved | undefined = shared
        ? await this.viaRule(trx, caller, q, expired)
        : await this.own(trx, q).then((record) => record && { record });
      if (!found) throw notFound();
      await audit.record(trx, {
        projectId: q.projectId,
        targets: {
          DataSourceId: found.record.id,
          ...(found.rule
            ? { SharedRuleId: found.rule.id, SourceProjectId: found.rule.sourceProjectId }
            : {}),
        },
        detail: `Name=${q.name} EnvType=${q.envType}${found.rule ? ' Shared' : ''}`,
      });
      return found;
    });
  }

  private own(trx: Kysely<Database>, q: ResolveQuery): Promise<DataSourceView | undefined> {
    return this.dataSources.reveal(trx, {
      projectId: q.projectId,
      name: q.name,
      envType: q.envType,
    });
  }

  private async viaRule(
    trx: Kysely<Database>,
    caller: Principal,
    q: ResolveQuery,
    expired: number[],
  ): Promise<Resolved | undefined> {
    const rule = await this.sharing.findCovering(
      trx,
      { projectId: q.projectId, envType: q.envType, name: q.name },
      caller.isOwner ? { everyone: true } : { userId: caller.userId },
      expired,
    );
    if (!rule) return undefined;
    // A data source of a disabled workspace is not served, shared or not.
    const source = await trx
      .selectFrom('projects')
      .select('status')
      .where('id', '=', rule.sourceProjectId)
      .executeTakeFirst();
    if (source?.status === 'Forbidden')
      throw errors.workspaceForbidden('ResolveDataSource', rule.sourceProjectId);
    const record = await this.dataSources.reveal(trx, { id: rule.dataSourceId });
    return record && { record, rule };
  }
}
