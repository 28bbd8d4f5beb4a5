/**
 * The access decision of operations that act on a data source from its own (source) workspace:
 * Clone, and creating or listing its sharing rules.
 */
import type { DataSourceRef } from '../datasources/data-source-service.js';
import { errors, isApiError } from '../errors.js';
import type { OperationContext } from '../registry/operation.js';

export interface SourceAccessOptions {
  /**
   * The operation modifies or derives from the data source (clone, re-share): a caller with whom
   * it is shared is told it is read-only for them (Forbidden.Shared), not merely refused.
   */
  sharedReadOnly?: boolean;
}

/**
 * Finds data source `id` and requires one of the operation's roles in its workspace. Another
 * tenant's data source answers exactly as a missing one (1000010005).
 */
export async function requireSourceRole(
  ctx: OperationContext,
  id: number,
  opts: SourceAccessOptions = {},
): Promise<DataSourceRef> {
  ctx.audit.note({ targets: { DataSourceId: id } });
  const ref = await ctx.services.dataSources.locate(id);
  if (!ref) throw errors.dataSourceNotFound(id);
  try {
    await ctx.access.requireWorkspace(ref.projectId);
  } catch (e) {
    if (isApiError(e) && e.code === '1101080008') throw errors.dataSourceNotFound(id);
    ctx.audit.note({ projectId: ref.projectId });
    if (opts.sharedReadOnly && (await seesItOnlyShared(ctx, ref.projectId, id))) {
      throw errors.sharedReadOnly(`Data source ${id}`);
    }
    throw e;
  }
  ctx.audit.note({ projectId: ref.projectId });
  return ref;
}

/** No role in the source workspace, but a sharing rule lets the caller use it elsewhere. */
async function seesItOnlyShared(
  ctx: OperationContext,
  sourceProjectId: number,
  id: number,
): Promise<boolean> {
  const userId = ctx.principal.userId;
  const inSource = await ctx.services.workspaces.membership(sourceProjectId, userId);
  if (inSource && inSource.roles.size > 0) return false;
  return ctx.services.sharing.isSharedWith(id, userId);
}
