/**
 * Regression (issue: policies were silently wider than written): a custom policy's Resource was
 * accepted but not evaluated and its Condition dropped. Through the signed endpoint, on both
 * stores: a policy naming one workspace allows only that workspace (data sources included, by
 * their workspace), a source-IP condition is evaluated, and what cannot be evaluated is refused
 * when the policy is attached.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { addMember, newWorkspace, STANDARD_MODE } from '../../helpers/workspaces.js';

const PROPS = JSON.stringify({
  envType: 'Prod',
  address: [{ host: 'db.example.com', port: '3306' }],
  database: 'shop',
  username: 'app',
  password: 'pw-123456',
});

async function source(c: TestContext, projectId: number): Promise<number> {
  const r = await c.call(c.root, 'CreateDataSource', {
    ProjectId: projectId,
    Name: c.name('ds'),
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: PROPS,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.Id as number;
}

async function userWithPolicy(c: TestContext, document: unknown, workspaces: number[]) {
  const key = await c.newUser(c.root.tenantId, { policy: null });
  await c.services.identity.attachPolicy(key.userId, c.name('pol'), JSON.stringify(document));
  for (const ws of workspaces) await addMember(c, ws, key.userId, ['role_project_admin']);
  return key;
}

forEachDialect('policy Resource and Condition are evaluated', (t) => {
  it('Allow on workspace/A: A and its data sources yes, B and its data sources no', async () => {
    const c = t();
    const a = await newWorkspace(c, c.root, STANDARD_MODE);
    const b = await newWorkspace(c, c.root, STANDARD_MODE);
    const dsA = await source(c, a);
    const dsB = await source(c, b);
    const key = await userWithPolicy(
      c,
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dataworks:*',
            Resource: `acs:dataworks:*:*:workspace/${a}`,
          },
        ],
      },
      [a, b],
    );
    const list = (ws: number) =>
      c.call(key, 'ListDataSources', { ProjectId: ws }, { method: 'GET' });
    const get = (id: number) => c.call(key, 'GetDataSource', { Id: id }, { method: 'GET' });
    const okList = await list(a);
    assert.equal(okList.status, 200, JSON.stringify(okList.body));
    const okGet = await get(dsA);
    assert.equal(okGet.status, 200, JSON.stringify(okGet.body));
    const denied = await list(b);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal(denied.body.Code, 'Forbidden.RAM');
    assert.equal((await get(dsB)).body.Code, 'Forbidden.RAM');
    assert.equal(
      (await c.call(key, 'DeleteDataSource', { Id: dsB }, { method: 'GET' })).status,
      403,
    );
    assert.equal(
      (await c.call(c.root, 'GetDataSource', { Id: dsB }, { method: 'GET' })).status,
      200,
    );
  });

  it('Allow with IpAddress acs:SourceIp: 127.0.0.1 passes 127.0.0.0/8, not 10.0.0.0/8', async () => {
    const c = t();
    const ws = await newWorkspace(c, c.root, STANDARD_MODE);
    const allowed = await userWithPolicy(
      c,
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dataworks:*',
            Condition: { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] } },
          },
        ],
      },
      [ws],
    );
    const elsewhere = await userWithPolicy(
      c,
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dataworks:*',
            Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
          },
        ],
      },
      [ws],
    );
    const call = (key: typeof allowed) =>
      c.call(key, 'ListDataSources', { ProjectId: ws }, { method: 'GET' });
    assert.equal((await call(allowed)).status, 200);
    const r = await call(elsewhere);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'Forbidden.RAM');
  });

  it('refuses at attach time what it cannot evaluate, and attaches nothing', async () => {
    const c = t();
    const key = await c.newUser(c.root.tenantId, { policy: null });
    for (const document of [
      { Statement: [{ Effect: 'Allow', Action: '*', Resource: 'acs:oss:*:*:bucket/x' }] },
      {
        Statement: [
          { Effect: 'Allow', Action: '*', Condition: { DateLessThan: { 'acs:CurrentTime': 'x' } } },
        ],
      },
      { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'dataworks:Delete*' }] },
    ]) {
      await assert.rejects(
        c.services.identity.attachPolicy(key.userId, c.name('pol'), JSON.stringify(document)),
        /cannot be evaluated|Unrecognized|NotAction/,
      );
    }
    const r = await c.call(key, 'ListProjects', {}, { method: 'GET' });
    assert.equal(r.body.Code, 'Forbidden.RAM');
  });
});
