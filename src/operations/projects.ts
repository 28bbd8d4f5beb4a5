/**
 * Workspace operations: CreateProject, GetProject, ListProjects, UpdateProject, DeleteProject
 * (docs/WIRE.md §1). Parameters and response shapes follow the SDK models; who may
 * call each is explained in docs/permissions.md.
 */
import { holdsTenantRole, MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import type { ResourceTag, TagFilter, WorkspaceView } from '../workspaces/workspace-service.js';
import { WORKSPACE_STATUSES } from '../workspaces/workspace-statuses.js';
import { defineOperation, type OperationContext } from './context.js';

const workspaces = (ctx: OperationContext) => ctx.services.workspaces;

const CONTROL = /\p{Cc}/u;
const tagText = (v: string) => v.length <= 128 && !CONTROL.test(v);

/** One `{Key, Value}` tag; `valueRequired: false` lets a filter name only a key. */
function tagItem(valueRequired: boolean) {
  return (item: unknown): TagFilter | undefined => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const { Key, Value } = item as Record<string, unknown>;
    if (typeof Key !== 'string' || Key.length === 0 || !tagText(Key)) return undefined;
    if (Value === undefined || Value === null) return valueRequired ? undefined : { key: Key };
    if (typeof Value !== 'string' || !tagText(Value)) return undefined;
    return { key: Key, value: Value };
  };
}

function uniqueTags(tags: readonly TagFilter[]): ResourceTag[] {
  const keys = new Set<string>();
  return tags.map((t) => {
    if (keys.has(t.key)) {
      throw errors.invalidParameter('AliyunResourceTags', `the tag key "${t.key}" appears twice.`);
    }
    keys.add(t.key);
    return { key: t.key, value: t.value ?? '' };
  });
}

const TAGS_EXAMPLE = '[{"Key":"env","Value":"test"}]';

const bodyFlag = (description: string) => p.boolean({ description, placement: 'body' });

const workspaceSchema = s.object(
  {
    Id: s.integer('The workspace id.'),
    Name: s.string('The workspace name, unique in the tenant.'),
    DisplayName: s.string('The display name.'),
    Description: s.string('The description.'),
    Owner: s.string('User id of the Workspace Owner (the creator).'),
    Status: s.string('Available or Forbidden (and DataWorks’ transitional states).', {
      enum: WORKSPACE_STATUSES,
    }),
    AliyunResourceGroupId: s.string('The Alibaba Cloud resource group id, as given.'),
    AliyunResourceTags: s.array(
      s.object({ Key: s.string(), Value: s.string() }),
      'Tags, as given at creation.',
    ),
    DevEnvironmentEnabled: s.boolean('True in standard mode (Dev and Prod).'),
    DevRoleDisabled: s.boolean('True when the Develop role is disabled.'),
    PaiTaskEnabled: s.boolean('True when PAI task scheduling is enabled.'),
  },
  'A DataWorks workspace.',
);

/** A workspace as every response shows it (docs/WIRE.md §5, object `P`). */
function workspaceRecord(w: WorkspaceView) {
  return {
    Id: w.id,
    Name: w.name,
    DisplayName: w.displayName,
    Description: w.description,
    Owner: w.owner,
    Status: w.status,
    AliyunResourceGroupId: w.aliyunResourceGroupId,
    AliyunResourceTags: w.aliyunResourceTags.map((t) => ({ Key: t.key, Value: t.value })),
    DevEnvironmentEnabled: w.devEnvironmentEnabled,
    DevRoleDisabled: w.devRoleDisabled,
    PaiTaskEnabled: w.paiTaskEnabled,
  };
}

const workspaceId = (description: string, placement: 'query' | 'body') =>
  p.integer({ description, required: true, min: 1, placement });

