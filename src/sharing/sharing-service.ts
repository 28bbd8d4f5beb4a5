/**
 * Data source sharing rules. A rule shares ONE data source record (one environment) into an
 * environment of another workspace of the same tenant, for the whole workspace or one member of
 * it. Callers have passed the access guard; the service keeps the rules that hold whoever calls
 * (no self-share, the target has the environment, the user is a member there, one record per
 * shared name and audience) and writes each change with its audit record.
 *
 * Rules hang off their data source and both workspaces by cascading foreign keys
 * (migration 0005), so nothing here cleans up after deletes.
 */
import type { Kysely } from 'kysely';
import type {
  DataSourceGrant,
  RuleGrant,
  ShareAudience,
  SharedListGrant,
} from '../access/decisions.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { EnvType } from '../datasource-types/index.js';
import { type ApiError, errors } from '../errors.js';
import type { Db } from '../store/dialect.js';
import { isUniqueViolation, translateStoreError } from '../store/errors.js';
import type { Database, DataSourceSharedRule } from '../store/schema.js';
import { isExpired, type ShareExpiry } from './expiry.js';

/** A rule as ListDataSourceSharedRules shows it. */
export interface RuleView {
  id: number;
  dataSourceId: number;
  sharedDataSourceName: string;
  sourceWorkspaceId: number;
  targetWorkspaceId: number;
  /** '' when shared to the whole target workspace. */
  sharedUser: string;
  envType: EnvType;
  createTime: number;
  createUser: string;
  /** Epoch ms when the rule stops resolving; undefined = for good. */
  expireTime?: number;
}

export interface NewRule {
  dataSourceId: number;
  targetWorkspaceId: number;
  envType: EnvType;
  /** Undefined or '' = the whole target workspace. */
  sharedUser?: string | undefined;
  /** Epoch ms, in the future (checked by the caller); undefined = for good. */
  expireTime?: number | undefined;
}

/** What a rule is, for access decisions. */
export interface RuleRef {
  id: number;
  dataSourceId: number;
  sourceWorkspaceId: number;
  targetWorkspaceId: number;
}

/** Whose rules count (src/access/decisions.ts decides it). */
export type Audience = ShareAudience;

/** A data source as shared into a workspace, without its connection. */
export interface SharedEntry {
  ruleId: number;
  sharedDataSourceName: string;
  dataSourceId: number;
  sourceWorkspaceId: number;
  type: string;
  mode: string;
  /** The environment in the target workspace. */
  envType: EnvType;
  sharedUser: string;
  createTime: number;
  expireTime?: number;
}

const sharedName = (workspaceName: string, dataSourceName: string) =>
  `${workspaceName}.${dataSourceName}`;

function toView(r: DataSourceSharedRule): RuleView {
  return {
    id: Number(r.id),
    dataSourceId: Number(r.data_source_id),
    sharedDataSourceName: r.shared_name,
    sourceWorkspaceId: Number(r.source_project_id),
    targetWorkspaceId: Number(r.target_project_id),
    sharedUser: r.shared_user ?? '',
    envType: r.env_type,
    createTime: Number(r.create_time),
    createUser: r.create_user,
    ...(r.expire_time !== null ? { expireTime: Number(r.expire_time) } : {}),
  };
}

function envMissing(workspaceId: number): ApiError {
  return errors.invalidParameter(
    'EnvType',
    `workspace ${workspaceId} is in basic mode (DevEnvironmentEnabled=false) and has only a Prod environment: share into Prod.`,
  );
}

export class SharingService {
  private readonly k: Kysely<Database>;

  constructor(
    private readonly db: Db,
    readonly expiry: ShareExpiry,
    private readonly now: () => number = Date.now,
  ) {
    this.k = db.kysely;
  }

