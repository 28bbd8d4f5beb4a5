/**
 * RAM (Version 2015-05-01) through Alibaba's own RAM client (@alicloud/ram20150501: ACS3, and
 * RPC HMAC-SHA1 with signatureAlgorithm v2), @alicloud/pop-core (RPC) and the generic
 * @alicloud/openapi-core, against a real server on SQLite and PostgreSQL: RAM's models filled from
 * dshub's answers, answers matching the served response schemas, RAM's error codes as the clients
 * throw them, and a key made through the API signing DataWorks calls. The AccessKey secret is in
 * CreateAccessKey's answer and nowhere in the server's output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RamClient, * as $ram from '@alicloud/ram20150501';
import { selectedDialects, skipDialect } from '../helpers/database.js';
import {
  type Credentials,
  popCall,
  type RunningServer,
  type SdkError,
  sdkCall,
  sdkError,
  startServer,
} from './support.js';

const RAM = '2015-05-01';

function ramClient(server: RunningServer, creds: Credentials, v2 = false) {
  const config = new $OpenApiUtil.Config({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: server.endpoint,
    protocol: 'http',
    ...(v2 ? { signatureAlgorithm: 'v2' } : {}),
  });
  // CommonJS: the client class is the module's `default` export.
  return new RamClient.default(config);
}

/** The generic client's raw answer, checked against the served schema of the RAM operation. */
function raw(
  server: RunningServer,
  action: string,
  query: Record<string, string | number | boolean>,
  creds?: Credentials,
) {
  return sdkCall(
    server,
    action,
    { method: 'POST', query },
    { version: RAM, ...(creds ? { credentials: creds } : {}) },
  );
}

