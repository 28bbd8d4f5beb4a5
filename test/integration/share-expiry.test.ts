/**
 * Expiring sharing rules (CreateDataSourceSharedRule's ExpireTime extension) on both dialects:
 * the parameter's bounds, an expired rule disappearing from resolution and both lists at once,
 * and exactly one audit event per expiry — by the first read, by the sweep, by a new share of
 * the same name, and with two replicas on one database racing for it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { EXPIRED_ACTION, MAX_SHARE_MS } from '../../src/sharing/expiry.js';
import { testGrant } from '../helpers/grants.js';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import { callQuery, listRules, resolve, shareRule, sharingScene } from '../helpers/sharing.js';
import { expectError, expectOk } from '../helpers/workspaces.js';

/** The expiry events of one rule, straight from the store. */
async function expiryEvents(c: TestContext, ruleId: number) {
  const rows = await c.services.db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', EXPIRED_ACTION)
    .execute();
  return rows.filter((r) => JSON.parse(r.targets).SharedRuleId === ruleId);
}

/** Moves a rule's expiry into the past, as if its time had come. */
async function expireNow(c: TestContext, ruleId: number) {
  await c.services.db.kysely
    .updateTable('data_source_shared_rules')
    .set({ expire_time: Date.now() - 1 })
    .where('id', '=', ruleId)
    .execute();
}

async function expiringShare(c: TestContext, inMs = 60_000) {
  const scene = await sharingScene(c);
  const expireTime = Date.now() + inMs;
  const id = expectOk(
    await shareRule(c, c.root, {
      DataSourceId: scene.ds.id,
      TargetProjectId: scene.target.id,
      EnvType: 'Dev',
      ExpireTime: expireTime,
    }),
  ).Id as number;
  return { ...scene, ruleId: id, expireTime };
}

