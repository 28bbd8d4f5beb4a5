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

async function drifting(c: TestContext, projectId: number, extra: Body = {}) {
  const r = expectOk(
    await callQuery(
      c,
      c.root,
      'ListDataSources',
      { ProjectId: projectId, SortBy: 'Name', Order: 'Asc', PageSize: 100, ...extra },
      'GET',
    ),
  ).PagingInfo as { TotalCount: number; DataSources: { Name: string }[] };
  return { total: r.TotalCount, names: r.DataSources.map((d) => d.Name) };
}

forEachDialect('ListDataSources Drift filter', (t) => {
  it('keeps the drifting names, follows every change, and pages with a true TotalCount', async () => {
    const c = t();
    const ws = await newSpace(c);
    const same = (env: 'Dev' | 'Prod') => props('Dev', { envType: env, password: 'same-Secret' });
    await create(c, ws.id, 'a_suspicious', props('Dev', { driverVersion: '8.2.0' }));
    await create(c, ws.id, 'a_suspicious', props('Prod'));
    await create(c, ws.id, 'b_expected', props('Dev'));
    const bProd = await create(c, ws.id, 'b_expected', props('Prod'));
    const cDev = await create(c, ws.id, 'c_same', same('Dev'));
    await create(c, ws.id, 'c_same', same('Prod'));
    await create(c, ws.id, 'd_prod_only', props('Prod'));

    assert.deepEqual(await drifting(c, ws.id, { Drift: 'Any' }), {
      total: 2,
      names: ['a_suspicious', 'b_expected'],
    });
    assert.deepEqual(await drifting(c, ws.id, { Drift: 'suspicious' }), {
      total: 1,
      names: ['a_suspicious'],
    });
    // Combined with the other filters.
    assert.deepEqual((await drifting(c, ws.id, { Drift: 'Any', Name: 'EXPECT' })).names, [
      'b_expected',
    ]);
    assert.deepEqual((await drifting(c, ws.id, { Drift: 'Any', Types: 'hologres' })).names, []);

    // A secret changed in one environment is drift (expected); promote removes a suspicious one.
    expectOk(
      await callQuery(c, c.root, 'UpdateDataSource', {
        Id: cDev,
        ProjectId: ws.id,
        ConnectionProperties: JSON.stringify(same('Dev')).replace('same-Secret', 'other-Secret'),
      }),
    );
    expectOk(
      await callQuery(c, c.root, 'PromoteDataSource', {
        ProjectId: ws.id,
        Name: 'a_suspicious',
        Fields: '["ConnectionProperties.driverVersion"]',
      }),
    );
    assert.deepEqual((await drifting(c, ws.id, { Drift: 'Any' })).names, [
      'a_suspicious',
      'b_expected',
      'c_same',
    ]);
    assert.deepEqual((await drifting(c, ws.id, { Drift: 'Suspicious' })).total, 0);
    // A name left with one record drifts no more; restored, it does again.
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: bProd }, 'GET'));
    assert.ok(!(await drifting(c, ws.id, { Drift: 'Any' })).names.includes('b_expected'));
    expectOk(await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: bProd }));
    assert.ok((await drifting(c, ws.id, { Drift: 'Any' })).names.includes('b_expected'));
    // Rolled back to its first version, c's Dev record matches Prod again.
    expectOk(
      await callQuery(c, c.root, 'RollbackDataSource', {
        Id: cDev,
        ToVersion: 1,
        CurrentVersion: 2,
      }),
    );
    assert.ok(!(await drifting(c, ws.id, { Drift: 'Any' })).names.includes('c_same'));
  });

  it('pages deep through the drifting names only, in both orders', async () => {
    const c = t();
    const ws = await newSpace(c);
    const drifters: string[] = [];
    for (let i = 0; i < 23; i++) {
      const name = `n${String(i).padStart(2, '0')}`;
      await create(c, ws.id, name, props('Dev', { driverVersion: '8.2.0' }));
      await create(c, ws.id, name, props('Prod'));
      drifters.push(name);
      // Non-drifting names between them.
      await create(c, ws.id, `${name}_single`, props('Prod'));
    }
    for (const Order of ['Asc', 'Desc']) {
      const seen: string[] = [];
      for (let PageNumber = 1; PageNumber <= 4; PageNumber++) {
        const page = expectOk(
          await callQuery(
            c,
            c.root,
            'ListDataSources',
            {
              ProjectId: ws.id,
              Drift: 'Suspicious',
              SortBy: 'Name',
              Order,
              PageSize: 7,
              PageNumber,
            },
            'GET',
          ),
        ).PagingInfo as { TotalCount: number; DataSources: { Name: string }[] };
        assert.equal(page.TotalCount, 23);
        seen.push(...page.DataSources.map((d) => d.Name));
      }
      assert.deepEqual(seen, Order === 'Asc' ? drifters : [...drifters].reverse());
    }
  });

  it('computes drift not known yet (names from before migration 0011)', async () => {
    const c = t();
    const ws = await newSpace(c);
    await create(c, ws.id, 'old', props('Dev', { driverVersion: '5.1.49' }));
    await create(c, ws.id, 'old', props('Prod'));
    await c.services.db.kysely
      .updateTable('data_source_groups')
      .set({ drift: null })
      .where('project_id', '=', ws.id)
      .execute();
    assert.equal((await drifting(c, ws.id, { Drift: 'Any' })).total, 0);
    while ((await c.services.dataSources.backfillDrift()) > 0) {}
    assert.deepEqual((await drifting(c, ws.id, { Drift: 'Suspicious' })).names, ['old']);
  });

  it('combines with the Tags filter, and refuses an unknown Drift value', async () => {
    const c = t();
    const ws = await newSpace(c);
    const tagged = async (name: string, p: Body) =>
      expectOk(
        await callQuery(c, c.root, 'CreateDataSource', {
          ProjectId: ws.id,
          Name: name,
          Type: 'mysql',
          ConnectionPropertiesMode: 'UrlMode',
          ConnectionProperties: JSON.stringify(p),
          Tags: '["blue"]',
        }),
      );
    await tagged('x_drifts', props('Dev', { driverVersion: '8.2.0' }));
    await tagged('x_drifts', props('Prod'));
    await tagged('y_same', props('Prod'));
    await create(c, ws.id, 'z_untagged', props('Dev', { driverVersion: '8.2.0' }));
    await create(c, ws.id, 'z_untagged', props('Prod'));
    assert.deepEqual(await drifting(c, ws.id, { Drift: 'Suspicious', Tags: '["blue"]' }), {
      total: 1,
      names: ['x_drifts'],
    });
    expectError(
      await callQuery(c, c.root, 'ListDataSources', { ProjectId: ws.id, Drift: 'Yes' }, 'GET'),
      'InvalidParameter.Drift',
      400,
    );
  });
});