for (const dialect of selectedDialects()) {
  describe(`black box (${dialect}): RAM users, AccessKeys and policies through Alibaba's clients`, async () => {
    const skip = await skipDialect(dialect);
    if (skip) {
      it.skip(skip);
      return;
    }
    let server: RunningServer;
    const secrets: string[] = [];

    before(async () => {
      server = await startServer({ dialect, env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } });
    });
    after(async () => {
      await server?.stop();
    });

    it('the RAM client creates, gets, lists, updates and deletes a user (ACS3 and v2)', async () => {
      for (const v2 of [false, true]) {
        const client = ramClient(server, server, v2);
        const name = `alice.${v2 ? 'v2' : 'acs3'}`;
        const created = await client.createUser(
          new $ram.CreateUserRequest({
            userName: name,
            displayName: 'Alice',
            email: 'alice@example.com',
            comments: 'engineer',
          }),
        );
        assert.equal(created.statusCode, 200);
        assert.equal(created.body?.user?.userName, name);
        assert.match(created.body?.user?.userId ?? '', /^\d{16}$/);
        assert.match(created.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
        const got = await client.getUser(new $ram.GetUserRequest({ userName: name }));
        assert.equal(got.body?.user?.displayName, 'Alice');
        assert.equal(got.body?.user?.email, 'alice@example.com');
        const listed = await client.listUsers(new $ram.ListUsersRequest({ maxItems: 100 }));
        assert.ok(
          listed.body?.users?.user?.some((u: { userName?: string }) => u.userName === name),
        );
        assert.equal(listed.body?.isTruncated, false);
        const updated = await client.updateUser(
          new $ram.UpdateUserRequest({ userName: name, newComments: 'lead' }),
        );
        assert.equal(updated.body?.user?.comments, 'lead');
        await client.deleteUser(new $ram.DeleteUserRequest({ userName: name }));
        const gone = (await sdkError(
          client.getUser(new $ram.GetUserRequest({ userName: name })),
        )) as SdkError;
        assert.equal(gone.code, 'EntityNotExist.User');
        assert.equal(gone.statusCode, 404);
        assert.match(String(gone.data.RequestId), /^[0-9A-F-]{36}$/);
      }
    });

    it('answers match their declared schemas (generic client, pop-core)', async () => {
      await raw(server, 'CreateUser', { UserName: 'schema.user', DisplayName: 'S' });
      await raw(server, 'GetUser', { UserName: 'schema.user' });
      const page = await raw(server, 'ListUsers', { MaxItems: 1 });
      assert.equal(page.IsTruncated, true);
      await raw(server, 'ListUsers', { MaxItems: 1, Marker: String(page.Marker) });
      await raw(server, 'UpdateUser', { UserName: 'schema.user', NewDisplayName: 'T' });
      const key = await raw(server, 'CreateAccessKey', { UserName: 'schema.user' });
      secrets.push(String((key.AccessKey as Record<string, unknown>).AccessKeySecret));
      await raw(server, 'ListAccessKeys', { UserName: 'schema.user' });
      await raw(server, 'ListPolicies', {});
      await raw(server, 'GetPolicy', { PolicyType: 'System', PolicyName: 'AliyunRAMFullAccess' });
      await raw(server, 'CreatePolicy', {
        PolicyName: 'schema-policy',
        PolicyDocument: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'dataworks:List*', Resource: '*' }],
        }),
        Description: 'lists',
      });
      await raw(server, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'schema-policy',
        UserName: 'schema.user',
      });
      const forUser = await popCall(
        server,
        'ListPoliciesForUser',
        { UserName: 'schema.user' },
        { version: RAM },
      );
      assert.deepEqual(
        (forUser.Policies as { Policy: Array<{ PolicyName: string }> }).Policy.map(
          (p) => p.PolicyName,
        ),
        ['schema-policy'],
      );
      await popCall(
        server,
        'DetachPolicyFromUser',
        { PolicyType: 'Custom', PolicyName: 'schema-policy', UserName: 'schema.user' },
        { version: RAM },
      );
      await popCall(server, 'DeletePolicy', { PolicyName: 'schema-policy' }, { version: RAM });
      await popCall(server, 'GetUser', { UserName: 'schema.user' }, { version: RAM });
    });

    it('a key made through the API signs DataWorks calls; Inactive and deleted keys stop at once', async () => {
      const client = ramClient(server, server);
      await client.createUser(new $ram.CreateUserRequest({ userName: 'carol' }));
      await client.attachPolicyToUser(
        new $ram.AttachPolicyToUserRequest({
          policyType: 'System',
          policyName: 'AliyunDataWorksReadOnlyAccess',
          userName: 'carol',
        }),
      );
      const made = await client.createAccessKey(
        new $ram.CreateAccessKeyRequest({ userName: 'carol' }),
      );
      const ak = made.body?.accessKey;
      assert.ok(ak?.accessKeyId && ak.accessKeySecret);
      assert.equal(ak.status, 'Active');
      secrets.push(ak.accessKeySecret);
      const carol = { accessKeyId: ak.accessKeyId, accessKeySecret: ak.accessKeySecret };
      const me = await sdkCall(
        server,
        'GetCallerIdentity',
        { method: 'POST' },
        { credentials: carol },
      );
      assert.equal(me.UserName, 'carol');
      await sdkCall(server, 'ListProjects', { method: 'POST' }, { credentials: carol });

      const keys = await client.listAccessKeys(
        new $ram.ListAccessKeysRequest({ userName: 'carol' }),
      );
      const listed = keys.body?.accessKeys?.accessKey ?? [];
      assert.deepEqual(
        listed.map((k: { accessKeyId?: string; status?: string }) => [k.accessKeyId, k.status]),
        [[ak.accessKeyId, 'Active']],
      );
      assert.ok(!JSON.stringify(keys.body).includes(ak.accessKeySecret));

      await client.updateAccessKey(
        new $ram.UpdateAccessKeyRequest({
          userName: 'carol',
          userAccessKeyId: ak.accessKeyId,
          status: 'Inactive',
        }),
      );
      const inactive = await sdkError(
        sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: carol }),
      );
      assert.equal(inactive.code, 'InvalidAccessKeyId.Inactive');

      const conflict = await sdkError(
        client.deleteUser(new $ram.DeleteUserRequest({ userName: 'carol' })),
      );
      assert.equal(conflict.code, 'DeleteConflict.User.AccessKey');
      assert.equal(conflict.statusCode, 409);

      await client.deleteAccessKey(
        new $ram.DeleteAccessKeyRequest({ userName: 'carol', userAccessKeyId: ak.accessKeyId }),
      );
      const deleted = await sdkError(
        sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: carol }),
      );
      assert.equal(deleted.code, 'InvalidAccessKeyId.NotFound');
    });

    it('refusals arrive as RAM’s codes through the RAM client', async () => {
      const client = ramClient(server, server, true);
      const exists = await sdkError(
        client.createUser(new $ram.CreateUserRequest({ userName: 'schema.user' })),
      );
      assert.equal(exists.code, 'EntityAlreadyExists.User');
      assert.equal(exists.statusCode, 409);
      const chars = await sdkError(
        client.createUser(new $ram.CreateUserRequest({ userName: 'no spaces' })),
      );
      assert.equal(chars.code, 'InvalidParameter.UserName.InvalidChars');
      const policy = await sdkError(
        client.attachPolicyToUser(
          new $ram.AttachPolicyToUserRequest({
            policyType: 'Custom',
            policyName: 'nothing-here',
            userName: 'schema.user',
          }),
        ),
      );
      assert.equal(policy.code, 'EntityNotExist.Policy');
      const owner = await sdkError(
        client.deleteUser(new $ram.DeleteUserRequest({ userName: 'owner' })),
      );
      assert.equal(owner.code, 'Forbidden.Access');
    });

    it('no AccessKey secret shown by CreateAccessKey reaches the server’s output', async () => {
      assert.ok(secrets.length >= 2);
      const output = await server.flushedOutput();
      for (const secret of secrets) assert.ok(!output.includes(secret), 'a secret was logged');
    });
  });
}
