/**
 * ResolveDataSource's read: a data source by the name a workspace knows it under, with its
 * secrets, for a caller the access decision allowed (src/access/decisions.ts, `resolution`): own
 * names in the grant's workspace, shared names `<source workspace>.<name>` through the sharing
 * rule that covers the grant's audience there (a rule naming the caller wins over a
 * whole-workspace one; an expired rule covers nobody). A name that resolves to nothing answers
 * as a missing data source.
 */
import type { Kysely } from 'kysely';
import type { ResolutionGrant } from '../access/decisions.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { EnvType } from '../datasource-types/index.js';
import type { DataSourceService, DataSourceView } from '../datasources/data-source-service.js';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import type { Database } from '../store/schema.js';
import type { RuleView, SharingService } from './sharing-service.js';

export interface ResolveQuery {
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
  ) {}

  /** Resolves and records the audit event in one transaction: no secret leaves unaudited. */
  async resolve(grant: ResolutionGrant, q: ResolveQuery, audit: AuditRecorder): Promise<Resolved> {
    const expired: number[] = [];
    try {
      return await this.resolveWithin(grant, q, audit, expired);
    } finally {
      // Rules met past their time are finished after our transaction, in one of their own.
      if (expired.length > 0) await this.sharing.expiry.finish(expired);
    }
  }

  private resolveWithin(
    grant: ResolutionGrant,
    q: ResolveQuery,
    audit: AuditRecorder,
    expired: number[],
  ): Promise<Resolved> {
    const notFound = () => errors.dataSourceNotFound(q.name);
    return this.db.kysely.transaction().execute(async (trx) => {
      const found: Resolved | undefined = grant.own
        ? await this.own(trx, grant, q).then((record) => record && { record })
        : await this.viaRule(trx, grant, q, expired);
      if (!found) throw notFound();
      await audit.record(trx, {
        workspaceId: grant.workspaceId,
        ...(found.rule ? { relatedWorkspaceId: found.rule.sourceWorkspaceId } : {}),
        targets: {
          DataSourceId: found.record.id,
          ...(found.rule
            ? { SharedRuleId: found.rule.id, SourceProjectId: found.rule.sourceWorkspaceId }
            : {}),
        },
        detail: `Name=${q.name} EnvType=${q.envType}${found.rule ? ' Shared' : ''}`,
      });
      return found;
    });
  }

  private own(
    trx: Kysely<Database>,
    grant: ResolutionGrant,
    q: ResolveQuery,
  ): Promise<DataSourceView | undefined> {
    return this.dataSources.reveal(trx, {
      workspaceId: grant.workspaceId,
      name: q.name,
      envType: q.envType,
    });
  }

  private async viaRule(
    trx: Kysely<Database>,
    grant: ResolutionGrant,
    q: ResolveQuery,
    expired: number[],
  ): Promise<Resolved | undefined> {
    const rule = await this.sharing.findCovering(
      trx,
      { workspaceId: grant.workspaceId, envType: q.envType, name: q.name },
      grant.audience,
      expired,
    );
    if (!rule) return undefined;
    // A data source of a disabled workspace is not served, shared or not. The source workspace
    // is known only from the rule, read here in the resolution's transaction.
    const source = await trx
      .selectFrom('projects')
      .select('status')
      .where('id', '=', rule.sourceWorkspaceId)
      .executeTakeFirst();
    if (source?.status === 'Forbidden')
      throw errors.workspaceForbidden('ResolveDataSource', rule.sourceWorkspaceId);
    const record = await this.dataSources.reveal(trx, { id: rule.dataSourceId });
    return record && { record, rule };
  }
}
