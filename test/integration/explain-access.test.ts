/**
 * ExplainDataSourceAccess on both dialects: the paths it lists (Tenant Owner, tenant role,
 * workspace roles including custom ones, sharing rules to a workspace and to one user, expired
 * rules gone), the policy layer's verdict, the one-question form, and what a workspace manager
 * may not learn. Its agreement with the real calls is checked on every row of the permission
 * matrix (test/integration/permission-matrix.test.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import { callQuery, newDataSource, newSpace, share } from '../helpers/sharing.js';
import { addMember, expectError, expectOk, newMember } from '../helpers/workspaces.js';

interface Access extends Record<string, unknown> {
  Capability: string;
  Operation: string;
  Allowed: boolean;
}
interface UserEntry {
  UserId: string;
  UserName?: string;
  Access: Access[];
}
interface Explanation {
  Users: UserEntry[];
  UndisclosedRules: number;
  Decision: Record<string, unknown>;
}

async function explain(
  c: TestContext,
  key: Key,
  params: Record<string, string | number>,
): Promise<Explanation> {
  const r = await callQuery(c, key, 'ExplainDataSourceAccess', params, 'GET');
  return expectOk(r, 'ExplainDataSourceAccess').Explanation as Explanation;
}

const caps = (u: UserEntry | undefined) =>
  (u?.Access ?? []).map((a) => `${a.Capability}:${a.Kind}${a.SharedRuleId ? `#rule` : ''}`).sort();

async function scene(c: TestContext) {
  const source = await newSpace(c);
  const target = await newSpace(c);
  const other = await newSpace(c);
  const ds = await newDataSource(c, source.id, { env: 'Prod' });
  const dev = await newMember(c, source.id, ['role_project_dev']);
  const pe = await newMember(c, source.id, ['role_project_pe']);
  const admin = await newMember(c, source.id, ['role_project_admin']);
  const guest = await newMember(c, source.id, ['role_project_guest']);
  const tenantAdmin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
  const role = expectOk(
    await callQuery(c, c.root, 'CreateProjectRole', {
      ProjectId: source.id,
      Name: c.name('integ'),
      ModulePermissions: '[{"ModuleId":9,"PermissionType":"Write"}]',
    }),
  ).Code as string;
  const custom = await c.newUser();
  await addMember(c, source.id, custom.userId, [role]);
  // Shared to the whole target workspace (Prod), and to one user of another workspace.
  const reader = await newMember(c, target.id, ['role_project_guest']);
  const ruleAll = await share(c, {
    DataSourceId: ds.id,
    TargetProjectId: target.id,
    EnvType: 'Prod',
  });
  const one = await newMember(c, other.id, ['role_project_guest']);
  const bystander = await newMember(c, other.id, ['role_project_guest']);
  const ruleOne = await share(c, {
    DataSourceId: ds.id,
    TargetProjectId: other.id,
    EnvType: 'Prod',
    SharedUser: one.userId,
  });
  return {
    source,
    target,
    other,
    ds,
    dev,
    pe,
    admin,
    guest,
    tenantAdmin,
    role,
    custom,
    reader,
    one,
    bystander,
    ruleAll,
    ruleOne,
  };
}

forEachDialect('ExplainDataSourceAccess', (t) => {
  it('lists every user with a path, and the path', async () => {
    const c = t();
    const s = await scene(c);
    const e = await explain(c, c.root, { DataSourceId: s.ds.id });
    const user = (k: Key) => e.Users.find((u) => u.UserId === k.userId);
    assert.deepEqual(caps(user(c.root)), [
      'Change:TenantOwner',
      'Read:TenantOwner',
      'Share:TenantOwner',
      // The Tenant Owner is covered by both rules: the whole workspace's and the one user's.
      'Use:SharingRule#rule',
      'Use:SharingRule#rule',
      'Use:TenantOwner',
    ]);
    assert.deepEqual(caps(user(s.tenantAdmin)), ['Change:TenantRole', 'Share:TenantRole']);
    assert.deepEqual(caps(user(s.dev)), ['Read:WorkspaceRole', 'Use:WorkspaceRole']);
    assert.deepEqual(caps(user(s.pe)), [
      'Change:WorkspaceRole',
      'Read:WorkspaceRole',
      'Use:WorkspaceRole',
    ]);
    assert.deepEqual(caps(user(s.admin)), [
      'Change:WorkspaceRole',
      'Read:WorkspaceRole',
      'Share:WorkspaceRole',
      'Use:WorkspaceRole',
    ]);
    // A custom role is named, with the grant it gives.
    const customRead = user(s.custom)!.Access.find((a) => a.Capability === 'Change')!;
    assert.equal(customRead.CustomRole, s.role);
    assert.equal(customRead.Role, 'DataSourceManage');
    assert.equal(customRead.ProjectId, s.source.id);
    // The guest of the source workspace has no path; members of the targets use it by rule.
    assert.equal(user(s.guest), undefined);
    const reader = user(s.reader)!.Access;
    assert.equal(reader.length, 1);
    assert.equal(reader[0]!.SharedRuleId, s.ruleAll);
    assert.equal(reader[0]!.TargetProjectId, s.target.id);
    assert.equal(reader[0]!.EnvType, 'Prod');
    assert.equal(reader[0]!.SharedUser, '');
    assert.equal(reader[0]!.PolicyVerdict, 'Allow');
    assert.equal(reader[0]!.Policy, 'AliyunDataWorksFullAccess');
    const one = user(s.one)!.Access;
    assert.equal(one[0]!.SharedRuleId, s.ruleOne);
    assert.equal(one[0]!.SharedUser, s.one.userId);
    assert.equal(user(s.bystander), undefined);
    assert.equal(e.UndisclosedRules, 0);
    for (const u of e.Users) for (const a of u.Access) assert.equal(a.Allowed, true);
  });

  it('drops an expired rule at once, and shows an expiring one with its time', async () => {
    const c = t();
    const s = await scene(c);
    const expireTime = Date.now() + 3_600_000;
    await c.services.db.kysely
      .updateTable('data_source_shared_rules')
      .set({ expire_time: expireTime })
      .where('id', '=', s.ruleAll)
      .execute();
    let e = await explain(c, c.root, { DataSourceId: s.ds.id, UserId: s.reader.userId });
    assert.equal(e.Users[0]!.Access[0]!.ExpireTime, expireTime);
    assert.ok(e.Users[0]!.UserName, 'a user with a path is named');
    await c.services.db.kysely
      .updateTable('data_source_shared_rules')
      .set({ expire_time: Date.now() - 1 })
      .where('id', '=', s.ruleAll)
      .execute();
    e = await explain(c, c.root, { DataSourceId: s.ds.id, UserId: s.reader.userId });
    assert.deepEqual(e.Users[0]!.Access, []);
    // Asking about any UserId does not tell who it is: a user without a path is not named.
    assert.equal(e.Users[0]!.UserName, undefined);
  });

  it('answers one question with the first rule that refuses, policy layer first', async () => {
    const c = t();
    const s = await scene(c);
    const ask = (k: Key, Operation: string) =>
      explain(c, c.root, { DataSourceId: s.ds.id, UserId: String(k.userId), Operation }).then(
        (e) => e.Decision,
      );
    let d = await ask(s.dev, 'UpdateDataSource');
    assert.equal(d.Allowed, false);
    assert.equal(d.RefusedBy, 'Role');
    assert.equal(d.Code, 'Forbidden.Access');
    assert.equal(d.ReasonCode, 'no-role');
    d = await ask(s.tenantAdmin, 'ResolveDataSource');
    assert.equal(d.Code, '1000010005');
    assert.equal(d.ReasonCode, 'no-role');
    d = await ask(s.reader, 'UpdateDataSource');
    assert.equal(d.Code, 'Forbidden.Shared');
    assert.equal(d.ReasonCode, 'shared-read-only');
    d = await ask(s.pe, 'UpdateDataSource');
    assert.equal(d.Allowed, true);
    assert.equal(d.Kind, 'WorkspaceRole');
    assert.equal(d.Role, 'role_project_pe');
    await c.services.identity.attachPolicy(
      s.pe.userId,
      'NoUpdates',
      JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Deny', Action: 'dataworks:Update*', Resource: '*' }],
      }),
    );
    d = await ask(s.pe, 'UpdateDataSource');
    assert.equal(d.Allowed, false);
    assert.equal(d.RefusedBy, 'Policy');
    assert.equal(d.Code, 'Forbidden.RAM');
    assert.equal(d.PolicyVerdict, 'Deny');
    assert.equal(d.Policy, 'NoUpdates');
    // The listing keeps the path and shows the policy's verdict on it.
    const e = await explain(c, c.root, { DataSourceId: s.ds.id, UserId: s.pe.userId });
    const change = e.Users[0]!.Access.find((a) => a.Capability === 'Change')!;
    assert.equal(change.Allowed, false);
    assert.equal(change.PolicyVerdict, 'Deny');
    // A disabled user is refused before anything else.
    await c.services.identity.setUserStatus(s.dev.userId, 'Disabled');
    d = await ask(s.dev, 'GetDataSource');
    assert.equal(d.RefusedBy, 'User');
  });

  it('shows a workspace manager only what it may see, and refuses others', async () => {
    const c = t();
    const s = await scene(c);
    // The source's admin reads neither target workspace: their members stay undisclosed.
    const e = await explain(c, s.admin, { DataSourceId: s.ds.id });
    assert.equal(e.UndisclosedRules, 2);
    assert.equal(
      e.Users.find((u) => u.UserId === s.reader.userId),
      undefined,
    );
    for (const u of e.Users) for (const a of u.Access) assert.equal(a.Policy, undefined);
    // Once it works in the target, that rule's members are shown.
    await addMember(c, s.target.id, s.admin.userId, ['role_project_guest']);
    const again = await explain(c, s.admin, { DataSourceId: s.ds.id });
    assert.equal(again.UndisclosedRules, 1);
    assert.ok(again.Users.some((u) => u.UserId === s.reader.userId));

    for (const k of [s.dev, s.guest, s.reader]) {
      expectError(
        await callQuery(c, k, 'ExplainDataSourceAccess', { DataSourceId: s.ds.id }, 'GET'),
        'Forbidden.Access',
        403,
      );
    }
    const outsider = await c.newTenant();
    expectError(
      await callQuery(c, outsider, 'ExplainDataSourceAccess', { DataSourceId: s.ds.id }, 'GET'),
      '1000010005',
      404,
    );
    // Users of another tenant are not answered about.
    expectError(
      await callQuery(
        c,
        c.root,
        'ExplainDataSourceAccess',
        { DataSourceId: s.ds.id, UserId: String(outsider.userId), Operation: 'GetDataSource' },
        'GET',
      ),
      '400010',
      403,
    );
  });

  it('refuses Operation without UserId and an operation it does not explain', async () => {
    const c = t();
    const s = await scene(c);
    expectError(
      await callQuery(
        c,
        c.root,
        'ExplainDataSourceAccess',
        { DataSourceId: s.ds.id, Operation: 'GetDataSource' },
        'GET',
      ),
      'InvalidParameter.UserId',
      400,
    );
    expectError(
      await callQuery(
        c,
        c.root,
        'ExplainDataSourceAccess',
        { DataSourceId: s.ds.id, UserId: s.dev.userId, Operation: 'CreateProject' },
        'GET',
      ),
      'InvalidParameter.Operation',
      400,
    );
    expectError(
      await callQuery(c, c.root, 'ExplainDataSourceAccess', { DataSourceId: 99_999_999 }, 'GET'),
      '1000010005',
      404,
    );
  });

  it('is recorded in the audit trail', async () => {
    const c = t();
    const s = await scene(c);
    await explain(c, c.root, {
      DataSourceId: s.ds.id,
      UserId: s.dev.userId,
      Operation: 'GetDataSource',
    });
    const rows = await c.services.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'ExplainDataSourceAccess')
      .execute();
    const mine = rows.filter((r) => JSON.parse(r.targets).DataSourceId === s.ds.id);
    assert.equal(mine.length, 1);
    assert.equal(Number(mine[0]!.project_id), s.source.id);
    assert.match(mine[0]!.detail ?? '', /Operation=GetDataSource/);
  });
});
