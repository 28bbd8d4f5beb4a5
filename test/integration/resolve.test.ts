/**
 * ResolveDataSource and ListSharedDataSources on both dialects: who may use a data source (own
 * workspace roles, Tenant Owner, sharing rules for the whole workspace or one user, per
 * environment), that everyone else hears exactly what a missing data source answers, that a
 * consumer follows the source's changes and loses access with the rule or the source, and that
 * every resolution is audited without its secrets.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect } from '../helpers/harness.js';
import {
  callQuery,
  mysqlProperties,
  newDataSource,
  newSpace,
  PASSWORD,
  resolve,
  share,
  sharingScene,
} from '../helpers/sharing.js';
import { addMember, expectError, expectOk, newMember } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;
const dataSource = (b: Body) => b.DataSource as Body;

forEachDialect('resolving data sources', (t) => {
  it('returns an own data source with its secrets to the roles that use data sources', async () => {
    const c = t();
    const ws = await newSpace(c);
    const ds = await newDataSource(c, ws.id, { env: 'Prod', description: 'orders db' });
    for (const role of [
      'role_project_owner',
      'role_project_admin',
      'role_project_dev',
      'role_project_pe',
      'role_project_deploy',
    ]) {
      const key = await newMember(c, ws.id, [role]);
      const body = expectOk(await resolve(c, key, ws.id, ds.name, 'Prod'), role);
      assert.deepEqual(Object.keys(body).sort(), ['DataSource', 'RequestId']);
      const d = dataSource(body);
      assert.equal(d.Id, ds.id);
      assert.equal(d.Name, ds.name);
      assert.equal(d.Type, 'mysql');
      assert.equal(d.ConnectionPropertiesMode, 'UrlMode');
      assert.equal((d.ConnectionProperties as Body).password, PASSWORD);
      assert.equal((d.ConnectionProperties as Body).envType, 'Prod');
      assert.equal(d.ProjectId, ws.id);
      assert.equal(d.SourceProjectId, ws.id);
      assert.equal(d.Shared, false);
      assert.equal(d.EnvType, 'Prod');
      assert.equal(d.Description, 'orders db');
      assert.equal(typeof d.QualifiedName, 'string');
    }
    // The Tenant Owner, without being a member.
    const other = await newSpace(c, await c.newUser(c.root.tenantId, { tenantAdmin: true }));
    const own = await newDataSource(c, other.id, { env: 'Dev' });
    expectOk(await resolve(c, c.root, other.id, own.name, 'Dev'));
  });

  it('answers everyone else exactly as a missing data source', async () => {
    const c = t();
    const ws = await newSpace(c);
    const ds = await newDataSource(c, ws.id, { env: 'Dev' });
    const missing = await resolve(c, c.root, ws.id, 'no_such_name', 'Dev');
    expectError(missing, '1000010005', 404);

    const refused: Array<[string, Awaited<ReturnType<typeof resolve>>]> = [];
    for (const role of [
      'role_project_guest',
      'role_project_security',
      'role_project_erd',
      'role_project_data_analyst',
      'role_project_dg_admin',
    ]) {
      const key = await newMember(c, ws.id, [role]);
      refused.push([role, await resolve(c, key, ws.id, ds.name)]);
    }
    refused.push(['non-member', await resolve(c, await c.newUser(), ws.id, ds.name)]);
    const tenantAdmin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    refused.push(['tenant admin', await resolve(c, tenantAdmin, ws.id, ds.name)]);
    refused.push(['other tenant', await resolve(c, await c.newTenant(), ws.id, ds.name)]);
    refused.push(['wrong env', await resolve(c, c.root, ws.id, ds.name, 'Prod')]);
    const nowhere = await resolve(c, c.root, 999999, ds.name);
    refused.push(['missing workspace', nowhere]);
    for (const [who, r] of refused) {
      expectError(r, '1000010005', 404);
      assert.equal(
        r.body.Message,
        `The data source ${ds.name} does not exist or you cannot see it.`,
        who,
      );
    }
  });

  it('checks its parameters', async () => {
    const c = t();
    const ws = await newSpace(c);
    expectError(
      await callQuery(c, c.root, 'ResolveDataSource', { ProjectId: ws.id, EnvType: 'Dev' }),
      'MissingName',
      400,
    );
    expectError(
      await callQuery(c, c.root, 'ResolveDataSource', { ProjectId: ws.id, Name: 'x' }),
      'MissingEnvType',
      400,
    );
    expectError(await resolve(c, c.root, ws.id, 'a.b.c'), 'InvalidParameter.Name', 400);
    expectError(await resolve(c, c.root, ws.id, '1abc'), 'InvalidParameter.Name', 400);
    expectError(await resolve(c, c.root, ws.id, 'abc', 'Staging'), 'InvalidParameter.EnvType', 400);
  });

  it('is not allowed by the read-only policy (Forbidden.RAM)', async () => {
    const c = t();
    const ws = await newSpace(c);
    const ds = await newDataSource(c, ws.id);
    const reader = await c.newUser(c.root.tenantId, { policy: 'AliyunDataWorksReadOnlyAccess' });
    await addMember(c, ws.id, reader.userId, ['role_project_dev']);
    expectError(await resolve(c, reader, ws.id, ds.name), 'Forbidden.RAM', 403);
    // ListSharedDataSources is a List: the read-only policy allows it.
    expectOk(await callQuery(c, reader, 'ListSharedDataSources', { ProjectId: ws.id }, 'GET'));
  });

  it('a whole-workspace rule lets every member of the target use the shared name, in that environment', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    const guest = await newMember(c, target.id, ['role_project_guest']);
    const dev = await newMember(c, target.id, ['role_project_dev']);
    const outsider = await c.newUser();
    expectError(await resolve(c, dev, target.id, sharedName), '1000010005', 404);

    const rule = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    for (const key of [guest, dev, c.root]) {
      const d = dataSource(expectOk(await resolve(c, key, target.id, sharedName, 'Dev')));
      assert.equal(d.Id, ds.id);
      assert.equal(d.Name, sharedName);
      assert.equal(d.Shared, true);
      assert.equal(d.ProjectId, target.id);
      assert.equal(d.SourceProjectId, source.id);
      assert.equal((d.ConnectionProperties as Body).password, PASSWORD);
    }
    // Only the shared environment, only members of the target, only in the target.
    expectError(await resolve(c, dev, target.id, sharedName, 'Prod'), '1000010005', 404);
    expectError(await resolve(c, outsider, target.id, sharedName), '1000010005', 404);
    expectError(await resolve(c, dev, source.id, sharedName), '1000010005', 404);
    // A target member is no user of the source's own name.
    expectError(await resolve(c, dev, source.id, ds.name), '1000010005', 404);

    // After the rule is deleted, the name is gone.
    expectOk(await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: rule }));
    expectError(await resolve(c, guest, target.id, sharedName), '1000010005', 404);
  });

  it('a one-user rule lets that member only; it wins over a whole-workspace rule', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    const chosen = await newMember(c, target.id, ['role_project_guest']);
    const colleague = await newMember(c, target.id, ['role_project_admin']);
    const userRule = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Prod',
      SharedUser: chosen.userId,
    });
    // The Dev record shared into the target's Prod environment.
    const d = dataSource(expectOk(await resolve(c, chosen, target.id, sharedName, 'Prod')));
    assert.equal(d.Id, ds.id);
    assert.equal(d.EnvType, 'Prod');
    expectError(await resolve(c, colleague, target.id, sharedName, 'Prod'), '1000010005', 404);
    expectError(await resolve(c, chosen, target.id, sharedName, 'Dev'), '1000010005', 404);

    // Another record of the name for the whole workspace: the chosen user keeps its own rule.
    const prod = await newDataSource(c, source.id, {
      name: ds.name,
      env: 'Prod',
      password: 'other',
    });
    await share(c, { DataSourceId: prod.id, TargetProjectId: target.id, EnvType: 'Prod' });
    assert.equal(
      dataSource(expectOk(await resolve(c, chosen, target.id, sharedName, 'Prod'))).Id,
      ds.id,
    );
    assert.equal(
      dataSource(expectOk(await resolve(c, colleague, target.id, sharedName, 'Prod'))).Id,
      prod.id,
    );
    // The Tenant Owner, covered by every rule, sees what the whole workspace sees.
    assert.equal(
      dataSource(expectOk(await resolve(c, c.root, target.id, sharedName, 'Prod'))).Id,
      prod.id,
    );
    expectOk(await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: userRule }));
    assert.equal(
      dataSource(expectOk(await resolve(c, chosen, target.id, sharedName, 'Prod'))).Id,
      prod.id,
    );
  });

  it('a consumer sees the source’s new configuration, and nothing once the source is deleted', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    const consumer = await newMember(c, target.id, ['role_project_dev']);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    expectOk(
      await callQuery(c, c.root, 'UpdateDataSource', {
        Id: ds.id,
        ProjectId: source.id,
        ConnectionProperties: JSON.stringify(mysqlProperties('Dev', 'rotated-secret', '10.9.9.9')),
      }),
    );
    const props = dataSource(expectOk(await resolve(c, consumer, target.id, sharedName)))
      .ConnectionProperties as Body;
    assert.equal(props.password, 'rotated-secret');
    assert.deepEqual(props.address, [{ host: '10.9.9.9', port: 3306 }]);

    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
    expectError(await resolve(c, consumer, target.id, sharedName), '1000010005', 404);
  });

  it('a member who leaves the target loses a whole-workspace share', async () => {
    const c = t();
    const { target, ds, sharedName } = await sharingScene(c);
    const dev = await newMember(c, target.id, ['role_project_dev']);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    expectOk(await resolve(c, dev, target.id, sharedName));
    expectOk(
      await c.call(
        c.root,
        'DeleteProjectMember',
        { ProjectId: target.id, UserId: dev.userId },
        { method: 'POST', placement: 'body' },
      ),
    );
    expectError(await resolve(c, dev, target.id, sharedName), '1000010005', 404);
  });

  it('audits every resolution, answered or refused, without the secret', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    const consumer = await newMember(c, target.id, ['role_project_guest']);
    const rule = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    const ok = await resolve(c, consumer, target.id, sharedName);
    const refused = await resolve(c, consumer, target.id, sharedName, 'Prod');
    expectError(refused, '1000010005', 404);

    const events = async (requestId: unknown) =>
      expectOk(await callQuery(c, c.root, 'ListAuditEvents', { RequestId: String(requestId) }))
        .PagingInfo as Body;
    const [good] = (await events(ok.body.RequestId)).AuditEvents as Body[];
    assert.equal(good!.Action, 'ResolveDataSource');
    assert.equal(good!.Outcome, 'Success');
    assert.equal(good!.UserId, consumer.userId);
    assert.equal(good!.AccessKeyId, consumer.accessKeyId);
    assert.equal(good!.ProjectId, target.id);
    assert.deepEqual(good!.Targets, {
      DataSourceId: ds.id,
      SharedRuleId: rule,
      SourceProjectId: source.id,
    });
    assert.match(String(good!.Detail), /Shared/);
    const [bad] = (await events(refused.body.RequestId)).AuditEvents as Body[];
    assert.equal(bad!.Outcome, '1000010005');
    assert.equal(bad!.ProjectId, target.id);
    assert.deepEqual(bad!.Targets, {});
    assert.match(String(bad!.Detail), /EnvType=Prod/);
    for (const e of [good, bad]) assert.ok(!JSON.stringify(e).includes(PASSWORD));
  });
});

forEachDialect('listing shared data sources', (t) => {
  it('lists whole-workspace rules and the caller’s own, without connections', async () => {
    const c = t();
    const { source, target, ds, sharedName } = await sharingScene(c);
    const second = await newDataSource(c, source.id, { env: 'Prod' });
    const chosen = await newMember(c, target.id, ['role_project_dev']);
    const colleague = await newMember(c, target.id, ['role_project_guest']);
    const whole = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    const mine = await share(c, {
      DataSourceId: second.id,
      TargetProjectId: target.id,
      EnvType: 'Prod',
      SharedUser: chosen.userId,
    });
    const list = async (key: typeof chosen, env?: string) =>
      (
        expectOk(
          await callQuery(
            c,
            key,
            'ListSharedDataSources',
            { ProjectId: target.id, EnvType: env },
            'GET',
          ),
        ).PagingInfo as { SharedDataSources: Body[] }
      ).SharedDataSources;

    const forChosen = await list(chosen);
    assert.deepEqual(
      forChosen.map((e) => [e.SharedDataSourceName, e.EnvType, e.SharedRuleId, e.SharedUser]),
      [
        [sharedName, 'Dev', whole, ''],
        [`${source.name}.${second.name}`, 'Prod', mine, chosen.userId],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const entry = forChosen.find((e) => e.SharedRuleId === whole)!;
    assert.deepEqual(entry, {
      SharedDataSourceName: sharedName,
      DataSourceId: ds.id,
      SourceProjectId: source.id,
      SharedRuleId: whole,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      EnvType: 'Dev',
      SharedUser: '',
      CreateTime: entry.CreateTime,
    });
    assert.ok(!JSON.stringify(forChosen).includes(PASSWORD));

    assert.deepEqual(
      (await list(colleague)).map((e) => e.SharedRuleId),
      [whole],
    );
    assert.deepEqual(
      (await list(chosen, 'Prod')).map((e) => e.SharedRuleId),
      [mine],
    );
    assert.equal((await list(c.root)).length, 2);
    // Not a member of the target: refused by the role layer.
    expectError(
      await callQuery(
        c,
        await c.newUser(),
        'ListSharedDataSources',
        { ProjectId: target.id },
        'GET',
      ),
      'Forbidden.Access',
      403,
    );
    expectError(
      await callQuery(
        c,
        await c.newTenant(),
        'ListSharedDataSources',
        { ProjectId: target.id },
        'GET',
      ),
      '1101080008',
      404,
    );
  });
});

forEachDialect('ListSharedDataSources paging', (t) => {
  it('pages like every List: PageNumber, PageSize, TotalCount, the same limits', async () => {
    const c = t();
    const { source, target } = await sharingScene(c);
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ds = await newDataSource(c, source.id, { env: 'Dev', name: `shared_${i}` });
      await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
      names.push(`${source.name}.${ds.name}`);
    }
    const page = async (params: Record<string, number>) =>
      expectOk(
        await callQuery(
          c,
          c.root,
          'ListSharedDataSources',
          { ProjectId: target.id, ...params },
          'GET',
        ),
      ).PagingInfo as {
        PageNumber: number;
        PageSize: number;
        TotalCount: number;
        SharedDataSources: Array<{ SharedDataSourceName: string }>;
      };
    const first = await page({});
    assert.equal(first.PageNumber, 1);
    assert.equal(first.PageSize, 10);
    assert.equal(first.TotalCount, 3);
    assert.deepEqual(
      first.SharedDataSources.map((e) => e.SharedDataSourceName),
      names,
    );
    const two = await page({ PageNumber: 2, PageSize: 2 });
    assert.equal(two.TotalCount, 3);
    assert.equal(two.SharedDataSources.length, 1);
    assert.deepEqual(
      [...(await page({ PageSize: 2 })).SharedDataSources, ...two.SharedDataSources].map(
        (e) => e.SharedDataSourceName,
      ),
      first.SharedDataSources.map((e) => e.SharedDataSourceName),
    );
    assert.deepEqual((await page({ PageNumber: 3, PageSize: 2 })).SharedDataSources, []);
    for (const [params, code] of [
      [{ PageSize: 101 }, 'InvalidParameter.PageSize'],
      [{ PageNumber: 0 }, 'InvalidParameter.PageNumber'],
    ] as const) {
      expectError(
        await callQuery(
          c,
          c.root,
          'ListSharedDataSources',
          { ProjectId: target.id, ...params },
          'GET',
        ),
        code,
        400,
      );
    }
  });
});
