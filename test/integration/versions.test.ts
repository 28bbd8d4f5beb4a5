/**
 * Data source versions and rollback (extensions) on both dialects: a version per change with
 * who/when/RequestId, paging newest first, masked reads, diffs that never show a secret,
 * rollback with optimistic concurrency, restore of a deleted record, retention by count and
 * age, and master key rotation re-wrapping versions' secrets.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rotateMasterKey } from '../../src/crypto/rotation.js';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import {
  callQuery,
  mysqlProperties,
  newDataSource,
  newSpace,
  PASSWORD,
} from '../helpers/sharing.js';
import { expectError, expectOk, newMember } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;

async function update(c: TestContext, id: number, projectId: number, props: Body) {
  return expectOk(
    await callQuery(c, c.root, 'UpdateDataSource', {
      Id: id,
      ProjectId: projectId,
      ConnectionProperties: JSON.stringify(props),
    }),
    'UpdateDataSource',
  );
}

async function versions(c: TestContext, id: number, extra: Body = {}) {
  const page = expectOk(
    await callQuery(c, c.root, 'ListDataSourceVersions', { DataSourceId: id, ...extra }, 'GET'),
  ).PagingInfo as Body;
  return page;
}

async function password(c: TestContext, id: number) {
  return (await c.services.dataSources.reveal(c.services.db.kysely, { id }))?.properties.password;
}

/** A workspace with one Prod record, updated twice: versions 1 (Create), 2, 3 (Update). */
async function history(c: TestContext) {
  const ws = await newSpace(c);
  const ds = await newDataSource(c, ws.id, { env: 'Prod' });
  await update(c, ds.id, ws.id, { ...mysqlProperties('Prod', 'second-pass'), database: 'two' });
  await update(c, ds.id, ws.id, { ...mysqlProperties('Prod', '******'), database: 'three' });
  return { ws, ds };
}

