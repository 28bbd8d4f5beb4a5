/**
 * RAM (Version 2015-05-01) through the pipeline, on both dialects: dispatch on (Version, Action),
 * users, AccessKeys (the secret shown once, never in lists, audit or logs), policies, who may do
 * what (Tenant Owner, Tenant Administrator, nobody else), RAM's error codes, and the audit trail.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { sql } from 'kysely';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';

const RAM = '2015-05-01';

function ram(
  c: TestContext,
  key: Key,
  action: string,
  params: Record<string, string | number | boolean | undefined> = {},
  scheme?: 'acs3' | 'rpc',
) {
  return c.call(key, action, params, { version: RAM, ...(scheme ? { scheme } : {}) });
}

function ok(r: { status: number; body: Record<string, unknown> }): Record<string, unknown> {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

function fails(
  r: { status: number; body: Record<string, unknown> },
  code: string,
  status: number,
): Record<string, unknown> {
  assert.equal(r.body.Code, code, JSON.stringify(r.body));
  assert.equal(r.status, status);
  assert.match(String(r.body.RequestId), /^[0-9A-F-]{36}$/);
  return r.body;
}

/** A Tenant Administrator with the RAM policy it needs for the policy layer. */
async function tenantAdmin(c: TestContext): Promise<Key> {
  const key = await c.newUser(c.root.tenantId, { tenantAdmin: true });
  await c.services.identity.attachPolicy(key.userId!, 'AliyunRAMFullAccess');
  return key;
}

forEachDialect('RAM 2015-05-01: dispatch on (Version, Action)', (t) => {
  it('a RAM action answers under 2015-05-01 and is unknown under DataWorks’ version', async () => {
    const c = t();
    const users = ok(await ram(c, c.root, 'ListUsers'));
    assert.equal(users.IsTruncated, false);
    fails(await c.call(c.root, 'ListUsers'), 'InvalidAction.NotFound', 404);
    const dw = fails(
      await c.call(c.root, 'ListProjects', {}, { version: RAM }),
      'InvalidAction.NotFound',
      404,
    );
    assert.match(String(dw.Message), /2015-05-01/);
    fails(await c.call(c.root, 'ListUsers', {}, { version: '2014-01-01' }), 'NoSuchVersion', 400);
  });

  it('both signatures reach a RAM action', async () => {
    const c = t();
    for (const scheme of ['acs3', 'rpc'] as const) {
      const body = ok(await ram(c, c.root, 'GetUser', { UserName: 'owner' }, scheme));
      assert.equal((body.User as Record<string, unknown>).UserId, c.root.userId);
    }
  });
});

