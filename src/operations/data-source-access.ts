/**
 * The access decision of every operation that acts on one data source record
 * (src/access/decisions.ts, `dataSource`), with what the audit trail records about it: the
 * record's id always, its workspace unless the caller may not learn it.
 */
import type { DataSourceGrant, DataSourceQuestion } from '../access/decisions.js';
import type { Membership } from '../workspaces/directory.js';
import type { OperationContext } from './context.js';

/** What the operation does with the record (src/access/decisions.ts, DataSourceQuestion). */
export type DataSourceAccessOptions = Omit<DataSourceQuestion, 'found'>;

/**
 * `found` lets a caller that has already read the record (GetDataSource answers from the same
 * read) skip the lookup; with `membership` (the caller's, read in the same query) the decision
 * skips its own lookup too.
 */
export async function requireDataSourceRole(
  ctx: OperationContext,
  id: number,
  q: DataSourceAccessOptions = {},
  found?: { workspaceId: number; membership?: Membership | undefined } | null,
): Promise<DataSourceGrant> {
  ctx.audit.note({ targets: { DataSourceId: id } });
  const d = await ctx.access.decideDataSource(
    id,
    found === undefined ? q : { ...q, found: found && { ...found, id } },
  );
  if (d.outcome === 'allowed') ctx.audit.note({ workspaceId: d.grant.workspaceId });
  else if (d.outcome !== 'hidden' && d.workspaceId !== undefined) {
    ctx.audit.note({ workspaceId: d.workspaceId });
  }
  return ctx.access.enforce(d);
}
