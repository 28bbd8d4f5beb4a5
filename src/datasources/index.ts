import type { Services } from '../services.js';
import { rewrapDataSourceSecrets } from './secret-box.js';

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