forEachDialect('RAM users', (t) => {
  it('creates, gets, lists, updates and deletes a user in RAM’s shapes', async () => {
    const c = t();
    const name = c.name('alice').replace(/_/g, '.');
    const created = ok(
      await ram(c, c.root, 'CreateUser', {
        UserName: name,
        DisplayName: 'Alice',
        Email: 'alice@example.com',
        MobilePhone: '86-18688888888',
        Comments: 'data engineer',
      }),
    );
    const user = created.User as Record<string, string>;
    assert.match(user.UserId!, /^\d{16}$/);
    assert.equal(user.UserName, name);
    assert.equal(user.DisplayName, 'Alice');
    assert.equal(user.Email, 'alice@example.com');
    assert.equal(user.MobilePhone, '86-18688888888');
    assert.equal(user.Comments, 'data engineer');
    assert.match(user.CreateDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    fails(await ram(c, c.root, 'CreateUser', { UserName: name }), 'EntityAlreadyExists.User', 409);

    const got = ok(await ram(c, c.root, 'GetUser', { UserName: name })).User as Record<
      string,
      string
    >;
    assert.equal(got.UserId, user.UserId);
    assert.equal(got.UpdateDate, user.CreateDate);

    const renamed = `${name}.x`;
    const updated = ok(
      await ram(c, c.root, 'UpdateUser', {
        UserName: name,
        NewUserName: renamed,
        NewComments: 'lead',
      }),
    ).User as Record<string, string>;
    assert.equal(updated.UserName, renamed);
    assert.equal(updated.Comments, 'lead');
    assert.equal(updated.DisplayName, 'Alice');
    fails(await ram(c, c.root, 'GetUser', { UserName: name }), 'EntityNotExist.User', 404);

    ok(await ram(c, c.root, 'DeleteUser', { UserName: renamed }));
    fails(await ram(c, c.root, 'GetUser', { UserName: renamed }), 'EntityNotExist.User', 404);
    fails(await ram(c, c.root, 'DeleteUser', { UserName: renamed }), 'EntityNotExist.User', 404);
  });

  it('answers RAM’s parameter codes', async () => {
    const c = t();
    fails(await ram(c, c.root, 'CreateUser', {}), 'MissingUserName', 400);
    fails(
      await ram(c, c.root, 'CreateUser', { UserName: 'a b' }),
      'InvalidParameter.UserName.InvalidChars',
      400,
    );
    fails(
      await ram(c, c.root, 'CreateUser', { UserName: 'a'.repeat(65) }),
      'InvalidParameter.UserName.Length',
      400,
    );
    fails(
      await ram(c, c.root, 'CreateUser', { UserName: '1234' }),
      'InvalidParameter.UserName.InvalidChars',
      400,
    );
    fails(
      await ram(c, c.root, 'CreateUser', { UserName: c.name('u'), DisplayName: 'x'.repeat(129) }),
      'InvalidParameter.DisplayName.Length',
      400,
    );
    fails(await ram(c, c.root, 'ListUsers', { MaxItems: 0 }), 'InvalidParameter.MaxItems', 400);
    fails(
      await ram(c, c.root, 'ListUsers', { Marker: 'not a marker' }),
      'InvalidParameter.Marker',
      400,
    );
  });

  it('pages ListUsers with Marker', async () => {
    const c = t();
    const tenant = await c.newTenant();
    for (const n of ['u1', 'u2', 'u3', 'u4'])
      ok(await ram(c, tenant, 'CreateUser', { UserName: n }));
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 5; i++) {
      const body = ok(await ram(c, tenant, 'ListUsers', { MaxItems: 2, Marker: marker }));
      const page = (body.Users as { User: Array<{ UserName: string }> }).User;
      seen.push(...page.map((u) => u.UserName));
      if (!body.IsTruncated) {
        assert.equal(body.Marker, undefined);
        break;
      }
      marker = String(body.Marker);
    }
    assert.deepEqual(seen, ['owner', 'u1', 'u2', 'u3', 'u4']);
  });

  it('refuses to delete a user with keys, policies or a workspace, and the Tenant Owner', async () => {
    const c = t();
    const tenant = await c.newTenant();
    ok(await ram(c, tenant, 'CreateUser', { UserName: 'bob' }));
    const key = ok(await ram(c, tenant, 'CreateAccessKey', { UserName: 'bob' }))
      .AccessKey as Record<string, string>;
    fails(
      await ram(c, tenant, 'DeleteUser', { UserName: 'bob' }),
      'DeleteConflict.User.AccessKey',
      409,
    );
    ok(
      await ram(c, tenant, 'DeleteAccessKey', {
        UserName: 'bob',
        UserAccessKeyId: key.AccessKeyId,
      }),
    );
    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        UserName: 'bob',
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksFullAccess',
      }),
    );
    fails(
      await ram(c, tenant, 'DeleteUser', { UserName: 'bob' }),
      'DeleteConflict.User.Policy',
      409,
    );
    ok(
      await ram(c, tenant, 'DetachPolicyFromUser', {
        UserName: 'bob',
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksFullAccess',
      }),
    );
    const bob = await c.services.ram.findUser(tenant.tenantId, 'bob');
    await c.services.db.kysely
      .insertInto('projects')
      .values({
        tenant_id: tenant.tenantId,
        name: c.name('ws').slice(0, 28),
        display_name: 'w',
        description: '',
        owner: bob.id,
        status: 'Available',
        dev_environment_enabled: 0,
        dev_role_disabled: 0,
        pai_task_enabled: 0,
        aliyun_resource_group_id: '',
        aliyun_resource_tags: '[]',
        created_at: Date.now(),
        modified_at: Date.now(),
      })
      .execute();
    fails(
      await ram(c, tenant, 'DeleteUser', { UserName: 'bob' }),
      'DeleteConflict.User.Workspace',
      409,
    );
    fails(await ram(c, tenant, 'DeleteUser', { UserName: 'owner' }), 'Forbidden.Access', 403);
  });
});

