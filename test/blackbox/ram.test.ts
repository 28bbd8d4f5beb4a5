/**
 * RAM (Version 2015-05-01) through Alibaba's own RAM client (@alicloud/ram20150501: ACS3, and
 * RPC HMAC-SHA1 with signatureAlgorithm v2), @alicloud/pop-core (RPC) and the generic
 * @alicloud/openapi-core, against a real server on SQLite and PostgreSQL: RAM's models filled from
 * dshub's answers, answers matching the served response schemas, RAM's error codes as the clients
 * throw them, and a key made through the API signing DataWorks calls. The AccessKey secret is in
 * CreateAccessKey's answer and nowhere in the server's output.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RamClient, * as $ram from '@alicloud/ram20150501';
import {
  type Credentials,
  forEachStore,
  popCall,
  type RunningServer,
  rejectsWithCode,
  sdkCall,
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

forEachStore(
  "RAM users, AccessKeys and policies through Alibaba's clients",
  { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } },
  ({ server }) => {
    const secrets: string[] = [];

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
        const gone = await rejectsWithCode(
          client.getUser(new $ram.GetUserRequest({ userName: name })),
          'EntityNotExist.User',
          404,
        );
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
      await rejectsWithCode(
        sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: carol }),
        'InvalidAccessKeyId.Inactive',
        403,
      );

      await rejectsWithCode(
        client.deleteUser(new $ram.DeleteUserRequest({ userName: 'carol' })),
        'DeleteConflict.User.AccessKey',
        409,
      );

      await client.deleteAccessKey(
        new $ram.DeleteAccessKeyRequest({ userName: 'carol', userAccessKeyId: ak.accessKeyId }),
      );
      await rejectsWithCode(
        sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: carol }),
        'InvalidAccessKeyId.NotFound',
        404,
      );
    });

    it('refusals arrive as RAM’s codes through the RAM client', async () => {
      const client = ramClient(server, server, true);
      await rejectsWithCode(
        client.createUser(new $ram.CreateUserRequest({ userName: 'schema.user' })),
        'EntityAlreadyExists.User',
        409,
      );
      await rejectsWithCode(
        client.createUser(new $ram.CreateUserRequest({ userName: 'no spaces' })),
        'InvalidParameter.UserName.InvalidChars',
        400,
      );
      await rejectsWithCode(
        client.attachPolicyToUser(
          new $ram.AttachPolicyToUserRequest({
            policyType: 'Custom',
            policyName: 'nothing-here',
            userName: 'schema.user',
          }),
        ),
        'EntityNotExist.Policy',
        404,
      );
      await rejectsWithCode(
        client.deleteUser(new $ram.DeleteUserRequest({ userName: 'owner' })),
        'Forbidden.Access',
        403,
      );
    });

    it('no AccessKey secret shown by CreateAccessKey reaches the server’s output', async () => {
      assert.ok(secrets.length >= 2);
      const output = await server.flushedOutput();
      for (const secret of secrets) assert.ok(!output.includes(secret), 'a secret was logged');
    });
  },
);
