/**
 * What a request touches, for the policy layer: the workspaces and data sources its parameters
 * name, as RAM resource names (src/identity/policy-targets.ts), and the client address. A data
 * source's workspace is looked up only when one of the caller's policies names a workspace.
 */
import type { PolicyRequest } from '../identity/policies.js';
import { namedDataSources, policyTargets } from '../identity/policy-targets.js';
import type { Principal } from '../identity/principal.js';
import type { Services } from '../services.js';

export async function policyRequest(
  services: Services,
  action: string,
  params: Record<string, unknown>,
  principal: Principal,
  sourceIp: string,
): Promise<PolicyRequest> {
  const prefix = `acs:dataworks:${services.config.regionId}:${principal.tenantId}:`;
  const dataSources = namedDataSources(action, params);
  const home = new Map<number, number>();
  if (dataSources.length > 0 && principal.policies.some((p) => p.namesWorkspace)) {
    const rows = await services.db.kysely
      .selectFrom('data_sources')
      .select(['id', 'project_id'])
      .where('id', 'in', dataSources)
      .execute();
    for (const r of rows) home.set(Number(r.id), Number(r.project_id));
  }
  return { ...policyTargets(prefix, action, params, home), sourceIp };
}