forEachDialect('RAM AccessKeys', (t) => {
  it('shows the secret once; the key signs; Inactive and deleted keys are refused at once', async () => {
    const c = t();
    const tenant = await c.newTenant();
    ok(await ram(c, tenant, 'CreateUser', { UserName: 'carol' }));
    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        UserName: 'carol',
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksFullAccess',
      }),
    );
    const created = ok(await ram(c, tenant, 'CreateAccessKey', { UserName: 'carol' }));
    const ak = created.AccessKey as Record<string, string>;
    assert.match(ak.AccessKeyId!, /^LTAI[A-Za-z0-9]{20}$/);
    assert.equal(ak.AccessKeySecret!.length, 30);
    assert.equal(ak.Status, 'Active');
    const carol: Key = { accessKeyId: ak.AccessKeyId!, accessKeySecret: ak.AccessKeySecret! };
    const who = ok(await c.call(carol, 'GetCallerIdentity'));
    assert.equal(who.UserName, 'carol');

    const listed = ok(await ram(c, tenant, 'ListAccessKeys', { UserName: 'carol' }));
    const keys = (listed.AccessKeys as { AccessKey: Array<Record<string, string>> }).AccessKey;
    assert.deepEqual(
      keys.map((k) => Object.keys(k).sort()),
      [['AccessKeyId', 'CreateDate', 'Status']],
    );
    assert.ok(!JSON.stringify(listed).includes(ak.AccessKeySecret!));

    ok(
      await ram(c, tenant, 'UpdateAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: ak.AccessKeyId,
        Status: 'Inactive',
      }),
    );
    fails(await c.call(carol, 'GetCallerIdentity'), 'InvalidAccessKeyId.Inactive', 403);
    ok(
      await ram(c, tenant, 'UpdateAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: ak.AccessKeyId,
        Status: 'Active',
      }),
    );
    ok(await c.call(carol, 'GetCallerIdentity'));
    fails(
      await ram(c, tenant, 'UpdateAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: ak.AccessKeyId,
        Status: 'Gone',
      }),
      'InvalidParameter.Status',
      400,
    );

    ok(await ram(c, tenant, 'CreateAccessKey', { UserName: 'carol' }));
    fails(
      await ram(c, tenant, 'CreateAccessKey', { UserName: 'carol' }),
      'LimitExceeded.User.AccessKey',
      409,
    );

    ok(
      await ram(c, tenant, 'DeleteAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: ak.AccessKeyId,
      }),
    );
    fails(await c.call(carol, 'GetCallerIdentity'), 'InvalidAccessKeyId.NotFound', 404);
    fails(
      await ram(c, tenant, 'DeleteAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: ak.AccessKeyId,
      }),
      'EntityNotExist.User.AccessKey',
      404,
    );
    // A key of another user is not found under this one.
    const own = ok(await ram(c, tenant, 'ListAccessKeys')).AccessKeys as {
      AccessKey: Array<{ AccessKeyId: string }>;
    };
    fails(
      await ram(c, tenant, 'DeleteAccessKey', {
        UserName: 'carol',
        UserAccessKeyId: own.AccessKey[0]!.AccessKeyId,
      }),
      'EntityNotExist.User.AccessKey',
      404,
    );

    // The secret is in no audit event, and no stored column holds it in clear.
    const events = await c.services.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenant.tenantId)
      .execute();
    assert.ok(events.some((e) => e.action === 'CreateAccessKey' && e.outcome === 'Success'));
    assert.ok(!JSON.stringify(events).includes(ak.AccessKeySecret!));
    const rows = await c.services.db.kysely.selectFrom('access_keys').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(ak.AccessKeySecret!));
  });

  it('without UserName acts on the caller’s own keys', async () => {
    const c = t();
    const admin = await tenantAdmin(c);
    const before = ok(await ram(c, admin, 'ListAccessKeys')).AccessKeys as { AccessKey: unknown[] };
    assert.equal(before.AccessKey.length, 1);
    const made = ok(await ram(c, admin, 'CreateAccessKey')).AccessKey as Record<string, string>;
    const after = ok(await ram(c, admin, 'ListAccessKeys')).AccessKeys as {
      AccessKey: Array<{ AccessKeyId: string }>;
    };
    assert.ok(after.AccessKey.some((k) => k.AccessKeyId === made.AccessKeyId));
  });
});

