/**
 * Operations declared `readOnly` start before their nonce claim has come back from the store
 * (PostgreSQL's batched claim; wire/handle.ts). A replay of one must still get
 * SignatureNonceUsed and nothing else, whatever the handler found: the record, NotFound,
 * Forbidden, a parameter error. And no operation that writes may be declared read-only.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { OPERATIONS } from '../../../src/registry/index.js';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { newDataSource } from '../../helpers/sharing.js';
import { newWorkspace } from '../../helpers/workspaces.js';

type Params = Record<string, string | number>;

/** Sends the same signed call `copies` times at once; answers in the order sent. */
function sendTogether(
  c: TestContext,
  key: Parameters<TestContext['call']>[0],
  action: string,
  params: Params,
  copies: number,
) {
  const nonce = `overlap-${action}-${c.name('n')}`;
  return Promise.all(
    Array.from({ length: copies }, () => c.call(key, action, params, { method: 'GET', nonce })),
  );
}

it('declares read-only only operations that are never audited (an audited one writes)', () => {
  const readOnly = OPERATIONS.filter((op) => op.readOnly);
  assert.ok(readOnly.some((op) => op.action === 'GetDataSource'));
  for (const op of readOnly) assert.equal(op.audit, false, op.action);
});

forEachDialect('replays of read-only operations', (t) => {
  it('answers a replay with SignatureNonceUsed alone, whatever the first call was answered', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const { id } = await newDataSource(c, ws, { env: 'Prod' });
    const stranger = await c.newUser();
    const cases: [Parameters<TestContext['call']>[0], string, Params, string][] = [
      [c.root, 'GetDataSource', { Id: id }, 'Success'],
      [c.root, 'GetDataSource', { Id: id + 1000 }, '1000010005'],
      [stranger, 'GetDataSource', { Id: id }, 'Forbidden.Access'],
      [c.root, 'GetDataSource', { Id: 'x' }, 'InvalidParameter.Id'],
      [c.root, 'ListDataSources', { ProjectId: ws }, 'Success'],
      [c.root, 'GetCallerIdentity', {}, 'Success'],
      [c.root, 'GetProject', { Id: ws }, 'Success'],
      [stranger, 'ListProjectMembers', { ProjectId: ws }, 'Forbidden.Access'],
    ];
    for (const [key, action, params, first] of cases) {
      const nonce = `replay-${c.name('n')}`;
      const a = await c.call(key, action, params, { method: 'GET', nonce });
      assert.equal(a.body.Code ?? 'Success', first, `${action} ${JSON.stringify(params)}`);
      const b = await c.call(key, action, params, { method: 'GET', nonce });
      assert.equal(b.status, 400);
      assert.deepEqual(Object.keys(b.body).sort(), [
        'Code',
        'HostId',
        'Message',
        'Recommend',
        'RequestId',
      ]);
      assert.equal(b.body.Code, 'SignatureNonceUsed', `${action} ${JSON.stringify(params)}`);
    }
  });

  it('answers exactly one of the same call sent many times at once', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const { id } = await newDataSource(c, ws, { env: 'Prod' });
    for (const [action, params] of [
      ['GetDataSource', { Id: id }],
      ['GetDataSource', { Id: id + 1000 }],
      ['ListDataSources', { ProjectId: ws }],
    ] as const) {
      const answers = await sendTogether(c, c.root, action, params, 12);
      const codes = answers.map((r) => r.body.Code ?? 'Success');
      const used = codes.filter((code) => code === 'SignatureNonceUsed');
      assert.equal(used.length, 11, `${action}: ${codes.join(', ')}`);
      for (const r of answers) {
        if (r.body.Code === 'SignatureNonceUsed') assert.equal(r.body.DataSource, undefined);
      }
    }
  });
});
