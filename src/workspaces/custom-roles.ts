/**
 * Custom workspace roles (Type UserCustom): CreateProjectRole, UpdateProjectRole,
 * DeleteProjectRole. A custom role belongs to one workspace; its code (`base_role_<random>`, the
 * form DataWorks' examples show) is what Grant/RevokeMemberProjectRoles take. What its module
 * permissions grant is decided in src/access/custom-role-grants.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CustomModulePermission, CustomPermissionType } from '../access/custom-role-grants.js';
import { errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation, translateStoreError } from '../store/errors.js';
import type { Database } from '../store/schema.js';
import { BUILT_IN_ROLES, isWorkspaceRole, MODULES } from './roles.js';
import type { AuditSink } from './workspace-service.js';

/** One module's permission in a custom role. */
export interface CustomRolePermission {
  moduleId: number;
  permissionType: CustomPermissionType;
}

/** A custom role as the service answers it. */
export interface CustomRole {
  code: string;
  name: string;
  workspaceId: number;
  modulePermissions: CustomRolePermission[];
}

export interface NewCustomRole {
  name: string;
  modulePermissions: CustomRolePermission[];
  clientToken?: string;
}

const BUILT_IN_NAMES = new Set(BUILT_IN_ROLES.map((r) => r.name.toLowerCase()));

function newCode(): string {
  return `base_role_${randomBytes(5).toString('hex')}`;
}

/**
 * Module permissions are stored as the JSON text of DataWorks' own shape
 * (`[{"ModuleId":9,"PermissionType":"Write"}]`), which the access decisions read too.
 */
function readPermissions(text: string): CustomRolePermission[] {
  return (JSON.parse(text) as CustomModulePermission[]).map((p) => ({
    moduleId: p.ModuleId,
    permissionType: p.PermissionType,
  }));
}

function writePermissions(perms: readonly CustomRolePermission[]): string {
  return JSON.stringify(
    perms.map(
      (p): CustomModulePermission => ({ ModuleId: p.moduleId, PermissionType: p.permissionType }),
    ),
  );
}

/** One entry per module; a module the documentation does not number is refused by name. */
export function checkModulePermissions(
  param: string,
  perms: readonly CustomRolePermission[],
): CustomRolePermission[] {
  const seen = new Set<number>();
  for (const p of perms) {
    if (!(p.moduleId in MODULES)) {
      throw errors.invalidParameter(
        param,
        `ModuleId ${p.moduleId} is not a DataWorks module; the modules are ${Object.keys(MODULES).join(', ')}.`,
      );
    }
    if (seen.has(p.moduleId))
      throw errors.invalidParameter(param, `ModuleId ${p.moduleId} is given twice.`);
    seen.add(p.moduleId);
  }
  return [...perms].sort((a, b) => a.moduleId - b.moduleId);
}

