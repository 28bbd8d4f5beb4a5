/**
 * Member and role operations: CreateProjectMember, DeleteProjectMember, GetProjectMember,
 * ListProjectMembers, GrantMemberProjectRoles, RevokeMemberProjectRoles, ListProjectRoles,
 * GetProjectRole (docs/WIRE.md §1). Who may call each: docs/permissions.md.
 */
import { MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import type { MemberChange, MemberView } from '../workspaces/member-service.js';
import {
  builtInRoleView,
  customRoleView,
  findRole,
  findRoles,
  type RoleView,
} from '../workspaces/roles.js';
import { defineOperation, type OperationContext } from './context.js';

const members = (ctx: OperationContext) => ctx.services.members;

/** Role codes from a request: built-in ones, or custom roles of this workspace. */
const roleCodesOf = (ctx: OperationContext, workspaceId: number, codes: readonly string[]) =>
  ctx.services.customRoles.parseCodes(workspaceId, 'RoleCodes', codes);

/** What a member change needs from the call: owner rights checked by the guard, and the audit. */
function change(ctx: OperationContext, workspaceId: number): MemberChange {
  return {
    requireOwnerRights: async () => {
      await ctx.access.requireWorkspace(workspaceId, { roles: MAY.ownWorkspace });
    },
    audit: ctx.audit,
  };
}

const workspaceId = (placement: 'query' | 'body') =>
  p.integer({ description: 'The workspace id.', required: true, min: 1, placement });

const userId = p.string({
  description: 'The user’s account id (a numeric string), a user of the workspace’s tenant.',
  required: true,
  maxLength: 32,
  pattern: /^\d+$/,
  patternHint: 'a user id is a numeric string, e.g. "1107550004253538".',
  placement: 'body',
});

const roleCodes = p.jsonList({
  description:
    'Role codes as a JSON array, e.g. ["role_project_dev","role_project_guest"]: built-in codes, or codes of the workspace’s custom roles.',
  required: true,
  items: 'string',
  maxItems: 20,
  placement: 'body',
});

const ROLE_CODES_EXAMPLE = '["role_project_guest"]';

const memberRoleSchema = s.object({
  Code: s.string('Role code, e.g. role_project_guest.'),
  Name: s.string('Role name, e.g. Visitors.'),
  Type: s.string('System (built-in) or UserCustom.'),
});

const memberSchema = s.object(
  {
    ProjectId: s.integer('The workspace id.'),
    UserId: s.string('The member’s user id.'),
    UserName: s.string('The member’s user name.'),
    Status: s.string('Normal, or Forbidden when the user is disabled.', {
      enum: ['Normal', 'Forbidden'],
    }),
    Roles: s.array(memberRoleSchema, 'The member’s roles in the workspace.'),
  },
  'A workspace member.',
);

const roleSchema = s.object(
  {
    Code: s.string('Role code.'),
    Name: s.string('Role name.'),
    ProjectId: s.integer(
      '-1 for built-in roles, which every workspace shares; the workspace for custom roles.',
    ),
    Type: s.string('System (built-in) or UserCustom.'),
    ModulePermissions: s.array(
      s.object({
        ModuleId: s.integer('DataWorks module id.'),
        ModuleName: s.string('DataWorks module name.'),
        PermissionType: s.string(
          'Built-in roles: ReadWrite or ReadOnly. Custom roles: Write, Read or NotSet, as created.',
        ),
      }),
      'What the role may do in each DataWorks module; for custom roles, docs/DECISIONS.md says what dshub enforces.',
    ),
  },
  'A workspace role.',
);

/** A member as GetProjectMember and ListProjectMembers report it. */
function memberRecord(m: MemberView) {
  return {
    ProjectId: m.workspaceId,
    UserId: m.userId,
    UserName: m.userName,
    Status: m.status,
    Roles: m.roles.map((r) => ({ Code: r.code, Name: r.name, Type: r.type as string })),
  };
}

/** A role as GetProjectRole and ListProjectRoles report it: built-in roles say ProjectId -1. */
function roleRecord(r: RoleView) {
  return {
    Code: r.code,
    Name: r.name,
    ProjectId: r.workspaceId ?? -1,
    Type: r.type as string,
    ModulePermissions: r.modulePermissions.map((m) => ({
      ModuleId: m.moduleId,
      ModuleName: m.moduleName,
      PermissionType: m.permissionType as string,
    })),
  };
}

export const createProjectMember = defineOperation({
  action: 'CreateProjectMember',
  summary: 'Adds a user of the tenant to a workspace with the given roles.',
  method: 'POST',
  params: { ProjectId: workspaceId('body'), UserId: userId, RoleCodes: roleCodes },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, UserId: a.UserId },
    });
    await ctx.access.requireWorkspace(a.ProjectId);
    const roles = await roleCodesOf(ctx, a.ProjectId, a.RoleCodes);
    await members(ctx).add(
      ctx.principal.tenantId,
      a.ProjectId,
      a.UserId,
      roles,
      change(ctx, a.ProjectId),
    );
    return {};
  },
});

