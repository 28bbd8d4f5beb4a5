/**
 * Named builders that write straight to the store, for tests that need a workspace or a member
 * without going through (or testing) the workspace operations.
 */
import type { WorkspaceRole } from '../../src/access/roles.js';
import type { Key, TestContext } from './harness.js';

export interface WorkspaceOptions {
  /** Standard mode (Dev and Prod) when true; basic mode (Prod only) otherwise. Default true. */
  devEnvironment?: boolean;
  /** The Workspace Owner; default the tenant owner of the context's first tenant. */
  owner?: Key;
  name?: string;
}

export interface Workspace {
  id: number;
  name: string;
  tenantId: string;
  ownerId: string;
}

/** A workspace of the owner's tenant, with the owner as member holding role_project_owner. */
export async function newWorkspace(
  ctx: TestContext,
  opts: WorkspaceOptions = {},
): Promise<Workspace> {
  const owner = opts.owner ?? ctx.root;
  const ownerId = owner.userId ?? ctx.root.userId;
  const tenantId = owner.tenantId ?? ctx.root.tenantId;
  const name = opts.name ?? ctx.name('ws');
  const at = Date.now();
  const row = await ctx.services.db.kysely
    .insertInto('projects')
    .values({
      tenant_id: tenantId,
      name,
      display_name: name,
      description: '',
      owner: ownerId,
      status: 'Available',
      dev_environment_enabled: opts.devEnvironment === false ? 0 : 1,
      dev_role_disabled: 0,
      pai_task_enabled: 0,
      aliyun_resource_group_id: '',
      aliyun_resource_tags: '[]',
      created_at: at,
      modified_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await addMember(ctx, id, ownerId, ['role_project_owner']);
  return { id, name, tenantId, ownerId };
}

/** Makes `userId` a member of the workspace with these roles (adding to any it holds). */
export async function addMember(
  ctx: TestContext,
  projectId: number,
  userId: string,
  roles: readonly WorkspaceRole[],
): Promise<void> {
  const k = ctx.services.db.kysely;
  await k
    .insertInto('project_members')
    .values({ project_id: projectId, user_id: userId, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
    .execute();
  for (const role of roles) {
    await k
      .insertInto('project_member_roles')
      .values({ project_id: projectId, user_id: userId, role_code: role })
      .onConflict((oc) => oc.columns(['project_id', 'user_id', 'role_code']).doNothing())
      .execute();
  }
}
