/**
 * CreateDataSourceSharedRule, ListDataSourceSharedRules, DeleteDataSourceSharedRule on both
 * dialects: the seed's example reproduced field by field, every error, the roles of each side,
 * and the rules going with their data source, workspaces and members.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import {
  callQuery,
  listRules,
  newDataSource,
  newSpace,
  share,
  shareRule,
  sharingScene,
} from '../helpers/sharing.js';
import { addMember, callBody, expectError, expectOk, newMember } from '../helpers/workspaces.js';

/** The seed's success example (DataWorks' documented success example). */
const SEED_RULE = {
  Id: 101412,
  DataSourceId: 265133,
  SharedDataSourceName: 'targetProject.datasource',
  SourceProjectId: 106560,
  TargetProjectId: 106561,
  SharedUser: '1107550004253538',
  EnvType: 'Dev',
  CreateTime: 1724379762000,
  CreateUser: '1107550****',
};

forEachDialect('sharing rules', (t) => {
  it('reproduces the seed example: share to a user, list, every field and type', async () => {
    const c = t();
    const { source, target, ds } = await sharingScene(c);
    const user = await newMember(c, target.id, ['role_project_dev']);
    const created = expectOk(
      await shareRule(c, c.root, {
        DataSourceId: ds.id,
        TargetProjectId: target.id,
        EnvType: 'Dev',
        SharedUser: user.userId,
      }),
    );
    assert.deepEqual(Object.keys(created).sort(), ['Id', 'RequestId']);
    assert.equal(typeof created.Id, 'number');
    assert.equal(typeof created.RequestId, 'string');

    const before = Date.now();
    const body = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }));
    assert.deepEqual(Object.keys(body).sort(), ['DataSourceSharedRules', 'RequestId']);
    const rules = body.DataSourceSharedRules as Record<string, unknown>[];
    assert.equal(rules.length, 1);
    const rule = rules[0]!;
    assert.deepEqual(Object.keys(rule).sort(), Object.keys(SEED_RULE).sort());
    for (const [k, v] of Object.entries(SEED_RULE)) {
      assert.equal(typeof rule[k], typeof v, `${k} is a ${typeof v}`);
    }
    assert.deepEqual(rule, {
      Id: created.Id,
      DataSourceId: ds.id,
      SharedDataSourceName: `${source.name}.${ds.name}`,
      SourceProjectId: source.id,
      TargetProjectId: target.id,
      SharedUser: user.userId,
      EnvType: 'Dev',
      CreateTime: rule.CreateTime,
      CreateUser: c.root.userId,
    });
    // A UNIX timestamp in milliseconds, like the seed's 1724379762000.
    assert.ok(Number.isInteger(rule.CreateTime));
    assert.ok((rule.CreateTime as number) > 1.6e12 && (rule.CreateTime as number) <= before);
    assert.ok((created.Id as number) > 100000, 'rule ids look like DataWorks ones');
  });

  it('shares to the whole workspace with SharedUser "" or omitted; filters by TargetProjectId', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const other = await newSpace(c);
    const whole = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Prod',
      SharedUser: '',
    });
    const second = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: other.id,
      EnvType: 'Dev',
    });
    const all = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }))
      .DataSourceSharedRules as Record<string, unknown>[];
    assert.deepEqual(
      all.map((r) => [r.Id, r.TargetProjectId, r.SharedUser, r.EnvType]),
      [
        [whole, target.id, '', 'Prod'],
        [second, other.id, '', 'Dev'],
      ],
    );
    const filtered = expectOk(
      await listRules(c, c.root, { DataSourceId: ds.id, TargetProjectId: other.id }),
    ).DataSourceSharedRules as Record<string, unknown>[];
    assert.deepEqual(
      filtered.map((r) => r.Id),
      [second],
    );
    const none = expectOk(
      await listRules(c, c.root, { DataSourceId: ds.id, TargetProjectId: 999999 }),
    );
    assert.deepEqual(none.DataSourceSharedRules, []);
  });

  it('accepts EnvType in any letter case and answers it in its declared spelling', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'prod' });
    const [rule] = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }))
      .DataSourceSharedRules as Record<string, unknown>[];
    assert.equal(rule!.EnvType, 'Prod');
  });

  it('a shared data source cannot be updated or deleted from the target (Forbidden.Shared)', async () => {
    const c = t();
    const { source, target, ds } = await sharingScene(c);
    const targetOwner = await newMember(c, target.id, ['role_project_owner']);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    const props = JSON.stringify({
      envType: 'Dev',
      address: [{ host: 'db.example', port: 3306 }],
      database: 'x',
      username: 'u',
      password: 'p',
    });
    for (const ProjectId of [target.id, source.id]) {
      const update = await callQuery(c, targetOwner, 'UpdateDataSource', {
        Id: ds.id,
        ProjectId,
        ConnectionProperties: props,
      });
      expectError(update, 'Forbidden.Shared', 403);
    }
    expectError(
      await callQuery(c, targetOwner, 'DeleteDataSource', { Id: ds.id }, 'GET'),
      'Forbidden.Shared',
      403,
    );
    // Its owners still can.
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
  });

  it('refuses missing and malformed parameters', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    for (const name of ['DataSourceId', 'TargetProjectId', 'EnvType'] as const) {
      const params: Record<string, string | number> = { ...base };
      delete params[name];
      expectError(
        await callQuery(c, c.root, 'CreateDataSourceSharedRule', params),
        `Missing${name}`,
        400,
      );
    }
    expectError(
      await shareRule(c, c.root, { ...base, EnvType: 'Test' }),
      'InvalidParameter.EnvType',
      400,
    );
    expectError(
      await callQuery(c, c.root, 'CreateDataSourceSharedRule', { ...base, DataSourceId: 'abc' }),
      'InvalidParameter.DataSourceId',
      400,
    );
    expectError(
      await callQuery(c, c.root, 'ListDataSourceSharedRules', {}, 'GET'),
      'MissingDataSourceId',
      400,
    );
    expectError(await callQuery(c, c.root, 'DeleteDataSourceSharedRule', {}), 'MissingId', 400);
  });

  it('refuses sharing to the own workspace', async () => {
    const c = t();
    const { source, ds } = await sharingScene(c);
    const r = await shareRule(c, c.root, {
      DataSourceId: ds.id,
      TargetProjectId: source.id,
      EnvType: 'Dev',
    });
    expectError(r, 'InvalidParameter.TargetProjectId', 400);
    assert.match(String(r.body.Message), /own workspace/);
  });

  it('refuses a missing target, another tenant’s target, and Dev in a basic-mode target', async () => {
    const c = t();
    const { ds } = await sharingScene(c);
    expectError(
      await shareRule(c, c.root, { DataSourceId: ds.id, TargetProjectId: 987654, EnvType: 'Dev' }),
      '1101080008',
      404,
    );
    const stranger = await c.newTenant();
    const foreign = await newSpace(c, stranger);
    expectError(
      await shareRule(c, c.root, {
        DataSourceId: ds.id,
        TargetProjectId: foreign.id,
        EnvType: 'Prod',
      }),
      '1101080008',
      404,
    );
    const basic = await newSpace(c, c.root, { basic: true });
    const r = await shareRule(c, c.root, {
      DataSourceId: ds.id,
      TargetProjectId: basic.id,
      EnvType: 'Dev',
    });
    expectError(r, 'InvalidParameter.EnvType', 400);
    assert.match(String(r.body.Message), /basic mode/);
    // Prod exists in every workspace; the Dev record may be shared into it.
    await share(c, { DataSourceId: ds.id, TargetProjectId: basic.id, EnvType: 'Prod' });
  });

  it('refuses a SharedUser who is not a member (1101080166) or not in the tenant (400010)', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const outsider = await c.newUser();
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    expectError(
      await shareRule(c, c.root, { ...base, SharedUser: outsider.userId }),
      '1101080166',
      404,
    );
    const stranger = await c.newTenant();
    expectError(
      await shareRule(c, c.root, { ...base, SharedUser: stranger.userId }),
      '400010',
      403,
    );
    expectError(
      await shareRule(c, c.root, { ...base, SharedUser: '1234567890123456' }),
      '400010',
      403,
    );
  });

  it('refuses the same rule twice, and a second record of the same name into one environment (409)', async () => {
    const c = t();
    const { source, target, ds } = await sharingScene(c);
    const user = await newMember(c, target.id, ['role_project_guest']);
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    const first = await share(c, base);
    const again = await shareRule(c, c.root, base);
    expectError(again, 'Conflict.SharedRule', 409);
    assert.match(String(again.body.Message), new RegExp(`rule ${first}`));
    const u = await share(c, { ...base, SharedUser: user.userId });
    expectError(
      await shareRule(c, c.root, { ...base, SharedUser: user.userId }),
      'Conflict.SharedRule',
      409,
    );
    assert.notEqual(u, first);
    // The Prod record of the same name into the target's Dev would make the name ambiguous.
    const prod = await newDataSource(c, source.id, { name: ds.name, env: 'Prod' });
    const clash = await shareRule(c, c.root, { ...base, DataSourceId: prod.id });
    expectError(clash, 'Conflict.SharedRule', 409);
    assert.match(String(clash.body.Message), /resolves to one record per environment/);
    // Into Prod it is fine.
    await share(c, { ...base, DataSourceId: prod.id, EnvType: 'Prod' });
  });

  it('of two concurrent identical rules exactly one is created', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    const results = await Promise.all([1, 2, 3].map(() => shareRule(c, c.root, base)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
    const rules = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }))
      .DataSourceSharedRules as unknown[];
    assert.equal(rules.length, 1);
  });

  it('answers 1000010005 for a missing data source and another tenant’s', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    expectError(
      await shareRule(c, c.root, { DataSourceId: 1, TargetProjectId: target.id, EnvType: 'Dev' }),
      '1000010005',
      404,
    );
    expectError(await listRules(c, c.root, { DataSourceId: 1 }), '1000010005', 404);
    const stranger = await c.newTenant();
    const theirs = await newSpace(c, stranger);
    expectError(
      await shareRule(c, stranger, {
        DataSourceId: ds.id,
        TargetProjectId: theirs.id,
        EnvType: 'Dev',
      }),
      '1000010005',
      404,
    );
    expectError(await listRules(c, stranger, { DataSourceId: ds.id }), '1000010005', 404);
  });

  it('needs a sharing role in both workspaces to create, the source to list, either to delete', async () => {
    const c = t();
    const { source, target, ds } = await sharingScene(c);
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    // Administrator of the source only: refused by the target.
    const srcAdmin = await newMember(c, source.id, ['role_project_admin']);
    const r1 = await shareRule(c, srcAdmin, base);
    expectError(r1, 'Forbidden.Access', 403);
    await addMember(c, target.id, srcAdmin.userId, ['role_project_owner']);
    const rule = await share(c, base, srcAdmin);
    // O&M may manage data sources but not share them.
    const pe = await newMember(c, source.id, ['role_project_pe']);
    await addMember(c, target.id, pe.userId, ['role_project_admin']);
    expectError(await shareRule(c, pe, { ...base, EnvType: 'Prod' }), 'Forbidden.Access', 403);
    expectError(await listRules(c, pe, { DataSourceId: ds.id }), 'Forbidden.Access', 403);
    // A Tenant Administrator holds the role everywhere in the tenant.
    const tenantAdmin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    await share(c, { ...base, EnvType: 'Prod' }, tenantAdmin);
    expectOk(await listRules(c, tenantAdmin, { DataSourceId: ds.id }));
    // The target's administrator lists nothing of the source's…
    const tgtAdmin = await newMember(c, target.id, ['role_project_admin']);
    expectError(await listRules(c, tgtAdmin, { DataSourceId: ds.id }), 'Forbidden.Access', 403);
    // …but may delete a rule sharing into its workspace (declining the share).
    const dev = await newMember(c, source.id, ['role_project_dev']);
    expectError(
      await callQuery(c, dev, 'DeleteDataSourceSharedRule', { Id: rule }),
      'Forbidden.Access',
      403,
    );
    expectOk(await callQuery(c, tgtAdmin, 'DeleteDataSourceSharedRule', { Id: rule }));
  });

  it('deletes a rule; a missing or foreign rule answers 1000011038', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const rule = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    const stranger = await c.newTenant();
    expectError(
      await callQuery(c, stranger, 'DeleteDataSourceSharedRule', { Id: rule }),
      '1000011038',
      404,
    );
    const ok = expectOk(await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: rule }));
    assert.deepEqual(Object.keys(ok).sort(), ['RequestId', 'Success']);
    assert.equal(ok.Success, true);
    expectError(
      await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: rule }),
      '1000011038',
      404,
    );
    assert.deepEqual(
      expectOk(await listRules(c, c.root, { DataSourceId: ds.id })).DataSourceSharedRules,
      [],
    );
  });

  it('rules go with their data source: the list then answers 1000010005', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const rule = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
    expectError(await listRules(c, c.root, { DataSourceId: ds.id }), '1000010005', 404);
    expectError(
      await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: rule }),
      '1000011038',
      404,
    );
    assert.equal(await countRules(c, rule), 0);
  });

  it('rules go with the target workspace, the source workspace and the shared user’s membership', async () => {
    const c = t();
    const { source, target, ds } = await sharingScene(c);
    const other = await newSpace(c);
    const user = await newMember(c, other.id, ['role_project_dev']);
    const toTarget = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
    });
    const toUser = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: other.id,
      EnvType: 'Dev',
      SharedUser: user.userId,
    });
    const toOther = await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: other.id,
      EnvType: 'Prod',
    });

    expectOk(await callBody(c, c.root, 'DeleteProject', { Id: target.id }));
    assert.equal(await countRules(c, toTarget), 0);
    expectOk(
      await callBody(c, c.root, 'DeleteProjectMember', {
        ProjectId: other.id,
        UserId: user.userId,
      }),
    );
    assert.equal(await countRules(c, toUser), 0);
    assert.equal(await countRules(c, toOther), 1);
    expectOk(await callBody(c, c.root, 'DeleteProject', { Id: source.id }));
    assert.equal(await countRules(c, toOther), 0);
  });

  it('a shared data source cannot be re-shared from the target workspace (Forbidden.Shared)', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const third = await newSpace(c);
    const admin = await newMember(c, target.id, ['role_project_admin']);
    await addMember(c, third.id, admin.userId, ['role_project_admin']);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    const r = await shareRule(c, admin, {
      DataSourceId: ds.id,
      TargetProjectId: third.id,
      EnvType: 'Dev',
    });
    expectError(r, 'Forbidden.Shared', 403);
  });
});

async function countRules(c: TestContext, id: number): Promise<number> {
  const rows = await c.services.db.kysely
    .selectFrom('data_source_shared_rules')
    .select('id')
    .where('id', '=', id)
    .execute();
  return rows.length;
}
