/**
 * Workspaces (DataWorks "projects"): create, read, list, update, delete, inside one tenant.
 * Callers have passed the access guard before they get here; the service keeps the rules that
 * hold whoever calls (name uniqueness, one-way flags, the creator as Workspace Owner) and writes
 * each effect together with its audit record.
 */
import { type Kysely, type SelectQueryBuilder, sql, type Updateable } from 'kysely';
import type { AuditRecorder } from '../audit/recorder.js';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Database, Flag, Project, ProjectTable } from '../store/schema.js';

import type { WorkspaceStatus } from './workspace-statuses.js';

export { WORKSPACE_STATUSES, type WorkspaceStatus } from './workspace-statuses.js';

/** A tag on a workspace, as given at creation. */
export interface ResourceTag {
  key: string;
  value: string;
}

/** A workspace as the service answers it; src/operations/projects.ts maps it to the wire. */
export interface WorkspaceView {
  id: number;
  name: string;
  displayName: string;
  description: string;
  /** User id of the Workspace Owner (the creator). */
  owner: string;
  status: WorkspaceStatus;
  aliyunResourceGroupId: string;
  aliyunResourceTags: ResourceTag[];
  /** True in standard mode (Dev and Prod). */
  devEnvironmentEnabled: boolean;
  devRoleDisabled: boolean;
  paiTaskEnabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  modifiedAt: number;
}

export interface NewWorkspace {
  name: string;
  displayName: string;
  description?: string;
  aliyunResourceGroupId?: string;
  aliyunResourceTags?: ResourceTag[];
  devEnvironmentEnabled?: boolean;
  devRoleDisabled?: boolean;
  paiTaskEnabled?: boolean;
}

export interface WorkspacePatch {
  displayName?: string;
  description?: string;
  devEnvironmentEnabled?: boolean;
  devRoleDisabled?: boolean;
  paiTaskEnabled?: boolean;
  status?: 'Available' | 'Forbidden';
}

/** A tag filter: the workspace must carry the key, and this value when one is given. */
export interface TagFilter {
  key: string;
  value?: string;
}

export interface WorkspaceFilter {
  ids?: number[];
  names?: string[];
  status?: WorkspaceStatus;
  devEnvironmentEnabled?: boolean;
  devRoleDisabled?: boolean;
  paiTaskEnabled?: boolean;
  aliyunResourceGroupId?: string;
  aliyunResourceTags?: TagFilter[];
}

/** Whose workspaces a list may show: the whole tenant, or those the user is a member of. */
export interface Visibility {
  tenantId: string;
  memberUserId?: string;
}

export interface Paging {
  pageNumber: number;
  pageSize: number;
}

export interface Page<T> {
  total: number;
  items: T[];
}

export type AuditSink = Pick<AuditRecorder, 'record'>;

export const WORKSPACE_OWNER_ROLE = 'role_project_owner';

const flag = (b: boolean | undefined): Flag => (b ? 1 : 0);

/**
 * Tags are stored as the JSON text of `[{"Key": ..., "Value": ...}]` (DataWorks' own shape),
 * a persisted format that earlier stores hold too.
 */
interface StoredTag {
  Key: string;
  Value: string;
}

function readTags(text: string): ResourceTag[] {
  return (JSON.parse(text) as StoredTag[]).map((t) => ({ key: t.Key, value: t.Value }));
}

function writeTags(tags: readonly ResourceTag[]): string {
  return JSON.stringify(tags.map((t): StoredTag => ({ Key: t.key, Value: t.value })));
}

function toWorkspaceView(r: Project): WorkspaceView {
  return {
    id: r.id,
    name: r.name,
    displayName: r.display_name,
    description: r.description,
    owner: r.owner,
    status: r.status as WorkspaceStatus,
    aliyunResourceGroupId: r.aliyun_resource_group_id,
    aliyunResourceTags: readTags(r.aliyun_resource_tags),
    devEnvironmentEnabled: r.dev_environment_enabled === 1,
    devRoleDisabled: r.dev_role_disabled === 1,
    paiTaskEnabled: r.pai_task_enabled === 1,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
  };
}

function matchesTags(workspace: Project, wanted: readonly TagFilter[]): boolean {
  const tags = readTags(workspace.aliyun_resource_tags);
  return wanted.every((w) =>
    tags.some((t) => t.key === w.key && (w.value === undefined || t.value === w.value)),
  );
}

