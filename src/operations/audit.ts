import { holdsTenantRole, MAY, workspaceRolesOf } from '../access/roles.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import type { AuditEvent } from '../store/schema.js';
import { defineOperation } from './context.js';

/** Workspace Owners and Administrators read the audit trail of their workspaces. */
const ADMIN_ROLES = workspaceRolesOf(MAY.manageWorkspace);

/** Members the trail holds only sometimes: an event with no workspace, detail or address. */
const eventSchema = s.optional(
  s.object({
    RequestId: s.string('The RequestId of the call.'),
    Time: s.integer('When the call was answered, epoch ms.'),
    TenantId: s.string(),
    UserId: s.string('Who called.'),
    AccessKeyId: s.string('The AccessKey that signed the call.'),
    Action: s.string(),
    ProjectId: s.integer('The workspace concerned, when there is one.'),
    Targets: s.any('Ids the call acted on, e.g. {"DataSourceId": 1001}.'),
    Outcome: s.string('Success, or the error Code.'),
    Detail: s.string('A short detail, e.g. a connectivity state. Never a secret.'),
    SourceIp: s.string('The client address; absent when seen from the related workspace.'),
    RelatedProjectId: s.integer(
      'The second workspace the event concerns: the target of a sharing rule (created, deleted, expired), the source of a data source resolved through a share. Its Workspace Owners and Administrators see the event too, without AccessKeyId (empty) and SourceIp.',
    ),
  }),
  ['ProjectId', 'Detail', 'SourceIp', 'RelatedProjectId'],
);

/**
 * One event as the viewer may see it. `full`: the viewer administers the workspace that acted
 * (or the tenant). Otherwise the viewer sees the event through its RelatedProjectId only, and
 * the acting caller's credentials and address stay with the acting side.
 */
function view(e: AuditEvent, full: boolean) {
  return {
    RequestId: e.request_id,
    Time: e.time,
    TenantId: e.tenant_id,
    UserId: e.user_id,
    AccessKeyId: full ? e.access_key_id : '',
    Action: e.action,
    ...(e.project_id !== null ? { ProjectId: e.project_id } : {}),
    Targets: JSON.parse(e.targets) as unknown,
    Outcome: e.outcome,
    ...(e.detail !== null ? { Detail: e.detail } : {}),
    ...(full && e.source_ip !== null ? { SourceIp: e.source_ip } : {}),
    ...(e.related_project_id !== null ? { RelatedProjectId: Number(e.related_project_id) } : {}),
  };
}

export const listAuditEvents = defineOperation({
  action: 'ListAuditEvents',
  summary: 'Who did what, when, with which RequestId and outcome: the audit trail.',
  description:
    'Every mutating call and every ResolveDataSource is recorded, successes in the same transaction as their effect. Tenant Owner and Tenant Administrator see the whole tenant; Workspace Owners and Administrators see the events of their workspaces, including those of another workspace that concern theirs (RelatedProjectId: a share into it, a resolution of its data source through a share), shown without the acting caller’s AccessKeyId and SourceIp. Newest first.',
  method: 'POST',
  extension: true,
  params: {
    RequestId: p.string({ description: 'Only the events of this RequestId.', maxLength: 64 }),
    ProjectId: p.integer({
      description:
        'Only events concerning this workspace: those it acted in (ProjectId) and those naming it as RelatedProjectId.',
      min: 1,
    }),
    Action: p.string({ description: 'Only this action, e.g. DeleteDataSource.', maxLength: 64 }),
    UserId: p.string({ description: 'Only calls by this user.', maxLength: 32 }),
    DataSourceId: p.integer({
      description:
        'Only calls that acted on this data source record (its Targets hold this DataSourceId): create, update, test, clone, share, resolve, delete.',
      min: 1,
    }),
    StartTime: p.integer({ description: 'From this time, epoch ms (inclusive).', min: 0 }),
    EndTime: p.integer({ description: 'Up to this time, epoch ms (inclusive).', min: 0 }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer(),
      AuditEvents: s.array(eventSchema),
    }),
  },
  access: { roles: MAY.manageWorkspace },
  audit: false,
  readOnly: true,
  async handler({ principal, access, services }, params) {
    let workspaceIds: number[] | 'all';
    const tenantWide = holdsTenantRole(principal, ['TenantAdmin']);
    if (params.ProjectId !== undefined) {
      await access.requireWorkspace(params.ProjectId);
      workspaceIds = [params.ProjectId];
    } else if (tenantWide) {
      access.decidedByHandler();
      workspaceIds = 'all';
    } else {
      // Everyone else sees only the workspaces they own or administer.
      access.decidedByHandler();
      workspaceIds = await services.audit.administeredWorkspaces(principal.userId, ADMIN_ROLES);
    }
    // Which acting workspaces the viewer sees in full (see view()).
    const administered = tenantWide
      ? undefined
      : new Set(
          workspaceIds !== 'all' && params.ProjectId === undefined
            ? workspaceIds
            : await services.audit.administeredWorkspaces(principal.userId, ADMIN_ROLES),
        );
    const full = (e: AuditEvent) =>
      administered === undefined ||
      (e.project_id !== null && administered.has(Number(e.project_id)));
    const pageNumber = params.PageNumber ?? 1;
    const pageSize = params.PageSize ?? 10;
    const { total, events } = await services.audit.list({
      tenantId: principal.tenantId,
      ...(params.RequestId !== undefined ? { requestId: params.RequestId } : {}),
      ...(params.Action !== undefined ? { action: params.Action } : {}),
      ...(params.UserId !== undefined ? { userId: params.UserId } : {}),
      ...(params.DataSourceId !== undefined ? { dataSourceId: params.DataSourceId } : {}),
      ...(params.StartTime !== undefined ? { startTime: params.StartTime } : {}),
      ...(params.EndTime !== undefined ? { endTime: params.EndTime } : {}),
      workspaceIds,
      pageNumber,
      pageSize,
    });
    return {
      PagingInfo: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: total,
        AuditEvents: events.map((e) => view(e, full(e))),
      },
    };
  },
});

export const operations = [listAuditEvents];
