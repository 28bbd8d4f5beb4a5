/**
 * The access decision of every operation that acts on one data source record: find it, then
 * require one of the operation's roles in its workspace. A record the caller cannot see (another
 * tenant's, or not in the workspace the request names) answers exactly as a missing one does.
 */
import { errors, isApiError } from '../errors.js';
import type { Membership } from '../workspaces/directory.js';
import type { OperationContext } from './context.js';

export interface DataSourceAccessOptions {
  /** The workspace the request names: the record must be in it. */
  projectId?: number;
  /**
   * The operation modifies or derives from the record (update, delete, clone, re-share): a
   * caller with whom it is shared is told it is read-only for them (Forbidden.Shared), not
   * merely refused.
   */
  sharedReadOnly?: boolean;
}

/**
 * `found` lets a caller that has already read the record (GetDataSource answers from the same
 * read) skip the lookup; with `membership` (the caller's, read in the same query) the guard
 * skips its own lookup too.
 */
export async function requireDataSourceRole(
  ctx: OperationContext,
  id: number,
  opts: DataSourceAccessOptions = {},
  found?: { projectId: number; membership?: Membership | undefined } | null,
): Promise<{ id: number; projectId: number }> {
  ctx.audit.note({ targets: { DataSourceId: id } });
  const ref = found === undefined ? await ctx.services.dataSources.locate(id) : found;
  try {
    if (!ref || (opts.projectId !== undefined && ref.projectId !== opts.projectId)) {
      throw errors.dataSourceNotFound(id);
    }
    await ctx.access.requireWorkspace(
      ref.projectId,
      ref && 'membership' in ref ? { membership: ref.membership } : {},
    );
  } catch (e) {
    if (ref && opts.sharedReadOnly && (await seesItOnlyShared(ctx, ref.projectId, id))) {
      ctx.audit.note({ projectId: ref.projectId });
      throw errors.sharedReadOnly(`Data source ${id}`);
    }
    if (isApiError(e) && e.code === '1101080008') throw errors.dataSourceNotFound(id);
    if (ref && !(isApiError(e) && e.code === '1000010005'))
      ctx.audit.note({ projectId: ref.projectId });
    throw e;
  }
  ctx.audit.note({ projectId: ref.projectId });
  return { id, projectId: ref.projectId };
}

/** No role in the source workspace, but a sharing rule lets the caller use it elsewhere. */
async function seesItOnlyShared(
  ctx: OperationContext,
  sourceProjectId: number,
  id: number,
): Promise<boolean> {
  const userId = ctx.principal.userId;
  const inSource = await ctx.services.workspaces.membership(sourceProjectId, userId);
  if (inSource && inSource.tenantId !== ctx.principal.tenantId) return false;
  if (inSource && inSource.roles.size > 0) return false;
  return ctx.services.sharing.isSharedWith(id, userId);
}
