export type {
  DataSourceGroupView,
  DataSourcePage,
  DataSourceRef,
  DataSourceView,
} from './data-source-service.js';
export type { EnvType, Order, SortBy } from './list-index.js';
export type { PageQuery } from './list-page.js';
