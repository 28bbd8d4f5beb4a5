/**
 * The data source workload the HTTP benchmarks share: a workspace with the record GetDataSource
 * reads and the names ListDataSources shows, and pools of signed GetDataSource, ListDataSources
 * and CreateDataSource requests for it.
 */
import { join } from 'node:path';
import { type SignedHttpRequest, signRequest } from '../test/helpers/signer.js';
import { type DshubServer, signPool } from './lib.js';
import { sampleConnection } from './sample-data-source.js';

/** Names in the listed workspace, each with a Dev and a Prod record: page 1 shows 20 of them. */
const LIST_NAMES = 30;

async function call(
  server: DshubServer,
  action: string,
  form: Record<string, string>,
  query: Record<string, string> = {},
) {
  const s = signRequest({
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
    action,
    method: 'POST',
    query,
    ...(Object.keys(form).length ? { form } : {}),
    host: `127.0.0.1:${server.port}`,
  });
  const res = await fetch(`http://127.0.0.1:${server.port}${s.url}`, {
    method: s.method,
    headers: s.headers,
    ...(s.payload ? { body: s.payload } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${action}: ${JSON.stringify(body)}`);
  return body;
}

function createQuery(projectId: string, name: string, envType: 'Dev' | 'Prod') {
  return {
    ProjectId: projectId,
    Name: name,
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: sampleConnection(envType, name),
    Description: 'benchmark record',
  };
}

export interface Setup {
  projectId: string;
  readId: string;
}

let workspaces = 0;
/** A standard-mode workspace, the record GetDataSource reads, and the names the list shows. */
export async function setUp(server: DshubServer): Promise<Setup> {
  const project = await call(server, 'CreateProject', {
    Name: `bench_ws_${++workspaces}`,
    DisplayName: 'bench',
    DevEnvironmentEnabled: 'true',
  });
  const projectId = String(project.Id);
  const ds = await call(
    server,
    'CreateDataSource',
    {},
    createQuery(projectId, 'orders_db', 'Prod'),
  );
  for (let i = 0; i < LIST_NAMES; i++) {
    const name = `listed_${String(i).padStart(3, '0')}`;
    await Promise.all([
      call(server, 'CreateDataSource', {}, createQuery(projectId, name, 'Dev')),
      call(server, 'CreateDataSource', {}, createQuery(projectId, name, 'Prod')),
    ]);
  }
  return { projectId, readId: String(ds.Id) };
}

function signer(server: DshubServer) {
  return { accessKeyId: server.accessKeyId, accessKeySecret: server.accessKeySecret };
}

export function getPool(server: DshubServer, s: Setup, n: number): SignedHttpRequest[] {
  const opts = { ...signer(server), action: 'GetDataSource', method: 'GET' as const };
  return signPool(n, { ...opts, query: { Id: s.readId } }, server.port);
}

export function listPool(server: DshubServer, s: Setup, n: number): SignedHttpRequest[] {
  const opts = { ...signer(server), action: 'ListDataSources', method: 'GET' as const };
  const query = { ProjectId: s.projectId, PageNumber: '1', PageSize: '20' };
  return signPool(n, { ...opts, query }, server.port);
}

let written = 0;
/** CreateDataSource as the SDK sends it (POST, everything in the query), each a new name. */
export function createPool(server: DshubServer, s: Setup, n: number): SignedHttpRequest[] {
  const pool: SignedHttpRequest[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = `written_${written++}`;
    pool[i] = signRequest({
      ...signer(server),
      action: 'CreateDataSource',
      method: 'POST',
      query: createQuery(s.projectId, name, 'Prod'),
      host: `127.0.0.1:${server.port}`,
    });
  }
  return pool;
}

/**
 * What the floor of a GetDataSource reads (bench/lib.ts FLOOR_SERVER): the record with its
 * workspace and the caller's role, by one prepared statement, from the server's SQLite file or,
 * given its URL, from the server's PostgreSQL database (where the floor claims its nonces too).
 */
export function floorRead(server: DshubServer, s: Setup, postgres?: string) {
  return {
    ...(postgres ? { postgres } : { file: join(server.dataDir, 'dshub.db') }),
    sql: `select d.*, p.tenant_id, p.status, p.dev_role_disabled, r.role_code
      from data_sources d join projects p on p.id = d.project_id
      left join project_member_roles r on r.project_id = d.project_id and r.user_id = ${postgres ? '$1' : '?'}
      where d.id = ${postgres ? '$2' : '?'}`,
    params: ['0', Number(s.readId)],
  };
}
