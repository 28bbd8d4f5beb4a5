/**
 * Workspaces: CreateProject, GetProject, ListProjects, UpdateProject, DeleteProject on both
 * dialects — happy paths, each documented error, paging edges, name limits and races.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect, type TestContext } from '../helpers/harness.js';
import {
  addMember,
  callBody,
  expectError,
  expectOk,
  newMember,
  newWorkspace,
} from '../helpers/workspaces.js';

type Project = Record<string, unknown>;

async function getProject(c: TestContext, key: Parameters<TestContext['call']>[0], id: number) {
  // GetProject is a GET with the Id in the query, as the SDK sends it.
  return c.call(key, 'GetProject', { Id: id }, { method: 'GET' });
}

async function listProjects(
  c: TestContext,
  key: Parameters<TestContext['call']>[0],
  params: Record<string, string | number | boolean> = {},
) {
  const r = await callBody(c, key, 'ListProjects', params);
  return r;
}

function pagingInfo(body: Record<string, unknown>) {
  return body.PagingInfo as {
    PageNumber: number;
    PageSize: number;
    TotalCount: number;
    Projects: Project[];
  };
}

forEachDialect('workspaces: CreateProject and GetProject', (t) => {
  it('creates a workspace with every documented field and reads it back', async () => {
    const c = t();
    const name = c.name('full').slice(0, 28);
    const created = expectOk(
      await callBody(c, c.root, 'CreateProject', {
        Name: name,
        DisplayName: 'Finance analysis',
        Description: 'made by a test: spaces & symbols é 中',
        AliyunResourceGroupId: 'rg-acfmzbn7pti3zff',
        AliyunResourceTags: JSON.stringify([
          { Key: 'env', Value: 'test' },
          { Key: 'team', Value: 'data' },
        ]),
        DevEnvironmentEnabled: true,
        DevRoleDisabled: false,
        PaiTaskEnabled: true,
        RegionId: 'cn-hangzhou',
      }),
    );
    assert.equal(typeof created.Id, 'number');
    assert.equal(created.ProjectId, created.Id, 'ProjectId repeats Id (Terraform reads it)');
    assert.equal(created.Code, undefined);

    const got = expectOk(await getProject(c, c.root, created.Id as number));
    assert.deepEqual(got.Project, {
      Id: created.Id,
      Name: name,
      DisplayName: 'Finance analysis',
      Description: 'made by a test: spaces & symbols é 中',
      Owner: c.root.userId,
      Status: 'Available',
      AliyunResourceGroupId: 'rg-acfmzbn7pti3zff',
      AliyunResourceTags: [
        { Key: 'env', Value: 'test' },
        { Key: 'team', Value: 'data' },
      ],
      DevEnvironmentEnabled: true,
      DevRoleDisabled: false,
      PaiTaskEnabled: true,
    });
  });

  it('defaults to basic mode (Prod only) and makes the creator its Workspace Owner', async () => {
    const c = t();
    const admin = await c.newUser(c.root.tenantId, { tenantAdmin: true });
    const id = await newWorkspace(c, admin);
    const p = expectOk(await getProject(c, admin, id)).Project as Project;
    assert.equal(p.DevEnvironmentEnabled, false);
    assert.equal(p.DevRoleDisabled, false);
    assert.equal(p.PaiTaskEnabled, false);
    assert.equal(p.Description, '');
    assert.deepEqual(p.AliyunResourceTags, []);
    assert.equal(p.Owner, admin.userId);
    const m = expectOk(
      await callBody(c, admin, 'GetProjectMember', { ProjectId: id, UserId: admin.userId }),
    ).ProjectMember as Record<string, unknown>;
    assert.deepEqual(m.Roles, [
      { Code: 'role_project_owner', Name: 'Workspace Owner', Type: 'System' },
    ]);
  });

  it('records CreateProject in the audit trail with the new workspace id', async () => {
    const c = t();
    const r = await callBody(c, c.root, 'CreateProject', {
      Name: c.name('aud').slice(0, 28),
      DisplayName: 'Audited',
    });
    const id = expectOk(r).Id as number;
    const { events } = await c.services.audit.list({
      tenantId: c.root.tenantId,
      requestId: r.body.RequestId as string,
      pageNumber: 1,
      pageSize: 10,
    });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.action, 'CreateProject');
    assert.equal(events[0]!.project_id, id);
    assert.equal(events[0]!.outcome, 'Success');
  });

  it('accepts names of 3 and 28 characters and refuses 2 and 29', async () => {
    const c = t();
    const tenant = await c.newTenant();
    for (const name of ['abc', `a${'b'.repeat(26)}9`]) {
      const r = await callBody(c, tenant, 'CreateProject', { Name: name, DisplayName: 'x' });
      expectOk(r, name);
    }
    for (const name of ['ab', `a${'b'.repeat(28)}`]) {
      const r = await callBody(c, tenant, 'CreateProject', { Name: name, DisplayName: 'x' });
      expectError(r, 'InvalidParameter.Name', 400);
    }
  });

  it('refuses names that do not start with a letter or hold other characters', async () => {
    const c = t();
    for (const name of ['1abc', '_abc', 'ab-cd', 'ab cd', 'abc.d', 'abcé']) {
      const r = await callBody(c, c.root, 'CreateProject', { Name: name, DisplayName: 'x' });
      expectError(r, 'InvalidParameter.Name', 400);
      assert.match(String(r.body.Message), /letter/);
    }
  });

  it('requires Name and DisplayName', async () => {
    const c = t();
    expectError(
      await callBody(c, c.root, 'CreateProject', { DisplayName: 'x' }),
      'MissingName',
      400,
    );
    expectError(
      await callBody(c, c.root, 'CreateProject', { Name: 'needs_display' }),
      'MissingDisplayName',
      400,
    );
    expectError(
      await callBody(c, c.root, 'CreateProject', { Name: 'needs_display', DisplayName: '' }),
      'MissingDisplayName',
      400,
    );
  });

  it('refuses bad AliyunResourceTags and flags', async () => {
    const c = t();
    const base = { Name: c.name('tags').slice(0, 28), DisplayName: 'x' };
    for (const tags of [
      'not json',
      '{"Key":"env","Value":"test"}',
      '[{"Value":"no key"}]',
      '[{"Key":1,"Value":"x"}]',
      '[{"Key":"env","Value":5}]',
      '[{"Key":"env","Value":"a"},{"Key":"env","Value":"b"}]',
      JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))),
    ]) {
      const r = await callBody(c, c.root, 'CreateProject', { ...base, AliyunResourceTags: tags });
      expectError(r, 'InvalidParameter.AliyunResourceTags', 400);
    }
    const flag = await callBody(c, c.root, 'CreateProject', {
      ...base,
      DevEnvironmentEnabled: 'yes',
    });
    expectError(flag, 'InvalidParameter.DevEnvironmentEnabled', 400);
  });

  it('refuses a duplicate name in the tenant with 409, and allows it in another tenant', async () => {
    const c = t();
    const name = c.name('dup').slice(0, 28);
    await newWorkspace(c, c.root, { Name: name });
    const again = await callBody(c, c.root, 'CreateProject', { Name: name, DisplayName: 'x' });
    expectError(again, 'Conflict.Duplicate', 409);
    assert.match(String(again.body.Message), new RegExp(name));
    const other = await c.newTenant();
    expectOk(await callBody(c, other, 'CreateProject', { Name: name, DisplayName: 'x' }));
  });

  it('lets exactly one of two concurrent creates with the same name win', async () => {
    const c = t();
    const name = c.name('race').slice(0, 28);
    const results = await Promise.all(
      [0, 1].map(() => callBody(c, c.root, 'CreateProject', { Name: name, DisplayName: 'x' })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409], JSON.stringify(results.map((r) => r.body)));
    const loser = results.find((r) => r.status === 409)!;
    expectError(loser, 'Conflict.Duplicate', 409);
    const list = pagingInfo(
      expectOk(await listProjects(c, c.root, { Names: JSON.stringify([name]) })),
    );
    assert.equal(list.TotalCount, 1, 'only one workspace exists');
  });

  it('answers a missing workspace, and another tenant’s, with 1101080008', async () => {
    const c = t();
    expectError(await getProject(c, c.root, 99_999_999), '1101080008', 404);
    const other = await c.newTenant();
    const theirs = await newWorkspace(c, other);
    const r = await getProject(c, c.root, theirs);
    expectError(r, '1101080008', 404);
    expectError(await getProject(c, c.root, 0), 'InvalidParameter.Id', 400);
    expectError(await c.call(c.root, 'GetProject', {}, { method: 'GET' }), 'MissingId', 400);
  });

  it('accepts GetProject as a POST with the Id in the body as well', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const r = await callBody(c, c.root, 'GetProject', { Id: id });
    assert.equal((expectOk(r).Project as Project).Id, id);
  });
});

forEachDialect('workspaces: ListProjects', (t) => {
  /** A fresh tenant with `n` workspaces, so counts are exact. */
  async function tenantWith(c: TestContext, n: number) {
    const owner = await c.newTenant();
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(await newWorkspace(c, owner));
    return { owner, ids };
  }

  it('pages in id order with default size 10, and past the end answers an empty page', async () => {
    const c = t();
    const { owner, ids } = await tenantWith(c, 12);
    const first = pagingInfo(expectOk(await listProjects(c, owner)));
    assert.equal(first.PageNumber, 1);
    assert.equal(first.PageSize, 10);
    assert.equal(first.TotalCount, 12);
    assert.deepEqual(
      first.Projects.map((p) => p.Id),
      ids.slice(0, 10),
    );
    const second = pagingInfo(expectOk(await listProjects(c, owner, { PageNumber: 2 })));
    assert.deepEqual(
      second.Projects.map((p) => p.Id),
      ids.slice(10),
    );
    const page = pagingInfo(expectOk(await listProjects(c, owner, { PageNumber: 3, PageSize: 5 })));
    assert.deepEqual(
      page.Projects.map((p) => p.Id),
      ids.slice(10, 12),
    );
    const past = pagingInfo(expectOk(await listProjects(c, owner, { PageNumber: 9 })));
    assert.deepEqual(past.Projects, []);
    assert.equal(past.TotalCount, 12);
    assert.equal(past.PageNumber, 9);
    const max = pagingInfo(expectOk(await listProjects(c, owner, { PageSize: 100 })));
    assert.equal(max.Projects.length, 12);
  });

  it('refuses PageSize 0 and 101, and PageNumber 0', async () => {
    const c = t();
    expectError(await listProjects(c, c.root, { PageSize: 0 }), 'InvalidParameter.PageSize', 400);
    expectError(await listProjects(c, c.root, { PageSize: 101 }), 'InvalidParameter.PageSize', 400);
    expectError(
      await listProjects(c, c.root, { PageNumber: 0 }),
      'InvalidParameter.PageNumber',
      400,
    );
  });

  it('filters by Ids, Names, Status, flags, resource group and tags', async () => {
    const c = t();
    const owner = await c.newTenant();
    const a = await newWorkspace(c, owner, {
      Name: 'alpha_ws',
      DevEnvironmentEnabled: true,
      AliyunResourceGroupId: 'rg-1',
      AliyunResourceTags: JSON.stringify([
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'bi' },
      ]),
    });
    const b = await newWorkspace(c, owner, {
      Name: 'beta_ws',
      PaiTaskEnabled: true,
      DevRoleDisabled: true,
      AliyunResourceTags: JSON.stringify([{ Key: 'env', Value: 'test' }]),
    });
    const g = await newWorkspace(c, owner, { Name: 'gamma_ws' });
    expectOk(await callBody(c, owner, 'UpdateProject', { Id: g, Status: 'Forbidden' }));

    const ids = async (params: Record<string, string | number | boolean>) =>
      pagingInfo(expectOk(await listProjects(c, owner, params), JSON.stringify(params)))
        .Projects.map((p) => p.Id)
        .sort();
    assert.deepEqual(await ids({ Ids: JSON.stringify([a, g, 99_999_999]) }), [a, g].sort());
    assert.deepEqual(await ids({ Ids: '[]' }), [a, b, g].sort(), 'an empty list filters nothing');
    assert.deepEqual(await ids({ Names: JSON.stringify(['beta_ws', 'nope']) }), [b]);
    assert.deepEqual(await ids({ Status: 'Forbidden' }), [g]);
    assert.deepEqual(await ids({ Status: 'Available' }), [a, b].sort());
    assert.deepEqual(await ids({ DevEnvironmentEnabled: true }), [a]);
    assert.deepEqual(await ids({ DevEnvironmentEnabled: false }), [b, g].sort());
    assert.deepEqual(await ids({ PaiTaskEnabled: true }), [b]);
    assert.deepEqual(await ids({ DevRoleDisabled: true }), [b]);
    assert.deepEqual(await ids({ AliyunResourceGroupId: 'rg-1' }), [a]);
    assert.deepEqual(
      await ids({ AliyunResourceTags: JSON.stringify([{ Key: 'env', Value: 'prod' }]) }),
      [a],
    );
    assert.deepEqual(
      await ids({ AliyunResourceTags: JSON.stringify([{ Key: 'env' }]) }),
      [a, b].sort(),
      'a tag without Value matches any value',
    );
    assert.deepEqual(
      await ids({
        AliyunResourceTags: JSON.stringify([
          { Key: 'env', Value: 'prod' },
          { Key: 'team', Value: 'ops' },
        ]),
      }),
      [],
      'every tag must match',
    );
    const tagged = pagingInfo(
      expectOk(
        await listProjects(c, owner, {
          AliyunResourceTags: JSON.stringify([{ Key: 'env' }]),
          PageSize: 1,
          PageNumber: 2,
        }),
      ),
    );
    assert.equal(tagged.TotalCount, 2, 'the tag filter counts before paging');
    assert.deepEqual(
      tagged.Projects.map((p) => p.Id),
      [b],
    );
  });

  it('refuses bad shrink JSON in Ids, Names and AliyunResourceTags, and an unknown Status', async () => {
    const c = t();
    for (const [name, value] of [
      ['Ids', 'not json'],
      ['Ids', '["abc"]'],
      ['Ids', '{"a":1}'],
      ['Names', '[1'],
      ['Names', '"alpha"'],
      ['AliyunResourceTags', '[1,2]'],
      ['Status', 'Sleeping'],
    ] as const) {
      expectError(
        await listProjects(c, c.root, { [name]: value }),
        `InvalidParameter.${name}`,
        400,
      );
    }
  });

  it('shows members their workspaces only, and the whole tenant to owner and admin', async () => {
    const c = t();
    const owner = await c.newTenant();
    const ws1 = await newWorkspace(c, owner);
    const ws2 = await newWorkspace(c, owner);
    const user = await c.newUser(owner.tenantId);
    const admin = await c.newUser(owner.tenantId, { tenantAdmin: true });
    await addMember(c, ws2, user.userId, ['role_project_guest'], owner);

    const seen = async (key: Parameters<TestContext['call']>[0]) =>
      pagingInfo(expectOk(await listProjects(c, key))).Projects.map((p) => p.Id);
    assert.deepEqual(await seen(user), [ws2]);
    assert.deepEqual(await seen(owner), [ws1, ws2]);
    assert.deepEqual(await seen(admin), [ws1, ws2]);
    assert.equal(pagingInfo(expectOk(await listProjects(c, user))).TotalCount, 1);
    const stranger = await c.newUser(owner.tenantId);
    assert.deepEqual(await seen(stranger), []);
    // Nobody sees another tenant's workspaces, not even its own tenant's owner.
    assert.ok(!(await seen(c.root)).includes(ws1));
  });

  it('needs the dataworks:ListProjects policy', async () => {
    const c = t();
    const none = await c.newUser(c.root.tenantId, { policy: null });
    expectError(await listProjects(c, none), 'Forbidden.RAM', 403);
    const readOnly = await c.newUser(c.root.tenantId, { policy: 'AliyunDataWorksReadOnlyAccess' });
    expectOk(await listProjects(c, readOnly));
  });
});

