/**
 * A workspace whose Status is Forbidden (UpdateProject): data source calls are refused with
 * Forbidden.Workspace, workspace operations keep working, a data source shared out of it stops
 * resolving, and enabling it again restores everything. The per-operation, per-actor answers
 * are in the permission matrix (FORBIDDEN_MATRIX).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import { callQuery, resolve, share, sharingScene } from '../helpers/sharing.js';
import { callBody, expectError, expectOk } from '../helpers/workspaces.js';

function setStatus(c: TestContext, id: number, status: 'Available' | 'Forbidden') {
  return callBody(c, c.root, 'UpdateProject', { Id: id, Status: status });
}

forEachDialect('Forbidden workspace', (t) => {
  it('refuses data source calls, keeps workspace calls, and recovers when enabled', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    expectOk(await resolve(c, c.root, target.id, sharedName));

    expectOk(await setStatus(c, source.id, 'Forbidden'));
    const get = await callQuery(c, c.root, 'GetDataSource', { Id: ds.id }, 'GET');
    expectError(get, 'Forbidden.Workspace', 403);
    assert.match(String(get.body.Message), /disabled \(Status Forbidden\)/);
    expectError(
      await callQuery(c, c.root, 'ListDataSources', { ProjectId: source.id }, 'GET'),
      'Forbidden.Workspace',
      403,
    );
    // Shared out of a disabled workspace: no longer served in the target.
    expectError(await resolve(c, c.root, target.id, sharedName), 'Forbidden.Workspace', 403);
    // The target itself is fine.
    expectOk(await callQuery(c, c.root, 'ListDataSources', { ProjectId: target.id }, 'GET'));
    // Workspace operations keep working.
    const project = expectOk(await callBody(c, c.root, 'GetProject', { Id: source.id }))
      .Project as { Status: string };
    assert.equal(project.Status, 'Forbidden');
    expectOk(await callBody(c, c.root, 'ListProjectMembers', { ProjectId: source.id }));

    expectOk(await setStatus(c, source.id, 'Available'));
    expectOk(await callQuery(c, c.root, 'GetDataSource', { Id: ds.id }, 'GET'));
    expectOk(await resolve(c, c.root, target.id, sharedName));
  });

  it('a refused call is in the audit trail with its code', async () => {
    const c = t();
    const { source } = await sharingScene(c);
    expectOk(await setStatus(c, source.id, 'Forbidden'));
    const r = await callQuery(c, c.root, 'CreateDataSource', {
      ProjectId: source.id,
      Name: c.name('ds'),
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify({
        envType: 'Dev',
        address: [{ host: '10.0.0.1', port: 3306 }],
        database: 'd',
        username: 'u',
        password: 'p',
      }),
    });
    expectError(r, 'Forbidden.Workspace', 403);
    const events = await c.services.audit.list({
      tenantId: c.root.tenantId!,
      requestId: String(r.body.RequestId),
      pageNumber: 1,
      pageSize: 10,
    });
    assert.equal(events.events[0]?.outcome, 'Forbidden.Workspace');
    assert.equal(events.events[0]?.project_id, source.id);
  });
});
