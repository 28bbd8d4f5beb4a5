/**
 * Workspace members and their roles (built-in, or custom roles of the workspace). A member is a user of the workspace's tenant;
 * the workspace's recorded owner (its creator) always stays a member with role_project_owner.
 * Whoever makes or unmakes a Workspace Owner must hold owner rights themselves: the service
 * says when that is the case (`requireOwnerRights`), the caller's access guard decides who.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation, translateStoreError } from '../store/errors.js';
import type { Database } from '../store/schema.js';
import { BUILT_IN_ROLES, builtInRoleRef, type RoleRef } from './roles.js';
import type { AuditSink, Page, Paging } from './workspace-service.js';
import { WORKSPACE_OWNER_ROLE } from './workspace-service.js';

/** A member as the service answers it; src/operations/members.ts maps it to the wire. */
export interface MemberView {
  workspaceId: number;
  userId: string;
  userName: string;
  /** Normal, or Forbidden when the user is disabled. */
  status: 'Normal' | 'Forbidden';
  /** Built-in roles first, in their table's order. */
  roles: RoleRef[];
}

export interface MemberChange {
  /** Throws unless the caller may make or unmake a Workspace Owner. */
  requireOwnerRights(): Promise<void>;
  audit: AuditSink;
}

export interface MemberFilter {
  userIds?: string[];
  roleCodes?: string[];
}

interface Workspace {
  id: number;
  owner: string;
  devRoleDisabled: boolean;
}

const ROLE_ORDER = new Map(BUILT_IN_ROLES.map((r, i) => [r.code as string, i]));

function sortRoles(codes: string[]): string[] {
  return codes.sort((a, b) => (ROLE_ORDER.get(a) ?? 99) - (ROLE_ORDER.get(b) ?? 99));
}