forEachDialect('RAM: who may call', (t) => {
  it('a Tenant Administrator manages users, but not the Tenant Owner, and issues keys only for itself', async () => {
    const c = t();
    const admin = await tenantAdmin(c);
    const name = c.name('dave');
    ok(await ram(c, admin, 'CreateUser', { UserName: name }));
    ok(await ram(c, admin, 'UpdateUser', { UserName: name, NewDisplayName: 'Dave' }));
    fails(await ram(c, admin, 'CreateAccessKey', { UserName: name }), 'Forbidden.Access', 403);
    fails(
      await ram(c, admin, 'UpdateUser', { UserName: 'owner', NewComments: 'mine' }),
      'Forbidden.Access',
      403,
    );
    fails(await ram(c, admin, 'CreateAccessKey', { UserName: 'owner' }), 'Forbidden.Access', 403);
    fails(
      await ram(c, admin, 'UpdateAccessKey', {
        UserName: 'owner',
        UserAccessKeyId: c.root.accessKeyId,
        Status: 'Inactive',
      }),
      'Forbidden.Access',
      403,
    );
    fails(
      await ram(c, admin, 'AttachPolicyToUser', {
        UserName: 'owner',
        PolicyType: 'System',
        PolicyName: 'AliyunRAMFullAccess',
      }),
      'Forbidden.Access',
      403,
    );
    ok(await ram(c, admin, 'GetUser', { UserName: 'owner' }));
    ok(await ram(c, admin, 'DeleteUser', { UserName: name }));
  });

  it('a Tenant Administrator cannot lift the policies that narrow it or another administrator', async () => {
    const c = t();
    const admin = await tenantAdmin(c);
    const other = await tenantAdmin(c);
    const users = (
      ok(await ram(c, c.root, 'ListUsers', { MaxItems: '1000' })).Users as {
        User: { UserId: string; UserName: string }[];
      }
    ).User;
    const nameOf = (k: Key) => users.find((u) => u.UserId === k.userId)!.UserName;
    const own = nameOf(admin);
    const peer = nameOf(other);
    const plain = c.name('erin');
    ok(await ram(c, admin, 'CreateUser', { UserName: plain }));
    const policy = `NoDelete-${randomUUID().slice(0, 8)}`;
    ok(
      await ram(c, c.root, 'CreatePolicy', {
        PolicyName: policy,
        PolicyDocument: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Deny', Action: 'dataworks:DeleteDataSource', Resource: '*' }],
        }),
      }),
    );
    ok(
      await ram(c, c.root, 'AttachPolicyToUser', {
        UserName: own,
        PolicyType: 'Custom',
        PolicyName: policy,
      }),
    );
    for (const [action, user] of [
      ['DetachPolicyFromUser', own],
      ['AttachPolicyToUser', peer],
    ] as const) {
      fails(
        await ram(c, admin, action, { UserName: user, PolicyType: 'Custom', PolicyName: policy }),
        'Forbidden.Access',
        403,
      );
    }
    fails(
      await ram(c, admin, 'AttachPolicyToUser', {
        UserName: own,
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksFullAccess',
      }),
      'Forbidden.Access',
      403,
    );
    fails(
      await ram(c, admin, 'DeletePolicy', { PolicyName: policy, CascadingDelete: 'true' }),
      'Forbidden.Access',
      403,
    );
    // Users who are not administrators are the administrator's to manage.
    ok(
      await ram(c, admin, 'AttachPolicyToUser', {
        UserName: plain,
        PolicyType: 'Custom',
        PolicyName: policy,
      }),
    );
    ok(
      await ram(c, admin, 'DetachPolicyFromUser', {
        UserName: plain,
        PolicyType: 'Custom',
        PolicyName: policy,
      }),
    );
    ok(await ram(c, c.root, 'DeletePolicy', { PolicyName: policy, CascadingDelete: 'true' }));
  });

  it('a user without the tenant role is refused by the role layer, without a RAM policy by the policy layer', async () => {
    const c = t();
    const plain = await c.newUser();
    fails(await ram(c, plain, 'ListUsers'), 'Forbidden.RAM', 403);
    await c.services.identity.attachPolicy(plain.userId!, 'AliyunRAMFullAccess');
    fails(await ram(c, plain, 'ListUsers'), 'Forbidden.Access', 403);
    // A Tenant Administrator with DataWorks' policy only has no ram: actions.
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    fails(await ram(c, admin, 'ListUsers'), 'Forbidden.RAM', 403);
    await c.services.identity.attachPolicy(admin.userId!, 'AliyunRAMReadOnlyAccess');
    ok(await ram(c, admin, 'ListUsers'));
    fails(await ram(c, admin, 'CreateUser', { UserName: c.name('x') }), 'Forbidden.RAM', 403);
  });

  it('another tenant’s users do not exist for the caller', async () => {
    const c = t();
    const other = await c.newTenant();
    const name = c.name('erin');
    ok(await ram(c, c.root, 'CreateUser', { UserName: name }));
    fails(await ram(c, other, 'GetUser', { UserName: name }), 'EntityNotExist.User', 404);
    const list = ok(await ram(c, other, 'ListUsers')).Users as {
      User: Array<{ UserName: string }>;
    };
    assert.deepEqual(
      list.User.map((u) => u.UserName),
      ['owner'],
    );
  });
});

