/**
 * The Tenant Administrator administers data sources but never obtains their secrets
 * (docs/DECISIONS.md, "The Tenant Administrator and secrets"), on both dialects: neither by
 * making itself a Workspace Administrator and resolving, nor by creating a workspace, sharing
 * the data source into it and resolving it there, nor by testing connectivity (which would send
 * the stored secret wherever an updated address points). Each refusal answers as it always
 * does, is audited, and leaves the administration the Tenant Administrator is there for working.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect } from '../helpers/harness.js';
import {
  callQuery,
  newDataSource,
  newSpace,
  PASSWORD,
  resolve,
  share,
} from '../helpers/sharing.js';
import { addMember, expectError, expectOk } from '../helpers/workspaces.js';

forEachDialect('the Tenant Administrator and secrets', (t) => {
  it('cannot resolve after making itself a Workspace Administrator', async () => {
    const c = t();
    const ws = await newSpace(c);
    const ds = await newDataSource(c, ws.id, { env: 'Dev' });
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    // Allowed: a Tenant Administrator manages members of every workspace, itself included.
    await addMember(c, ws.id, admin.userId, ['role_project_admin'], admin);
    const r = await resolve(c, admin, ws.id, ds.name, 'Dev');
    expectError(r, '1000010005', 404);
    assert.equal(r.body.Message, `The data source ${ds.name} does not exist or you cannot see it.`);
    assert.ok(!JSON.stringify(r.body).includes(PASSWORD));

    // It still administers: the record is visible to it, masked.
    const got = expectOk(
      await callQuery(c, admin, 'GetDataSource', { Id: ds.id }, 'GET'),
      'GetDataSource',
    );
    assert.ok(!JSON.stringify(got).includes(PASSWORD));

    // The refusal is in the audit trail, without a secret.
    const events = expectOk(
      await c.call(admin, 'ListAuditEvents', { RequestId: r.body.RequestId as string }),
      'ListAuditEvents',
    );
    const list = (events.PagingInfo as { AuditEvents: Array<Record<string, unknown>> }).AuditEvents;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.Outcome, '1000010005');
    assert.ok(!JSON.stringify(list).includes(PASSWORD));

    // The same role on a user who is not a Tenant Administrator resolves (nothing else changed).
    const dev = await c.newUser();
    await addMember(c, ws.id, dev.userId, ['role_project_admin'], admin);
    expectOk(await resolve(c, dev, ws.id, ds.name, 'Dev'), 'ResolveDataSource as a member');
  });

  it('cannot resolve through a workspace it created and shared the data source into', async () => {
    const c = t();
    const source = await newSpace(c);
    const ds = await newDataSource(c, source.id, { env: 'Dev' });
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    // Its own workspace (it becomes its owner), and a rule sharing the data source into it.
    const mine = await newSpace(c, admin);
    await share(c, { DataSourceId: ds.id, TargetProjectId: mine.id, EnvType: 'Dev' }, admin);
    const sharedName = `${source.name}.${ds.name}`;
    const r = await resolve(c, admin, mine.id, sharedName, 'Dev');
    expectError(r, '1000010005', 404);
    assert.equal(
      r.body.Message,
      `The data source ${sharedName} does not exist or you cannot see it.`,
    );
    assert.ok(!JSON.stringify(r.body).includes(PASSWORD));

    // A one-user rule naming it changes nothing either.
    await share(
      c,
      { DataSourceId: ds.id, TargetProjectId: mine.id, EnvType: 'Prod', SharedUser: admin.userId },
      admin,
    );
    expectError(await resolve(c, admin, mine.id, sharedName, 'Prod'), '1000010005', 404);

    // A member of that workspace who is not a Tenant Administrator uses the rule as usual.
    const dev = await c.newUser();
    await addMember(c, mine.id, dev.userId, ['role_project_dev'], admin);
    const ok = expectOk(await resolve(c, dev, mine.id, sharedName, 'Dev'), 'shared resolve');
    assert.equal(
      ((ok.DataSource as Record<string, unknown>).ConnectionProperties as Record<string, unknown>)
        .password,
      PASSWORD,
    );
  });

  it('cannot test connectivity, which would use the secret on its behalf', async () => {
    const c = t();
    const ws = await newSpace(c);
    const ds = await newDataSource(c, ws.id, { env: 'Dev' });
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    await addMember(c, ws.id, admin.userId, ['role_project_admin'], admin);
    // Refused before any secret is opened or any socket is tried.
    const r = await callQuery(c, admin, 'TestDataSourceConnectivity', {
      DataSourceId: ds.id,
      ProjectId: ws.id,
      ResourceGroupId: 'rg',
    });
    expectError(r, 'Forbidden.Access', 403);
    assert.match(String(r.body.Message), /Tenant Administrator/);
    assert.ok(!JSON.stringify(r.body).includes(PASSWORD));
  });
});