export const createProject = defineOperation({
  action: 'CreateProject',
  summary: 'Creates a workspace; the caller becomes its Workspace Owner.',
  method: 'POST',
  params: {
    Name: p.string({
      description:
        'Workspace name: 3 to 28 letters, digits and underscores, starting with a letter; unique in the tenant.',
      required: true,
      minLength: 3,
      maxLength: 28,
      pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
      patternHint: 'use letters, digits and underscores, and start with a letter.',
      placement: 'body',
    }),
    DisplayName: p.string({
      description: 'Display name, up to 128 characters.',
      required: true,
      maxLength: 128,
      placement: 'body',
    }),
    Description: p.string({
      description: 'Description, up to 1024 characters.',
      maxLength: 1024,
      placement: 'body',
    }),
    AliyunResourceGroupId: p.string({
      description:
        'Alibaba Cloud resource group id (kept and reported; dshub has no resource groups).',
      maxLength: 64,
      placement: 'body',
    }),
    AliyunResourceTags: p.jsonObjects({
      description: `Tags as JSON text, e.g. ${TAGS_EXAMPLE}; at most 20, keys unique.`,
      maxItems: 20,
      example: TAGS_EXAMPLE,
      check: tagItem(false),
      placement: 'body',
    }),
    DevEnvironmentEnabled: bodyFlag(
      'true: standard mode, with Dev and Prod environments; false (default): basic mode, Prod only.',
    ),
    DevRoleDisabled: bodyFlag(
      'true disables the Develop role (role_project_dev) for good. Default false.',
    ),
    PaiTaskEnabled: bodyFlag('Enables scheduling of PAI tasks. Default false.'),
  },
  response: {
    Id: s.integer('The new workspace id.'),
    ProjectId: s.integer('Same as Id (deprecated by DataWorks; Terraform reads it).'),
  },
  access: { roles: MAY.createWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { Name: a.Name } });
    ctx.access.requireTenant();
    const id = await workspaces(ctx).create(
      { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId },
      {
        name: a.Name,
        displayName: a.DisplayName,
        description: a.Description,
        aliyunResourceGroupId: a.AliyunResourceGroupId,
        aliyunResourceTags: a.AliyunResourceTags && uniqueTags(a.AliyunResourceTags),
        devEnvironmentEnabled: a.DevEnvironmentEnabled,
        devRoleDisabled: a.DevRoleDisabled,
        paiTaskEnabled: a.PaiTaskEnabled,
      },
      ctx.audit,
    );
    return { Id: id, ProjectId: id };
  },
});

export const getProject = defineOperation({
  action: 'GetProject',
  summary: 'Returns one workspace.',
  method: 'GET',
  params: { Id: workspaceId('The workspace id.', 'query') },
  response: { Project: workspaceSchema },
  access: { roles: MAY.readWorkspace },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    await ctx.access.requireWorkspace(a.Id);
    return { Project: workspaceRecord(await workspaces(ctx).get(ctx.principal.tenantId, a.Id)) };
  },
});