forEachDialect('RAM policies', (t) => {
  it('creates, gets, lists, attaches, detaches and deletes a custom policy', async () => {
    const c = t();
    const tenant = await c.newTenant();
    ok(await ram(c, tenant, 'CreateUser', { UserName: 'frank' }));
    const doc = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['dataworks:List*'], Resource: '*' }],
    });
    const created = ok(
      await ram(c, tenant, 'CreatePolicy', {
        PolicyName: 'ListOnly',
        PolicyDocument: doc,
        Description: 'lists',
      }),
    ).Policy as Record<string, string>;
    assert.equal(created.PolicyType, 'Custom');
    assert.equal(created.DefaultVersion, 'v1');
    fails(
      await ram(c, tenant, 'CreatePolicy', { PolicyName: 'ListOnly', PolicyDocument: doc }),
      'EntityAlreadyExists.Policy',
      409,
    );
    fails(
      await ram(c, tenant, 'CreatePolicy', {
        PolicyName: 'AliyunRAMFullAccess',
        PolicyDocument: doc,
      }),
      'EntityAlreadyExists.Policy',
      409,
    );
    fails(
      await ram(c, tenant, 'CreatePolicy', {
        PolicyName: 'Bad',
        PolicyDocument: '{"Statement":[{"Effect":"Allow","NotAction":"x"}]}',
      }),
      'InvalidParameter.PolicyDocument',
      400,
    );
    const got = ok(
      await ram(c, tenant, 'GetPolicy', { PolicyType: 'Custom', PolicyName: 'ListOnly' }),
    );
    assert.equal((got.Policy as Record<string, string>).PolicyDocument, doc);
    assert.equal((got.DefaultPolicyVersion as Record<string, unknown>).IsDefaultVersion, true);
    fails(
      await ram(c, tenant, 'GetPolicy', { PolicyType: 'System', PolicyName: 'ListOnly' }),
      'EntityNotExist.Policy',
      404,
    );
    const sys = ok(
      await ram(c, tenant, 'GetPolicy', {
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksFullAccess',
      }),
    );
    assert.match(String((sys.Policy as Record<string, string>).PolicyDocument), /dataworks:\*/);

    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'ListOnly',
        UserName: 'frank',
      }),
    );
    fails(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'ListOnly',
        UserName: 'frank',
      }),
      'EntityAlreadyExists.User.Policy',
      409,
    );
    fails(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'Nope',
        UserName: 'frank',
      }),
      'EntityNotExist.Policy',
      404,
    );
    const forUser = ok(await ram(c, tenant, 'ListPoliciesForUser', { UserName: 'frank' }));
    const attached = (forUser.Policies as { Policy: Array<Record<string, string>> }).Policy;
    assert.deepEqual(
      attached.map((p) => [p.PolicyName, p.PolicyType, p.Description]),
      [['ListOnly', 'Custom', 'lists']],
    );
    assert.match(attached[0]!.AttachDate!, /Z$/);

    const all = ok(await ram(c, tenant, 'ListPolicies'));
    const policies = (all.Policies as { Policy: Array<Record<string, unknown>> }).Policy;
    const listOnly = policies.find((p) => p.PolicyName === 'ListOnly');
    assert.equal(listOnly?.AttachmentCount, 1);
    assert.ok(
      policies.some((p) => p.PolicyName === 'AliyunRAMFullAccess' && p.PolicyType === 'System'),
    );
    const custom = ok(await ram(c, tenant, 'ListPolicies', { PolicyType: 'Custom' }));
    assert.deepEqual(
      (custom.Policies as { Policy: Array<{ PolicyName: string }> }).Policy.map(
        (p) => p.PolicyName,
      ),
      ['ListOnly'],
    );
    fails(
      await ram(c, tenant, 'ListPolicies', { Tag: '[{"Key":"a","Value":"b"}]' }),
      'InvalidParameter.Tag',
      400,
    );

    fails(
      await ram(c, tenant, 'DeletePolicy', { PolicyName: 'ListOnly' }),
      'DeleteConflict.Policy.User',
      409,
    );
    ok(
      await ram(c, tenant, 'DetachPolicyFromUser', {
        PolicyType: 'Custom',
        PolicyName: 'ListOnly',
        UserName: 'frank',
      }),
    );
    fails(
      await ram(c, tenant, 'DetachPolicyFromUser', {
        PolicyType: 'Custom',
        PolicyName: 'ListOnly',
        UserName: 'frank',
      }),
      'EntityNotExist.User.Policy',
      404,
    );
    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'ListOnly',
        UserName: 'frank',
      }),
    );
    ok(await ram(c, tenant, 'DeletePolicy', { PolicyName: 'ListOnly', CascadingDelete: true }));
    const none = ok(await ram(c, tenant, 'ListPoliciesForUser', { UserName: 'frank' }));
    assert.deepEqual((none.Policies as { Policy: unknown[] }).Policy, []);
  });

  it('an attached policy takes effect on the user’s next call', async () => {
    const c = t();
    const tenant = await c.newTenant();
    ok(await ram(c, tenant, 'CreateUser', { UserName: 'gina' }));
    const ak = ok(await ram(c, tenant, 'CreateAccessKey', { UserName: 'gina' }))
      .AccessKey as Record<string, string>;
    const gina: Key = { accessKeyId: ak.AccessKeyId!, accessKeySecret: ak.AccessKeySecret! };
    fails(await c.call(gina, 'ListProjects'), 'Forbidden.RAM', 403);
    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'System',
        PolicyName: 'AliyunDataWorksReadOnlyAccess',
        UserName: 'gina',
      }),
    );
    ok(await c.call(gina, 'ListProjects'));
  });
});

