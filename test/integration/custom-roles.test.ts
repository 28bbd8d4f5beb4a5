/**
 * Custom workspace roles: CreateProjectRole (ClientToken idempotency), UpdateProjectRole,
 * DeleteProjectRole, ListProjectRoles Type=UserCustom, GetProjectRole for a custom code, Grant
 * and Revoke of custom roles, and what a custom role's module permissions let its holder do with
 * data sources, on both dialects.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import { callQuery, newDataSource } from '../helpers/sharing.js';
import {
  addMember,
  callBody,
  expectError,
  expectOk,
  newMember,
  newWorkspace,
} from '../helpers/workspaces.js';

function createRole(
  c: TestContext,
  key: Key,
  projectId: number,
  name: string,
  perms: unknown[] | undefined,
  clientToken?: string,
) {
  return c.call(
    key,
    'CreateProjectRole',
    {
      ProjectId: projectId,
      Name: name,
      ModulePermissions: perms === undefined ? undefined : JSON.stringify(perms),
      ...(clientToken ? { ClientToken: clientToken } : {}),
    },
    { method: 'POST', placement: 'query' },
  );
}

async function newRole(c: TestContext, projectId: number, perms: unknown[]): Promise<string> {
  const body = expectOk(await createRole(c, c.root, projectId, c.name('role'), perms));
  return body.Code as string;
}

forEachDialect('custom roles: create, read, update, delete', (t) => {
  it('creates a role whose code GetProjectRole and ListProjectRoles Type=UserCustom show', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const name = c.name('analysts');
    const body = expectOk(
      await createRole(c, c.root, ws, name, [
        { ModuleId: 9, PermissionType: 'Read' },
        { ModuleId: 7, PermissionType: 'Write' },
      ]),
    );
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'RequestId']);
    const code = body.Code as string;
    assert.match(code, /^base_role_[0-9a-f]{10}$/);
    const role = expectOk(
      await c.call(
        c.root,
        'GetProjectRole',
        { ProjectId: ws, Code: code },
        { method: 'POST', placement: 'query' },
      ),
    ).ProjectRole;
    const expected = {
      Code: code,
      Name: name,
      ProjectId: ws,
      Type: 'UserCustom',
      ModulePermissions: [
        { ModuleId: 7, ModuleName: 'Data Map', PermissionType: 'Write' },
        { ModuleId: 9, ModuleName: 'Data Integration', PermissionType: 'Read' },
      ],
    };
    assert.deepEqual(role, expected);
    const list = expectOk(
      await callBody(c, c.root, 'ListProjectRoles', { ProjectId: ws, Type: 'UserCustom' }),
    ).PagingInfo as { TotalCount: string; ProjectRoles: unknown[] };
    assert.equal(list.TotalCount, '1');
    assert.deepEqual(list.ProjectRoles, [expected]);
    const all = expectOk(
      await callBody(c, c.root, 'ListProjectRoles', { ProjectId: ws, PageSize: 100 }),
    ).PagingInfo as { TotalCount: string; ProjectRoles: Array<{ Code: string }> };
    assert.equal(all.TotalCount, '11');
    assert.equal(all.ProjectRoles.at(-1)?.Code, code);
    const system = expectOk(
      await callBody(c, c.root, 'ListProjectRoles', { ProjectId: ws, Type: 'System' }),
    ).PagingInfo as { TotalCount: string };
    assert.equal(system.TotalCount, '10');
  });

  it('the same ClientToken twice creates one role; another name with it is a conflict', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const perms = [{ ModuleId: 9, PermissionType: 'Write' }];
    const a = expectOk(await createRole(c, c.root, ws, 'ops_role', perms, 'tok-1'));
    const b = expectOk(await createRole(c, c.root, ws, 'ops_role', perms, 'tok-1'));
    assert.equal(a.Code, b.Code);
    const [x, y] = await Promise.all([
      createRole(c, c.root, ws, 'other_role', perms, 'tok-2'),
      createRole(c, c.root, ws, 'other_role', perms, 'tok-2'),
    ]);
    assert.equal(expectOk(x).Code, expectOk(y).Code);
    const list = expectOk(
      await callBody(c, c.root, 'ListProjectRoles', { ProjectId: ws, Type: 'UserCustom' }),
    ).PagingInfo as { TotalCount: string };
    assert.equal(list.TotalCount, '2');
    expectError(
      await createRole(c, c.root, ws, 'third', perms, 'tok-1'),
      'Conflict.ClientToken',
      409,
    );
    // Without a token, a second role of the same name is a duplicate.
    expectError(await createRole(c, c.root, ws, 'ops_role', perms), 'Conflict.Duplicate', 409);
  });

  it('refuses bad module permissions, built-in names, and changes to built-in roles', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    expectError(
      await createRole(c, c.root, ws, 'r1', [{ ModuleId: 99, PermissionType: 'Write' }]),
      'InvalidParameter.ModulePermissions',
      400,
    );
    expectError(
      await createRole(c, c.root, ws, 'r1', [{ ModuleId: 9, PermissionType: 'Admin' }]),
      'InvalidParameter.ModulePermissions',
      400,
    );
    expectError(
      await createRole(c, c.root, ws, 'r1', [
        { ModuleId: 9, PermissionType: 'Read' },
        { ModuleId: 9, PermissionType: 'Write' },
      ]),
      'InvalidParameter.ModulePermissions',
      400,
    );
    expectError(await createRole(c, c.root, ws, 'Visitors', []), 'InvalidParameter.Name', 400);
    expectError(await createRole(c, c.root, ws, '', []), 'MissingName', 400);
    expectError(
      await c.call(
        c.root,
        'DeleteProjectRole',
        { ProjectId: ws, Code: 'role_project_dev' },
        { method: 'POST', placement: 'query' },
      ),
      'InvalidParameter.Code',
      400,
    );
    expectError(
      await c.call(
        c.root,
        'UpdateProjectRole',
        { ProjectId: ws, Code: 'base_role_nothere', ModulePermissions: '[]' },
        { method: 'POST', placement: 'query' },
      ),
      'InvalidParameter.Code',
      400,
    );
    expectError(
      await c.call(
        c.root,
        'UpdateProjectRole',
        { ProjectId: ws, Code: 'base_role_nothere' },
        { method: 'POST', placement: 'query' },
      ),
      'MissingModulePermissions',
      400,
    );
  });

  it('a role of one workspace is unknown in another', async () => {
    const c = t();
    const a = await newWorkspace(c);
    const b = await newWorkspace(c);
    const code = await newRole(c, a, [{ ModuleId: 9, PermissionType: 'Write' }]);
    const user = await c.newUser();
    expectError(
      await callBody(c, c.root, 'CreateProjectMember', {
        ProjectId: b,
        UserId: user.userId,
        RoleCodes: JSON.stringify([code]),
      }),
      'InvalidParameter.RoleCodes',
      400,
    );
    expectError(
      await c.call(
        c.root,
        'GetProjectRole',
        { ProjectId: b, Code: code },
        { method: 'POST', placement: 'query' },
      ),
      'InvalidParameter.Code',
      400,
    );
  });
});

forEachDialect('custom roles: granted to members, and what they allow', (t) => {
  it('Grant and Revoke a custom role; members show it as UserCustom', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const code = await newRole(c, ws, [{ ModuleId: 11, PermissionType: 'Read' }]);
    const user = await c.newUser();
    await addMember(c, ws, user.userId, ['role_project_guest']);
    expectOk(
      await callBody(c, c.root, 'GrantMemberProjectRoles', {
        ProjectId: ws,
        UserId: user.userId,
        RoleCodes: JSON.stringify([code]),
      }),
    );
    const m = expectOk(
      await callBody(c, c.root, 'GetProjectMember', { ProjectId: ws, UserId: user.userId }),
    ).ProjectMember as { Roles: Array<{ Code: string; Type: string }> };
    assert.deepEqual(
      m.Roles.map((r) => [r.Code, r.Type]),
      [
        ['role_project_guest', 'System'],
        [code, 'UserCustom'],
      ],
    );
    const filtered = expectOk(
      await callBody(c, c.root, 'ListProjectMembers', {
        ProjectId: ws,
        RoleCodes: JSON.stringify([code]),
      }),
    ).PagingInfo as { TotalCount: number };
    assert.equal(filtered.TotalCount, 1);
    expectOk(
      await callBody(c, c.root, 'RevokeMemberProjectRoles', {
        ProjectId: ws,
        UserId: user.userId,
        RoleCodes: JSON.stringify([code]),
      }),
    );
    const after = expectOk(
      await callBody(c, c.root, 'GetProjectMember', { ProjectId: ws, UserId: user.userId }),
    ).ProjectMember as { Roles: Array<{ Code: string }> };
    assert.deepEqual(
      after.Roles.map((r) => r.Code),
      ['role_project_guest'],
    );
  });

  it('module permissions decide data source access; updates and deletion take effect at once', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const ds = await newDataSource(c, ws, { env: 'Prod' });
    const code = await newRole(c, ws, [{ ModuleId: 7, PermissionType: 'Read' }]);
    const user = await newMember(c, ws, [code]);
    const list = () => callQuery(c, user, 'ListDataSources', { ProjectId: ws }, 'GET');
    const get = () => callQuery(c, user, 'GetDataSource', { Id: ds.id }, 'GET');
    const create = () =>
      callQuery(c, user, 'CreateDataSource', {
        ProjectId: ws,
        Name: c.name('ds'),
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: JSON.stringify({
          envType: 'Prod',
          address: [{ host: '10.0.0.1', port: 3306 }],
          database: 'd',
          username: 'u',
          password: 'p',
        }),
      });
    // Data Map Read: list only.
    expectOk(await list());
    expectError(await get(), 'Forbidden.Access', 403);
    expectError(await create(), 'Forbidden.Access', 403);
    // Workspace reads, like any member.
    expectOk(await callBody(c, user, 'GetProject', { Id: ws }));
    // Workspace administration stays with the built-in roles.
    expectError(
      await createRole(c, user, ws, 'mine', [{ ModuleId: 9, PermissionType: 'Write' }]),
      'Forbidden.Access',
      403,
    );
    const update = (perms: unknown[]) =>
      c.call(
        c.root,
        'UpdateProjectRole',
        { ProjectId: ws, Code: code, ModulePermissions: JSON.stringify(perms) },
        { method: 'POST', placement: 'query' },
      );
    // Data Integration Read: read and use.
    expectOk(await update([{ ModuleId: 9, PermissionType: 'Read' }]));
    expectOk(await get());
    expectError(await create(), 'Forbidden.Access', 403);
    // Data Integration Write: manage.
    expectOk(await update([{ ModuleId: 9, PermissionType: 'Write' }]));
    expectOk(await create());
    // NotSet grants nothing.
    expectOk(await update([{ ModuleId: 9, PermissionType: 'NotSet' }]));
    expectError(await list(), 'Forbidden.Access', 403);
    // Deleting the role takes it from its holders.
    expectOk(await update([{ ModuleId: 9, PermissionType: 'Write' }]));
    expectOk(
      await c.call(
        c.root,
        'DeleteProjectRole',
        { ProjectId: ws, Code: code },
        { method: 'POST', placement: 'query' },
      ),
    );
    expectError(await list(), 'Forbidden.Access', 403);
    const m = expectOk(
      await callBody(c, c.root, 'GetProjectMember', { ProjectId: ws, UserId: user.userId! }),
    ).ProjectMember as { Roles: unknown[] };
    assert.deepEqual(m.Roles, []);
  });

  it('create, update and delete are audited with the role code', async () => {
    const c = t();
    const ws = await newWorkspace(c);
    const code = await newRole(c, ws, []);
    const events = await c.services.audit.list({
      tenantId: c.root.tenantId!,
      action: 'CreateProjectRole',
      pageNumber: 1,
      pageSize: 10,
    });
    const e = events.events.find((x) => JSON.parse(x.targets).RoleCode === code);
    assert.ok(e, 'CreateProjectRole is in the audit trail');
    assert.equal(e.outcome, 'Success');
    assert.equal(e.project_id, ws);
  });
});
