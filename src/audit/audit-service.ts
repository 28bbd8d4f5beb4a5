/**
 * The audit trail: who did what, when, with which RequestId and outcome. Success events are
 * written in the same transaction as the effect (AuditRecorder.record); failures are written
 * after the call. Events never hold a secret: only ids, names of actions and outcome codes.
 */
import { type Kysely, sql } from 'kysely';
import type { Principal } from '../identity/principal.js';
import type { Db } from '../store/dialect.js';
import { paramRow } from '../store/prepared.js';
import type { AuditEvent, AuditEventTable, Database } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';
import type { AuditRecorder, AuditTarget } from './recorder.js';

export interface AuditCall {
  requestId: string;
  action: string;
  principal: Principal;
  sourceIp: string;
}

export class CallAudit implements AuditRecorder {
  recorded = false;
  private noted: AuditTarget = {};

  constructor(
    private readonly service: AuditService,
    private readonly call: AuditCall,
  ) {}

  get requestId(): string {
    return this.call.requestId;
  }

  async record(trx: Kysely<Database>, target: AuditTarget): Promise<void> {
    this.noted = { ...this.noted, ...target };
    await this.service.insert(trx, this.call, this.noted, 'Success');
    this.recorded = true;
  }

  note(target: AuditTarget): void {
    this.noted = {
      ...this.noted,
      ...target,
      targets: { ...this.noted.targets, ...target.targets },
    };
  }

  /** After the call: records what the handler did not record itself (failures, mostly). */
  async finish(outcome: string): Promise<void> {
    if (this.recorded) return;
    await this.service.insert(this.service.db.kysely, this.call, this.noted, outcome);
  }
}

export interface AuditQuery {
  tenantId: string;
  requestId?: string;
  workspaceIds?: number[] | 'all';
  action?: string;
  userId?: string;
  dataSourceId?: number;
  startTime?: number;
  endTime?: number;
  pageNumber: number;
  pageSize: number;
}

const EVENT_COLUMNS = [
  'request_id',
  'time',
  'tenant_id',
  'user_id',
  'access_key_id',
  'action',
  'project_id',
  'related_project_id',
  'targets',
  'outcome',
  'detail',
  'source_ip',
] as const satisfies readonly (keyof AuditEventTable)[];

/** Every audited call writes one event: the insert is compiled once (store/prepared.ts). */
const INSERT_EVENT = txStatement(
  'dshub_audit_insert',
  (k) => k.insertInto('audit_events').values(paramRow(EVENT_COLUMNS)),
  EVENT_COLUMNS,
);

export class AuditService {
  constructor(
    readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  begin(call: AuditCall): CallAudit {
    return new CallAudit(this, call);
  }

  async insert(
    k: Kysely<Database>,
    call: AuditCall,
    target: AuditTarget,
    outcome: string,
  ): Promise<void> {
    await INSERT_EVENT.run(k, {
      request_id: call.requestId,
      time: this.now(),
      tenant_id: call.principal.tenantId,
      user_id: call.principal.userId,
      access_key_id: call.principal.accessKeyId,
      action: call.action,
      project_id: target.workspaceId ?? null,
      related_project_id: target.relatedWorkspaceId ?? null,
      targets: JSON.stringify(target.targets ?? {}),
      outcome,
      detail: target.detail ?? null,
      source_ip: call.sourceIp,
    });
  }

  async list(q: AuditQuery): Promise<{ total: number; events: AuditEvent[] }> {
    let base = this.db.kysely.selectFrom('audit_events').where('tenant_id', '=', q.tenantId);
    if (q.requestId) base = base.where('request_id', '=', q.requestId);
    if (q.action) base = base.where('action', '=', q.action);
    if (q.userId) base = base.where('user_id', '=', q.userId);
    if (q.dataSourceId !== undefined) {
      // Targets is the JSON.stringify of a flat object of ids, so the key and the integer appear
      // as "DataSourceId":<n> followed by , or }; the quote before the key keeps
      // SourceDataSourceId out. No column of its own: the query is bounded by tenant and
      // workspace scoping, and the trail of one data source is short.
      const token = `%"DataSourceId":${Math.trunc(q.dataSourceId)}`;
      base = base.where((eb) =>
        eb.or([eb('targets', 'like', `${token},%`), eb('targets', 'like', `${token}}%`)]),
      );
    }
    if (q.startTime !== undefined) base = base.where('time', '>=', q.startTime);
    if (q.endTime !== undefined) base = base.where('time', '<=', q.endTime);
    if (q.workspaceIds !== undefined && q.workspaceIds !== 'all') {
      if (q.workspaceIds.length === 0) return { total: 0, events: [] };
      // Either side: the workspace that acted, or the other one the event concerns.
      const ids = q.workspaceIds;
      base = base.where((eb) =>
        eb.or([eb('project_id', 'in', ids), eb('related_project_id', 'in', ids)]),
      );
    }
    const [{ n }] = (await base.select(sql<number>`count(*)`.as('n')).execute()) as [{ n: number }];
    const events = await base
      .selectAll()
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(q.pageSize)
      .offset((q.pageNumber - 1) * q.pageSize)
      .execute();
    return { total: Number(n), events };
  }

  /** The workspaces in which a user holds one of `roles` (for scoping what they may read). */
  async administeredWorkspaces(userId: string, roles: readonly string[]): Promise<number[]> {
    const rows = await this.db.kysely
      .selectFrom('project_member_roles')
      .select('project_id')
      .distinct()
      .where('user_id', '=', userId)
      .where('role_code', 'in', [...roles])
      .execute();
    return rows.map((r) => r.project_id);
  }

  /** Deletes events older than the retention period (0 days keeps everything). */
  async sweep(retentionDays: number): Promise<number> {
    if (retentionDays <= 0) return 0;
    const r = await this.db.kysely
      .deleteFrom('audit_events')
      .where('time', '<', this.now() - retentionDays * 86_400_000)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