forEachDialect('workspaces: UpdateProject', (t) => {
  it('changes display name, description, PAI flag and status', async () => {
    const c = t();
    const id = await newWorkspace(c, c.root, { Description: 'before' });
    expectOk(
      await callBody(c, c.root, 'UpdateProject', {
        Id: id,
        DisplayName: 'After',
        Description: 'after',
        PaiTaskEnabled: true,
        Status: 'Forbidden',
      }),
    );
    let p = expectOk(await getProject(c, c.root, id)).Project as Project;
    assert.equal(p.DisplayName, 'After');
    assert.equal(p.Description, 'after');
    assert.equal(p.PaiTaskEnabled, true);
    assert.equal(p.Status, 'Forbidden');
    expectOk(
      await callBody(c, c.root, 'UpdateProject', {
        Id: id,
        Status: 'Available',
        Description: '',
      }),
    );
    p = expectOk(await getProject(c, c.root, id)).Project as Project;
    assert.equal(p.Status, 'Available');
    assert.equal(p.Description, '', 'an empty Description clears it');
    assert.equal(p.DisplayName, 'After', 'omitted fields stay');
  });

  it('accepts only Available and Forbidden as Status', async () => {
    const c = t();
    const id = await newWorkspace(c);
    for (const status of ['Frozen', 'Deleting', 'available']) {
      expectError(
        await callBody(c, c.root, 'UpdateProject', { Id: id, Status: status }),
        'InvalidParameter.Status',
        400,
      );
    }
  });

  it('upgrades basic mode to standard mode and never back', async () => {
    const c = t();
    const id = await newWorkspace(c);
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevEnvironmentEnabled: false }));
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevEnvironmentEnabled: true }));
    assert.equal(
      (expectOk(await getProject(c, c.root, id)).Project as Project).DevEnvironmentEnabled,
      true,
    );
    expectError(
      await callBody(c, c.root, 'UpdateProject', { Id: id, DevEnvironmentEnabled: false }),
      'InvalidParameter.DevEnvironmentEnabled',
      400,
    );
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevEnvironmentEnabled: true }));
  });

  it('disables the Develop role for good', async () => {
    const c = t();
    const id = await newWorkspace(c);
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevRoleDisabled: true }));
    assert.equal(
      (expectOk(await getProject(c, c.root, id)).Project as Project).DevRoleDisabled,
      true,
    );
    const back = await callBody(c, c.root, 'UpdateProject', { Id: id, DevRoleDisabled: false });
    expectError(back, 'InvalidParameter.DevRoleDisabled', 400);
    assert.match(String(back.body.Message), /cannot be enabled again/);
    expectOk(await callBody(c, c.root, 'UpdateProject', { Id: id, DevRoleDisabled: true }));
    // A refused update changes nothing else either.
    const mixed = await callBody(c, c.root, 'UpdateProject', {
      Id: id,
      DevRoleDisabled: false,
      DisplayName: 'not applied',
    });
    expectError(mixed, 'InvalidParameter.DevRoleDisabled', 400);
    assert.notEqual(
      (expectOk(await getProject(c, c.root, id)).Project as Project).DisplayName,
      'not applied',
    );
  });

  it('answers a missing workspace with 1101080008 and a missing Id with MissingId', async () => {
    const c = t();
    expectError(
      await callBody(c, c.root, 'UpdateProject', { Id: 99_999_999, DisplayName: 'x' }),
      '1101080008',
      404,
    );
    expectError(await callBody(c, c.root, 'UpdateProject', { DisplayName: 'x' }), 'MissingId', 400);
  });

  it('lets a Workspace Administrator update, but not a Develop member', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const admin = await newMember(c, id, ['role_project_admin']);
    const dev = await newMember(c, id, ['role_project_dev']);
    expectOk(await callBody(c, admin, 'UpdateProject', { Id: id, DisplayName: 'by admin' }));
    expectError(
      await callBody(c, dev, 'UpdateProject', { Id: id, DisplayName: 'by dev' }),
      'Forbidden.Access',
      403,
    );
  });
});

