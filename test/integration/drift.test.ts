/**
 * Dev/Prod drift and promote (extensions) on both dialects: differences classified as expected
 * or suspicious, secrets compared without being shown, and a promote that copies chosen fields
 * (a secret included) in one audited transaction that writes a version.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import { callQuery, newSpace } from '../helpers/sharing.js';
import { expectError, expectOk, newMember } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;

function props(env: 'Dev' | 'Prod', over: Body = {}) {
  return {
    envType: env,
    address: [{ host: env === 'Dev' ? '10.0.0.1' : '10.0.0.2', port: 3306 }],
    database: env === 'Dev' ? 'orders_dev' : 'orders',
    username: 'app',
    password: env === 'Dev' ? 'dev-Secret-1' : 'prod-Secret-2',
    ...over,
  };
}

async function create(c: TestContext, projectId: number, name: string, p: Body) {
  return expectOk(
    await callQuery(c, c.root, 'CreateDataSource', {
      ProjectId: projectId,
      Name: name,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify(p),
    }),
  ).Id as number;
}

async function drift(c: TestContext, projectId: number, name: string) {
  return expectOk(
    await callQuery(c, c.root, 'GetDataSourceDrift', { ProjectId: projectId, Name: name }, 'GET'),
  ).Drift as Body;
}

forEachDialect('Dev/Prod drift and promote', (t) => {
  it('classifies differences, never shows a secret, and reports a one-sided name', async () => {
    const c = t();
    const ws = await newSpace(c);
    const devId = await create(c, ws.id, 'orders', props('Dev', { driverVersion: '8.2.0' }));
    const prodId = await create(c, ws.id, 'orders', props('Prod'));
    const d = await drift(c, ws.id, 'orders');
    assert.equal(d.DevDataSourceId, devId);
    assert.equal(d.ProdDataSourceId, prodId);
    assert.equal(d.Drifting, true);
    assert.equal(d.Suspicious, true);
    assert.ok(!JSON.stringify(d).includes('Secret-'));
    const byField = new Map((d.Differences as Body[]).map((x) => [x.Field, x]));
    assert.deepEqual(byField.get('ConnectionProperties.database'), {
      Field: 'ConnectionProperties.database',
      Change: 'changed',
      Secret: false,
      Kind: 'expected',
      Dev: 'orders_dev',
      Prod: 'orders',
    });
    assert.equal(byField.get('ConnectionProperties.address[0].host')?.Kind, 'expected');
    assert.deepEqual(byField.get('ConnectionProperties.password'), {
      Field: 'ConnectionProperties.password',
      Change: 'changed',
      Secret: true,
      Kind: 'expected',
    });
    assert.deepEqual(byField.get('ConnectionProperties.driverVersion'), {
      Field: 'ConnectionProperties.driverVersion',
      Change: 'removed',
      Secret: false,
      Kind: 'suspicious',
      Dev: '8.2.0',
    });
    assert.ok(!byField.has('ConnectionProperties.username'));
    assert.ok(!byField.has('EnvType'));

    await create(c, ws.id, 'lonely', props('Dev'));
    const lonely = await drift(c, ws.id, 'lonely');
    assert.equal(lonely.Drifting, false);
    assert.equal('ProdDataSourceId' in lonely, false);
    expectError(
      await callQuery(
        c,
        c.root,
        'GetDataSourceDrift',
        { ProjectId: ws.id, Name: 'nothing' },
        'GET',
      ),
      '1000010005',
      404,
    );
  });

  it('promotes chosen fields Dev → Prod (a secret too) as one audited change with a version', async () => {
    const c = t();
    const ws = await newSpace(c);
    await create(c, ws.id, 'orders', props('Dev', { driverVersion: '8.2.0' }));
    const prodId = await create(c, ws.id, 'orders', props('Prod'));
    const r = expectOk(
      await callQuery(c, c.root, 'PromoteDataSource', {
        ProjectId: ws.id,
        Name: 'orders',
        Fields: JSON.stringify([
          'ConnectionProperties.driverVersion',
          'ConnectionProperties.password',
        ]),
      }),
    );
    assert.deepEqual([r.DataSourceId, r.Version], [prodId, 2]);
    const revealed = await c.services.dataSources.reveal(c.services.db.kysely, { id: prodId });
    assert.equal(revealed?.properties.password, 'dev-Secret-1');
    assert.equal(revealed?.properties.driverVersion, '8.2.0');
    assert.equal(revealed?.properties.database, 'orders');
    const d = await drift(c, ws.id, 'orders');
    assert.equal(d.Suspicious, false);
    assert.ok(!(d.Differences as Body[]).some((x) => x.Field === 'ConnectionProperties.password'));
    const versions = expectOk(
      await callQuery(c, c.root, 'ListDataSourceVersions', { DataSourceId: prodId }, 'GET'),
    ).PagingInfo as Body;
    const [latest] = versions.Versions as Body[];
    assert.equal(latest!.Change, 'Promote');
    const events = await c.services.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'request_id'])
      .where('action', '=', 'PromoteDataSource')
      .where('outcome', '=', 'Success')
      .execute();
    assert.ok(events.some((e) => e.request_id === latest!.RequestId));
    assert.ok(!JSON.stringify(events).includes('Secret-'));
  });

  it('refuses bad fields, a one-sided name, and callers without the update roles', async () => {
    const c = t();
    const ws = await newSpace(c);
    await create(c, ws.id, 'orders', props('Dev'));
    const base = { ProjectId: ws.id, Name: 'orders' };
    expectError(
      await callQuery(c, c.root, 'PromoteDataSource', {
        ...base,
        Fields: '["ConnectionProperties.database"]',
      }),
      'InvalidParameter.Name',
      400,
    );
    await create(c, ws.id, 'orders', props('Prod'));
    for (const f of ['["ConnectionProperties.envType"]', '["Type"]', '[]', 'nope']) {
      expectError(
        await callQuery(c, c.root, 'PromoteDataSource', { ...base, Fields: f }),
        'InvalidParameter.Fields',
        400,
      );
    }
    const dev = await newMember(c, ws.id, ['role_project_dev']);
    expectError(
      await callQuery(c, dev, 'PromoteDataSource', { ...base, Fields: '["Description"]' }),
      'Forbidden.Access',
      403,
    );
    expectOk(await callQuery(c, dev, 'GetDataSourceDrift', base, 'GET'));
    const other = await c.newTenant();
    expectError(await callQuery(c, other, 'GetDataSourceDrift', base, 'GET'), '1101080008', 404);
  });
});