export class WorkspaceService {
  private readonly k: Kysely<Database>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
  }

  /**
   * Creates a workspace whose owner is `creator`: it becomes a member with role_project_owner in
   * the same transaction. Name uniqueness within the tenant rests on the unique constraint, so
   * of two concurrent creates with one name exactly one succeeds.
   */
  async create(
    creator: { tenantId: string; userId: string },
    input: NewWorkspace,
    audit: AuditSink,
  ): Promise<number> {
    const at = this.now();
    try {
      return await this.k.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('projects')
          .values({
            tenant_id: creator.tenantId,
            name: input.name,
            display_name: input.displayName,
            description: input.description ?? '',
            owner: creator.userId,
            status: 'Available',
            dev_environment_enabled: flag(input.devEnvironmentEnabled),
            dev_role_disabled: flag(input.devRoleDisabled),
            pai_task_enabled: flag(input.paiTaskEnabled),
            aliyun_resource_group_id: input.aliyunResourceGroupId ?? '',
            aliyun_resource_tags: writeTags(input.aliyunResourceTags ?? []),
            created_at: at,
            modified_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('project_members')
          .values({ project_id: id, user_id: creator.userId, created_at: at })
          .execute();
        await trx
          .insertInto('project_member_roles')
          .values({ project_id: id, user_id: creator.userId, role_code: WORKSPACE_OWNER_ROLE })
          .execute();
        await audit.record(trx, { workspaceId: id, targets: { ProjectId: id, Name: input.name } });
        return id;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw errors.conflict(
          'Duplicate',
          `A workspace named "${input.name}" exists already in this tenant: workspace names are unique per tenant.`,
        );
      }
      throw e;
    }
  }

  /** The workspace in the tenant, or 1101080008 (another tenant's answers as missing). */
  async get(tenantId: string, id: number): Promise<WorkspaceView> {
    return toWorkspaceView(await this.row(this.k, tenantId, id));
  }

  async list(
    scope: Visibility,
    filter: WorkspaceFilter,
    paging: Paging,
  ): Promise<Page<WorkspaceView>> {
    const base = this.filtered(scope, filter);
    const offset = (paging.pageNumber - 1) * paging.pageSize;
    if (filter.aliyunResourceTags?.length) {
      // Tags are stored as JSON text, which SQLite and PostgreSQL search differently; a tenant
      // holds few workspaces, so the tag filter runs here over the otherwise filtered rows.
      const rows = (await base.selectAll().orderBy('id').execute()).filter((r) =>
        matchesTags(r, filter.aliyunResourceTags!),
      );
      return {
        total: rows.length,
        items: rows.slice(offset, offset + paging.pageSize).map(toWorkspaceView),
      };
    }
    const { n } = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll()
      .orderBy('id')
      .limit(paging.pageSize)
      .offset(offset)
      .execute();
    return { total: Number(n), items: rows.map(toWorkspaceView) };
  }

  async update(
    tenantId: string,
    id: number,
    patch: WorkspacePatch,
    audit: AuditSink,
  ): Promise<void> {
    await this.k.transaction().execute(async (trx) => {
      const current = await this.row(trx, tenantId, id);
      const set: Updateable<ProjectTable> = { modified_at: this.now() };
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.paiTaskEnabled !== undefined) set.pai_task_enabled = flag(patch.paiTaskEnabled);
      if (patch.status !== undefined) set.status = patch.status;
      // Both flags only ever move one way, so only that direction is written: a concurrent
      // update can never be undone by a stale "false".
      if (patch.devRoleDisabled === true) set.dev_role_disabled = 1;
      else if (patch.devRoleDisabled === false && current.dev_role_disabled === 1) {
        throw errors.invalidParameter(
          'DevRoleDisabled',
          'the Develop role of this workspace is disabled, and a disabled Develop role cannot be enabled again.',
        );
      }
      if (patch.devEnvironmentEnabled === true) set.dev_environment_enabled = 1;
      else if (patch.devEnvironmentEnabled === false && current.dev_environment_enabled === 1) {
        throw errors.invalidParameter(
          'DevEnvironmentEnabled',
          'this workspace is in standard mode (Dev and Prod); a standard-mode workspace cannot go back to basic mode.',
        );
      }
      await trx
        .updateTable('projects')
        .set(set)
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .execute();
      await audit.record(trx, { workspaceId: id, targets: { ProjectId: id } });
    });
  }

  /**
   * Deletes the workspace with everything in it: members and their roles (and whatever later
   * tables hang off projects) go by foreign-key cascade in the same transaction.
   */
  async delete(tenantId: string, id: number, audit: AuditSink): Promise<void> {
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('projects')
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw errors.workspaceNotFound(id);
      await audit.record(trx, { workspaceId: id, targets: { ProjectId: id } });
    });
  }

  private async row(k: Kysely<Database>, tenantId: string, id: number): Promise<Project> {
    const row = await k
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) throw errors.workspaceNotFound(id);
    return row;
  }

  private filtered(
    scope: Visibility,
    f: WorkspaceFilter,
  ): SelectQueryBuilder<Database, 'projects', object> {
    let q = this.k.selectFrom('projects').where('tenant_id', '=', scope.tenantId);
    if (scope.memberUserId !== undefined) {
      const userId = scope.memberUserId;
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('project_members').select('project_id').where('user_id', '=', userId),
      );
    }
    // An empty list filters nothing, as an absent one: clients send `[]` for "no filter".
    if (f.ids?.length) q = q.where('id', 'in', f.ids);
    if (f.names?.length) q = q.where('name', 'in', f.names);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.devEnvironmentEnabled !== undefined)
      q = q.where('dev_environment_enabled', '=', flag(f.devEnvironmentEnabled));
    if (f.devRoleDisabled !== undefined)
      q = q.where('dev_role_disabled', '=', flag(f.devRoleDisabled));
    if (f.paiTaskEnabled !== undefined)
      q = q.where('pai_task_enabled', '=', flag(f.paiTaskEnabled));
    if (f.aliyunResourceGroupId !== undefined)
      q = q.where('aliyun_resource_group_id', '=', f.aliyunResourceGroupId);
    return q;
  }
}