  /**
   * Creates a rule. The data source, the target workspace and the member are read with a
   * key-share lock (PostgreSQL), so a concurrent delete of any of them waits for this commit and
   * then takes the new rule with it by cascade. Duplicates rest on the unique index.
   */
  async create(
    grant: DataSourceGrant,
    rule: Omit<NewRule, 'dataSourceId'>,
    audit: AuditRecorder,
  ): Promise<number> {
    const actor = grant;
    const input: NewRule = { ...rule, dataSourceId: grant.id };
    const user = input.sharedUser ? input.sharedUser : null;
    const keyShare = this.db.dialect === 'postgres';
    let name = '';
    try {
      return await this.k.transaction().execute(async (trx) => {
        const source = await trx
          .selectFrom('data_sources as d')
          .innerJoin('projects as p', 'p.id', 'd.project_id')
          .select(['d.id', 'd.name', 'd.project_id', 'p.name as workspace_name'])
          .where('d.id', '=', input.dataSourceId)
          .where('p.tenant_id', '=', actor.tenantId)
          .$if(keyShare, (q) => q.forKeyShare())
          .executeTakeFirst();
        if (!source) throw errors.dataSourceNotFound(input.dataSourceId);
        if (Number(source.project_id) === input.targetWorkspaceId) {
          throw errors.invalidParameter(
            'TargetProjectId',
            `data source ${input.dataSourceId} belongs to workspace ${input.targetWorkspaceId}: a data source cannot be shared to its own workspace.`,
          );
        }
        const target = await trx
          .selectFrom('projects')
          .select(['id', 'dev_environment_enabled'])
          .where('id', '=', input.targetWorkspaceId)
          .where('tenant_id', '=', actor.tenantId)
          .$if(keyShare, (q) => q.forKeyShare())
          .executeTakeFirst();
        if (!target) throw errors.workspaceNotFound(input.targetWorkspaceId);
        if (input.envType === 'Dev' && Number(target.dev_environment_enabled) !== 1) {
          throw envMissing(input.targetWorkspaceId);
        }
        if (user !== null) await this.requireMember(trx, actor.tenantId, target.id, user);

        name = sharedName(source.workspace_name, source.name);
        // An expired rule for the same name and audience is finished first: it holds the
        // unique key until a read or the sweep removes it, and must not block a new share.
        await this.finishExpired(trx, input, user, name);
        const { id } = await trx
          .insertInto('data_source_shared_rules')
          .values({
            data_source_id: input.dataSourceId,
            source_project_id: Number(source.project_id),
            target_project_id: input.targetWorkspaceId,
            env_type: input.envType,
            shared_user: user,
            shared_name: name,
            create_time: this.now(),
            create_user: actor.userId,
            expire_time: input.expireTime ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const ruleId = Number(id);
        await audit.record(trx, {
          workspaceId: Number(source.project_id),
          relatedWorkspaceId: input.targetWorkspaceId,
          targets: {
            DataSourceId: input.dataSourceId,
            SharedRuleId: ruleId,
            TargetProjectId: input.targetWorkspaceId,
            ...(user !== null ? { SharedUser: user } : {}),
          },
          detail: `EnvType=${input.envType}${input.expireTime !== undefined ? ` ExpireTime=${input.expireTime}` : ''}`,
        });
        return ruleId;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw await this.duplicate(input, user, name);
      // The locks above rule this out (and SQLite has one writer); should a referenced row vanish
      // anyway, the caller hears about the data source rather than an internal error.
      if (translateStoreError(e)?.kind === 'foreign_key') {
        throw errors.dataSourceNotFound(input.dataSourceId);
      }
      throw e;
    }
  }

  /** The rules of one data source (optionally into one workspace), oldest first. */
  async list(dataSourceId: number, targetWorkspaceId?: number): Promise<RuleView[]> {
    const rows = await this.k
      .selectFrom('data_source_shared_rules')
      .selectAll()
      .where('data_source_id', '=', dataSourceId)
      .$if(targetWorkspaceId !== undefined, (q) =>
        q.where('target_project_id', '=', targetWorkspaceId as number),
      )
      .orderBy('id')
      .execute();
    return (await this.live(rows)).map(toView);
  }

  /** The rows not past their time; those that are get finished (deleted, audited once). */
  private async live<R extends { id: number; expire_time: number | null }>(
    rows: R[],
  ): Promise<R[]> {
    const at = this.now();
    const expired = rows.filter((r) => isExpired(r, at));
    if (expired.length === 0) return rows;
    // Finished before answering, so the event exists once the read that met the rule returns.
    await this.expiry.finish(expired.map((r) => Number(r.id)));
    return rows.filter((r) => !isExpired(r, at));
  }

  private async finishExpired(
    trx: Kysely<Database>,
    input: NewRule,
    user: string | null,
    name: string,
  ): Promise<void> {
    const due = await trx
      .selectFrom('data_source_shared_rules')
      .select('id')
      .where('target_project_id', '=', input.targetWorkspaceId)
      .where('env_type', '=', input.envType)
      .where('shared_name', '=', name)
      .where((eb) => (user === null ? eb('shared_user', 'is', null) : eb('shared_user', '=', user)))
      .where('expire_time', '<=', this.now())
      .execute();
    await this.expiry.finishWithin(trx, { ids: due.map((r) => Number(r.id)) }, 'create');
  }

  async locate(id: number): Promise<RuleRef | undefined> {
    const r = await this.k
      .selectFrom('data_source_shared_rules')
      .select(['id', 'data_source_id', 'source_project_id', 'target_project_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    return (
      r && {
        id: Number(r.id),
        dataSourceId: Number(r.data_source_id),
        sourceWorkspaceId: Number(r.source_project_id),
        targetWorkspaceId: Number(r.target_project_id),
      }
    );
  }

  async delete(ref: RuleGrant, audit: AuditRecorder): Promise<void> {
    await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('data_source_shared_rules')
        .where('id', '=', ref.id)
        .executeTakeFirst();
      // Deleted meanwhile, by another call or with its data source or a workspace.
      if (Number(r.numDeletedRows) === 0) throw errors.sharingRuleNotFound(ref.id);
      await audit.record(trx, {
        workspaceId: ref.sourceWorkspaceId,
        relatedWorkspaceId: ref.targetWorkspaceId,
        targets: {
          SharedRuleId: ref.id,
          DataSourceId: ref.dataSourceId,
          TargetProjectId: ref.targetWorkspaceId,
        },
      });
    });
  }

  /**
   * The rule through which `audience` sees `name` in the target's environment: a rule naming the
   * user wins over a whole-workspace one (the more specific grant).
   */
  async findCovering(
    k: Kysely<Database>,
    target: { workspaceId: number; envType: EnvType; name: string },
    audience: Audience,
    /** Receives the ids of rules met past their time, for the caller to finish after its transaction. */
    expired: number[] = [],
  ): Promise<RuleView | undefined> {
    const rows = await k
      .selectFrom('data_source_shared_rules')
      .selectAll()
      .where('target_project_id', '=', target.workspaceId)
      .where('env_type', '=', target.envType)
      .where('shared_name', '=', target.name)
      .$if('userId' in audience, (q) =>
        q.where((eb) =>
          eb.or([
            eb('shared_user', 'is', null),
            eb('shared_user', '=', (audience as { userId: string }).userId),
          ]),
        ),
      )
      .execute();
    const at = this.now();
    for (const r of rows) if (isExpired(r, at)) expired.push(Number(r.id));
    const best = rows.filter((r) => !isExpired(r, at)).sort(precedence(audience))[0];
    return best && toView(best);
  }

  /** What is shared into a workspace for `audience`: one entry per shared name and environment. */
  async sharedInto(grant: SharedListGrant, envType?: EnvType): Promise<SharedEntry[]> {
    const { workspaceId, audience } = grant;
    const rows = await this.k
      .selectFrom('data_source_shared_rules as r')
      .innerJoin('data_sources as d', 'd.id', 'r.data_source_id')
      .select([
        'r.id',
        'r.shared_name',
        'r.data_source_id',
        'r.source_project_id',
        'r.env_type',
        'r.shared_user',
        'r.create_time',
        'r.expire_time',
        'd.type',
        'd.mode',
      ])
      .where('r.target_project_id', '=', workspaceId)
      .$if(envType !== undefined, (q) => q.where('r.env_type', '=', envType as EnvType))
      .$if('userId' in audience, (q) =>
        q.where((eb) =>
          eb.or([
            eb('r.shared_user', 'is', null),
            eb('r.shared_user', '=', (audience as { userId: string }).userId),
          ]),
        ),
      )
      .execute();
    const seen = new Set<string>();
    const entries: SharedEntry[] = [];
    for (const r of (await this.live(rows)).sort(precedence(audience))) {
      const key = `${r.shared_name}\u0000${r.env_type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({
        ruleId: Number(r.id),
        sharedDataSourceName: r.shared_name,
        dataSourceId: Number(r.data_source_id),
        sourceWorkspaceId: Number(r.source_project_id),
        type: r.type,
        mode: r.mode,
        envType: r.env_type,
        sharedUser: r.shared_user ?? '',
        createTime: Number(r.create_time),
        ...(r.expire_time !== null ? { expireTime: Number(r.expire_time) } : {}),
      });
    }
    return entries.sort(
      (a, b) =>
        compare(a.sharedDataSourceName, b.sharedDataSourceName) || compare(a.envType, b.envType),
    );
  }

  /**
   * Whether a rule shares this data source into a workspace where the user holds a role (the
   * user can use it there): such a caller is told the data source is shared, read-only.
   */
  async isSharedWith(dataSourceId: number, userId: string): Promise<boolean> {
    const row = await this.k
      .selectFrom('data_source_shared_rules as r')
      .innerJoin('project_member_roles as m', (j) =>
        j.onRef('m.project_id', '=', 'r.target_project_id').on('m.user_id', '=', userId),
      )
      .select('r.id')
      .where('r.data_source_id', '=', dataSourceId)
      .where((eb) => eb.or([eb('r.shared_user', 'is', null), eb('r.shared_user', '=', userId)]))
      .where((eb) => eb.or([eb('r.expire_time', 'is', null), eb('r.expire_time', '>', this.now())]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** 400010 for a user outside the tenant (or none), 1101080166 for a non-member. */
  private async requireMember(
    trx: Kysely<Database>,
    tenantId: string,
    workspaceId: number,
    userId: string,
  ): Promise<void> {
    const user = await trx
      .selectFrom('users')
      .select('id')
      .where('id', '=', userId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!user) throw errors.userNotInTenant(userId);
    const member = await trx
      .selectFrom('project_members')
      .select('user_id')
      .where('project_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .$if(this.db.dialect === 'postgres', (q) => q.forKeyShare())
      .executeTakeFirst();
    if (!member) throw errors.memberNotFound(workspaceId, userId);
  }

  /** The 409 for a unique violation, naming the rule already there (read after the rollback). */
  private async duplicate(input: NewRule, user: string | null, name: string): Promise<ApiError> {
    const existing = await this.k
      .selectFrom('data_source_shared_rules')
      .select(['id', 'data_source_id'])
      .where('target_project_id', '=', input.targetWorkspaceId)
      .where('env_type', '=', input.envType)
      .where('shared_name', '=', name)
      .where((eb) => (user === null ? eb('shared_user', 'is', null) : eb('shared_user', '=', user)))
      .executeTakeFirst();
    const audience = user === null ? 'the whole workspace' : `user ${user}`;
    const what =
      existing && Number(existing.data_source_id) !== input.dataSourceId
        ? `${name} is already shared into the ${input.envType} environment of workspace ${input.targetWorkspaceId} for ${audience}, from data source ${existing.data_source_id} (rule ${existing.id}): a shared name resolves to one record per environment. Delete that rule first.`
        : `data source ${input.dataSourceId} is already shared into the ${input.envType} environment of workspace ${input.targetWorkspaceId} for ${audience}${existing ? ` (rule ${existing.id})` : ''}.`;
    return errors.conflict('SharedRule', `The sharing rule exists already: ${what}`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Ranked = { shared_user: string | null; id: number };

/**
 * Which of several rules for one name and environment applies: for a user, a rule naming them
 * before a whole-workspace one (the more specific grant); for everyone (the Tenant Owner), what
 * the whole workspace sees first. Then the oldest rule.
 */
function precedence(audience: Audience): (a: Ranked, b: Ranked) => number {
  const userFirst = 'userId' in audience;
  const rank = (r: Ranked) => ((r.shared_user === null) === userFirst ? 1 : 0);
  return (a, b) => rank(a) - rank(b) || Number(a.id) - Number(b.id);
}
