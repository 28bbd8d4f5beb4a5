/**
 * The audit trail end to end through ListAuditEvents, on both dialects: the events of the
 * sharing, clone and resolve calls found by RequestId, the filters and paging, who sees what,
 * that no event holds a secret, and the retention sweep.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import {
  callQuery,
  mysqlProperties,
  newDataSource,
  newSpace,
  PASSWORD,
  resolve,
  share,
} from '../helpers/sharing.js';
import { addMember, expectError, expectOk, newMember } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;
type Params = Record<string, string | number | undefined>;

async function events(c: TestContext, key: Key, params: Params = {}) {
  const page = expectOk(await callQuery(c, key, 'ListAuditEvents', { PageSize: 100, ...params }))
    .PagingInfo as Body;
  return { total: page.TotalCount as number, events: page.AuditEvents as Body[] };
}

/** A tenant of its own (so counts are exact) with two workspaces and some sharing activity. */
async function activity(c: TestContext) {
  const owner = await c.newTenant();
  const a = await newSpace(c, owner);
  const b = await newSpace(c, owner);
  // A clock tick between the workspaces and the rest, so a time range can split them.
  await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  const ds = await newDataSource(c, a.id, { env: 'Dev' }, owner);
  const cloned = expectOk(
    await callQuery(c, owner, 'CloneDataSource', { Id: ds.id, CloneDataSourceName: 'copy' }),
  );
  const rule = await share(
    c,
    { DataSourceId: ds.id, TargetProjectId: b.id, EnvType: 'Dev' },
    owner,
  );
  const resolved = await resolve(c, owner, b.id, `${a.name}.${ds.name}`);
  expectOk(resolved);
  expectOk(await callQuery(c, owner, 'DeleteDataSourceSharedRule', { Id: rule }));
  return { owner, a, b, ds, rule, cloned, resolved, started };
}

