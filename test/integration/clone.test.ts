/**
 * CloneDataSource on both dialects: what is copied (and re-sealed), the name rule, duplicates,
 * roles, shared data sources, the audit record, and two servers racing for one name on one
 * PostgreSQL database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { buildApp } from '../../src/server/app.js';
import { createServices } from '../../src/services.js';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import {
  callQuery,
  listRules,
  newDataSource,
  newSpace,
  PASSWORD,
  resolve,
  share,
  sharingScene,
} from '../helpers/sharing.js';
import { signRequest } from '../helpers/signer.js';
import { expectError, expectOk, newMember } from '../helpers/workspaces.js';

type Body = Record<string, unknown>;

function clone(c: TestContext, key: Key, id: number, name: string) {
  return callQuery(c, key, 'CloneDataSource', { Id: id, CloneDataSourceName: name });
}

async function get(c: TestContext, id: number): Promise<Body> {
  return expectOk(await callQuery(c, c.root, 'GetDataSource', { Id: id }, 'GET'))
    .DataSource as Body;
}

forEachDialect('cloning data sources', (t) => {
  it('answers the seed’s shape and copies the record under the new name', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id, { env: 'Prod', description: 'the orders db' });
    const pe = await newMember(c, ws.id, ['role_project_pe']);
    const body = expectOk(await clone(c, pe, src.id, 'demo_holo_datasource'));
    assert.deepEqual(Object.keys(body).sort(), ['Id', 'RequestId']);
    assert.equal(typeof body.Id, 'number');
    assert.notEqual(body.Id, src.id);

    const original = await get(c, src.id);
    const copy = await get(c, body.Id as number);
    assert.equal(copy.Name, 'demo_holo_datasource');
    for (const field of [
      'Type',
      'ConnectionPropertiesMode',
      'ConnectionProperties',
      'Description',
      'ProjectId',
      'QualifiedName',
    ]) {
      assert.deepEqual(copy[field], original[field], field);
    }
    assert.equal((copy.ConnectionProperties as Body).envType, 'Prod');
    assert.equal(copy.CreateUser, pe.userId);
    assert.equal(copy.ModifyUser, pe.userId);
    assert.ok((copy.CreateTime as number) >= (original.CreateTime as number));

    // The secret is copied, sealed anew for the clone (its envelope names the new record).
    const sealed = await c.services.db.kysely
      .selectFrom('data_sources')
      .select(['id', 'secrets_sealed'])
      .where('id', 'in', [src.id, body.Id as number])
      .execute();
    assert.equal(sealed.length, 2);
    assert.notEqual(sealed[0]!.secrets_sealed, sealed[1]!.secrets_sealed);
    const resolved = expectOk(await resolve(c, c.root, ws.id, 'demo_holo_datasource', 'Prod'))
      .DataSource as Body;
    assert.equal((resolved.ConnectionProperties as Body).password, PASSWORD);

    // The clone appears in ListDataSources as a group of its own.
    const list = expectOk(
      await callQuery(c, c.root, 'ListDataSources', { ProjectId: ws.id, Name: 'demo_holo' }, 'GET'),
    ).PagingInfo as Body;
    assert.equal(list.TotalCount, 1);
  });

  it('does not copy sharing rules', async () => {
    const c = t();
    const { target, ds, source } = await sharingScene(c);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    const id = expectOk(await clone(c, c.root, ds.id, 'copy_without_rules')).Id as number;
    assert.deepEqual(
      expectOk(await listRules(c, c.root, { DataSourceId: id })).DataSourceSharedRules,
      [],
    );
    // The clone is the source workspace's own; it can be shared on its own terms.
    await share(c, { DataSourceId: id, TargetProjectId: target.id, EnvType: 'Prod' });
    assert.equal((await get(c, id)).ProjectId, source.id);
  });

  it('applies the name rule: letters, digits, underscores, a letter first, at most 60', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id);
    for (const bad of [
      '1starts_with_digit',
      '_underscore_first',
      'has-dash',
      'has space',
      'dot.ted',
    ]) {
      const r = await clone(c, c.root, src.id, bad);
      expectError(r, 'InvalidParameter.CloneDataSourceName', 400);
      assert.match(String(r.body.Message), /must start with a letter/, bad);
    }
    const long = await clone(c, c.root, src.id, `a${'b'.repeat(60)}`);
    expectError(long, 'InvalidParameter.CloneDataSourceName', 400);
    assert.match(String(long.body.Message), /at most 60 characters/);
    expectOk(await clone(c, c.root, src.id, `a${'b'.repeat(59)}`));
    expectError(
      await callQuery(c, c.root, 'CloneDataSource', { Id: src.id }),
      'MissingCloneDataSourceName',
      400,
    );
    expectError(
      await callQuery(c, c.root, 'CloneDataSource', { CloneDataSourceName: 'x' }),
      'MissingId',
      400,
    );
  });

  it('refuses a name taken in the workspace and environment (409), not one of the other environment', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id, { env: 'Dev' });
    const taken = await clone(c, c.root, src.id, src.name);
    expectError(taken, 'Conflict.DataSourceName', 409);
    expectOk(await clone(c, c.root, src.id, 'twin'));
    expectError(await clone(c, c.root, src.id, 'twin'), 'Conflict.DataSourceName', 409);
    // The name exists with a Prod record only: the Dev clone joins it.
    const prodOnly = await newDataSource(c, ws.id, { env: 'Prod' });
    expectOk(await clone(c, c.root, src.id, prodOnly.name));
    // The same name in another workspace is another data source.
    const other = await newSpace(c);
    const elsewhere = await newDataSource(c, other.id, { env: 'Dev', name: 'shared_name' });
    expectOk(await clone(c, c.root, src.id, elsewhere.name));
  });

  it('answers 1000010005 for a missing data source and another tenant’s', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id);
    expectError(await clone(c, c.root, 424242, 'x_copy'), '1000010005', 404);
    expectError(await clone(c, await c.newTenant(), src.id, 'x_copy'), '1000010005', 404);
  });

  it('is for Tenant Owner, Workspace Owner, Administrator and O&M', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id);
    for (const role of ['role_project_owner', 'role_project_admin', 'role_project_pe']) {
      const key = await newMember(c, ws.id, [role]);
      expectOk(await clone(c, key, src.id, c.name('ok')), role);
    }
    for (const role of ['role_project_dev', 'role_project_deploy', 'role_project_guest']) {
      const key = await newMember(c, ws.id, [role]);
      expectError(await clone(c, key, src.id, c.name('no')), 'Forbidden.Access', 403);
    }
    const tenantAdmin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    expectError(await clone(c, tenantAdmin, src.id, c.name('no')), 'Forbidden.Access', 403);
  });

  it('a shared data source cannot be cloned from the target workspace (Forbidden.Shared)', async () => {
    const c = t();
    const { target, ds } = await sharingScene(c);
    const targetOwner = await newMember(c, target.id, ['role_project_owner']);
    // Before it is shared, the caller simply has no role in the source workspace.
    expectError(await clone(c, targetOwner, ds.id, 'mine_now'), 'Forbidden.Access', 403);
    await share(c, { DataSourceId: ds.id, TargetProjectId: target.id, EnvType: 'Dev' });
    const r = await clone(c, targetOwner, ds.id, 'mine_now');
    expectError(r, 'Forbidden.Shared', 403);
    assert.match(String(r.body.Message), /shared into this workspace/);
  });

  it('records the clone in the audit trail with both ids', async () => {
    const c = t();
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id);
    const r = expectOk(await clone(c, c.root, src.id, 'audited_copy'));
    const page = expectOk(
      await callQuery(c, c.root, 'ListAuditEvents', { RequestId: String(r.RequestId) }),
    ).PagingInfo as Body;
    const [event] = page.AuditEvents as Body[];
    assert.equal(event!.Action, 'CloneDataSource');
    assert.equal(event!.Outcome, 'Success');
    assert.equal(event!.ProjectId, ws.id);
    assert.deepEqual(event!.Targets, { DataSourceId: r.Id, SourceDataSourceId: src.id });
    assert.ok(!JSON.stringify(event).includes(PASSWORD));
  });

  it('of two servers cloning to one name on one PostgreSQL, exactly one succeeds', async (tt) => {
    const c = t();
    if (c.dialect !== 'postgres') {
      tt.skip('SQLite is single-process');
      return;
    }
    const ws = await newSpace(c);
    const src = await newDataSource(c, ws.id);
    // A second server process on the SAME database: same URL, same master key.
    const services = await createServices(
      loadConfig({
        DSHUB_DATABASE_URL: c.database.url!,
        DSHUB_DATA_DIR: c.database.dataDir,
        DSHUB_MASTER_KEY: c.services.config.masterKey!,
        DSHUB_AUTH_CACHE_TTL_MS: '0',
        DSHUB_LOG_LEVEL: 'silent',
        DSHUB_PG_POOL_SIZE: '4',
      }),
      { logger: createLogger('silent'), defaultMetrics: false },
    );
    const app2 = await buildApp(services);
    try {
      for (let round = 0; round < 5; round++) {
        const name = `race_${round}_${randomBytes(3).toString('hex')}`;
        const send = (app: typeof app2) => {
          const signed = signRequest({
            accessKeyId: c.root.accessKeyId,
            accessKeySecret: c.root.accessKeySecret,
            action: 'CloneDataSource',
            method: 'POST',
            query: { Id: String(src.id), CloneDataSourceName: name },
          });
          return app.inject({ method: signed.method, url: signed.url, headers: signed.headers });
        };
        const answers = await Promise.all([send(c.app), send(app2)]);
        assert.deepEqual(
          answers.map((a) => a.statusCode).sort(),
          [200, 409],
          answers.map((a) => a.body).join('\n'),
        );
        const loser = answers.find((a) => a.statusCode === 409)!;
        assert.equal(loser.json().Code, 'Conflict.DataSourceName');
        const rows = await c.services.db.kysely
          .selectFrom('data_sources')
          .select('id')
          .where('project_id', '=', ws.id)
          .where('name', '=', name)
          .execute();
        assert.equal(rows.length, 1);
      }
    } finally {
      await app2.close();
      await services.close();
    }
  });
});