forEachDialect('RAM policies: a built-in is known by its type, not its name', (t) => {
  it('a custom policy named like a built-in is refused, and one already stored reads as Custom', async () => {
    const c = t();
    const tenant = await c.newTenant();
    const narrow = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['ram:GetUser'], Resource: '*' }],
    });
    for (const name of ['AliyunRAMFullAccess', 'AliyunRAMReadOnlyAccess']) {
      fails(
        await ram(c, tenant, 'CreatePolicy', { PolicyName: name, PolicyDocument: narrow }),
        'EntityAlreadyExists.Policy',
        409,
      );
    }
    // A store written before such names were refused (or by hand) may hold one.
    await c.services.db.kysely
      .insertInto('policies')
      .values({
        tenant_id: tenant.tenantId,
        name: 'AliyunRAMFullAccess',
        document: narrow,
        created_at: Date.now(),
      })
      .execute();
    ok(await ram(c, tenant, 'CreateUser', { UserName: 'hana' }));
    ok(
      await ram(c, tenant, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'AliyunRAMFullAccess',
        UserName: 'hana',
      }),
    );
    const listed = ok(await ram(c, tenant, 'ListPoliciesForUser', { UserName: 'hana' }));
    assert.deepEqual(
      (listed.Policies as { Policy: Array<Record<string, string>> }).Policy.map((p) => [
        p.PolicyName,
        p.PolicyType,
      ]),
      [['AliyunRAMFullAccess', 'Custom']],
    );
    // Its document, not the built-in's ram:*, is what the policy layer evaluates.
    const hana = await c.services.identity.createAccessKey(
      (await c.services.ram.findUser(tenant.tenantId, 'hana')).id,
    );
    await c.services.identity.grantTenantRole(hana.userId, 'TenantAdmin');
    ok(await ram(c, hana, 'GetUser', { UserName: 'hana' }));
    fails(await ram(c, hana, 'ListUsers'), 'Forbidden.RAM', 403);
  });
});

