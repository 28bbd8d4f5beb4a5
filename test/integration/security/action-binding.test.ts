/**
 * Regression (issue: RPC signatures did not bind the action): a request signed as
 * GetDataSource with an unsigned `x-acs-action: DeleteDataSource` header deleted the source.
 * Action and Version now come from the signed part of the request only, and a request whose
 * two spellings disagree is refused.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../../helpers/harness.js';
import { type SignOptions, signRequest } from '../../helpers/signer.js';
import { newWorkspace, STANDARD_MODE } from '../../helpers/workspaces.js';

async function send(
  c: TestContext,
  o: Omit<SignOptions, 'accessKeyId' | 'accessKeySecret'>,
  tamper: (r: { url: string; headers: Record<string, string> }) => void = () => {},
) {
  const signed = signRequest({
    accessKeyId: c.root.accessKeyId,
    accessKeySecret: c.root.accessKeySecret,
    ...o,
  });
  tamper(signed);
  const res = await c.app.inject({
    method: signed.method,
    url: signed.url,
    headers: signed.headers,
    ...(signed.payload !== undefined ? { payload: signed.payload } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function newSource(c: TestContext): Promise<number> {
  const ws = await newWorkspace(c, c.root, STANDARD_MODE);
  const r = await c.call(c.root, 'CreateDataSource', {
    ProjectId: ws,
    Name: c.name('ds'),
    Type: 'mysql',
    ConnectionPropertiesMode: 'UrlMode',
    ConnectionProperties: JSON.stringify({
      envType: 'Prod',
      address: [{ host: 'db.example.com', port: '3306' }],
      database: 'shop',
      username: 'app',
      password: 'secret-pw',
    }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.Id as number;
}

async function exists(c: TestContext, id: number): Promise<boolean> {
  const r = await c.call(c.root, 'GetDataSource', { Id: id }, { method: 'GET' });
  return r.status === 200;
}

forEachDialect('signatures bind Action and Version', (t) => {
  it('RPC: an unsigned x-acs-action header cannot turn GetDataSource into DeleteDataSource', async () => {
    const c = t();
    const id = await newSource(c);
    const r = await send(
      c,
      { action: 'GetDataSource', scheme: 'rpc', method: 'GET', query: { Id: String(id) } },
      (s) => {
        s.headers['x-acs-action'] = 'DeleteDataSource';
      },
    );
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidParameter.Action');
    assert.match(String(r.body.Message), /disagree/);
    assert.equal(typeof r.body.RequestId, 'string');
    assert.ok(await exists(c, id), 'the data source survived');
  });

  it('RPC: an unsigned x-acs-version header cannot override the signed Version', async () => {
    const c = t();
    const r = await send(c, { action: 'GetCallerIdentity', scheme: 'rpc' }, (s) => {
      s.headers['x-acs-version'] = '2099-01-01';
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidParameter.Version');
  });

  it('RPC: the header alone (no signed Action parameter) is refused', async () => {
    const c = t();
    const id = await newSource(c);
    const r = await send(
      c,
      { action: 'GetDataSource', scheme: 'rpc', method: 'GET', query: { Id: String(id) } },
      (s) => {
        // Re-signing without Action is what an attacker cannot do; here Action is simply
        // dropped after signing, so the signature fails first. Either way nothing is deleted.
        s.url = s.url.replace(/([?&])Action=GetDataSource&?/, '$1');
        s.headers['x-acs-action'] = 'DeleteDataSource';
      },
    );
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.ok(await exists(c, id));
  });

  it('RPC: header and parameter that agree (what openapi-core and pop-core send) pass', async () => {
    const c = t();
    const r = await send(c, { action: 'GetCallerIdentity', scheme: 'rpc' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it('ACS3: an Action query parameter that disagrees with the signed header is refused', async () => {
    const c = t();
    const id = await newSource(c);
    const r = await send(c, {
      action: 'GetDataSource',
      method: 'GET',
      query: { Id: String(id), Action: 'DeleteDataSource' },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidParameter.Action');
    assert.ok(await exists(c, id));
  });

  it('ACS3: a Version query parameter that disagrees with the signed header is refused', async () => {
    const c = t();
    const r = await send(c, {
      action: 'GetCallerIdentity',
      query: { Version: '2020-01-01' },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.Code, 'InvalidParameter.Version');
  });
});
