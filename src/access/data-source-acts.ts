/**
 * Which question each operation on one data source asks the access decisions: the table
 * ExplainDataSourceAccess reads (src/access/explain.ts). Kept apart from the explanation, which
 * needs the policy evaluator, so that the operation's declaration (loaded by `dshub call` too)
 * does not load it.
 */
import { MAY, type Role } from './roles.js';

/** The data source the explanation is about (a deleted one is known from its versions). */
export interface ExplainedDataSource {
  id: number;
  workspaceId: number;
  name: string;
  envType: string;
  deleted: boolean;
  /** Its workspace's Status: a shared data source of a Forbidden workspace is not served. */
  workspaceStatus: string;
}

/** What an operation on a data source asks the access decisions. */
export interface DataSourceAct {
  ask: 'data-source' | 'workspace' | 'resolution';
  /** The operation's declared roles (the registry's; the agreement test compares them). */
  roles: readonly Role[];
  modifies?: true;
  usesSecrets?: true;
  /** The call names the workspace too (UpdateDataSource's ProjectId): the record must be in it. */
  namesWorkspace?: true;
  /** Refused in a workspace whose Status is Forbidden (the registry's `activeWorkspace`). */
  activeWorkspace?: true;
  /** Decided for a deleted record too, in the workspace its versions name. */
  deleted?: true;
  /** What the call sends that names things, for the policy layer. */
  params(ds: ExplainedDataSource): Record<string, number>;
}

const byId = (ds: ExplainedDataSource) => ({ Id: ds.id });
const byDataSourceId = (ds: ExplainedDataSource) => ({ DataSourceId: ds.id });
const byWorkspace = (ds: ExplainedDataSource) => ({ ProjectId: ds.workspaceId });

/** Every operation that acts on one data source, as the operation asks. */
export const DATA_SOURCE_ACTS: Record<string, DataSourceAct> = {
  GetDataSource: {
    ask: 'data-source',
    roles: MAY.useDataSources,
    activeWorkspace: true,
    params: byId,
  },
  ListDataSources: {
    ask: 'workspace',
    roles: MAY.listDataSources,
    activeWorkspace: true,
    params: byWorkspace,
  },
  UpdateDataSource: {
    ask: 'data-source',
    roles: MAY.updateDataSources,
    modifies: true,
    namesWorkspace: true,
    activeWorkspace: true,
    params: (ds) => ({ Id: ds.id, ProjectId: ds.workspaceId }),
  },
  DeleteDataSource: {
    ask: 'data-source',
    roles: MAY.manageDataSources,
    modifies: true,
    activeWorkspace: true,
    params: byId,
  },
  CloneDataSource: {
    ask: 'data-source',
    roles: MAY.manageDataSources,
    modifies: true,
    activeWorkspace: true,
    params: byId,
  },
  TestDataSourceConnectivity: {
    ask: 'data-source',
    roles: MAY.useDataSources,
    usesSecrets: true,
    namesWorkspace: true,
    activeWorkspace: true,
    params: (ds) => ({ DataSourceId: ds.id, ProjectId: ds.workspaceId }),
  },
  ResolveDataSource: {
    ask: 'resolution',
    roles: MAY.useDataSources,
    activeWorkspace: true,
    params: byWorkspace,
  },
  CreateDataSourceSharedRule: {
    ask: 'data-source',
    roles: MAY.manageWorkspace,
    modifies: true,
    activeWorkspace: true,
    params: byDataSourceId,
  },
  ListDataSourceSharedRules: {
    ask: 'data-source',
    roles: MAY.manageWorkspace,
    activeWorkspace: true,
    params: byDataSourceId,
  },
  ListDataSourceVersions: {
    ask: 'data-source',
    roles: MAY.useDataSources,
    deleted: true,
    params: byDataSourceId,
  },
  GetDataSourceVersion: {
    ask: 'data-source',
    roles: MAY.useDataSources,
    deleted: true,
    params: byDataSourceId,
  },
  DiffDataSourceVersions: {
    ask: 'data-source',
    roles: MAY.useDataSources,
    deleted: true,
    params: byDataSourceId,
  },
  RollbackDataSource: {
    ask: 'data-source',
    roles: MAY.updateDataSources,
    modifies: true,
    params: byId,
  },
  RestoreDataSource: {
    ask: 'data-source',
    roles: MAY.manageDataSources,
    modifies: true,
    deleted: true,
    params: byDataSourceId,
  },
  GetDataSourceDrift: { ask: 'workspace', roles: MAY.useDataSources, params: byWorkspace },
  PromoteDataSource: { ask: 'workspace', roles: MAY.updateDataSources, params: byWorkspace },
  ExplainDataSourceAccess: {
    ask: 'data-source',
    roles: MAY.updateDataSources,
    deleted: true,
    params: byDataSourceId,
  },
};