forEachDialect('workspaces: DeleteProject', (t) => {
  it('deletes the workspace with its members and roles in one go', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const member = await newMember(c, id, ['role_project_dev', 'role_project_guest']);
    const k = c.services.db.kysely;
    const count = async (table: 'project_members' | 'project_member_roles') =>
      Number(
        (
          await k
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('project_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.equal(await count('project_members'), 2);
    assert.equal(await count('project_member_roles'), 3);

    const r = await callBody(c, c.root, 'DeleteProject', { Id: id });
    assert.deepEqual(Object.keys(expectOk(r)), ['RequestId']);
    assert.equal(await count('project_members'), 0);
    assert.equal(await count('project_member_roles'), 0);

    expectError(await getProject(c, c.root, id), '1101080008', 404);
    expectError(await getProject(c, member, id), '1101080008', 404);
    expectError(await callBody(c, c.root, 'DeleteProject', { Id: id }), '1101080008', 404);
    const list = pagingInfo(expectOk(await listProjects(c, member)));
    assert.deepEqual(list.Projects, []);

    const { events } = await c.services.audit.list({
      tenantId: c.root.tenantId,
      requestId: r.body.RequestId as string,
      pageNumber: 1,
      pageSize: 10,
    });
    assert.equal(events[0]?.action, 'DeleteProject');
    assert.equal(events[0]?.project_id, id);
  });

  it('frees the name for a new workspace', async () => {
    const c = t();
    const name = c.name('reuse').slice(0, 28);
    const id = await newWorkspace(c, c.root, { Name: name });
    expectOk(await callBody(c, c.root, 'DeleteProject', { Id: id }));
    const again = await newWorkspace(c, c.root, { Name: name });
    assert.notEqual(again, id);
  });

  it('lets the Workspace Owner delete, not the Workspace Administrator', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const admin = await newMember(c, id, ['role_project_admin']);
    const owner = await newMember(c, id, ['role_project_owner']);
    expectError(await callBody(c, admin, 'DeleteProject', { Id: id }), 'Forbidden.Access', 403);
    expectOk(await getProject(c, c.root, id));
    expectOk(await callBody(c, owner, 'DeleteProject', { Id: id }));
  });

  it('keeps another tenant from deleting, with 1101080008', async () => {
    const c = t();
    const id = await newWorkspace(c);
    const other = await c.newTenant();
    expectError(await callBody(c, other, 'DeleteProject', { Id: id }), '1101080008', 404);
    expectOk(await getProject(c, c.root, id));
  });
});
