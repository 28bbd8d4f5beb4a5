/**
 * Every read a page makes, keyed by the page's URL. The shell starts a route's reads the moment
 * the URL is opened, beside ListProjects and while the page's code is still loading; the page
 * then finds them in TanStack Query's cache under the same keys (both sides build them here).
 * Without this a page's calls would start only after its lazy chunk arrived, typically after
 * ListProjects had answered: a waterfall of calls that do not depend on each other.
 */
import type { Params } from './client';

export interface Read {
  action: string;
  params: Params;
  /** Reads whose answers never change while the server runs. */
  staleTime?: number;
}

const FOREVER = Number.POSITIVE_INFINITY;

export const LIST_PAGE_SIZE = 20;
export const AUDIT_PAGE_SIZE = 25;
export const AUDIT_FILTERS = [
  ['RequestId', 'RequestId'],
  ['Action', 'Action'],
  ['UserId', 'User ID'],
  ['ProjectId', 'Workspace ID'],
  ['DataSourceId', 'Data source ID'],
] as const;

/** A new data source starts as MySQL in UrlMode, so its schema can be read before the types. */
export const NEW_DATA_SOURCE = { type: 'mysql', mode: 'UrlMode' } as const;

export interface ListState {
  name: string;
  types: string[];
  env: string;
  sort: string;
  order: string;
  page: number;
}

export function parseListState(search: string): ListState {
  const p = new URLSearchParams(search);
  return {
    name: p.get('name') ?? '',
    types: (p.get('types') ?? '').split(',').filter(Boolean),
    env: p.get('env') ?? '',
    sort: p.get('sort') ?? 'CreateTime',
    order: p.get('order') ?? 'Desc',
    page: Math.max(1, Number(p.get('page') ?? '1') || 1),
  };
}

export function parseAuditFilters(search: string): {
  filters: Record<string, string>;
  page: number;
} {
  const p = new URLSearchParams(search);
  return {
    filters: Object.fromEntries(AUDIT_FILTERS.map(([k]) => [k, p.get(k) ?? ''])),
    page: Math.max(1, Number(p.get('page') ?? '1') || 1),
  };
}

export const reads = {
  projects: (): Read => ({ action: 'ListProjects', params: { PageSize: 100 } }),
  types: (): Read => ({ action: 'ListDataSourceTypes', params: {}, staleTime: FOREVER }),
  schema: (type: string, mode: string): Read => ({
    action: 'GetDataSourceTypeSchema',
    params: { Type: type, Mode: mode },
    staleTime: FOREVER,
  }),
  dataSources: (pid: string, s: ListState): Read => ({
    action: 'ListDataSources',
    params: {
      ProjectId: pid,
      Name: s.name,
      Types: s.types.join(','),
      EnvType: s.env,
      SortBy: s.sort,
      Order: s.order,
      PageNumber: s.page,
      PageSize: LIST_PAGE_SIZE,
    },
  }),
  dataSource: (id: string | number): Read => ({
    action: 'GetDataSource',
    params: { Id: String(id) },
  }),
  sharedRules: (id: string | number): Read => ({
    action: 'ListDataSourceSharedRules',
    params: { DataSourceId: String(id) },
  }),
  history: (pid: string, id: string | number): Read => ({
    action: 'ListAuditEvents',
    params: { DataSourceId: String(id), ProjectId: pid, PageSize: 50 },
  }),
  sharedWithMe: (pid: string): Read => ({
    action: 'ListSharedDataSources',
    params: { ProjectId: pid, PageSize: 100 },
  }),
  members: (pid: string): Read => ({
    action: 'ListProjectMembers',
    params: { ProjectId: pid, PageSize: 100, PageNumber: 1 },
  }),
  roles: (pid: string): Read => ({
    action: 'ListProjectRoles',
    params: { ProjectId: pid, PageSize: 100 },
  }),
  project: (pid: string): Read => ({ action: 'GetProject', params: { Id: pid } }),
  identity: (): Read => ({ action: 'GetCallerIdentity', params: {} }),
  audit: (search: string): Read => {
    const { filters, page } = parseAuditFilters(search);
    return {
      action: 'ListAuditEvents',
      params: { ...filters, PageNumber: page, PageSize: AUDIT_PAGE_SIZE },
    };
  },
};

/** What a URL needs: its API reads, and whether it needs the OpenAPI document. */
export function readsFor(path: string, search: string): { reads: Read[]; openapi: boolean } {
  const none = { reads: [], openapi: false };
  const tab = new URLSearchParams(search).get('tab') ?? 'config';
  let m = /^\/w\/([^/]+)\/data-sources\/?$/.exec(path);
  if (m)
    return {
      reads: [reads.types(), reads.dataSources(m[1]!, parseListState(search))],
      openapi: false,
    };
  m = /^\/w\/([^/]+)\/data-sources\/new$/.exec(path);
  if (m) {
    return {
      reads: [reads.types(), reads.schema(NEW_DATA_SOURCE.type, NEW_DATA_SOURCE.mode)],
      openapi: false,
    };
  }
  m = /^\/w\/([^/]+)\/data-sources\/(\d+)\/edit$/.exec(path);
  if (m) return { reads: [reads.types(), reads.dataSource(m[2]!)], openapi: false };
  m = /^\/w\/([^/]+)\/data-sources\/(\d+)$/.exec(path);
  if (m) {
    const [, pid, id] = m as unknown as [string, string, string];
    const extra =
      tab === 'sharing'
        ? [reads.sharedRules(id)]
        : tab === 'history'
          ? [reads.history(pid, id)]
          : [];
    return { reads: [reads.dataSource(id), ...extra], openapi: tab === 'connectivity' };
  }
  m = /^\/w\/([^/]+)\/shared$/.exec(path);
  if (m) return { reads: [reads.sharedWithMe(m[1]!)], openapi: false };
  m = /^\/w\/([^/]+)\/members$/.exec(path);
  if (m) return { reads: [reads.members(m[1]!), reads.roles(m[1]!)], openapi: false };
  m = /^\/w\/([^/]+)\/settings$/.exec(path);
  if (m) return { reads: [reads.project(m[1]!)], openapi: false };
  if (path === '/audit') return { reads: [reads.audit(search)], openapi: false };
  if (path === '/me') return { reads: [reads.identity()], openapi: false };
  if (path.startsWith('/explorer')) return { reads: [], openapi: true };
  return none;
}