export class CustomRoleService {
  private readonly k: Kysely<Database>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
  }

  /**
   * Creates a role and returns its code. The same ClientToken again in the same workspace
   * answers the role it created (if the name matches) instead of creating another.
   */
  async create(
    workspaceId: number,
    input: NewCustomRole,
    userId: string,
    audit: AuditSink,
  ): Promise<string> {
    if (BUILT_IN_NAMES.has(input.name.toLowerCase()) || isWorkspaceRole(input.name)) {
      throw errors.invalidParameter('Name', `"${input.name}" is the name of a built-in role.`);
    }
    const replay = await this.byToken(workspaceId, input.clientToken);
    if (replay) return this.replayed(replay, input);
    const at = this.now();
    const code = newCode();
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx
          .insertInto('project_roles')
          .values({
            project_id: workspaceId,
            code,
            name: input.name,
            module_permissions: writePermissions(input.modulePermissions),
            client_token: input.clientToken ?? null,
            created_at: at,
            create_user: userId,
            modified_at: at,
          })
          .execute();
        await audit.record(trx, {
          workspaceId: workspaceId,
          targets: { ProjectId: workspaceId, RoleCode: code },
          detail: `created role ${input.name}`,
        });
      });
      return code;
    } catch (e) {
      if (isUniqueViolation(e)) {
        // Two requests with the same token raced: the first one's role is the answer.
        const raced = await this.byToken(workspaceId, input.clientToken);
        if (raced) return this.replayed(raced, input);
        throw errors.conflict(
          'Duplicate',
          `Workspace ${workspaceId} has a role named "${input.name}" already.`,
        );
      }
      if (translateStoreError(e)?.kind === 'foreign_key')
        throw errors.workspaceNotFound(workspaceId);
      throw e;
    }
  }

  private async byToken(workspaceId: number, token: string | undefined) {
    if (token === undefined) return undefined;
    return this.k
      .selectFrom('project_roles')
      .select(['code', 'name'])
      .where('project_id', '=', workspaceId)
      .where('client_token', '=', token)
      .executeTakeFirst();
  }

  private replayed(row: { code: string; name: string }, input: NewCustomRole): string {
    if (row.name !== input.name) {
      throw errors.conflict(
        'ClientToken',
        `ClientToken "${input.clientToken}" created the role "${row.name}" already; send a new token for a new role.`,
      );
    }
    return row.code;
  }

  async update(
    workspaceId: number,
    code: string,
    modulePermissions: CustomRolePermission[],
    audit: AuditSink,
  ): Promise<void> {
    this.refuseBuiltIn(code);
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('project_roles')
        .set({ module_permissions: writePermissions(modulePermissions), modified_at: this.now() })
        .where('project_id', '=', workspaceId)
        .where('code', '=', code)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw errors.roleNotFound(workspaceId, code);
      await audit.record(trx, {
        workspaceId: workspaceId,
        targets: { ProjectId: workspaceId, RoleCode: code },
      });
    });
  }

  /** Deletes the role; members holding it lose it (and keep their other roles). */
  async delete(workspaceId: number, code: string, audit: AuditSink): Promise<void> {
    this.refuseBuiltIn(code);
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('project_roles')
        .where('project_id', '=', workspaceId)
        .where('code', '=', code)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw errors.roleNotFound(workspaceId, code);
      await trx
        .deleteFrom('project_member_roles')
        .where('project_id', '=', workspaceId)
        .where('role_code', '=', code)
        .execute();
      await audit.record(trx, {
        workspaceId: workspaceId,
        targets: { ProjectId: workspaceId, RoleCode: code },
      });
    });
  }

  async list(workspaceId: number): Promise<CustomRole[]> {
    const rows = await this.k
      .selectFrom('project_roles')
      .select(['code', 'name', 'module_permissions'])
      .where('project_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      code: r.code,
      name: r.name,
      workspaceId,
      modulePermissions: readPermissions(r.module_permissions),
    }));
  }

  async get(workspaceId: number, code: string): Promise<CustomRole | undefined> {
    return (await this.list(workspaceId)).find((r) => r.code === code);
  }

  /**
   * Checks role codes from a request: each must be built in or a custom role of this workspace;
   * duplicates collapse.
   */
  async parseCodes(
    workspaceId: number,
    param: string,
    codes: readonly string[],
  ): Promise<string[]> {
    if (codes.length === 0) throw errors.invalidParameter(param, 'must name at least one role.');
    const others = codes.filter((c) => !isWorkspaceRole(c));
    if (others.length > 0) {
      const found = new Set(
        (
          await this.k
            .selectFrom('project_roles')
            .select('code')
            .where('project_id', '=', workspaceId)
            .where('code', 'in', others)
            .execute()
        ).map((r) => r.code),
      );
      const unknown = others.find((c) => !found.has(c));
      if (unknown !== undefined) {
        throw errors.invalidParameter(
          param,
          `"${unknown}" is not a role of workspace ${workspaceId}; ListProjectRoles shows its roles.`,
        );
      }
    }
    return [...new Set(codes)];
  }

  private refuseBuiltIn(code: string): void {
    if (isWorkspaceRole(code)) {
      throw errors.invalidParameter(
        'Code',
        `${code} is a built-in role: only custom roles (Type UserCustom) can be changed or deleted.`,
      );
    }
  }
}
