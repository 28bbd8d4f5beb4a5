/**
 * Custom workspace roles: CreateProjectRole, UpdateProjectRole, DeleteProjectRole. The SDK sends
 * ProjectId, Name/Code and ModulePermissions (shrink JSON) in the query and ClientToken in the
 * body. What a custom role grants: src/access/custom-role-grants.ts and docs/DECISIONS.md.
 */
import type { CustomPermissionType } from '../access/custom-role-grants.js';
import { MAY } from '../access/roles.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { type CustomRolePermission, checkModulePermissions } from '../workspaces/custom-roles.js';
import { defineOperation } from './context.js';

const PERMISSION_TYPES: readonly CustomPermissionType[] = ['Write', 'Read', 'NotSet'];
const EXAMPLE = '[{"ModuleId":9,"PermissionType":"Write"}]';

function modulePermission(item: unknown): CustomRolePermission | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  const id = typeof o.ModuleId === 'string' ? Number(o.ModuleId) : o.ModuleId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return undefined;
  const type = o.PermissionType;
  if (typeof type !== 'string' || !PERMISSION_TYPES.includes(type as CustomPermissionType))
    return undefined;
  return { moduleId: id, permissionType: type as CustomPermissionType };
}

const modulePermissions = <const R extends boolean>(required: R) =>
  p.jsonObjects({
    description: `Module permissions as a JSON array, e.g. ${EXAMPLE}: ModuleId a DataWorks module (2-20), PermissionType Write, Read or NotSet.`,
    required,
    maxItems: 30,
    example: EXAMPLE,
    check: modulePermission,
    placement: 'query',
  });

const workspaceId = p.integer({
  description: 'The workspace id.',
  required: true,
  min: 1,
  placement: 'query',
});

const code = p.string({
  description:
    'The custom role’s code, as CreateProjectRole answered it (e.g. base_role_1a2b3c4d5e).',
  required: true,
  maxLength: 64,
  placement: 'query',
});

export const createProjectRole = defineOperation({
  action: 'CreateProjectRole',
  summary: 'Creates a custom role in a workspace and answers its code.',
  description:
    'The same ClientToken again in the same workspace answers the role it created instead of creating another.',
  method: 'POST',
  params: {
    ProjectId: workspaceId,
    Name: p.string({
      description: 'The role name, unique in the workspace (not a built-in role’s name).',
      required: true,
      minLength: 1,
      maxLength: 64,
      placement: 'query',
    }),
    ModulePermissions: modulePermissions(false),
    ClientToken: p.string({
      description: 'Makes the call idempotent: one role per token and workspace.',
      maxLength: 64,
      placement: 'body',
    }),
  },
  response: { Code: s.string('The new role’s code, e.g. base_role_1a2b3c4d5e.') },
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ workspaceId: a.ProjectId, targets: { ProjectId: a.ProjectId } });
    const perms = checkModulePermissions('ModulePermissions', a.ModulePermissions ?? []);
    await ctx.access.requireWorkspace(a.ProjectId);
    const created = await ctx.services.customRoles.create(
      a.ProjectId,
      { name: a.Name, modulePermissions: perms, clientToken: a.ClientToken },
      ctx.principal.userId,
      ctx.audit,
    );
    return { Code: created };
  },
});

export const updateProjectRole = defineOperation({
  action: 'UpdateProjectRole',
  summary: 'Replaces the module permissions of a custom role.',
  description: 'Members holding the role gain or lose access at once.',
  method: 'POST',
  params: { ProjectId: workspaceId, Code: code, ModulePermissions: modulePermissions(true) },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, RoleCode: a.Code },
    });
    const perms = checkModulePermissions('ModulePermissions', a.ModulePermissions);
    await ctx.access.requireWorkspace(a.ProjectId);
    await ctx.services.customRoles.update(a.ProjectId, a.Code, perms, ctx.audit);
    return {};
  },
});

export const deleteProjectRole = defineOperation({
  action: 'DeleteProjectRole',
  summary: 'Deletes a custom role; the members holding it lose it and keep their other roles.',
  method: 'POST',
  params: { ProjectId: workspaceId, Code: code },
  response: {},
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({
      workspaceId: a.ProjectId,
      targets: { ProjectId: a.ProjectId, RoleCode: a.Code },
    });
    await ctx.access.requireWorkspace(a.ProjectId);
    await ctx.services.customRoles.delete(a.ProjectId, a.Code, ctx.audit);
    return {};
  },
});

export const operations = [createProjectRole, updateProjectRole, deleteProjectRole];