export const listProjects = defineOperation({
  action: 'ListProjects',
  summary: 'Lists the workspaces the caller can see, in id order.',
  description:
    'Tenant Owner and Tenant Administrator see every workspace of the tenant; anyone else sees the workspaces they are a member of.',
  method: 'POST',
  params: {
    Ids: p.jsonList({
      description: 'Workspace ids as a JSON array, e.g. [10001,10002].',
      items: 'integer',
      maxItems: 100,
      placement: 'body',
    }),
    Names: p.jsonList({
      description: 'Workspace names as a JSON array, e.g. ["sales_dw"]; exact match.',
      items: 'string',
      maxItems: 100,
      placement: 'body',
    }),
    Status: p.string({
      description: 'Only workspaces in this status.',
      enum: WORKSPACE_STATUSES,
      placement: 'body',
    }),
    DevEnvironmentEnabled: bodyFlag('Only standard-mode (true) or basic-mode (false) workspaces.'),
    DevRoleDisabled: bodyFlag('Only workspaces whose Develop role is disabled (true) or not.'),
    PaiTaskEnabled: bodyFlag('Only workspaces with (true) or without PAI task scheduling.'),
    AliyunResourceGroupId: p.string({
      description: 'Only workspaces of this resource group.',
      maxLength: 64,
      placement: 'body',
    }),
    AliyunResourceTags: p.jsonObjects({
      description: `Only workspaces carrying every one of these tags, e.g. ${TAGS_EXAMPLE}; a tag without Value matches any value.`,
      maxItems: 20,
      example: TAGS_EXAMPLE,
      check: tagItem(false),
      placement: 'body',
    }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer('Workspaces matching the filters.'),
      Projects: s.array(workspaceSchema),
    }),
  },
  access: 'any-caller',
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    // Visibility is the access decision: the list holds only what the caller may see.
    ctx.access.decidedByHandler();
    const wholeTenant = holdsTenantRole(ctx.principal, MAY.createWorkspace);
    const pageNumber = a.PageNumber ?? 1;
    const pageSize = a.PageSize ?? 10;
    const page = await workspaces(ctx).list(
      {
        tenantId: ctx.principal.tenantId,
        ...(wholeTenant ? {} : { memberUserId: ctx.principal.userId }),
      },
      {
        ids: a.Ids,
        names: a.Names,
        status: a.Status,
        devEnvironmentEnabled: a.DevEnvironmentEnabled,
        devRoleDisabled: a.DevRoleDisabled,
        paiTaskEnabled: a.PaiTaskEnabled,
        aliyunResourceGroupId: a.AliyunResourceGroupId,
        aliyunResourceTags: a.AliyunResourceTags,
      },
      { pageNumber, pageSize },
    );
    return {
      PagingInfo: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: page.total,
        Projects: page.items.map(workspaceRecord),
      },
    };
  },
});

export const updateProject = defineOperation({
  action: 'UpdateProject',
  summary: 'Changes a workspace’s display name, description, mode, flags or status.',
  method: 'POST',
  params: {
    Id: workspaceId('The workspace id.', 'body'),
    DisplayName: p.string({
      description: 'New display name, up to 128 characters.',
      maxLength: 128,
      placement: 'body',
    }),
    Description: p.string({
      description: 'New description, up to 1024 characters.',
      maxLength: 1024,
      placement: 'body',
    }),
    DevEnvironmentEnabled: bodyFlag(
      'true upgrades a basic-mode workspace to standard mode (Dev and Prod); there is no way back.',
    ),
    DevRoleDisabled: bodyFlag(
      'true disables the Develop role; once disabled it cannot be enabled again.',
    ),
    PaiTaskEnabled: bodyFlag('Enables or disables scheduling of PAI tasks.'),
    Status: p.string({
      description: 'Available enables the workspace, Forbidden disables it.',
      enum: ['Available', 'Forbidden'] as const,
      placement: 'body',
    }),
  },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ workspaceId: a.Id, targets: { ProjectId: a.Id } });
    await ctx.access.requireWorkspace(a.Id);
    await workspaces(ctx).update(
      ctx.principal.tenantId,
      a.Id,
      {
        displayName: a.DisplayName,
        description: a.Description,
        devEnvironmentEnabled: a.DevEnvironmentEnabled,
        devRoleDisabled: a.DevRoleDisabled,
        paiTaskEnabled: a.PaiTaskEnabled,
        status: a.Status,
      },
      ctx.audit,
    );
    return {};
  },
});

export const deleteProject = defineOperation({
  action: 'DeleteProject',
  summary: 'Deletes a workspace with its members and roles, at once.',
  description:
    'Deleted workspaces stop answering at once (1101080008); dshub keeps no recycle bin, so the name is free again.',
  method: 'POST',
  params: { Id: workspaceId('The workspace id.', 'body') },
  response: {},
  access: { roles: MAY.ownWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ workspaceId: a.Id, targets: { ProjectId: a.Id } });
    await ctx.access.requireWorkspace(a.Id);
    await workspaces(ctx).delete(ctx.principal.tenantId, a.Id, ctx.audit);
    return {};
  },
});

export const operations = [createProject, getProject, listProjects, updateProject, deleteProject];
