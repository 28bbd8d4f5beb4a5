/**
 * Named builders for clone, sharing and resolution tests, through the API as the SDK sends it
 * (data source and sharing operations: every field in the URL query).
 */
import type { ApiResult, Key, TestContext } from './harness.js';
import { expectOk, newWorkspace, type Params } from './workspaces.js';

export const PASSWORD = 'S3cr3t-Pa55w0rd!';

/** Calls a data source or sharing operation as the SDK does: all fields in the query. */
export function callQuery(
  c: TestContext,
  key: Key,
  action: string,
  params: Params = {},
  method: 'GET' | 'POST' = 'POST',
): Promise<ApiResult> {
  return c.call(key, action, params, { method, placement: 'query' });
}

export interface Space {
  id: number;
  name: string;
}

/** A workspace with a known name; standard mode (Dev and Prod) unless `basic`. */
export async function newSpace(
  c: TestContext,
  key: Key = c.root,
  opts: { basic?: boolean } = {},
): Promise<Space> {
  const name = c.name('ws').slice(0, 28);
  const id = await newWorkspace(c, key, {
    Name: name,
    DevEnvironmentEnabled: !opts.basic,
  });
  return { id, name };
}

export function mysqlProperties(env: 'Dev' | 'Prod', password = PASSWORD, host = '10.0.0.1') {
  return {
    envType: env,
    address: [{ host, port: 3306 }],
    database: 'orders',
    username: 'app',
    password,
  };
}

export interface DataSourceOptions {
  name?: string;
  env?: 'Dev' | 'Prod';
  password?: string;
  description?: string;
}

/** Creates a MySQL data source record; returns its id and name. */
export async function newDataSource(
  c: TestContext,
  projectId: number,
  opts: DataSourceOptions = {},
  key: Key = c.root,
): Promise<{ id: number; name: string }> {
  const name = opts.name ?? c.name('ds');
  const body = expectOk(
    await callQuery(c, key, 'CreateDataSource', {
      ProjectId: projectId,
      Name: name,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify(mysqlProperties(opts.env ?? 'Dev', opts.password)),
      Description: opts.description,
    }),
    'CreateDataSource',
  );
  return { id: body.Id as number, name };
}

export function shareRule(
  c: TestContext,
  key: Key,
  params: {
    DataSourceId: number;
    TargetProjectId: number;
    EnvType: string;
    SharedUser?: string;
    ExpireTime?: number;
  },
): Promise<ApiResult> {
  return callQuery(c, key, 'CreateDataSourceSharedRule', params);
}

/** Shares and returns the rule id. */
export async function share(
  c: TestContext,
  params: { DataSourceId: number; TargetProjectId: number; EnvType: string; SharedUser?: string },
  key: Key = c.root,
): Promise<number> {
  return expectOk(await shareRule(c, key, params), 'CreateDataSourceSharedRule').Id as number;
}

export function listRules(
  c: TestContext,
  key: Key,
  params: { DataSourceId: number; TargetProjectId?: number },
): Promise<ApiResult> {
  return callQuery(c, key, 'ListDataSourceSharedRules', params, 'GET');
}

export function resolve(
  c: TestContext,
  key: Key,
  projectId: number,
  name: string,
  envType = 'Dev',
): Promise<ApiResult> {
  return callQuery(c, key, 'ResolveDataSource', {
    ProjectId: projectId,
    Name: name,
    EnvType: envType,
  });
}

/** A source workspace holding one Dev data source, and a target workspace, both standard mode. */
export async function sharingScene(c: TestContext) {
  const source = await newSpace(c);
  const target = await newSpace(c);
  const ds = await newDataSource(c, source.id, { env: 'Dev' });
  return { source, target, ds, sharedName: `${source.name}.${ds.name}` };
}
