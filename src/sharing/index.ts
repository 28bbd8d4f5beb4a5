/**
 * The sharing services for a service graph, built on first use (as src/datasources/index.ts
 * does): the foundation's createServices stays unaware of sharing.
 */
import { dataSourceService } from '../datasources/index.js';
import type { Services } from '../services.js';
import { DataSourceResolver } from './resolver.js';
import { SharingService } from './sharing-service.js';

interface SharingServices {
  sharing: SharingService;
  resolver: DataSourceResolver;
}

const graphs = new WeakMap<Services, SharingServices>();

function build(s: Services): SharingServices {
  let built = graphs.get(s);
  if (!built) {
    const sharing = new SharingService(s.db);
    built = {
      sharing,
      resolver: new DataSourceResolver(s.db, dataSourceService(s), sharing, s.workspaces),
    };
    graphs.set(s, built);
  }
  return built;
}

export const sharingService = (s: Services): SharingService => build(s).sharing;
export const dataSourceResolver = (s: Services): DataSourceResolver => build(s).resolver;

export { DATA_SOURCE_USERS } from './resolver.js';
export type { RuleView, SharedEntry } from './sharing-service.js';
