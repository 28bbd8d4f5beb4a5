/**
 * The data source service for a service graph, built on first use: the foundation's
 * createServices stays unaware of data sources, and each graph (server, CLI, test) gets its own.
 */
import type { Services } from '../services.js';
import { DataSourceService } from './data-source-service.js';
import { rewrapDataSourceSecrets } from './secret-box.js';

const services = new WeakMap<Services, DataSourceService>();

export function dataSourceService(s: Services): DataSourceService {
  let service = services.get(s);
  if (!service) {
    service = new DataSourceService(s.db, s.envelope, s.config.regionId);
    services.set(s, service);
  }
  return service;
}

/** The master key rotation's step for data source secrets (src/crypto/rotation.ts). */
export function rewrapDataSources(s: Services, currentKeyId: string): Promise<number> {
  return rewrapDataSourceSecrets(s.db, s.envelope, currentKeyId);
}

export type {
  DataSourceGroupView,
  DataSourceRef,
  DataSourceView,
} from './data-source-service.js';
export type { EnvType, Order, SortBy } from './list-index.js';
export type { PageQuery } from './list-page.js';