forEachDialect('RAM policies: attaching while the policy is deleted', (t) => {
  const doc = JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['dataworks:List*'], Resource: '*' }],
  });

  async function attachments(c: TestContext, userName: string) {
    const body = ok(await ram(c, c.root, 'ListPoliciesForUser', { UserName: userName }));
    return (body.Policies as { Policy: Array<{ PolicyName: string }> }).Policy;
  }

  it('an AttachPolicyToUser racing a DeletePolicy waits for it, and then finds no policy', async (s) => {
    const c = t();
    if (c.dialect !== 'postgres') {
      // SQLite runs one transaction at a time, and the check is in the inserting one: a
      // DeletePolicy is wholly before or wholly after it. Nothing to interleave here.
      s.skip('SQLite serialises transactions');
      return;
    }
    ok(await ram(c, c.root, 'CreateUser', { UserName: 'racer' }));
    ok(await ram(c, c.root, 'CreatePolicy', { PolicyName: 'RacyOne', PolicyDocument: doc }));
    const k = c.services.db.kysely;
    let attach: ReturnType<typeof ram> | undefined;
    await k.transaction().execute(async (trx) => {
      // What DeletePolicy does first: lock the policy's row and delete it, not yet committed.
      const policy = trx
        .selectFrom('policies')
        .where('tenant_id', '=', c.root.tenantId!)
        .where('name', '=', 'RacyOne');
      await policy.select('id').forUpdate().execute();
      await trx
        .deleteFrom('policies')
        .where('tenant_id', '=', c.root.tenantId!)
        .where('name', '=', 'RacyOne')
        .execute();
      attach = ram(c, c.root, 'AttachPolicyToUser', {
        PolicyType: 'Custom',
        PolicyName: 'RacyOne',
        UserName: 'racer',
      });
      // The attach must wait on the row lock (before the fix it checked outside its transaction,
      // saw the committed policy and inserted at once). Polled on another connection.
      const until = Date.now() + 15_000;
      for (;;) {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(k);
        if (rows[0]!.n > 0) break;
        const settled = await Promise.race([
          attach.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 20)),
        ]);
        assert.ok(!settled, 'AttachPolicyToUser did not wait for the DeletePolicy in progress');
        assert.ok(Date.now() < until, 'AttachPolicyToUser never waited on the policy row');
      }
    });
    fails(await attach!, 'EntityNotExist.Policy', 404);
    assert.deepEqual(await attachments(c, 'racer'), []);
  });

  it('concurrent attaches and a cascading DeletePolicy leave no attachment to a deleted policy', async () => {
    const c = t();
    const users = ['r1', 'r2', 'r3', 'r4'];
    for (const u of users) ok(await ram(c, c.root, 'CreateUser', { UserName: u }));
    for (let round = 0; round < 5; round++) {
      ok(
        await ram(c, c.root, 'CreatePolicy', {
          PolicyName: `RacyMany${round}`,
          PolicyDocument: doc,
        }),
      );
      const results = await Promise.all([
        ...users.map((u) =>
          ram(c, c.root, 'AttachPolicyToUser', {
            PolicyType: 'Custom',
            PolicyName: `RacyMany${round}`,
            UserName: u,
          }),
        ),
        ram(c, c.root, 'DeletePolicy', { PolicyName: `RacyMany${round}`, CascadingDelete: true }),
      ]);
      for (const r of results) {
        if (r.status !== 200) assert.equal(r.body.Code, 'EntityNotExist.Policy');
      }
      for (const u of users) assert.deepEqual(await attachments(c, u), [], u);
    }
  });
});

