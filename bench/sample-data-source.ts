import type { TestContext } from '../test/helpers/harness.js';

/** The MySQL connection every benchmark's data sources use (no secret in it is real). */
export function sampleConnection(envType: 'Dev' | 'Prod' = 'Prod', database = 'orders'): string {
  return JSON.stringify({
    envType,
    address: [{ host: '127.0.0.1', port: 3306 }],
    database,
    username: 'app',
    password: 'not-a-real-password',
    properties: { useSSL: 'false', connectTimeout: '3000' },
  });
}

/**
 * A workspace and one Prod record in it (`orders_db`), for the in-process benchmarks; `extra`
 * adds parameters to either call.
 */
export async function sampleRecord(
  t: TestContext,
  extra: { project?: Record<string, string>; dataSource?: Record<string, string> } = {},
): Promise<{ projectId: number; dataSourceId: number }> {
  const project = await t.call(t.root, 'CreateProject', {
    Name: t.name('ws'),
    DisplayName: 'bench',
    ...extra.project,
  });
  const ds = await t.call(t.root, 'CreateDataSource', {
    ProjectId: Number(project.body.Id),
    Name: 'orders_db',
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: sampleConnection(),
    ...extra.dataSource,
  });
  if (project.status !== 200 || ds.status !== 200) {
    throw new Error(`set-up failed: ${JSON.stringify([project.body, ds.body])}`);
  }
  return { projectId: Number(project.body.Id), dataSourceId: Number(ds.body.Id) };
}
