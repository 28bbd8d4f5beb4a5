/**
 * Workspaces, members and roles through Alibaba's own client, against a real server on SQLite
 * and PostgreSQL: every operation with the SDK's method and placement (docs/WIRE.md §1), its
 * answer cast into the SDK's models, and its errors as the SDK throws them.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { MODELS, type SdkObject, sdkView } from './sdk-models.js';
import {
  adminCli,
  type Credentials,
  createUserWithCli,
  forEachStore,
  popCall,
  type RunningServer,
  rejectsWithCode,
  type SdkCallOptions,
  sdkCall,
} from './support.js';

type Fields = Record<string, string | number | boolean>;

/** Where the SDK puts each operation's fields: GET query, POST query, or POST form body. */
const SDK_PLACEMENT = {
  CreateProject: 'body',
  GetProject: 'get',
  ListProjects: 'body',
  UpdateProject: 'body',
  DeleteProject: 'body',
  CreateProjectMember: 'body',
  DeleteProjectMember: 'body',
  GetProjectMember: 'body',
  ListProjectMembers: 'body',
  GrantMemberProjectRoles: 'body',
  RevokeMemberProjectRoles: 'body',
  ListProjectRoles: 'body',
  GetProjectRole: 'query',
} as const;
type Action = keyof typeof SDK_PLACEMENT;

function call(
  server: RunningServer,
  action: Action,
  fields: Fields,
  opts: SdkCallOptions = {},
): Promise<Record<string, unknown>> {
  const where = SDK_PLACEMENT[action];
  const request =
    where === 'get'
      ? { method: 'GET' as const, query: fields }
      : where === 'query'
        ? { method: 'POST' as const, query: fields }
        : { method: 'POST' as const, body: fields };
  return sdkCall(server, action, request, opts);
}

const obj = (v: unknown) => v as SdkObject;

