/**
 * What a request touches, as RAM resource names, from its parameters: the workspaces and data
 * sources it names. Shared by the request pipeline (src/wire/policy-request.ts) and the access
 * explanation (ExplainDataSourceAccess), so both ask the policy layer the same question.
 */
import type { PolicyRequest } from './policies.js';

// Operations whose `Id` parameter is a workspace or a data source; any other `Id` (a sharing
// rule) is something the policy layer cannot name.
const WORKSPACE_ID = new Set(['GetProject', 'UpdateProject', 'DeleteProject']);
const DATA_SOURCE_ID = new Set([
  'GetDataSource',
  'UpdateDataSource',
  'DeleteDataSource',
  'CloneDataSource',
  'RollbackDataSource',
]);

function id(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/** The data source ids a request names (their workspaces may be looked up for `policyTargets`). */
export function namedDataSources(action: string, params: Record<string, unknown>): number[] {
  const out = new Set<number>();
  const dsId = id(params.DataSourceId);
  if (dsId !== undefined) out.add(dsId);
  const plainId = id(params.Id);
  if (plainId !== undefined && DATA_SOURCE_ID.has(action)) out.add(plainId);
  return [...out];
}

/**
 * `prefix` is `acs:dataworks:<region>:<tenant>:`; `home` maps a data source to its workspace
 * where known (a statement naming the workspace then covers the data source).
 */
export function policyTargets(
  prefix: string,
  action: string,
  params: Record<string, unknown>,
  home: ReadonlyMap<number, number>,
): Pick<PolicyRequest, 'targets' | 'incomplete'> {
  const workspaces = new Set<number>();
  for (const name of ['ProjectId', 'TargetProjectId']) {
    const v = id(params[name]);
    if (v !== undefined) workspaces.add(v);
  }
  const plainId = id(params.Id);
  const incomplete =
    plainId !== undefined && !WORKSPACE_ID.has(action) && !DATA_SOURCE_ID.has(action);
  if (plainId !== undefined && WORKSPACE_ID.has(action)) workspaces.add(plainId);
  return {
    targets: [
      ...[...workspaces].map((w) => [`${prefix}workspace/${w}`]),
      ...namedDataSources(action, params).map((d) => {
        const w = home.get(d);
        return w === undefined
          ? [`${prefix}datasource/${d}`]
          : [`${prefix}datasource/${d}`, `${prefix}workspace/${w}`];
      }),
    ],
    incomplete,
  };
}