forEachDialect('RAM audit', (t) => {
  it('records every write, refusals too, with ids and never a secret', async () => {
    const c = t();
    const tenant = await c.newTenant();
    const made = ok(await ram(c, tenant, 'CreateUser', { UserName: 'hank' }));
    fails(
      await ram(c, tenant, 'CreateUser', { UserName: 'hank' }),
      'EntityAlreadyExists.User',
      409,
    );
    const ak = ok(await ram(c, tenant, 'CreateAccessKey', { UserName: 'hank' }))
      .AccessKey as Record<string, string>;
    ok(await ram(c, tenant, 'ListUsers'));
    const events = await c.services.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenant.tenantId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.action, e.outcome]),
      [
        ['CreateUser', 'Success'],
        ['CreateUser', 'EntityAlreadyExists.User'],
        ['CreateAccessKey', 'Success'],
      ],
    );
    const first = JSON.parse(events[0]!.targets) as Record<string, string>;
    assert.equal(first.UserId, (made.User as Record<string, string>).UserId);
    const keyEvent = JSON.parse(events[2]!.targets) as Record<string, string>;
    assert.equal(keyEvent.AccessKeyId, ak.AccessKeyId);
    assert.ok(!JSON.stringify(events).includes(ak.AccessKeySecret!));
    // The tenant's administrators find them through ListAuditEvents (DataWorks' version).
    const trail = ok(await c.call(tenant, 'ListAuditEvents', { Action: 'CreateUser' }));
    const listed = JSON.stringify(trail);
    assert.ok(listed.includes('EntityAlreadyExists.User'), listed.slice(0, 400));
    assert.ok(!listed.includes(ak.AccessKeySecret!));
  });
});