export const deleteProjectMember = defineOperation({
  action: 'DeleteProjectMember',
  summary: 'Removes a member (and all its roles) from a workspace.',
  description: 'The workspace’s owner (its creator) cannot be removed.',
  method: 'POST',
  params: { ProjectId: workspaceId('body'), UserId: userId },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, UserId: a.UserId },
    });
    await ctx.access.requireWorkspace(a.ProjectId);
    await members(ctx).remove(
      ctx.principal.tenantId,
      a.ProjectId,
      a.UserId,
      change(ctx, a.ProjectId),
    );
    return {};
  },
});

export const getProjectMember = defineOperation({
  action: 'GetProjectMember',
  summary: 'Returns one member of a workspace with its roles.',
  method: 'POST',
  params: { ProjectId: workspaceId('body'), UserId: userId },
  response: { ProjectMember: memberSchema },
  access: { roles: MAY.readWorkspace },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    await ctx.access.requireWorkspace(a.ProjectId);
    const member = await members(ctx).get(ctx.principal.tenantId, a.ProjectId, a.UserId);
    return { ProjectMember: memberRecord(member) };
  },
});

export const listProjectMembers = defineOperation({
  action: 'ListProjectMembers',
  summary: 'Lists the members of a workspace, in the order they joined.',
  method: 'POST',
  params: {
    ProjectId: workspaceId('body'),
    UserIds: p.jsonList({
      description: 'Only these users, as a JSON array, e.g. ["1107550004253538"].',
      items: 'string',
      maxItems: 100,
      placement: 'body',
    }),
    RoleCodes: p.jsonList({
      description: `Only members holding any of these roles, e.g. ${ROLE_CODES_EXAMPLE}.`,
      items: 'string',
      maxItems: 20,
      placement: 'body',
    }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer('Members matching the filters.'),
      ProjectMembers: s.array(memberSchema),
    }),
  },
  access: { roles: MAY.readWorkspace },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    await ctx.access.requireWorkspace(a.ProjectId);
    const roleFilter = a.RoleCodes?.length
      ? await roleCodesOf(ctx, a.ProjectId, a.RoleCodes)
      : undefined;
    const pageNumber = a.PageNumber ?? 1;
    const pageSize = a.PageSize ?? 10;
    const page = await members(ctx).list(
      ctx.principal.tenantId,
      a.ProjectId,
      { userIds: a.UserIds, roleCodes: roleFilter },
      { pageNumber, pageSize },
    );
    return {
      PagingInfo: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: page.total,
        ProjectMembers: page.items.map(memberRecord),
      },
    };
  },
});

export const grantMemberProjectRoles = defineOperation({
  action: 'GrantMemberProjectRoles',
  summary: 'Gives a member more roles; roles it holds already are kept.',
  method: 'POST',
  params: { ProjectId: workspaceId('body'), UserId: userId, RoleCodes: roleCodes },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, UserId: a.UserId },
    });
    await ctx.access.requireWorkspace(a.ProjectId);
    const roles = await roleCodesOf(ctx, a.ProjectId, a.RoleCodes);
    await members(ctx).grant(
      ctx.principal.tenantId,
      a.ProjectId,
      a.UserId,
      roles,
      change(ctx, a.ProjectId),
    );
    return {};
  },
});

