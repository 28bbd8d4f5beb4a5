/**
 * Every refused call of an audited operation is in the audit trail the same way: a parameter
 * error and a policy-layer refusal (Forbidden.RAM) like a role-layer or handler error.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import { callQuery } from '../helpers/sharing.js';
import { newWorkspace } from '../helpers/workspaces.js';

async function eventOf(c: TestContext, requestId: unknown) {
  const { events } = await c.services.audit.list({
    tenantId: c.root.tenantId!,
    requestId: String(requestId),
    pageNumber: 1,
    pageSize: 10,
  });
  return events;
}

forEachDialect('audit: refused calls', (t) => {
  it('records a parameter error of an audited operation', async () => {
    const c = t();
    const r = await callQuery(c, c.root, 'CreateDataSource', { ProjectId: 'not-a-number' });
    assert.equal(r.status, 400);
    const events = await eventOf(c, r.body.RequestId);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.action, 'CreateDataSource');
    assert.equal(events[0]!.outcome, r.body.Code);
  });

  it('records a Forbidden.RAM refusal of an audited operation', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const reader = await c.newUser(c.root.tenantId, { policy: 'AliyunDataWorksReadOnlyAccess' });
    const r = await callQuery(c, reader, 'DeleteDataSource', { Id: 1 }, 'GET');
    assert.equal(r.body.Code, 'Forbidden.RAM');
    const events = await eventOf(c, r.body.RequestId);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.outcome, 'Forbidden.RAM');
    assert.equal(events[0]!.user_id, reader.userId);
    assert.ok(ws > 0);
  });

  it('records nothing for an operation that is not audited', async () => {
    const c = t();
    const r = await callQuery(c, c.root, 'GetDataSource', { Id: 'x' }, 'GET');
    assert.equal(r.status, 400);
    assert.deepEqual(await eventOf(c, r.body.RequestId), []);
  });
});
