/**
 * Members and roles: CreateProjectMember, DeleteProjectMember, GetProjectMember,
 * ListProjectMembers, GrantMemberProjectRoles, RevokeMemberProjectRoles, ListProjectRoles and
 * GetProjectRole on both dialects — happy paths, each documented error, paging edges.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type Key, type TestContext } from '../helpers/harness.js';
import {
  addMember,
  callBody,
  expectError,
  expectOk,
  newMember,
  newWorkspace,
} from '../helpers/workspaces.js';

interface Member {
  ProjectId: number;
  UserId: string;
  UserName: string;
  Status: string;
  Roles: Array<{ Code: string; Name: string; Type: string }>;
}

async function getMember(c: TestContext, key: Key, projectId: number, userId: string) {
  return callBody(c, key, 'GetProjectMember', { ProjectId: projectId, UserId: userId });
}

async function roleCodes(c: TestContext, projectId: number, userId: string): Promise<string[]> {
  const body = expectOk(await getMember(c, c.root, projectId, userId));
  return (body.ProjectMember as Member).Roles.map((r) => r.Code);
}

function grant(c: TestContext, key: Key, projectId: number, userId: string, roles: string[]) {
  return callBody(c, key, 'GrantMemberProjectRoles', {
    ProjectId: projectId,
    UserId: userId,
    RoleCodes: JSON.stringify(roles),
  });
}

function revoke(c: TestContext, key: Key, projectId: number, userId: string, roles: string[]) {
  return callBody(c, key, 'RevokeMemberProjectRoles', {
    ProjectId: projectId,
    UserId: userId,
    RoleCodes: JSON.stringify(roles),
  });
}

function listMembers(c: TestContext, key: Key, params: Record<string, string | number>) {
  return callBody(c, key, 'ListProjectMembers', params);
}

function membersPage(body: Record<string, unknown>) {
  return body.PagingInfo as {
    PageNumber: number;
    PageSize: number;
    TotalCount: number;
    ProjectMembers: Member[];
  };
}

forEachDialect('members: CreateProjectMember and GetProjectMember', (t) => {
  it('adds a user of the tenant with roles, shown by GetProjectMember', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await c.newUser();
    const r = await callBody(c, c.root, 'CreateProjectMember', {
      ProjectId: id,
      UserId: user.userId,
      RoleCodes: JSON.stringify(['role_project_guest', 'role_project_dev', 'role_project_dev']),
    });
    assert.deepEqual(Object.keys(expectOk(r)), ['RequestId']);
    const m = expectOk(await getMember(c, c.root, id, user.userId)).ProjectMember as Member;
    const name = (await c.services.identity.getUser(user.userId))!.name;
    assert.deepEqual(m, {
      ProjectId: id,
      UserId: user.userId,
      UserName: name,
      Status: 'Normal',
      Roles: [
        { Code: 'role_project_dev', Name: 'Develop', Type: 'System' },
        { Code: 'role_project_guest', Name: 'Visitors', Type: 'System' },
      ],
    });
    // The new member may now read the workspace.
    expectOk(await c.call(user, 'GetProject', { Id: id }, { method: 'GET' }));
  });

  it('refuses a user outside the tenant (and an unknown one) with 400010, 403', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const other = await c.newTenant();
    const outsider = await c.newUser(other.tenantId);
    for (const userId of [outsider.userId, other.userId, '1234567890123456']) {
      const r = await callBody(c, c.root, 'CreateProjectMember', {
        ProjectId: id,
        UserId: userId,
        RoleCodes: '["role_project_guest"]',
      });
      expectError(r, '400010', 403);
    }
    expectError(await getMember(c, c.root, id, outsider.userId), '400010', 403);
  });

  it('refuses bad UserId and RoleCodes', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await c.newUser();
    const add = (params: Record<string, string | number>) =>
      callBody(c, c.root, 'CreateProjectMember', { ProjectId: id, UserId: user.userId, ...params });
    expectError(await add({ UserId: 'alice' }), 'InvalidParameter.UserId', 400);
    expectError(
      await callBody(c, c.root, 'CreateProjectMember', { ProjectId: id, UserId: user.userId }),
      'MissingRoleCodes',
      400,
    );
    for (const codes of [
      'role_project_guest',
      '["role_project_guest"',
      '{"Code":"role_project_guest"}',
      '[]',
      '[1]',
      '["role_project_superuser"]',
      '["role_project_guest","role_custom_x"]',
    ]) {
      const r = await add({ RoleCodes: codes });
      expectError(r, 'InvalidParameter.RoleCodes', 400);
    }
    const unknown = await add({ RoleCodes: '["role_project_superuser"]' });
    assert.match(String(unknown.body.Message), /role_project_superuser/);
    expectError(
      await callBody(c, c.root, 'CreateProjectMember', {
        UserId: user.userId,
        RoleCodes: '["role_project_guest"]',
      }),
      'MissingProjectId',
      400,
    );
  });

  it('refuses to add a member twice, with 409', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_guest']);
    const again = await callBody(c, c.root, 'CreateProjectMember', {
      ProjectId: id,
      UserId: user.userId,
      RoleCodes: '["role_project_dev"]',
    });
    expectError(again, 'Conflict.Duplicate', 409);
    assert.deepEqual(await roleCodes(c, id, user.userId), ['role_project_guest']);
    expectError(
      await callBody(c, c.root, 'CreateProjectMember', {
        ProjectId: id,
        UserId: c.root.userId,
        RoleCodes: '["role_project_admin"]',
      }),
      'Conflict.Duplicate',
      409,
    );
  });

  it('answers a missing workspace with 1101080008 and a non-member with 1101080166', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await c.newUser();
    expectError(
      await callBody(c, c.root, 'CreateProjectMember', {
        ProjectId: 99_999_999,
        UserId: user.userId,
        RoleCodes: '["role_project_guest"]',
      }),
      '1101080008',
      404,
    );
    expectError(await getMember(c, c.root, 99_999_999, user.userId), '1101080008', 404);
    expectError(await getMember(c, c.root, id, user.userId), '1101080166', 404);
  });

  it('shows a disabled user as Forbidden', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_guest']);
    await c.services.identity.setUserStatus(user.userId, 'Disabled');
    const m = expectOk(await getMember(c, c.root, id, user.userId)).ProjectMember as Member;
    assert.equal(m.Status, 'Forbidden');
  });

  it('lets a Workspace Administrator add members but not make a Workspace Owner', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const admin = await newMember(c, id, ['role_project_admin']);
    const a = await c.newUser();
    await addMember(c, id, a.userId, ['role_project_dev', 'role_project_admin'], admin);
    const b = await c.newUser();
    const owner = await callBody(c, admin, 'CreateProjectMember', {
      ProjectId: id,
      UserId: b.userId,
      RoleCodes: '["role_project_owner"]',
    });
    expectError(owner, 'Forbidden.Access', 403);
    expectError(await getMember(c, c.root, id, b.userId), '1101080166', 404);
    const dev = await newMember(c, id, ['role_project_dev']);
    expectError(
      await callBody(c, dev, 'CreateProjectMember', {
        ProjectId: id,
        UserId: b.userId,
        RoleCodes: '["role_project_guest"]',
      }),
      'Forbidden.Access',
      403,
    );
  });
});

forEachDialect('members: DeleteProjectMember', (t) => {
  it('removes a member with its roles; the user loses access', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_dev', 'role_project_pe']);
    const r = await callBody(c, c.root, 'DeleteProjectMember', {
      ProjectId: id,
      UserId: user.userId,
    });
    assert.deepEqual(Object.keys(expectOk(r)), ['RequestId']);
    expectError(await getMember(c, c.root, id, user.userId), '1101080166', 404);
    const roles = await c.services.db.kysely
      .selectFrom('project_member_roles')
      .selectAll()
      .where('project_id', '=', id)
      .where('user_id', '=', user.userId)
      .execute();
    assert.deepEqual(roles, []);
    expectError(
      await c.call(user, 'GetProject', { Id: id }, { method: 'GET' }),
      'Forbidden.Access',
      403,
    );
    expectError(
      await callBody(c, c.root, 'DeleteProjectMember', { ProjectId: id, UserId: user.userId }),
      '1101080166',
      404,
    );
  });

  it('never removes the workspace owner', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const r = await callBody(c, c.root, 'DeleteProjectMember', {
      ProjectId: id,
      UserId: c.root.userId,
    });
    expectError(r, 'Forbidden.WorkspaceOwner', 403);
    assert.match(String(r.body.Message), /owner/);
    assert.deepEqual(await roleCodes(c, id, c.root.userId), ['role_project_owner']);
  });

  it('lets an administrator remove members but not a Workspace Owner', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const admin = await newMember(c, id, ['role_project_admin']);
    const coOwner = await newMember(c, id, ['role_project_owner']);
    const guest = await newMember(c, id, ['role_project_guest']);
    expectOk(
      await callBody(c, admin, 'DeleteProjectMember', { ProjectId: id, UserId: guest.userId }),
    );
    expectError(
      await callBody(c, admin, 'DeleteProjectMember', { ProjectId: id, UserId: coOwner.userId }),
      'Forbidden.Access',
      403,
    );
    expectOk(
      await callBody(c, coOwner, 'DeleteProjectMember', { ProjectId: id, UserId: admin.userId }),
    );
  });

  it('answers 400010 for a user outside the tenant and 1101080008 for a missing workspace', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const other = await c.newTenant();
    expectError(
      await callBody(c, c.root, 'DeleteProjectMember', { ProjectId: id, UserId: other.userId }),
      '400010',
      403,
    );
    expectError(
      await callBody(c, c.root, 'DeleteProjectMember', {
        ProjectId: 99_999_999,
        UserId: c.root.userId,
      }),
      '1101080008',
      404,
    );
  });
});

forEachDialect('members: ListProjectMembers', (t) => {
  it('pages members in joining order; past the end is an empty page', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const users: string[] = [c.root.userId];
    for (let i = 0; i < 11; i++) {
      users.push((await newMember(c, id, ['role_project_guest'])).userId);
    }
    const first = membersPage(expectOk(await listMembers(c, c.root, { ProjectId: id })));
    assert.equal(first.TotalCount, 12);
    assert.equal(first.PageSize, 10);
    assert.equal(first.PageNumber, 1);
    assert.deepEqual(
      first.ProjectMembers.map((m) => m.UserId),
      users.slice(0, 10),
    );
    assert.equal(first.ProjectMembers[0]!.Roles[0]!.Code, 'role_project_owner');
    const second = membersPage(
      expectOk(await listMembers(c, c.root, { ProjectId: id, PageNumber: 2 })),
    );
    assert.deepEqual(
      second.ProjectMembers.map((m) => m.UserId),
      users.slice(10),
    );
    const past = membersPage(
      expectOk(await listMembers(c, c.root, { ProjectId: id, PageNumber: 5, PageSize: 5 })),
    );
    assert.deepEqual(past.ProjectMembers, []);
    assert.equal(past.TotalCount, 12);
    for (const size of [0, 101]) {
      expectError(
        await listMembers(c, c.root, { ProjectId: id, PageSize: size }),
        'InvalidParameter.PageSize',
        400,
      );
    }
  });

  it('filters by UserIds and RoleCodes', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const dev = await newMember(c, id, ['role_project_dev']);
    const pe = await newMember(c, id, ['role_project_pe', 'role_project_guest']);
    await newMember(c, id, ['role_project_guest']);
    const ids = async (params: Record<string, string>) =>
      membersPage(expectOk(await listMembers(c, c.root, { ProjectId: id, ...params })))
        .ProjectMembers.map((m) => m.UserId)
        .sort();
    assert.deepEqual(
      await ids({ UserIds: JSON.stringify([dev.userId, pe.userId, '42']) }),
      [dev.userId, pe.userId].sort(),
    );
    assert.deepEqual(
      await ids({ RoleCodes: '["role_project_dev","role_project_pe"]' }),
      [dev.userId, pe.userId].sort(),
    );
    assert.deepEqual(
      await ids({ RoleCodes: '["role_project_pe"]', UserIds: JSON.stringify([dev.userId]) }),
      [],
    );
    const filtered = membersPage(
      expectOk(
        await listMembers(c, c.root, { ProjectId: id, RoleCodes: '["role_project_guest"]' }),
      ),
    );
    assert.equal(filtered.TotalCount, 2);
    const peEntry = filtered.ProjectMembers.find((m) => m.UserId === pe.userId)!;
    assert.deepEqual(
      peEntry.Roles.map((r) => r.Code),
      ['role_project_pe', 'role_project_guest'],
      'a filtered member still shows all its roles',
    );
  });

  it('refuses bad shrink JSON and unknown role codes', async () => {
    const c = t();
    const id = await newWorkspace(c);
    for (const [name, value] of [
      ['UserIds', 'not json'],
      ['UserIds', '{"a":1}'],
      ['RoleCodes', '[role_project_dev]'],
      ['RoleCodes', '["role_nobody"]'],
    ] as const) {
      expectError(
        await listMembers(c, c.root, { ProjectId: id, [name]: value }),
        `InvalidParameter.${name}`,
        400,
      );
    }
    expectError(await listMembers(c, c.root, {}), 'MissingProjectId', 400);
    expectError(await listMembers(c, c.root, { ProjectId: 99_999_999 }), '1101080008', 404);
  });

  it('is open to every member, closed to non-members', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const guest = await newMember(c, id, ['role_project_guest']);
    expectOk(await listMembers(c, guest, { ProjectId: id }));
    const stranger = await c.newUser();
    expectError(await listMembers(c, stranger, { ProjectId: id }), 'Forbidden.Access', 403);
  });
});

forEachDialect('members: GrantMemberProjectRoles and RevokeMemberProjectRoles', (t) => {
  it('grants roles, keeping those held already', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_guest']);
    assert.deepEqual(
      Object.keys(
        expectOk(
          await grant(c, c.root, id, user.userId, ['role_project_dev', 'role_project_guest']),
        ),
      ),
      ['RequestId'],
    );
    assert.deepEqual(await roleCodes(c, id, user.userId), [
      'role_project_dev',
      'role_project_guest',
    ]);
    expectOk(await grant(c, c.root, id, user.userId, ['role_project_dev']));
    assert.deepEqual(await roleCodes(c, id, user.userId), [
      'role_project_dev',
      'role_project_guest',
    ]);
  });

  it('revokes roles, ignoring roles not held; a member may end with none', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_dev', 'role_project_pe']);
    expectOk(await revoke(c, c.root, id, user.userId, ['role_project_pe', 'role_project_erd']));
    assert.deepEqual(await roleCodes(c, id, user.userId), ['role_project_dev']);
    expectOk(await revoke(c, c.root, id, user.userId, ['role_project_dev']));
    assert.deepEqual(await roleCodes(c, id, user.userId), []);
    // With no role the member stays listed but may no longer read the workspace.
    expectError(
      await c.call(user, 'GetProject', { Id: id }, { method: 'GET' }),
      'Forbidden.Access',
      403,
    );
  });

  it('supports Terraform’s update: revoke the old roles, then grant the new ones', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_dev', 'role_project_guest']);
    expectOk(
      await callBody(c, c.root, 'RevokeMemberProjectRoles', {
        ProjectId: String(id),
        UserId: user.userId,
        RoleCodes: JSON.stringify(['role_project_dev', 'role_project_guest']),
        RegionId: 'cn-hangzhou',
      }),
    );
    expectOk(
      await callBody(c, c.root, 'GrantMemberProjectRoles', {
        ProjectId: String(id),
        UserId: user.userId,
        RoleCodes: JSON.stringify(['role_project_pe']),
        RegionId: 'cn-hangzhou',
      }),
    );
    assert.deepEqual(await roleCodes(c, id, user.userId), ['role_project_pe']);
  });

  it('answers non-members with 1101080166 and outsiders with 400010', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await c.newUser();
    const other = await c.newTenant();
    for (const fn of [grant, revoke]) {
      expectError(await fn(c, c.root, id, user.userId, ['role_project_guest']), '1101080166', 404);
      expectError(await fn(c, c.root, id, other.userId, ['role_project_guest']), '400010', 403);
      expectError(
        await fn(c, c.root, 99_999_999, user.userId, ['role_project_guest']),
        '1101080008',
        404,
      );
      expectError(
        await fn(c, c.root, id, user.userId, ['role_project_root']),
        'InvalidParameter.RoleCodes',
        400,
      );
    }
  });

  it('keeps role_project_owner on the workspace owner', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const r = await revoke(c, c.root, id, c.root.userId, ['role_project_owner']);
    expectError(r, 'Forbidden.WorkspaceOwner', 403);
    assert.match(String(r.body.Message), /role_project_owner/);
    // Other roles of the owner may come and go.
    expectOk(await grant(c, c.root, id, c.root.userId, ['role_project_dev']));
    expectOk(await revoke(c, c.root, id, c.root.userId, ['role_project_dev']));
    assert.deepEqual(await roleCodes(c, id, c.root.userId), ['role_project_owner']);
  });

  it('lets only owners make or unmake a Workspace Owner', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const admin = await newMember(c, id, ['role_project_admin']);
    const owner = await newMember(c, id, ['role_project_owner']);
    const user = await newMember(c, id, ['role_project_guest']);
    expectError(
      await grant(c, admin, id, user.userId, ['role_project_owner']),
      'Forbidden.Access',
      403,
    );
    expectError(
      await grant(c, admin, id, admin.userId, ['role_project_owner']),
      'Forbidden.Access',
      403,
    );
    expectOk(await grant(c, admin, id, user.userId, ['role_project_admin']));
    expectOk(await grant(c, owner, id, user.userId, ['role_project_owner']));
    expectError(
      await revoke(c, admin, id, user.userId, ['role_project_owner']),
      'Forbidden.Access',
      403,
    );
    expectOk(await revoke(c, owner, id, user.userId, ['role_project_owner']));
    const tenantAdmin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    expectOk(await grant(c, tenantAdmin, id, user.userId, ['role_project_owner']));
  });

  it('records grants and revocations in the audit trail', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const user = await newMember(c, id, ['role_project_guest']);
    const r = await grant(c, c.root, id, user.userId, ['role_project_dev']);
    const { events } = await c.services.audit.list({
      tenantId: c.root.tenantId,
      requestId: r.body.RequestId as string,
      pageNumber: 1,
      pageSize: 5,
    });
    assert.equal(events[0]?.action, 'GrantMemberProjectRoles');
    assert.equal(events[0]?.project_id, id);
    assert.deepEqual(JSON.parse(events[0]!.targets), { ProjectId: id, UserId: user.userId });
    const denied = await revoke(c, c.root, id, c.root.userId, ['role_project_owner']);
    const failed = await c.services.audit.list({
      tenantId: c.root.tenantId,
      requestId: denied.body.RequestId as string,
      pageNumber: 1,
      pageSize: 5,
    });
    assert.equal(failed.events[0]?.outcome, 'Forbidden.WorkspaceOwner');
  });

  it('refuses the Develop role where it is disabled, and it grants nothing there', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const dev = await newMember(c, id, ['role_project_dev']);
    expectOk(await c.call(dev, 'GetProject', { Id: id }, { method: 'GET' }));
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevRoleDisabled: true }));
    expectError(
      await c.call(dev, 'GetProject', { Id: id }, { method: 'GET' }),
      'Forbidden.Access',
      403,
    );
    const user = await newMember(c, id, ['role_project_guest']);
    const r = await grant(c, c.root, id, user.userId, ['role_project_dev']);
    expectError(r, 'InvalidParameter.RoleCodes', 400);
    assert.match(String(r.body.Message), /disabled/);
    const add = await callBody(c, c.root, 'CreateProjectMember', {
      ProjectId: id,
      UserId: (await c.newUser()).userId,
      RoleCodes: '["role_project_dev"]',
    });
    expectError(add, 'InvalidParameter.RoleCodes', 400);
  });
});

forEachDialect('roles: ListProjectRoles and GetProjectRole', (t) => {
  const ALL = [
    'role_project_owner',
    'role_project_admin',
    'role_project_dev',
    'role_project_pe',
    'role_project_deploy',
    'role_project_guest',
    'role_project_security',
    'role_project_erd',
    'role_project_data_analyst',
    'role_project_dg_admin',
  ];

  function rolesPage(body: Record<string, unknown>) {
    return body.PagingInfo as {
      PageNumber: unknown;
      PageSize: unknown;
      TotalCount: unknown;
      ProjectRoles: Array<Record<string, unknown>>;
    };
  }

  it('lists the ten built-in roles with paging fields as strings', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const page = rolesPage(
      expectOk(await callBody(c, c.root, 'ListProjectRoles', { ProjectId: id })),
    );
    assert.equal(page.PageNumber, '1');
    assert.equal(page.PageSize, '10');
    assert.equal(page.TotalCount, '10');
    assert.deepEqual(
      page.ProjectRoles.map((r) => r.Code),
      ALL,
    );
    for (const r of page.ProjectRoles) {
      assert.equal(r.Type, 'System');
      assert.equal(r.ProjectId, -1);
      assert.equal(typeof r.Name, 'string');
      assert.ok(Array.isArray(r.ModulePermissions) && r.ModulePermissions.length > 0);
    }
    const last = rolesPage(
      expectOk(
        await callBody(c, c.root, 'ListProjectRoles', {
          ProjectId: id,
          PageNumber: 4,
          PageSize: 3,
        }),
      ),
    );
    assert.deepEqual(
      last.ProjectRoles.map((r) => r.Code),
      ['role_project_dg_admin'],
    );
    assert.equal(last.PageNumber, '4');
    const past = rolesPage(
      expectOk(await callBody(c, c.root, 'ListProjectRoles', { ProjectId: id, PageNumber: 3 })),
    );
    assert.deepEqual(past.ProjectRoles, []);
    assert.equal(past.TotalCount, '10');
    for (const size of [0, 101]) {
      expectError(
        await callBody(c, c.root, 'ListProjectRoles', { ProjectId: id, PageSize: size }),
        'InvalidParameter.PageSize',
        400,
      );
    }
  });

  it('filters by Codes, Names and Type', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const codes = async (params: Record<string, string>) =>
      rolesPage(
        expectOk(await callBody(c, c.root, 'ListProjectRoles', { ProjectId: id, ...params })),
      ).ProjectRoles.map((r) => r.Code);
    assert.deepEqual(await codes({ Codes: '["role_project_pe","role_project_dev","x"]' }), [
      'role_project_dev',
      'role_project_pe',
    ]);
    assert.deepEqual(await codes({ Names: '["visitors","Workspace Owner"]' }), [
      'role_project_owner',
      'role_project_guest',
    ]);
    assert.deepEqual(await codes({ Type: 'UserCustom' }), []);
    assert.deepEqual((await codes({ Type: 'System' })).length, 10);
    for (const [name, value] of [
      ['Codes', 'role_project_pe'],
      ['Names', '{"a":1}'],
      ['Type', 'Custom'],
    ] as const) {
      expectError(
        await callBody(c, c.root, 'ListProjectRoles', { ProjectId: id, [name]: value }),
        `InvalidParameter.${name}`,
        400,
      );
    }
  });

  it('returns one role, the SDK sending its fields in the query', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const guest = await newMember(c, id, ['role_project_guest']);
    const r = await c.call(
      guest,
      'GetProjectRole',
      { ProjectId: id, Code: 'role_project_guest' },
      { method: 'POST', placement: 'query' },
    );
    const role = expectOk(r).ProjectRole as Record<string, unknown>;
    assert.equal(role.Code, 'role_project_guest');
    assert.equal(role.Name, 'Visitors');
    assert.equal(role.ProjectId, -1);
    assert.equal(role.Type, 'System');
    assert.deepEqual(
      (role.ModulePermissions as Array<Record<string, unknown>>).map((m) => m.PermissionType),
      ['ReadOnly', 'ReadOnly', 'ReadOnly'],
    );
    expectError(
      await c.call(
        guest,
        'GetProjectRole',
        { ProjectId: id, Code: 'role_nobody' },
        { method: 'POST', placement: 'query' },
      ),
      'InvalidParameter.Code',
      400,
    );
    expectError(
      await c.call(guest, 'GetProjectRole', { ProjectId: id }, { method: 'POST' }),
      'MissingCode',
      400,
    );
    expectError(
      await c.call(
        c.root,
        'GetProjectRole',
        { ProjectId: 99_999_999, Code: 'role_project_guest' },
        { method: 'POST' },
      ),
      '1101080008',
      404,
    );
    const stranger = await c.newUser();
    expectError(
      await c.call(
        stranger,
        'GetProjectRole',
        { ProjectId: id, Code: 'role_project_guest' },
        { method: 'POST' },
      ),
      'Forbidden.Access',
      403,
    );
  });
});
