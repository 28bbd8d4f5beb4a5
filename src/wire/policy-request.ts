/**
 * What a request touches, for the policy layer: the workspaces and data sources its parameters
 * name, as RAM resource names, and the client address. A data source's workspace is looked up
 * only when one of the caller's policies names a workspace.
 */
import type { PolicyRequest } from '../identity/policies.js';
import type { Principal } from '../identity/principal.js';
import type { Services } from '../services.js';

// Operations whose `Id` parameter is a workspace or a data source; any other `Id` (a sharing
// rule) is something the policy layer cannot name.
const WORKSPACE_ID = new Set(['GetProject', 'UpdateProject', 'DeleteProject']);
const DATA_SOURCE_ID = new Set([
  'GetDataSource',
  'UpdateDataSource',
  'DeleteDataSource',
  'CloneDataSource',
]);

function id(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

export async function policyRequest(
  services: Services,
  action: string,
  params: Record<string, unknown>,
  principal: Principal,
  sourceIp: string,
): Promise<PolicyRequest> {
  const prefix = `acs:dataworks:${services.config.regionId}:${principal.tenantId}:`;
  const workspaces = new Set<number>();
  const dataSources = new Set<number>();
  for (const name of ['ProjectId', 'TargetProjectId']) {
    const v = id(params[name]);
    if (v !== undefined) workspaces.add(v);
  }
  const dsId = id(params.DataSourceId);
  if (dsId !== undefined) dataSources.add(dsId);
  const plainId = id(params.Id);
  let incomplete = false;
  if (plainId !== undefined) {
    if (WORKSPACE_ID.has(action)) workspaces.add(plainId);
    else if (DATA_SOURCE_ID.has(action)) dataSources.add(plainId);
    else incomplete = true;
  }
  const home = new Map<number, number>();
  if (dataSources.size > 0 && principal.policies.some((p) => p.namesWorkspace)) {
    const rows = await services.db.kysely
      .selectFrom('data_sources')
      .select(['id', 'project_id'])
      .where('id', 'in', [...dataSources])
      .execute();
    for (const r of rows) home.set(Number(r.id), Number(r.project_id));
  }
  return {
    targets: [
      ...[...workspaces].map((w) => [`${prefix}workspace/${w}`]),
      ...[...dataSources].map((d) => {
        const w = home.get(d);
        return w === undefined
          ? [`${prefix}datasource/${d}`]
          : [`${prefix}datasource/${d}`, `${prefix}workspace/${w}`];
      }),
    ],
    incomplete,
    sourceIp,
  };
}
