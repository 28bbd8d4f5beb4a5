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
 * The record as the decision takes it. Questions are built as literals, not spreads: a spread
 * clones into a new hidden class per call on the hot read.
 * The membership is passed only when the caller read it: without it the decision looks it up.
 */
function foundRecord(
  id: number,
  found: { workspaceId: number; membership?: Membership | undefined },
): NonNullable<DataSourceQuestion['found']> {
  return 'membership' in found
    ? { id, workspaceId: found.workspaceId, membership: found.membership }
    : { id, workspaceId: found.workspaceId };
}

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
    found === undefined
      ? q
      : {
          workspaceId: q.workspaceId,
          modifies: q.modifies,
          usesSecrets: q.usesSecrets,
          activeWorkspace: q.activeWorkspace,
          found: found && foundRecord(id, found),
        },
  );
  if (d.outcome === 'allowed') ctx.audit.note({ workspaceId: d.grant.workspaceId });
  else if (d.outcome !== 'hidden' && d.workspaceId !== undefined) {
    ctx.audit.note({ workspaceId: d.workspaceId });
  }
  return ctx.access.enforce(d);
}
