/**
 * Runs every row of test/fixtures/permission-matrix.ts on both dialects: the actors are built
 * once per dialect, each row calls its operation through the signed endpoint as that actor.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DATA_SOURCE_ACTS, isExplainedOperation } from '../../src/access/explain.js';
import type { WorkspaceRole } from '../../src/access/roles.js';
import { findOperation, OPERATIONS } from '../../src/registry/index.js';
import { API_VERSION, declaredRoles, needsActiveWorkspace } from '../../src/registry/operation.js';
import { MemberService } from '../../src/workspaces/member-service.js';
import { WorkspaceService } from '../../src/workspaces/workspace-service.js';
import {
  ACTORS,
  type Actor,
  CUSTOM_ACTORS,
  type Expect,
  FORBIDDEN_MATRIX,
  isWorkspaceRoleActor,
  MATRIX_CALLS,
  type MatrixRow,
  NOT_IN_MATRIX,
  type Params,
  PERMISSION_MATRIX,
  REFUSED_IN_FORBIDDEN_WORKSPACE,
  type Scene,
} from '../fixtures/permission-matrix.js';
import { testGrant } from '../helpers/grants.js';
import { type ApiResult, forEachDialect, type Key, type TestContext } from '../helpers/harness.js';

const STATUS: Record<Expect, number> = {
  allow: 200,
  'Forbidden.Access': 403,
  'Forbidden.RAM': 403,
  '1101080008': 404,
  '1000010005': 404,
  '1000011038': 404,
  'Forbidden.Workspace': 403,
  'EntityNotExist.User': 404,
  'EntityNotExist.Policy': 404,
};

const quiet = { record: async () => {}, note: () => {} };
/** Fixtures are built by the tenant owner, who may make owners. */
const asOwner = { requireOwnerRights: async () => {}, audit: quiet };

/** The actors of one dialect's run, and how to build scenes for them. */
class World {
  private readonly keys = new Map<Actor, Key>();
  private readonly roleUsers = new Map<WorkspaceRole, string>();
  private readonly customUsers = new Map<Actor, string>();
  private readonly denyKeys = new Map<string, Key>();
  private readonly workspaces: WorkspaceService;
  private readonly members: MemberService;
  private shared: Scene | undefined;
  private forbidden: Promise<Scene> | undefined;
  private twin: Promise<number> | undefined;

  constructor(readonly c: TestContext) {
    this.workspaces = new WorkspaceService(c.services.db);
    this.members = new MemberService(c.services.db);
  }

  get tenantId(): string {
    return this.c.root.tenantId;
  }

  async build(): Promise<void> {
    const c = this.c;
    this.keys.set('TenantOwner', c.root);
    this.keys.set('TenantAdmin', await c.newUser(this.tenantId, { tenantAdmin: true }));
    for (const actor of ACTORS) {
      if (!isWorkspaceRoleActor(actor)) continue;
      const key = await c.newUser(this.tenantId);
      this.keys.set(actor, key);
      this.roleUsers.set(actor, key.userId);
    }
    for (const actor of Object.keys(CUSTOM_ACTORS) as Actor[]) {
      const key = await c.newUser(this.tenantId);
      this.keys.set(actor, key);
      this.customUsers.set(actor, key.userId);
    }
    const elsewhere = await c.newUser(this.tenantId);
    await this.workspaces.create(
      { tenantId: this.tenantId, userId: elsewhere.userId },
      { name: c.name('other').slice(0, 28), displayName: 'other workspace' },
      quiet,
    );
    this.keys.set('memberOfOtherWorkspace', elsewhere);
    this.keys.set('userOfOtherTenant', await c.newTenant());
    // RAM's policy for every user actor too, so that for RAM operations the role layer decides.
    for (const [actor, key] of this.keys) {
      if (actor === 'TenantOwner' || actor === 'userOfOtherTenant') continue;
      await c.services.identity.attachPolicy(key.userId!, 'AliyunRAMFullAccess');
    }
    this.shared = await this.newScene();
  }