forEachDialect('audit trail', (t) => {
  it('finds a call’s event by RequestId, with who, what, when and the outcome', async () => {
    const c = t();
    const ws = await newSpace(c);
    const target = await newSpace(c);
    const ds = await newDataSource(c, ws.id);
    const before = Date.now();
    const r = expectOk(
      await callQuery(c, c.root, 'CreateDataSourceSharedRule', {
        DataSourceId: ds.id,
        TargetProjectId: target.id,
        EnvType: 'Prod',
      }),
    );
    const after = Date.now();
    const found = await events(c, c.root, { RequestId: String(r.RequestId) });
    assert.equal(found.total, 1);
    const e = found.events[0]!;
    assert.equal(e.RequestId, r.RequestId);
    assert.ok((e.Time as number) >= before && (e.Time as number) <= after);
    assert.equal(e.TenantId, c.root.tenantId);
    assert.equal(e.UserId, c.root.userId);
    assert.equal(e.AccessKeyId, c.root.accessKeyId);
    assert.equal(e.Action, 'CreateDataSourceSharedRule');
    assert.equal(e.ProjectId, ws.id);
    assert.deepEqual(e.Targets, {
      DataSourceId: ds.id,
      SharedRuleId: r.Id,
      TargetProjectId: target.id,
    });
    assert.equal(e.Outcome, 'Success');
    assert.equal(e.Detail, 'EnvType=Prod');
    assert.equal(typeof e.SourceIp, 'string');

    // A refused call is recorded too, with its code.
    const denied = await callQuery(c, c.root, 'DeleteDataSourceSharedRule', { Id: 1 });
    expectError(denied, '1000011038', 404);
    const [failed] = (await events(c, c.root, { RequestId: String(denied.body.RequestId) })).events;
    assert.equal(failed!.Outcome, '1000011038');
    assert.deepEqual(failed!.Targets, { SharedRuleId: 1 });
    // Reads are not audited.
    const list = expectOk(
      await callQuery(c, c.root, 'ListDataSourceSharedRules', { DataSourceId: ds.id }, 'GET'),
    );
    assert.equal((await events(c, c.root, { RequestId: String(list.RequestId) })).total, 0);
  });

  it('filters by DataSourceId: the history of one data source record', async () => {
    const c = t();
    const { owner, ds, cloned } = await activity(c);
    const history = await events(c, owner, { DataSourceId: ds.id });
    assert.deepEqual(
      history.events.map((e) => e.Action),
      [
        'DeleteDataSourceSharedRule',
        'ResolveDataSource',
        'CreateDataSourceSharedRule',
        'CreateDataSource',
      ],
    );
    // The clone's event belongs to the clone (its SourceDataSourceId does not match).
    const ofClone = await events(c, owner, { DataSourceId: Number(cloned.Id) });
    assert.deepEqual(
      ofClone.events.map((e) => e.Action),
      ['CloneDataSource'],
    );
    assert.equal((await events(c, owner, { DataSourceId: 999_999_999 })).total, 0);
    expectError(
      await callQuery(c, owner, 'ListAuditEvents', { DataSourceId: 'x' }),
      'InvalidParameter.DataSourceId',
      400,
    );
  });

  it('filters by workspace, action, user and time range, and pages newest first', async () => {
    const c = t();
    const { owner, a, b, started } = await activity(c);
    const all = await events(c, owner);
    assert.deepEqual(
      all.events.map((e) => e.Action),
      [
        'DeleteDataSourceSharedRule',
        'ResolveDataSource',
        'CreateDataSourceSharedRule',
        'CloneDataSource',
        'CreateDataSource',
        'CreateProject',
        'CreateProject',
      ],
    );
    assert.equal(all.total, 7);

    const inA = await events(c, owner, { ProjectId: a.id });
    assert.ok(inA.events.every((e) => e.ProjectId === a.id || e.RelatedProjectId === a.id));
    // Events that concern both workspaces are found from either (audit-both-sides.test.ts).
    assert.deepEqual(inA.events.map((e) => e.Action).slice(0, 3), [
      'DeleteDataSourceSharedRule',
      'ResolveDataSource',
      'CreateDataSourceSharedRule',
    ]);
    const inB = await events(c, owner, { ProjectId: b.id });
    assert.deepEqual(
      inB.events.map((e) => e.Action),
      [
        'DeleteDataSourceSharedRule',
        'ResolveDataSource',
        'CreateDataSourceSharedRule',
        'CreateProject',
      ],
    );

    const clones = await events(c, owner, { Action: 'CloneDataSource' });
    assert.equal(clones.total, 1);
    const byUser = await events(c, owner, { UserId: owner.userId });
    assert.equal(byUser.total, 7);
    assert.equal((await events(c, owner, { UserId: '1' })).total, 0);

    assert.equal((await events(c, owner, { StartTime: Date.now() + 60_000 })).total, 0);
    assert.equal((await events(c, owner, { EndTime: started - 60_000 })).total, 0);
    const since = await events(c, owner, { StartTime: started });
    assert.equal(since.total, 5, 'everything after the two workspaces');

    const pages = [];
    for (const n of [1, 2, 3, 4]) {
      const page = expectOk(
        await callQuery(c, owner, 'ListAuditEvents', { PageSize: 2, PageNumber: n }),
      ).PagingInfo as Body;
      assert.equal(page.TotalCount, 7);
      assert.equal(page.PageNumber, n);
      assert.equal(page.PageSize, 2);
      pages.push(...(page.AuditEvents as Body[]));
    }
    assert.deepEqual(
      pages.map((e) => e.RequestId),
      all.events.map((e) => e.RequestId),
    );
  });

  it('shows the tenant to its owner and administrators, workspaces to their owners and administrators', async () => {
    const c = t();
    const { owner, a, b } = await activity(c);
    const tenantId = owner.tenantId;
    const total = (await events(c, owner)).total;

    const tenantAdmin = await c.newUser(tenantId, { tenantAdmin: true });
    assert.equal((await events(c, tenantAdmin)).total, total);

    const adminOfB = await c.newUser(tenantId);
    await addMember(c, b.id, adminOfB.userId, ['role_project_admin'], owner);
    const seen = await events(c, adminOfB);
    assert.ok(seen.total > 0);
    // Its own membership was recorded in B as well; events of A show only when they concern B
    // (audit-both-sides.test.ts).
    assert.ok(seen.events.every((e) => e.ProjectId === b.id || e.RelatedProjectId === b.id));
    assert.ok(seen.events.some((e) => e.Action === 'ResolveDataSource'));
    expectError(
      await callQuery(c, adminOfB, 'ListAuditEvents', { ProjectId: a.id }),
      'Forbidden.Access',
      403,
    );

    const developer = await c.newUser(tenantId);
    await addMember(c, a.id, developer.userId, ['role_project_dev'], owner);
    expectError(
      await callQuery(c, developer, 'ListAuditEvents', { ProjectId: a.id }),
      'Forbidden.Access',
      403,
    );
    assert.equal((await events(c, developer)).total, 0);

    // Another tenant sees none of it, even by RequestId.
    const someone = (await events(c, owner)).events[0]!.RequestId as string;
    assert.equal((await events(c, c.root, { RequestId: someone })).total, 0);
  });

  it('never holds a secret', async () => {
    const c = t();
    const ws = await newSpace(c);
    const target = await newSpace(c);
    const ds = await newDataSource(c, ws.id, { env: 'Dev' });
    const user = await newMember(c, target.id, ['role_project_dev']);
    await share(c, {
      DataSourceId: ds.id,
      TargetProjectId: target.id,
      EnvType: 'Dev',
      SharedUser: user.userId,
    });
    const rotated = 'n3w-Rotated-Secret';
    expectOk(
      await callQuery(c, c.root, 'UpdateDataSource', {
        Id: ds.id,
        ProjectId: ws.id,
        ConnectionProperties: JSON.stringify(mysqlProperties('Dev', rotated)),
      }),
    );
    expectOk(
      await callQuery(c, c.root, 'CloneDataSource', { Id: ds.id, CloneDataSourceName: 'c1' }),
    );
    expectOk(await resolve(c, user, target.id, `${ws.name}.${ds.name}`));
    expectOk(await resolve(c, c.root, ws.id, ds.name));
    // A refused create that carried a password.
    const bad = await callQuery(c, c.root, 'CreateDataSource', {
      ProjectId: ws.id,
      Name: ds.name,
      Type: 'mysql',
      ConnectionPropertiesMode: 'UrlMode',
      ConnectionProperties: JSON.stringify(mysqlProperties('Dev', 'refused-secret')),
    });
    expectError(bad, 'Conflict.DataSourceName', 409);

    const rows = await c.services.db.kysely.selectFrom('audit_events').selectAll().execute();
    assert.ok(rows.length >= 7);
    const text = JSON.stringify(rows);
    for (const secret of [PASSWORD, rotated, 'refused-secret']) {
      assert.ok(!text.includes(secret), `no event holds ${secret}`);
    }
  });

  it('sweeps events older than the retention period', async () => {
    const c = t();
    const day = 86_400_000;
    const tenant = await c.newTenant();
    const insert = (ageDays: number) =>
      c.services.db.kysely
        .insertInto('audit_events')
        .values({
          request_id: `SWEEP-${ageDays}`,
          time: Date.now() - ageDays * day,
          tenant_id: tenant.tenantId,
          user_id: tenant.userId,
          access_key_id: tenant.accessKeyId,
          action: 'CloneDataSource',
          project_id: null,
          targets: '{}',
          outcome: 'Success',
          detail: null,
          source_ip: null,
        })
        .execute();
    await insert(400);
    await insert(40);
    await insert(10);
    assert.equal(await c.services.audit.sweep(0), 0, '0 days keeps everything');
    assert.equal((await events(c, tenant)).total, 3);
    assert.equal(await c.services.audit.sweep(30), 2);
    const left = await events(c, tenant);
    assert.deepEqual(
      left.events.map((e) => e.RequestId),
      ['SWEEP-10'],
    );
    assert.equal(await c.services.audit.sweep(30), 0);

    // The setting, and its default.
    assert.equal(loadConfig({ DSHUB_AUDIT_RETENTION_DAYS: '7' }).auditRetentionDays, 7);
    assert.equal(loadConfig({}).auditRetentionDays, 180);
  });
});