export const revokeMemberProjectRoles = defineOperation({
  action: 'RevokeMemberProjectRoles',
  summary: 'Takes roles from a member; roles it does not hold are ignored.',
  description:
    'A member may end with no role and stays a member; the workspace owner keeps role_project_owner.',
  method: 'POST',
  params: { ProjectId: workspaceId('body'), UserId: userId, RoleCodes: roleCodes },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, UserId: a.UserId },
    });
    await ctx.access.requireWorkspace(a.ProjectId);
    const roles = await roleCodesOf(ctx, a.ProjectId, a.RoleCodes);
    await members(ctx).revoke(
      ctx.principal.tenantId,
      a.ProjectId,
      a.UserId,
      roles,
      change(ctx, a.ProjectId),
    );
    return {};
  },
});

export const listProjectRoles = defineOperation({
  action: 'ListProjectRoles',
  summary: 'Lists the roles of a workspace: the ten built-in roles, then its custom roles.',
  description:
    'PageNumber, PageSize and TotalCount are strings in this response, as both SDK models declare them.',
  method: 'POST',
  params: {
    ProjectId: workspaceId('body'),
    Codes: p.jsonList({
      description: `Only these role codes, e.g. ${ROLE_CODES_EXAMPLE}.`,
      items: 'string',
      maxItems: 100,
      placement: 'body',
    }),
    Names: p.jsonList({
      description: 'Only these role names, e.g. ["Visitors"] (case-insensitive).',
      items: 'string',
      maxItems: 100,
      placement: 'body',
    }),
    Type: p.string({
      description: 'System (built-in roles) or UserCustom (the workspace’s custom roles).',
      enum: ['System', 'UserCustom'] as const,
      placement: 'body',
    }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.string('The page number, as a string.'),
      PageSize: s.string('The page size, as a string.'),
      TotalCount: s.string('Roles matching the filters, as a string.'),
      ProjectRoles: s.array(roleSchema),
    }),
  },
  access: { roles: MAY.readWorkspace },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    await ctx.access.requireWorkspace(a.ProjectId);
    const pageNumber = a.PageNumber ?? 1;
    const pageSize = a.PageSize ?? 10;
    const custom = a.Type === 'System' ? [] : await ctx.services.customRoles.list(a.ProjectId);
    const all = findRoles({ codes: a.Codes, names: a.Names, type: a.Type }, custom);
    const offset = (pageNumber - 1) * pageSize;
    return {
      PagingInfo: {
        PageNumber: String(pageNumber),
        PageSize: String(pageSize),
        TotalCount: String(all.length),
        ProjectRoles: all.slice(offset, offset + pageSize).map(roleRecord),
      },
    };
  },
});

export const getProjectRole = defineOperation({
  action: 'GetProjectRole',
  summary: 'Returns one role of a workspace with its module permissions.',
  method: 'POST',
  params: {
    ProjectId: workspaceId('query'),
    Code: p.string({
      description: 'The role code, e.g. role_project_guest.',
      required: true,
      maxLength: 64,
      placement: 'query',
    }),
  },
  response: { ProjectRole: roleSchema },
  access: { roles: MAY.readWorkspace },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    await ctx.access.requireWorkspace(a.ProjectId);
    const role = findRole(a.Code);
    if (role) return { ProjectRole: roleRecord(builtInRoleView(role)) };
    const custom = await ctx.services.customRoles.get(a.ProjectId, a.Code);
    if (!custom) throw errors.roleNotFound(a.ProjectId, a.Code);
    return { ProjectRole: roleRecord(customRoleView(custom)) };
  },
});

export const operations = [
  createProjectMember,
  deleteProjectMember,
  getProjectMember,
  listProjectMembers,
  grantMemberProjectRoles,
  revokeMemberProjectRoles,
  listProjectRoles,
  getProjectRole,
];