forEachStore(
  'workspaces, members and roles through the SDK',
  { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } },
  ({ dialect, server }) => {
    let ownerId: string;
    /** A user of the root tenant with full DataWorks access, made with the CLI. */
    let bob: Credentials & { userId: string };
    let outsiderId: string;
    let projectId: number;
    const name = `bb_ws_${dialect}`;

    before(async () => {
      const cli = adminCli(server);
      const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
      ownerId = String(me.UserId);
      bob = await createUserWithCli(server, String(me.AccountId), 'bob');
      const other = await cli('admin', 'tenant', 'create', `elsewhere_${dialect}`);
      outsiderId = other.tenantId!;
    });

    it('CreateProject (form body, shrunk tags) answers Id and ProjectId', async () => {
      const body = await call(server, 'CreateProject', {
        Name: name,
        DisplayName: 'Black-box workspace',
        Description: 'made through openapi-core',
        AliyunResourceGroupId: 'rg-acfmzbn7pti3zff',
        AliyunResourceTags: JSON.stringify([{ Key: 'env', Value: 'test' }]),
        DevEnvironmentEnabled: true,
        DevRoleDisabled: false,
        PaiTaskEnabled: false,
      });
      const sdk = sdkView(body, MODELS.CreateProject);
      assert.equal(typeof sdk.id, 'number');
      assert.equal(sdk.projectId, sdk.id);
      assert.equal(typeof sdk.requestId, 'string');
      projectId = sdk.id as number;
    });

    it('CreateProject errors: duplicate name 409, bad name 400, missing DisplayName 400', async () => {
      await rejectsWithCode(
        call(server, 'CreateProject', { Name: name, DisplayName: 'again' }),
        'Conflict.Duplicate',
        409,
      );
      await rejectsWithCode(
        call(server, 'CreateProject', { Name: 'ab', DisplayName: 'short' }),
        'InvalidParameter.Name',
        400,
      );
      await rejectsWithCode(
        call(server, 'CreateProject', { Name: 'no_display' }),
        'MissingDisplayName',
        400,
      );
      await rejectsWithCode(
        call(server, 'CreateProject', {
          Name: 'tags_bad',
          DisplayName: 'x',
          AliyunResourceTags: '[',
        }),
        'InvalidParameter.AliyunResourceTags',
        400,
      );
    });

    it('GetProject (GET, query) shows every field as the SDK model reads it', async () => {
      const sdk = sdkView(await call(server, 'GetProject', { Id: projectId }), MODELS.GetProject);
      const p = obj(sdk.project);
      assert.equal(p.id, projectId);
      assert.equal(p.name, name);
      assert.equal(p.displayName, 'Black-box workspace');
      assert.equal(p.description, 'made through openapi-core');
      assert.equal(p.owner, ownerId);
      assert.equal(p.status, 'Available');
      assert.equal(p.aliyunResourceGroupId, 'rg-acfmzbn7pti3zff');
      assert.deepEqual(
        (p.aliyunResourceTags as SdkObject[]).map((t) => [t.key, t.value]),
        [['env', 'test']],
      );
      assert.equal(p.devEnvironmentEnabled, true);
      assert.equal(p.devRoleDisabled, false);
      assert.equal(p.paiTaskEnabled, false);
      await rejectsWithCode(call(server, 'GetProject', { Id: 99_999_999 }), '1101080008', 404);
    });

    it('ListProjects (form body, shrunk Ids and Names) pages with numbers', async () => {
      const body = await call(server, 'ListProjects', {
        Ids: JSON.stringify([projectId]),
        Names: JSON.stringify([name]),
        PageNumber: 1,
        PageSize: 10,
      });
      const paging = obj(sdkView(body, MODELS.ListProjects).pagingInfo);
      assert.equal(paging.pageNumber, 1);
      assert.equal(paging.pageSize, 10);
      assert.equal(paging.totalCount, 1);
      assert.equal(obj((paging.projects as SdkObject[])[0]).id, projectId);
      assert.equal(typeof (body.PagingInfo as Record<string, unknown>).TotalCount, 'number');
      await rejectsWithCode(
        call(server, 'ListProjects', { PageSize: 101 }),
        'InvalidParameter.PageSize',
        400,
      );
      await rejectsWithCode(
        call(server, 'ListProjects', { Ids: 'x' }),
        'InvalidParameter.Ids',
        400,
      );
    });

    it('UpdateProject (form body) changes the workspace', async () => {
      const body = await call(server, 'UpdateProject', {
        Id: projectId,
        DisplayName: 'Renamed',
        PaiTaskEnabled: true,
        Status: 'Available',
      });
      assert.deepEqual(Object.keys(body), ['RequestId']);
      const p = obj(
        sdkView(await call(server, 'GetProject', { Id: projectId }), MODELS.GetProject).project,
      );
      assert.equal(p.displayName, 'Renamed');
      assert.equal(p.paiTaskEnabled, true);
      await rejectsWithCode(
        call(server, 'UpdateProject', { Id: projectId, DevEnvironmentEnabled: false }),
        'InvalidParameter.DevEnvironmentEnabled',
        400,
      );
    });

    it('CreateProjectMember (form body, shrunk RoleCodes) and GetProjectMember', async () => {
      const body = await call(server, 'CreateProjectMember', {
        ProjectId: projectId,
        UserId: bob.userId,
        RoleCodes: JSON.stringify(['role_project_guest']),
      });
      sdkView(body, MODELS.RequestIdOnly);
      const m = obj(
        sdkView(
          await call(server, 'GetProjectMember', { ProjectId: projectId, UserId: bob.userId }),
          MODELS.GetProjectMember,
        ).projectMember,
      );
      assert.equal(m.projectId, projectId);
      assert.equal(m.userId, bob.userId);
      assert.equal(m.userName, 'bob');
      assert.equal(m.status, 'Normal');
      assert.deepEqual(
        (m.roles as SdkObject[]).map((r) => [r.code, r.name, r.type]),
        [['role_project_guest', 'Visitors', 'System']],
      );
    });

    it('member errors: outside the tenant 400010/403, not a member 1101080166/404, twice 409', async () => {
      await rejectsWithCode(
        call(server, 'CreateProjectMember', {
          ProjectId: projectId,
          UserId: outsiderId,
          RoleCodes: '["role_project_guest"]',
        }),
        '400010',
        403,
      );
      await rejectsWithCode(
        call(server, 'CreateProjectMember', {
          ProjectId: projectId,
          UserId: bob.userId,
          RoleCodes: '["role_project_dev"]',
        }),
        'Conflict.Duplicate',
        409,
      );
      await rejectsWithCode(
        call(server, 'CreateProjectMember', {
          ProjectId: projectId,
          UserId: bob.userId,
          RoleCodes: '["role_project_root"]',
        }),
        'InvalidParameter.RoleCodes',
        400,
      );
      await rejectsWithCode(
        call(server, 'GetProjectMember', { ProjectId: projectId, UserId: '1234567890123456' }),
        '400010',
        403,
      );
    });

    it('GrantMemberProjectRoles and RevokeMemberProjectRoles (form body)', async () => {
      sdkView(
        await call(server, 'GrantMemberProjectRoles', {
          ProjectId: projectId,
          UserId: bob.userId,
          RoleCodes: JSON.stringify(['role_project_dev', 'role_project_pe']),
        }),
        MODELS.RequestIdOnly,
      );
      sdkView(
        await call(server, 'RevokeMemberProjectRoles', {
          ProjectId: projectId,
          UserId: bob.userId,
          RoleCodes: JSON.stringify(['role_project_pe']),
        }),
        MODELS.RequestIdOnly,
      );
      await rejectsWithCode(
        call(server, 'RevokeMemberProjectRoles', {
          ProjectId: projectId,
          UserId: ownerId,
          RoleCodes: '["role_project_owner"]',
        }),
        'Forbidden.WorkspaceOwner',
        403,
      );
    });

    it('ListProjectMembers (form body, shrunk filters) pages with numbers', async () => {
      const body = await call(server, 'ListProjectMembers', {
        ProjectId: projectId,
        RoleCodes: JSON.stringify(['role_project_dev']),
        UserIds: JSON.stringify([bob.userId, ownerId]),
        PageNumber: 1,
        PageSize: 10,
      });
      const paging = obj(sdkView(body, MODELS.ListProjectMembers).pagingInfo);
      assert.equal(paging.totalCount, 1);
      const member = obj((paging.projectMembers as SdkObject[])[0]);
      assert.equal(member.userId, bob.userId);
      assert.deepEqual(
        (member.roles as SdkObject[]).map((r) => r.code),
        ['role_project_dev', 'role_project_guest'],
      );
      const all = obj(
        sdkView(
          await call(server, 'ListProjectMembers', { ProjectId: projectId }),
          MODELS.ListProjectMembers,
        ).pagingInfo,
      );
      assert.equal(all.totalCount, 2);
    });

    it('ListProjectRoles (form body) answers paging members as strings', async () => {
      const body = await call(server, 'ListProjectRoles', {
        ProjectId: projectId,
        Codes: JSON.stringify(['role_project_guest', 'role_project_owner']),
        PageNumber: 1,
        PageSize: 10,
      });
      const raw = body.PagingInfo as Record<string, unknown>;
      assert.equal(raw.TotalCount, '2');
      assert.equal(raw.PageNumber, '1');
      assert.equal(raw.PageSize, '10');
      const paging = obj(sdkView(body, MODELS.ListProjectRoles).pagingInfo);
      assert.equal(paging.totalCount, '2');
      assert.deepEqual(
        (paging.projectRoles as SdkObject[]).map((r) => [r.code, r.projectId, r.type]),
        [
          ['role_project_owner', -1, 'System'],
          ['role_project_guest', -1, 'System'],
        ],
      );
    });

    it('GetProjectRole (POST, query) answers a built-in role with ProjectId -1', async () => {
      const body = await call(server, 'GetProjectRole', {
        ProjectId: projectId,
        Code: 'role_project_guest',
      });
      const role = obj(sdkView(body, MODELS.GetProjectRole).projectRole);
      assert.deepEqual(
        [role.code, role.name, role.projectId, role.type],
        ['role_project_guest', 'Visitors', -1, 'System'],
      );
      assert.ok(Array.isArray((body.ProjectRole as Record<string, unknown>).ModulePermissions));
      await rejectsWithCode(
        call(server, 'GetProjectRole', { ProjectId: projectId, Code: 'role_nobody' }),
        'InvalidParameter.Code',
        400,
      );
    });

    it('a Develop member reads but may not manage: Forbidden.Access, 403', async () => {
      const asBob = { credentials: bob };
      const p = obj(
        sdkView(await call(server, 'GetProject', { Id: projectId }, asBob), MODELS.GetProject)
          .project,
      );
      assert.equal(p.id, projectId);
      await rejectsWithCode(
        call(server, 'DeleteProject', { Id: projectId }, asBob),
        'Forbidden.Access',
        403,
      );
      await rejectsWithCode(
        call(server, 'CreateProject', { Name: 'bobs_ws', DisplayName: 'x' }, asBob),
        'Forbidden.Access',
        403,
      );
      const mine = obj(
        sdkView(await call(server, 'ListProjects', {}, asBob), MODELS.ListProjects).pagingInfo,
      );
      assert.deepEqual(
        (mine.projects as SdkObject[]).map((x) => x.id),
        [projectId],
      );
    });

    it('the RPC HMAC-SHA1 clients work too (openapi-core v2 and pop-core)', async () => {
      const v2 = await call(server, 'GetProject', { Id: projectId }, { signatureAlgorithm: 'v2' });
      assert.equal(obj(sdkView(v2, MODELS.GetProject).project).id, projectId);
      const pop = await popCall(server, 'ListProjectRoles', { ProjectId: projectId, PageSize: 3 });
      assert.equal((pop.PagingInfo as Record<string, unknown>).TotalCount, '10');
      await rejectsWithCode(
        popCall(server, 'GetProject', { Id: 99_999_999 }, { method: 'GET' }),
        '1101080008',
        404,
      );
    });

    it('DeleteProjectMember, then DeleteProject (form body); the workspace is gone at once', async () => {
      sdkView(
        await call(server, 'DeleteProjectMember', { ProjectId: projectId, UserId: bob.userId }),
        MODELS.RequestIdOnly,
      );
      await rejectsWithCode(
        call(server, 'DeleteProjectMember', { ProjectId: projectId, UserId: bob.userId }),
        '1101080166',
        404,
      );
      await rejectsWithCode(
        call(server, 'DeleteProjectMember', { ProjectId: projectId, UserId: ownerId }),
        'Forbidden.WorkspaceOwner',
        403,
      );
      const body = await call(server, 'DeleteProject', { Id: projectId });
      assert.deepEqual(Object.keys(body), ['RequestId']);
      await rejectsWithCode(call(server, 'GetProject', { Id: projectId }), '1101080008', 404);
      await rejectsWithCode(call(server, 'DeleteProject', { Id: projectId }), '1101080008', 404);
      await rejectsWithCode(
        call(server, 'ListProjectMembers', { ProjectId: projectId }),
        '1101080008',
        404,
      );
    });
  },
);