export class MemberService {
  private readonly k: Kysely<Database>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
  }

  async add(
    tenantId: string,
    workspaceId: number,
    userId: string,
    roles: readonly string[],
    change: MemberChange,
  ): Promise<void> {
    const ws = await this.workspace(tenantId, workspaceId);
    await this.requireTenantUser(tenantId, userId);
    await this.checkGrantable(ws, roles, change);
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx
          .insertInto('project_members')
          .values({ project_id: workspaceId, user_id: userId, created_at: this.now() })
          .execute();
        await trx
          .insertInto('project_member_roles')
          .values(roles.map((r) => ({ project_id: workspaceId, user_id: userId, role_code: r })))
          .execute();
        await change.audit.record(trx, {
          workspaceId: workspaceId,
          targets: { ProjectId: workspaceId, UserId: userId },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw errors.conflict(
          'Duplicate',
          `User ${userId} is a member of workspace ${workspaceId} already: use GrantMemberProjectRoles to give more roles.`,
        );
      }
      if (translateStoreError(e)?.kind === 'foreign_key')
        throw errors.workspaceNotFound(workspaceId);
      throw e;
    }
  }

  async remove(
    tenantId: string,
    workspaceId: number,
    userId: string,
    change: MemberChange,
  ): Promise<void> {
    const { ws, held } = await this.requireMember(tenantId, workspaceId, userId);
    if (userId === ws.owner) {
      throw errors.workspaceOwnerProtected(workspaceId, userId, 'cannot be removed from it');
    }
    if (held.includes(WORKSPACE_OWNER_ROLE)) await change.requireOwnerRights();
    await this.k.transaction().execute(async (trx) => {
      // Its roles go with it (foreign-key cascade).
      const r = await trx
        .deleteFrom('project_members')
        .where('project_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw errors.memberNotFound(workspaceId, userId);
      await change.audit.record(trx, {
        workspaceId: workspaceId,
        targets: { ProjectId: workspaceId, UserId: userId },
      });
    });
  }

  /** The workspace and the member's roles; the user must be of the tenant and a member. */
  private async requireMember(tenantId: string, workspaceId: number, userId: string) {
    const ws = await this.workspace(tenantId, workspaceId);
    await this.requireTenantUser(tenantId, userId);
    const held = await this.rolesOf(this.k, workspaceId, userId);
    if (held === undefined) throw errors.memberNotFound(workspaceId, userId);
    return { ws, held };
  }

  /** Adds roles; roles the member holds already are kept as they are. */
  async grant(
    tenantId: string,
    workspaceId: number,
    userId: string,
    roles: readonly string[],
    change: MemberChange,
  ): Promise<void> {
    const { ws } = await this.requireMember(tenantId, workspaceId, userId);
    await this.checkGrantable(ws, roles, change);
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx
          .insertInto('project_member_roles')
          .values(roles.map((r) => ({ project_id: workspaceId, user_id: userId, role_code: r })))
          .onConflict((oc) => oc.doNothing())
          .execute();
        await change.audit.record(trx, {
          workspaceId: workspaceId,
          targets: { ProjectId: workspaceId, UserId: userId },
          detail: `granted ${roles.join(',')}`,
        });
      });
    } catch (e) {
      // The member was removed between the check and the insert.
      if (translateStoreError(e)?.kind === 'foreign_key')
        throw errors.memberNotFound(workspaceId, userId);
      throw e;
    }
  }

  /**
   * Removes roles; roles the member does not hold are ignored. A member may end with no role
   * (Terraform revokes the old roles before granting the new ones); removing the member is
   * DeleteProjectMember.
   */
  async revoke(
    tenantId: string,
    workspaceId: number,
    userId: string,
    roles: readonly string[],
    change: MemberChange,
  ): Promise<void> {
    const { ws } = await this.requireMember(tenantId, workspaceId, userId);
    if (roles.includes(WORKSPACE_OWNER_ROLE)) {
      if (userId === ws.owner) {
        throw errors.workspaceOwnerProtected(
          workspaceId,
          userId,
          `keeps the role ${WORKSPACE_OWNER_ROLE}`,
        );
      }
      await change.requireOwnerRights();
    }
    await this.k.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('project_member_roles')
        .where('project_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .where('role_code', 'in', [...roles])
        .execute();
      await change.audit.record(trx, {
        workspaceId: workspaceId,
        targets: { ProjectId: workspaceId, UserId: userId },
        detail: `revoked ${roles.join(',')}`,
      });
    });
  }

  async get(tenantId: string, workspaceId: number, userId: string): Promise<MemberView> {
    await this.workspace(tenantId, workspaceId);
    await this.requireTenantUser(tenantId, userId);
    const page = await this.page(
      workspaceId,
      { userIds: [userId] },
      { pageNumber: 1, pageSize: 1 },
    );
    const member = page.items[0];
    if (!member) throw errors.memberNotFound(workspaceId, userId);
    return member;
  }

  /** Members in the order they joined; `roleCodes` keeps members holding any of those roles. */
  async list(
    tenantId: string,
    workspaceId: number,
    filter: MemberFilter,
    paging: Paging,
  ): Promise<Page<MemberView>> {
    await this.workspace(tenantId, workspaceId);
    return this.page(workspaceId, filter, paging);
  }

  private async page(
    workspaceId: number,
    filter: MemberFilter,
    paging: Paging,
  ): Promise<Page<MemberView>> {
    let base = this.k
      .selectFrom('project_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .where('m.project_id', '=', workspaceId);
    if (filter.userIds?.length) base = base.where('m.user_id', 'in', filter.userIds);
    if (filter.roleCodes?.length) {
      const codes = filter.roleCodes;
      base = base.where('m.user_id', 'in', (eb) =>
        eb
          .selectFrom('project_member_roles')
          .select('user_id')
          .where('project_id', '=', workspaceId)
          .where('role_code', 'in', codes),
      );
    }
    const { n } = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select(['m.user_id', 'm.created_at', 'u.name', 'u.status'])
      .orderBy('m.created_at')
      .orderBy('m.user_id')
      .limit(paging.pageSize)
      .offset((paging.pageNumber - 1) * paging.pageSize)
      .execute();
    const roles = new Map<string, string[]>();
    const custom = new Map<string, RoleRef>();
    if (rows.length > 0) {
      for (const c of await this.k
        .selectFrom('project_roles')
        .select(['code', 'name'])
        .where('project_id', '=', workspaceId)
        .execute()) {
        custom.set(c.code, { code: c.code, name: c.name, type: 'UserCustom' });
      }
      const held = await this.k
        .selectFrom('project_member_roles')
        .select(['user_id', 'role_code'])
        .where('project_id', '=', workspaceId)
        .where(
          'user_id',
          'in',
          rows.map((r) => r.user_id),
        )
        .execute();
      for (const h of held) roles.set(h.user_id, [...(roles.get(h.user_id) ?? []), h.role_code]);
    }
    return {
      total: Number(n),
      items: rows.map((r) => ({
        workspaceId,
        userId: r.user_id,
        userName: r.name,
        status: r.status === 'Normal' ? 'Normal' : 'Forbidden',
        roles: sortRoles(roles.get(r.user_id) ?? []).map(
          (code) => custom.get(code) ?? builtInRoleRef(code),
        ),
      })),
    };
  }

  private async workspace(tenantId: string, workspaceId: number): Promise<Workspace> {
    const row = await this.k
      .selectFrom('projects')
      .select(['id', 'owner', 'dev_role_disabled'])
      .where('id', '=', workspaceId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) throw errors.workspaceNotFound(workspaceId);
    return { id: row.id, owner: row.owner, devRoleDisabled: row.dev_role_disabled === 1 };
  }

  /** 400010 for a user of another tenant and for one that does not exist alike. */
  private async requireTenantUser(tenantId: string, userId: string): Promise<void> {
    const user = await this.k
      .selectFrom('users')
      .select('id')
      .where('id', '=', userId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!user) throw errors.userNotInTenant(userId);
  }

  /** The member's role codes, or undefined when the user is not a member. */
  private async rolesOf(
    k: Kysely<Database>,
    workspaceId: number,
    userId: string,
  ): Promise<string[] | undefined> {
    const rows = await k
      .selectFrom('project_members as m')
      .leftJoin('project_member_roles as r', (j) =>
        j.onRef('r.project_id', '=', 'm.project_id').onRef('r.user_id', '=', 'm.user_id'),
      )
      .select('r.role_code')
      .where('m.project_id', '=', workspaceId)
      .where('m.user_id', '=', userId)
      .execute();
    if (rows.length === 0) return undefined;
    return rows.flatMap((r) => (r.role_code ? [r.role_code] : []));
  }

  private async checkGrantable(
    ws: Workspace,
    roles: readonly string[],
    change: MemberChange,
  ): Promise<void> {
    if (ws.devRoleDisabled && roles.includes('role_project_dev')) {
      throw errors.invalidParameter(
        'RoleCodes',
        `the Develop role (role_project_dev) is disabled in workspace ${ws.id}.`,
      );
    }
    if (roles.includes(WORKSPACE_OWNER_ROLE)) await change.requireOwnerRights();
  }
}
