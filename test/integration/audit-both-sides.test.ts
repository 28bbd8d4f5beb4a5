/**
 * Audit seen from both sides, on both dialects: every event that concerns two workspaces (a
 * sharing rule created, deleted or expired; a data source resolved through a share) is found by
 * the administrators of each, with RelatedProjectId naming the other; seen from the related
 * side, the acting caller's AccessKeyId and SourceIp are withheld; nobody else sees it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import { callQuery, newDataSource, newSpace, resolve, share } from '../helpers/sharing.js';
import { addMember, expectOk } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;

async function events(c: TestContext, key: Key, params: Body = {}) {
  const page = expectOk(
    await callQuery(c, key, 'ListAuditEvents', { PageSize: 100, ...params } as Record<
      string,
      string | number
    >),
  ).PagingInfo as Body;
  return page.AuditEvents as Body[];
}

const TWO_SIDED = [
  'CreateDataSourceSharedRule',
  'ResolveDataSource',
  'DeleteDataSourceSharedRule',
  'DataSourceSharedRuleExpired',
];

forEachDialect('audit seen from both sides', (t) => {
  it('shows shares, resolutions through them and expiries to both workspaces, withholding the caller’s key and address from the other side', async () => {
    const c = t();
    const owner = await c.newTenant();
    const a = await newSpace(c, owner);
    const b = await newSpace(c, owner);
    const elsewhere = await newSpace(c, owner);
    const adminOfA = await c.newUser(owner.tenantId);
    const adminOfB = await c.newUser(owner.tenantId);
    const adminOfOther = await c.newUser(owner.tenantId);
    await addMember(c, a.id, adminOfA.userId, ['role_project_admin'], owner);
    await addMember(c, b.id, adminOfB.userId, ['role_project_admin'], owner);
    await addMember(c, elsewhere.id, adminOfOther.userId, ['role_project_admin'], owner);

    const ds = await newDataSource(c, a.id, { env: 'Dev' }, adminOfA);
    const rule = await share(
      c,
      { DataSourceId: ds.id, TargetProjectId: b.id, EnvType: 'Dev' },
      owner,
    );
    expectOk(await resolve(c, adminOfB, b.id, `${a.name}.${ds.name}`));
    expectOk(await callQuery(c, owner, 'DeleteDataSourceSharedRule', { Id: rule }));
    // A second rule that expires: the system's event concerns both workspaces too.
    const expiring = await share(
      c,
      { DataSourceId: ds.id, TargetProjectId: b.id, EnvType: 'Prod' },
      owner,
    );
    await c.services.db.kysely
      .updateTable('data_source_shared_rules')
      .set({ expire_time: Date.now() - 1 })
      .where('id', '=', expiring)
      .execute();
    await c.services.sharing.expiry.sweep();

    const twoSided = (list: Body[]) =>
      list.filter((e) => TWO_SIDED.includes(e.Action as string)).map((e) => e.Action);
    const expected = [
      'DataSourceSharedRuleExpired',
      'CreateDataSourceSharedRule',
      'DeleteDataSourceSharedRule',
      'ResolveDataSource',
      'CreateDataSourceSharedRule',
    ];

    // The source side (a workspace administrator of A only): its own events in full, the
    // resolution made from B without B's caller's key and address.
    const fromA = await events(c, adminOfA);
    assert.deepEqual(twoSided(fromA), expected);
    for (const e of fromA.filter((x) => TWO_SIDED.includes(x.Action as string))) {
      if (e.Action === 'ResolveDataSource') {
        assert.equal(e.ProjectId, b.id);
        assert.equal(e.RelatedProjectId, a.id);
        assert.equal(e.UserId, adminOfB.userId);
        assert.equal(e.AccessKeyId, '');
        assert.equal(e.SourceIp, undefined);
      } else {
        assert.equal(e.ProjectId, a.id);
        assert.equal(e.RelatedProjectId, b.id);
        if (e.Action !== 'DataSourceSharedRuleExpired') {
          assert.equal(e.AccessKeyId, owner.accessKeyId);
          assert.equal(typeof e.SourceIp, 'string');
        }
      }
    }

    // The target side finds who shared what into it, without A's caller's key and address.
    const fromB = await events(c, adminOfB);
    assert.deepEqual(twoSided(fromB), expected);
    const created = fromB.find((e) => e.Action === 'CreateDataSourceSharedRule')!;
    assert.equal(created.UserId, owner.userId);
    assert.equal(created.ProjectId, a.id);
    assert.equal(created.RelatedProjectId, b.id);
    assert.equal(created.AccessKeyId, '');
    assert.equal(created.SourceIp, undefined);
    assert.deepEqual(
      (created.Targets as Body).TargetProjectId,
      b.id,
      'the target sees what was shared into it',
    );
    // Its own call in full.
    const resolved = fromB.find((e) => e.Action === 'ResolveDataSource')!;
    assert.equal(resolved.AccessKeyId, adminOfB.accessKeyId);
    // Nothing of A's that does not concern B (the data source's creation).
    assert.ok(!fromB.some((e) => e.Action === 'CreateDataSource'));

    // Filtering by the workspace finds the same two-sided events from either side.
    assert.deepEqual(twoSided(await events(c, adminOfB, { ProjectId: b.id })), expected);
    assert.deepEqual(twoSided(await events(c, adminOfA, { ProjectId: a.id })), expected);

    // The tenant sees everything in full; an administrator of an unrelated workspace nothing.
    const tenantView = (await events(c, owner)).filter(
      (e) => e.Action === 'CreateDataSourceSharedRule',
    );
    assert.ok(tenantView.every((e) => e.AccessKeyId === owner.accessKeyId));
    const resolvedByB = (await events(c, owner)).find((e) => e.Action === 'ResolveDataSource')!;
    assert.equal(resolvedByB.AccessKeyId, adminOfB.accessKeyId);
    assert.deepEqual(twoSided(await events(c, adminOfOther)), []);
  });

  it('a refused share names no related workspace: only the acting side sees it', async () => {
    const c = t();
    const owner = await c.newTenant();
    const a = await newSpace(c, owner);
    const b = await newSpace(c, owner);
    const adminOfB = await c.newUser(owner.tenantId);
    await addMember(c, b.id, adminOfB.userId, ['role_project_admin'], owner);
    const ds = await newDataSource(c, a.id, { env: 'Dev' }, owner);
    const r = await callQuery(c, owner, 'CreateDataSourceSharedRule', {
      DataSourceId: ds.id,
      TargetProjectId: b.id,
      EnvType: 'Nope',
    });
    assert.equal(r.status, 400);
    const mine = (await events(c, owner)).filter((e) => e.RequestId === r.body.RequestId);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.RelatedProjectId, undefined);
    assert.equal(
      (await events(c, adminOfB)).filter((e) => e.RequestId === r.body.RequestId).length,
      0,
    );
  });
});