  /** A workspace of the root tenant where every role actor holds exactly its role. */
  async newScene(): Promise<Scene> {
    const c = this.c;
    const workspaceId = await this.workspaces.create(
      { tenantId: this.tenantId, userId: c.root.userId },
      // Standard mode (Dev and Prod), so that a name can have both records (PromoteDataSource).
      {
        name: c.name('scene').slice(0, 28),
        displayName: 'matrix scene',
        devEnvironmentEnabled: true,
      },
      quiet,
    );
    for (const [role, userId] of this.roleUsers) {
      await this.members.add(this.tenantId, workspaceId, userId, [role], asOwner);
    }
    for (const [actor, userId] of this.customUsers) {
      const code = await c.services.customRoles.create(
        workspaceId,
        { name: actor, modulePermissions: CUSTOM_ACTORS[actor]!.modulePermissions },
        c.root.userId,
        quiet,
      );
      await this.members.add(this.tenantId, workspaceId, userId, [code], asOwner);
    }
    const newUser = async () =>
      (await c.services.identity.createUser(this.tenantId, c.name('target'))).id;
    const owner = { tenantId: this.tenantId, userId: c.root.userId };
    const newDataSource = async (env: 'Dev' | 'Prod' = 'Prod', name = c.name('ds')) => {
      const id = await c.services.dataSources.create(
        testGrant({ ...owner, workspaceId }),
        {
          name,
          type: 'mysql',
          mode: 'UrlMode',
          properties: {
            envType: env,
            address: [{ host: '10.0.0.1', port: 3306 }],
            database: 'matrix',
            username: 'matrix',
            password: 'matrix-secret',
          },
        },
        quiet,
      );
      return { id, name };
    };
    const ramName = () => c.name('ram').replace(/_/g, '-');
    const newRamUser = () => c.services.identity.createUser(this.tenantId, c.name('ramuser'));
    const twinProjectId = () => {
      this.twin ??= this.newScene().then((s) => s.workspaceId);
      return this.twin;
    };
    let audited: Promise<{ requestId: string; accessKeyId: string }> | undefined;
    const auditedCall = () => {
      audited ??= c
        .call(
          c.root,
          'UpdateProject',
          { Id: workspaceId, Description: 'audited' },
          { method: 'POST', placement: 'body' },
        )
        .then((r) => {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          return { requestId: String(r.body.RequestId), accessKeyId: c.root.accessKeyId };
        });
      return audited;
    };
    return {
      workspaceId,
      ownerUserId: c.root.userId,
      newUser,
      newMember: async (roles) => {
        const userId = await newUser();
        await this.members.add(this.tenantId, workspaceId, userId, roles, asOwner);
        return userId;
      },
      newCustomRole: () =>
        c.services.customRoles.create(
          workspaceId,
          { name: c.name('role'), modulePermissions: [{ moduleId: 9, permissionType: 'Read' }] },
          c.root.userId,
          quiet,
        ),
      name: () => c.name('mx').slice(0, 28),
      newDataSource: () => newDataSource(),
      newDataSourcePair: async () => {
        const { name } = await newDataSource('Prod');
        await newDataSource('Dev', name);
        return name;
      },
      twinProjectId,
      newDeletedDataSource: async () => {
        const { id } = await newDataSource();
        await c.services.dataSources.delete(testGrant({ ...owner, id, workspaceId }), quiet);
        return id;
      },
      newUserName: async () => (await newRamUser()).name,
      newUserWithKey: async () => {
        const user = await newRamUser();
        const key = await c.services.identity.createAccessKey(user.id);
        return { userName: user.name, accessKeyId: key.accessKeyId };
      },
      newUserWithPolicy: async () => {
        const user = await newRamUser();
        await c.services.identity.attachPolicy(user.id, 'AliyunDataWorksReadOnlyAccess');
        return user.name;
      },
      newPolicyName: async () => {
        const name = ramName();
        await c.services.identity.attachPolicy(
          (await newRamUser()).id,
          name,
          JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'dataworks:List*' }] }),
        );
        await c.services.db.kysely
          .deleteFrom('policy_attachments')
          .where('policy_name', '=', name)
          .execute();
        return name;
      },
      ramName,
      auditedCall,
      newSharedRule: async () =>
        c.services.sharing.create(
          testGrant({ ...owner, id: (await newDataSource()).id, workspaceId }),
          {
            targetWorkspaceId: await twinProjectId(),
            envType: 'Prod',
          },
          quiet,
        ),
    };
  }

  async sceneFor(matrixCase: string, forbidden = false): Promise<Scene> {
    if (!forbidden) {
      if (MATRIX_CALLS[matrixCase]?.freshScene) return this.newScene();
      return this.shared!;
    }
    if (MATRIX_CALLS[matrixCase]?.freshScene) return this.forbid(await this.newScene());
    this.forbidden ??= this.newScene().then((s) => this.forbid(s));
    return this.forbidden;
  }

  /** UpdateProject Status=Forbidden, as the Tenant Owner would. */
  private async forbid(scene: Scene): Promise<Scene> {
    await this.workspaces.update(this.tenantId, scene.workspaceId, { status: 'Forbidden' }, quiet);
    return scene;
  }

  async keyFor(actor: Actor, operation: string, version = API_VERSION): Promise<Key> {
    if (actor !== 'denyPolicy') return this.keys.get(actor)!;
    let key = this.denyKeys.get(operation);
    if (!key) {
      // Tenant Administrator, so the role layer alone would allow: only the Deny can refuse.
      key = await this.c.newUser(this.tenantId, { tenantAdmin: true });
      await this.c.services.identity.attachPolicy(key.userId!, 'AliyunRAMFullAccess');
      const ram = findOperation(operation, version)?.ram ?? `dataworks:${operation}`;
      await this.c.services.identity.attachPolicy(
        key.userId!,
        `Deny${operation}`,
        JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Deny', Action: ram, Resource: '*' }],
        }),
      );
      this.denyKeys.set(operation, key);
    }
    return key;
  }
}