forEachDialect('data source versions', (t) => {
  it('keeps a version per change with who, when and RequestId, newest first, paged', async () => {
    const c = t();
    const { ds } = await history(c);
    const page = await versions(c, ds.id);
    assert.equal(page.TotalCount, 3);
    assert.equal(page.Deleted, false);
    const list = page.Versions as Body[];
    assert.deepEqual(
      list.map((v) => [v.Version, v.Change]),
      [
        [3, 'Update'],
        [2, 'Update'],
        [1, 'Create'],
      ],
    );
    for (const v of list) {
      assert.equal(v.CreateUser, c.root.userId);
      assert.match(String(v.RequestId), /^[0-9A-F-]{36}$/);
      assert.equal(typeof v.CreateTime, 'number');
    }
    // The RequestId is the call's: the audit trail has the same one.
    const audit = await c.services.db.kysely
      .selectFrom('audit_events')
      .select('action')
      .where('request_id', '=', String(list[0]!.RequestId))
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['UpdateDataSource'],
    );
    const second = await versions(c, ds.id, { PageNumber: 2, PageSize: 2 });
    assert.deepEqual(
      (second.Versions as Body[]).map((v) => v.Version),
      [1],
    );
  });

  it('shows a version with secrets masked, and never a secret in a diff', async () => {
    const c = t();
    const { ds } = await history(c);
    const got = expectOk(
      await callQuery(
        c,
        c.root,
        'GetDataSourceVersion',
        { DataSourceId: ds.id, VersionNumber: 1 },
        'GET',
      ),
    );
    const v = got.DataSourceVersion as Body;
    assert.equal((v.ConnectionProperties as Body).password, '******');
    assert.equal((v.ConnectionProperties as Body).database, 'orders');
    assert.equal(v.Change, 'Create');
    assert.ok(!JSON.stringify(got).includes(PASSWORD));

    const diff = expectOk(
      await callQuery(
        c,
        c.root,
        'DiffDataSourceVersions',
        { DataSourceId: ds.id, FromVersion: 1, ToVersion: 2 },
        'GET',
      ),
    );
    assert.ok(!JSON.stringify(diff).includes(PASSWORD));
    assert.ok(!JSON.stringify(diff).includes('second-pass'));
    const byField = new Map((diff.Differences as Body[]).map((d) => [d.Field, d]));
    assert.deepEqual(byField.get('ConnectionProperties.database'), {
      Field: 'ConnectionProperties.database',
      Change: 'changed',
      Secret: false,
      From: 'orders',
      To: 'two',
    });
    assert.deepEqual(byField.get('ConnectionProperties.password'), {
      Field: 'ConnectionProperties.password',
      Change: 'changed',
      Secret: true,
    });
    // "******" kept the password: 2 → current (3) shows it unchanged.
    const kept = expectOk(
      await callQuery(
        c,
        c.root,
        'DiffDataSourceVersions',
        { DataSourceId: ds.id, FromVersion: 2 },
        'GET',
      ),
    );
    assert.equal(kept.ToVersion, 3);
    const pw = (kept.Differences as Body[]).find(
      (d) => d.Field === 'ConnectionProperties.password',
    );
    assert.deepEqual(pw, {
      Field: 'ConnectionProperties.password',
      Change: 'unchanged',
      Secret: true,
    });
    expectError(
      await callQuery(
        c,
        c.root,
        'GetDataSourceVersion',
        { DataSourceId: ds.id, VersionNumber: 9 },
        'GET',
      ),
      'NotFound.DataSourceVersion',
      404,
    );
  });

  it('rolls back to a version (secrets too) as a new version, refusing a stale CurrentVersion', async () => {
    const c = t();
    const { ws, ds } = await history(c);
    assert.equal(await password(c, ds.id), 'second-pass');
    const stale = await callQuery(c, c.root, 'RollbackDataSource', {
      Id: ds.id,
      ToVersion: 1,
      CurrentVersion: 2,
    });
    expectError(stale, 'Conflict.DataSourceChanged', 409);
    assert.match(String(stale.body.Message), /version 3, not 2/);
    assert.equal(await password(c, ds.id), 'second-pass');

    const done = expectOk(
      await callQuery(c, c.root, 'RollbackDataSource', {
        Id: ds.id,
        ProjectId: ws.id,
        ToVersion: 1,
        CurrentVersion: 3,
      }),
    );
    assert.equal(done.Version, 4);
    assert.equal(await password(c, ds.id), PASSWORD);
    const get = expectOk(await callQuery(c, c.root, 'GetDataSource', { Id: ds.id }, 'GET'));
    assert.equal(((get.DataSource as Body).ConnectionProperties as Body).database, 'orders');
    const [latest] = (await versions(c, ds.id)).Versions as Body[];
    assert.deepEqual([latest!.Version, latest!.Change, latest!.Detail], [4, 'Rollback', 'From=1']);
    // Rolling back is itself a change the next rollback must have seen.
    expectError(
      await callQuery(c, c.root, 'RollbackDataSource', {
        Id: ds.id,
        ToVersion: 2,
        CurrentVersion: 3,
      }),
      'Conflict.DataSourceChanged',
      409,
    );
    expectError(
      await callQuery(c, c.root, 'RollbackDataSource', {
        Id: ds.id,
        ToVersion: 99,
        CurrentVersion: 4,
      }),
      'NotFound.DataSourceVersion',
      404,
    );
  });

  it('two concurrent rollbacks from the same CurrentVersion: exactly one wins', async () => {
    const c = t();
    const { ds } = await history(c);
    const results = await Promise.all(
      [1, 2].map((ToVersion) =>
        callQuery(c, c.root, 'RollbackDataSource', { Id: ds.id, ToVersion, CurrentVersion: 3 }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await versions(c, ds.id)).TotalCount, 4);
  });

  it('restores a deleted record under its own id from its last version, once', async () => {
    const c = t();
    const { ws, ds } = await history(c);
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
    const page = await versions(c, ds.id);
    assert.equal(page.Deleted, true);
    const restored = expectOk(
      await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: ds.id }),
    );
    assert.equal(restored.Version, 4);
    assert.equal(await password(c, ds.id), 'second-pass');
    const get = expectOk(await callQuery(c, c.root, 'GetDataSource', { Id: ds.id }, 'GET'));
    assert.equal(((get.DataSource as Body).ConnectionProperties as Body).database, 'three');
    const list = expectOk(
      await callQuery(c, c.root, 'ListDataSources', { ProjectId: ws.id }, 'GET'),
    ).PagingInfo as Body;
    assert.equal(list.TotalCount, 1);
    expectError(
      await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: ds.id }),
      'Conflict.DataSourceExists',
      409,
    );
    // A name taken meanwhile blocks the restore with the name's conflict.
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
    await newDataSource(c, ws.id, { env: 'Prod', name: ds.name });
    expectError(
      await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: ds.id }),
      'Conflict.DataSourceName',
      409,
    );
    expectError(
      await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: 987654321 }),
      '1000010005',
      404,
    );
  });

  it('keeps roles: readers may read versions, not roll back; strangers see nothing', async () => {
    const c = t();
    const { ds, ws } = await history(c);
    const dev = await newMember(c, ws.id, ['role_project_dev']);
    const guest = await newMember(c, ws.id, ['role_project_guest']);
    const other = await c.newTenant();
    expectOk(await callQuery(c, dev, 'ListDataSourceVersions', { DataSourceId: ds.id }, 'GET'));
    expectError(
      await callQuery(c, dev, 'RollbackDataSource', { Id: ds.id, ToVersion: 1, CurrentVersion: 3 }),
      'Forbidden.Access',
      403,
    );
    expectError(
      await callQuery(c, guest, 'ListDataSourceVersions', { DataSourceId: ds.id }, 'GET'),
      'Forbidden.Access',
      403,
    );
    expectError(
      await callQuery(c, other, 'ListDataSourceVersions', { DataSourceId: ds.id }, 'GET'),
      '1000010005',
      404,
    );
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: ds.id }, 'GET'));
    expectError(
      await callQuery(c, other, 'RestoreDataSource', { DataSourceId: ds.id }),
      '1000010005',
      404,
    );
    expectError(
      await callQuery(c, dev, 'RestoreDataSource', { DataSourceId: ds.id }),
      'Forbidden.Access',
      403,
    );
  });

  it('retention: the newest N per record, and none older than the age except a live record’s newest', async () => {
    const c = t();
    const { ds } = await history(c);
    const other = await history(c);
    const vs = c.services.dataSources.versions;
    await vs.sweep({ count: 2, days: 0 });
    assert.deepEqual(
      ((await versions(c, ds.id)).Versions as Body[]).map((v) => v.Version),
      [3, 2],
    );
    // Everything "old": a live record keeps its newest; a deleted one loses all.
    expectOk(await callQuery(c, c.root, 'DeleteDataSource', { Id: other.ds.id }, 'GET'));
    await c.services.db.kysely
      .updateTable('data_source_versions')
      .set({ create_time: 1 })
      .where('data_source_id', 'in', [ds.id, other.ds.id])
      .execute();
    await vs.sweep({ count: 100, days: 30 });
    assert.deepEqual(
      ((await versions(c, ds.id)).Versions as Body[]).map((v) => v.Version),
      [3],
    );
    expectError(
      await callQuery(c, c.root, 'RestoreDataSource', { DataSourceId: other.ds.id }),
      '1000010005',
      404,
    );
  });
});

forEachDialect(
  'data source versions across master key rotation',
  (t) => {
    it('re-wraps the sealed secrets of versions; they still open for rollback', async () => {
      const c = t();
      const { ds } = await history(c);
      const result = (await rotateMasterKey(c.services)) as { rewrapped: Record<string, number> };
      assert.equal(result.rewrapped['data source versions'], 3);
      const current = c.services.keyring.current().id;
      const rows = await c.services.db.kysely
        .selectFrom('data_source_versions')
        .select('secrets_sealed')
        .where('data_source_id', '=', ds.id)
        .execute();
      for (const r of rows) assert.equal(c.services.envelope.keyIdOf(r.secrets_sealed!), current);
      assert.equal(await c.services.dataSources.versions.rewrap(current), 0);
      expectOk(
        await callQuery(c, c.root, 'RollbackDataSource', {
          Id: ds.id,
          ToVersion: 1,
          CurrentVersion: 3,
        }),
      );
      assert.equal(await password(c, ds.id), PASSWORD);
    });
  },
  { DSHUB_MASTER_KEY: '' },
);