forEachDialect('expiring sharing rules', (t) => {
  it('refuses an ExpireTime in the past, too far ahead, or not a number', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const base = { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' };
    for (const ExpireTime of [Date.now() - 1000, Date.now() + MAX_SHARE_MS + 60_000, 'soon']) {
      const r = await callQuery(c, c.root, 'CreateDataSourceSharedRule', { ...base, ExpireTime });
      expectError(r, 'InvalidParameter.ExpireTime', 400);
      assert.match(String(r.body.Message), /ExpireTime/);
    }
    assert.deepEqual(
      expectOk(await listRules(c, c.root, { DataSourceId: ds.id })).DataSourceSharedRules,
      [],
    );
  });

  it('shows ExpireTime on the rule while it lasts, in both lists', async () => {
    const c = t();
    const { ds, target, ruleId, expireTime, sharedName } = await expiringShare(c);
    const [rule] = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }))
      .DataSourceSharedRules as Record<string, unknown>[];
    assert.equal(rule!.Id, ruleId);
    assert.equal(rule!.ExpireTime, expireTime);
    const shared = (
      expectOk(await callQuery(c, c.root, 'ListSharedDataSources', { ProjectId: target.id }, 'GET'))
        .PagingInfo as { SharedDataSources: Record<string, unknown>[] }
    ).SharedDataSources;
    assert.equal(shared[0]!.SharedDataSourceName, sharedName);
    assert.equal(shared[0]!.ExpireTime, expireTime);
    expectOk(await resolve(c, c.root, target.id, sharedName, 'Dev'));
  });

  it('stops resolving the moment it expires, leaves both lists, and leaves one audit event', async () => {
    const c = t();
    const { ds, target, ruleId, sharedName } = await expiringShare(c, 1500);
    expectOk(await resolve(c, c.root, target.id, sharedName, 'Dev'));
    await sleep(1600);
    // No sweep has run: the read itself decides.
    expectError(await resolve(c, c.root, target.id, sharedName, 'Dev'), '1000010005', 404);
    const events = await expiryEvents(c, ruleId);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.user_id, 'dshub');
    assert.equal(events[0]!.project_id, (await c.services.dataSources.locate(ds.id))!.workspaceId);
    assert.match(String(events[0]!.detail), /NoticedBy=read/);

    assert.deepEqual(
      expectOk(await listRules(c, c.root, { DataSourceId: ds.id })).DataSourceSharedRules,
      [],
    );
    assert.deepEqual(
      (
        expectOk(
          await callQuery(c, c.root, 'ListSharedDataSources', { ProjectId: target.id }, 'GET'),
        ).PagingInfo as { SharedDataSources: unknown[] }
      ).SharedDataSources,
      [],
    );
    expectError(await resolve(c, c.root, target.id, sharedName, 'Dev'), '1000010005', 404);
    await c.services.sharing.expiry.sweep();
    assert.equal((await expiryEvents(c, ruleId)).length, 1);
  });

  it('every read leaves it out even before it is finished (list first, then the sweep)', async () => {
    const c = t();
    const { ds, target, ruleId, sharedName } = await expiringShare(c);
    await expireNow(c, ruleId);
    const shared = expectOk(
      await callQuery(c, c.root, 'ListSharedDataSources', { ProjectId: target.id }, 'GET'),
    );
    assert.deepEqual((shared.PagingInfo as { SharedDataSources: unknown[] }).SharedDataSources, []);
    assert.equal((await expiryEvents(c, ruleId)).length, 1);
    expectError(await resolve(c, c.root, target.id, sharedName, 'Dev'), '1000010005', 404);
    assert.deepEqual(
      expectOk(await listRules(c, c.root, { DataSourceId: ds.id })).DataSourceSharedRules,
      [],
    );
    assert.equal(await c.services.sharing.expiry.sweep(), 0);
    assert.equal((await expiryEvents(c, ruleId)).length, 1);
  });

  it('the sweep finishes rules nobody read, once', async () => {
    const c = t();
    const { ruleId } = await expiringShare(c);
    await expireNow(c, ruleId);
    assert.ok((await c.services.sharing.expiry.sweep()) >= 1);
    assert.equal(await c.services.sharing.expiry.sweep(), 0);
    const events = await expiryEvents(c, ruleId);
    assert.equal(events.length, 1);
    assert.match(String(events[0]!.detail), /NoticedBy=sweep/);
    // The audit trail shows it to the tenant like any other event.
    const listed = expectOk(
      await c.call(c.root, 'ListAuditEvents', { UserId: 'dshub', PageSize: 100 }),
    );
    const mine = (
      (listed.PagingInfo as Record<string, unknown>).AuditEvents as Record<string, unknown>[]
    ).filter((e) => (e.Targets as Record<string, unknown>).SharedRuleId === ruleId);
    assert.equal(mine.length, 1);
  });

  it('an expired rule does not block sharing the same name again', async () => {
    const c = t();
    const { ds, target, ruleId } = await expiringShare(c);
    await expireNow(c, ruleId);
    const again = expectOk(
      await shareRule(c, c.root, {
        DataSourceId: ds.id,
        TargetProjectId: target.id,
        EnvType: 'Dev',
      }),
    ).Id as number;
    assert.notEqual(again, ruleId);
    assert.equal((await expiryEvents(c, ruleId)).length, 1);
    const rules = expectOk(await listRules(c, c.root, { DataSourceId: ds.id }))
      .DataSourceSharedRules as Record<string, unknown>[];
    assert.deepEqual(
      rules.map((r) => [r.Id, 'ExpireTime' in r]),
      [[again, false]],
    );
  });

  it('two replicas on one database, sweeping and reading at once, leave one event per rule', async () => {
    const c = t();
    // Replicas share PostgreSQL; an SQLite file has one owning process, so there the race is
    // between concurrent requests and sweeps of that one process.
    const replica =
      c.dialect === 'postgres'
        ? await createServices(c.services.config, {
            logger: createLogger('silent'),
            defaultMetrics: false,
          })
        : c.services;
    try {
      const rules = [];
      for (let i = 0; i < 4; i++) rules.push(await expiringShare(c));
      for (const r of rules) await expireNow(c, r.ruleId);
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) {
        work.push(c.services.sharing.expiry.sweep(), replica.sharing.expiry.sweep());
        for (const r of rules) {
          work.push(
            resolve(c, c.root, r.target.id, r.sharedName, 'Dev'),
            replica.sharing.list(r.ds.id),
            c.services.sharing.sharedInto(
              testGrant({
                workspaceId: r.target.id,
                audience: { everyone: true } as const,
                userId: c.root.userId,
              }),
            ),
          );
        }
      }
      await Promise.all(work);
      for (const r of rules) assert.equal((await expiryEvents(c, r.ruleId)).length, 1);
    } finally {
      if (replica !== c.services) await replica.close();
    }
  });

  it('a user no longer counts as a sharee once the rule expired (refused as any non-member)', async () => {
    const c = t();
    const { ds, target, ruleId } = await expiringShare(c);
    const user = await c.newUser();
    expectOk(
      await c.call(
        c.root,
        'CreateProjectMember',
        { ProjectId: target.id, UserId: user.userId, RoleCodes: '["role_project_owner"]' },
        { placement: 'body' },
      ),
    );
    expectError(
      await callQuery(c, user, 'DeleteDataSource', { Id: ds.id }, 'GET'),
      'Forbidden.Shared',
      403,
    );
    await expireNow(c, ruleId);
    expectError(
      await callQuery(c, user, 'DeleteDataSource', { Id: ds.id }, 'GET'),
      'Forbidden.Access',
      403,
    );
  });
});