/**
 * ExplainDataSourceAccess's answer for this actor and operation (asked by the Tenant Owner), for
 * every operation on one data source: the agreement test of issue 16.
 */
async function explain(c: TestContext, operation: string, params: Params, key: Key) {
  if (!isExplainedOperation(operation)) return undefined;
  let id: number | undefined;
  if (typeof params.DataSourceId === 'number') id = params.DataSourceId;
  else if (typeof params.Id === 'number') id = params.Id;
  else {
    const r = await c.services.db.kysely
      .selectFrom('data_sources')
      .select('id')
      .where('project_id', '=', Number(params.ProjectId))
      .$if(params.Name !== undefined, (q) =>
        q.where('name', '=', String(params.Name)).where('env_type', '=', 'Prod'),
      )
      .orderBy('id')
      .executeTakeFirst();
    id = r && Number(r.id);
  }
  assert.ok(id, `no data source to explain for ${operation}`);
  const r = await c.call(
    c.root,
    'ExplainDataSourceAccess',
    { DataSourceId: id, UserId: key.userId, Operation: operation },
    { method: 'GET', placement: 'query' },
  );
  return r;
}

function agrees(explained: ApiResult, real: ApiResult, actor: Actor) {
  const said = JSON.stringify(explained.body);
  if (actor === 'userOfOtherTenant') {
    // Another tenant's user is outside what the explanation answers about.
    assert.equal(explained.body.Code, '400010', said);
    assert.notEqual(real.status, 200);
    return;
  }
  assert.equal(explained.status, 200, said);
  const d = (explained.body.Explanation as { Decision: Record<string, unknown> }).Decision;
  const outcome = real.status === 200 ? 'allow' : real.body.Code;
  assert.equal(
    d.Allowed ? 'allow' : d.Code,
    outcome,
    `explained ${said}, called ${JSON.stringify(real.body)}`,
  );
  if (!d.Allowed) assert.equal(d.HttpStatus, real.status);
}

function runMatrix(rows: readonly MatrixRow[], forbidden: boolean) {
  return (t: () => TestContext) => {
    let world: World;
    before(async () => {
      world = new World(t());
      await world.build();
    });

    for (const row of rows) {
      it(`${row.case} as ${row.actor}: ${row.expect}`, async () => {
        const call = MATRIX_CALLS[row.case];
        assert.ok(call, `MATRIX_CALLS has no entry for ${row.case}`);
        const scene = await world.sceneFor(row.case, forbidden);
        const params = await call.params(scene);
        const key = await world.keyFor(row.actor, row.operation, call.version);
        // Asked before the call (which may delete, restore or roll back the data source).
        const explained = await explain(world.c, row.operation, params, key);
        const r = await world.c.call(key, row.operation, params, {
          method: call.method,
          placement: call.placement,
          ...(call.version ? { version: call.version } : {}),
        });
        if (explained) agrees(explained, r, row.actor);
        if (row.expect === 'allow') {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          await call.sees?.(r.body, { actor: row.actor, key, scene });
        } else {
          assert.equal(r.body.Code, row.expect, JSON.stringify(r.body));
        }
        assert.equal(r.status, STATUS[row.expect]);
      });
    }
  };
}

forEachDialect('permission matrix', runMatrix(PERMISSION_MATRIX, false));
forEachDialect('permission matrix, Forbidden workspace', runMatrix(FORBIDDEN_MATRIX, true));

/** `<Version> <Action>`: how NOT_IN_MATRIX names an operation. */
const versioned = (version: string, action: string) => `${version} ${action}`;

/** The registry's operations the matrix has rows for, by `<Version> <Action>`. */
function coveredOperations(): Set<string> {
  return new Set(
    PERMISSION_MATRIX.map((r) =>
      versioned(MATRIX_CALLS[r.case]?.version ?? API_VERSION, r.operation),
    ),
  );
}

it('every operation of the registry, of both API versions, has a row or a named reason not to', () => {
  const covered = coveredOperations();
  const missing = OPERATIONS.map((o) => versioned(o.version, o.action)).filter(
    (name) => !covered.has(name) && !(name in NOT_IN_MATRIX),
  );
  assert.deepEqual(
    missing,
    [],
    `The permission matrix has no row for ${missing.join(', ')}: add a line to GRID and an entry to MATRIX_CALLS in test/fixtures/permission-matrix.ts (or name it in NOT_IN_MATRIX, with the reason).`,
  );
  assert.deepEqual(
    Object.keys(MATRIX_CALLS).filter((c) => !PERMISSION_MATRIX.some((r) => r.case === c)),
    [],
    'MATRIX_CALLS has entries without a line in GRID',
  );
  for (const [name, reason] of Object.entries(NOT_IN_MATRIX)) {
    const [version = '', action = ''] = name.split(' ');
    assert.ok(findOperation(action, version), `NOT_IN_MATRIX names ${name}, not in the registry`);
    assert.ok(!covered.has(name), `NOT_IN_MATRIX names ${name}, which has rows in the matrix`);
    assert.ok(reason.trim().length > 0, `NOT_IN_MATRIX gives no reason for ${name}`);
  }
});

it('the matrix covers each of its operations for every actor, and agrees with their declared roles', () => {
  const cases = new Set(PERMISSION_MATRIX.map((r) => r.case));
  for (const matrixCase of cases) {
    const call = MATRIX_CALLS[matrixCase];
    assert.ok(call, `MATRIX_CALLS has no entry for ${matrixCase}`);
    const rows = PERMISSION_MATRIX.filter((r) => r.case === matrixCase);
    const operation = rows[0]!.operation;
    const op = findOperation(operation, call.version ?? API_VERSION);
    assert.ok(op, `${operation} (${call.version ?? API_VERSION}) is not in the registry`);
    assert.deepEqual(
      rows.map((r) => r.actor),
      [...ACTORS],
    );
    if (op.access === 'any-caller' || call.decidedByHandler) continue;
    const declared = new Set<string>(declaredRoles(op));
    for (const row of rows) {
      const custom = CUSTOM_ACTORS[row.actor];
      if (custom) {
        assert.equal(
          row.expect === 'allow',
          custom.grants.some((g) => declared.has(g)),
          `${operation}: the matrix says ${row.expect} for ${row.actor}, the registry declares ${[...declared].join(', ')}`,
        );
        continue;
      }
      if (!isWorkspaceRoleActor(row.actor) && row.actor !== 'TenantAdmin') continue;
      assert.equal(
        row.expect === 'allow',
        declared.has(row.actor),
        `${operation}: the matrix says ${row.expect} for ${row.actor}, the registry declares ${[...declared].join(', ')}`,
      );
    }
  }
});

it('the operations a Forbidden workspace refuses are those the registry marks activeWorkspace', () => {
  const marked = OPERATIONS.filter(needsActiveWorkspace).map((o) => o.action);
  const matrixOps = new Set(PERMISSION_MATRIX.map((r) => r.operation));
  assert.deepEqual(
    marked.filter((a) => matrixOps.has(a)).sort(),
    [...REFUSED_IN_FORBIDDEN_WORKSPACE].sort(),
  );
});

it('the explanation asks, for every operation on a data source, what the operation declares', () => {
  for (const [action, act] of Object.entries(DATA_SOURCE_ACTS)) {
    const op = OPERATIONS.find((o) => o.action === action);
    assert.ok(op, `${action} is not in the registry`);
    assert.deepEqual([...act.roles], [...declaredRoles(op)], `${action}: roles`);
    assert.equal(
      act.activeWorkspace === true,
      needsActiveWorkspace(op),
      `${action}: activeWorkspace`,
    );
    assert.ok(
      PERMISSION_MATRIX.some((r) => r.operation === action),
      `${action} is not in the permission matrix, so no test compares its explanation`,
    );
  }
});
