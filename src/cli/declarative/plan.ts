/**
 * Compares a declarative file with the live state and lists the changes, field by field, each
 * with the API calls that make it. Nothing here sends a mutating call: `apply` runs the
 * changes' `run` functions, `plan` only prints them.
 *
 * Rules: only what the file declares is compared (a server default such as a connection field
 * the file leaves out is not a difference); secrets (fields the server masks as "******") are
 * never compared, only sent on create or with --update-secrets; deletions are listed always
 * but carried out only with --prune, and only inside the workspaces the file names.
 */
import { UsageError } from '../call-params.js';
import type { ApiClient } from '../client/api-client.js';
import {
  type DataSourceSpec,
  type EnvType,
  type HubFile,
  isReference,
  type ShareSpec,
  substitute,
  type WorkspaceSpec,
} from './format.js';
import type { LiveDataSource, LiveShare, LiveState, LiveWorkspace } from './state.js';

export const MASK = '******';

export interface FieldChange {
  field: string;
  from?: string;
  to?: string;
}

export interface ApplyContext {
  client: ApiClient;
  env: NodeJS.ProcessEnv;
  workspaceIds: Map<string, number>;
  /** `workspace/dataSource/Env` → record id, filled as records are created. */
  recordIds: Map<string, number>;
  userIds: Map<string, string>;
}

export interface Change {
  action: 'create' | 'update' | 'delete';
  resource: string;
  fields: FieldChange[];
  /** Throws if the change cannot be made (e.g. a secret's variable is unset); run before any change. */
  check?(env: NodeJS.ProcessEnv): void;
  run(ctx: ApplyContext): Promise<void>;
}

export interface Plan {
  changes: Change[];
  /** Deletions left out because --prune was not given. */
  skippedDeletes: Change[];
  warnings: string[];
}

export interface PlanOptions {
  prune: boolean;
  updateSecrets: boolean;
  env: NodeJS.ProcessEnv;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null);
}

/** Equal as the server would store them: "3306" and 3306 are the same port. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const ka = Object.keys(a as object);
    // Only what the file (a) declares: the server may add defaults (b).
    return ka.every((k) =>
      sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    );
  }
  const scalar = (x: unknown) =>
    typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  if (scalar(a) && scalar(b)) return String(a) === String(b);
  return false;
}

const ENVS: readonly EnvType[] = ['Dev', 'Prod'];

function recordSpec(d: DataSourceSpec, env: EnvType) {
  const props = env === 'Dev' ? d.dev : d.prod;
  const mode = env === 'Dev' ? (d.devMode ?? d.mode) : d.mode;
  return props ? { props, mode } : undefined;
}

function shareLabel(
  ws: string,
  ds: string,
  s: { from: EnvType; workspace: string; env: EnvType; user?: string },
) {
  return `share ${ws}/${ds} (${s.from}) → ${s.workspace} (${s.env}, ${s.user ? `user ${s.user}` : 'whole workspace'})`;
}

class Planner {
  readonly changes: Change[] = [];
  readonly deletes: Change[] = [];
  readonly warnings: string[] = [];
  constructor(
    private readonly live: LiveState,
    private readonly opts: PlanOptions,
  ) {}

  private userId(ctx: ApplyContext, name: string): string {
    const id = ctx.userIds.get(name);
    if (!id) throw new UsageError(`unknown user ${name}`);
    return id;
  }

  private checkUser(name: string, where: string): void {
    if (!this.live.userIds.has(name)) {
      const why = this.live.unresolvedUsers.get(name);
      throw new UsageError(
        `${where}: no user named ${name}${why ? ` (${why})` : ''}: create it first (dshub call CreateUser --UserName ${name}), or declare it in a seed file`,
      );
    }
  }

  workspace(w: WorkspaceSpec): void {
    const live = this.live.workspaces.get(w.name);
    if (!live) {
      const fields: FieldChange[] = [{ field: 'displayName', to: show(w.displayName ?? w.name) }];
      if (w.description !== undefined)
        fields.push({ field: 'description', to: show(w.description) });
      if (w.devEnvironmentEnabled !== undefined)
        fields.push({ field: 'devEnvironmentEnabled', to: show(w.devEnvironmentEnabled) });
      this.changes.push({
        action: 'create',
        resource: `workspace ${w.name}`,
        fields,
        run: async (ctx) => {
          const params: Record<string, string> = {
            Name: w.name,
            DisplayName: w.displayName ?? w.name,
          };
          if (w.description !== undefined) params.Description = w.description;
          if (w.devEnvironmentEnabled !== undefined)
            params.DevEnvironmentEnabled = String(w.devEnvironmentEnabled);
          const r = await ctx.client.call('CreateProject', params);
          ctx.workspaceIds.set(w.name, Number(r.Id));
        },
      });
    } else {
      const fields: FieldChange[] = [];
      const params: Record<string, string> = {};
      if (w.displayName !== undefined && w.displayName !== live.displayName) {
        fields.push({
          field: 'displayName',
          from: show(live.displayName),
          to: show(w.displayName),
        });
        params.DisplayName = w.displayName;
      }
      if (w.description !== undefined && w.description !== live.description) {
        fields.push({
          field: 'description',
          from: show(live.description),
          to: show(w.description),
        });
        params.Description = w.description;
      }
      if (w.devEnvironmentEnabled === true && !live.devEnvironmentEnabled) {
        fields.push({ field: 'devEnvironmentEnabled', from: 'false', to: 'true' });
        params.DevEnvironmentEnabled = 'true';
      } else if (w.devEnvironmentEnabled === false && live.devEnvironmentEnabled) {
        this.warnings.push(
          `workspace ${w.name} is in standard mode; DataWorks cannot turn the Dev environment off`,
        );
      }
      if (fields.length) {
        this.changes.push({
          action: 'update',
          resource: `workspace ${w.name}`,
          fields,
          run: async (ctx) => {
            await ctx.client.call('UpdateProject', { Id: String(live.id), ...params });
          },
        });
      }
    }
    this.members(w, live);
    for (const d of w.dataSources ?? [])
      this.dataSource(
        w.name,
        d,
        live?.dataSources.find((x) => x.name === d.name),
      );
    if (live) {
      for (const d of live.dataSources) {
        if ((w.dataSources ?? []).some((x) => x.name === d.name)) continue;
        for (const env of ENVS) {
          const rec = d.records[env];
          if (rec) this.deleteRecord(w.name, d, env, rec.id);
        }
      }
    }
  }

  private members(w: WorkspaceSpec, live: LiveWorkspace | undefined): void {
    const wanted = w.members ?? [];
    for (const m of wanted) {
      this.checkUser(m.user, `workspace ${w.name}, member ${m.user}`);
      // The caller owns a workspace it creates: a member already, with role_project_owner.
      const current =
        live?.members.find((x) => x.userName === m.user) ??
        (!live && m.user === this.live.caller.userName
          ? { userId: this.live.caller.userId, userName: m.user, roles: ['role_project_owner'] }
          : undefined);
      if (!current) {
        this.changes.push({
          action: 'create',
          resource: `member ${w.name}/${m.user}`,
          fields: [{ field: 'roles', to: m.roles.join(', ') }],
          run: async (ctx) => {
            await ctx.client.call('CreateProjectMember', {
              ProjectId: String(ctx.workspaceIds.get(w.name)),
              UserId: this.userId(ctx, m.user),
              RoleCodes: JSON.stringify(m.roles),
            });
          },
        });
        continue;
      }
      const isOwner = current.userId === (live?.ownerId ?? this.live.caller.userId);
      const grant = m.roles.filter((r) => !current.roles.includes(r));
      const revoke = current.roles.filter(
        (r) =>
          !(m.roles as readonly string[]).includes(r) && !(isOwner && r === 'role_project_owner'),
      );
      if (!grant.length && !revoke.length) continue;
      const fields: FieldChange[] = [];
      if (grant.length) fields.push({ field: 'roles', to: `+ ${grant.join(', ')}` });
      if (revoke.length) fields.push({ field: 'roles', from: `- ${revoke.join(', ')}` });
      this.changes.push({
        action: 'update',
        resource: `member ${w.name}/${m.user}`,
        fields,
        run: async (ctx) => {
          const base = { ProjectId: String(ctx.workspaceIds.get(w.name)), UserId: current.userId };
          if (grant.length)
            await ctx.client.call('GrantMemberProjectRoles', {
              ...base,
              RoleCodes: JSON.stringify(grant),
            });
          if (revoke.length)
            await ctx.client.call('RevokeMemberProjectRoles', {
              ...base,
              RoleCodes: JSON.stringify(revoke),
            });
        },
      });
    }
    for (const m of live?.members ?? []) {
      if (m.userId === live!.ownerId || wanted.some((x) => x.user === m.userName)) continue;
      this.deletes.push({
        action: 'delete',
        resource: `member ${w.name}/${m.userName}`,
        fields: [{ field: 'roles', from: m.roles.join(', ') }],
        run: async (ctx) => {
          await ctx.client.call('DeleteProjectMember', {
            ProjectId: String(live!.id),
            UserId: m.userId,
          });
        },
      });
    }
  }

  private connection(
    props: Record<string, unknown>,
    env: EnvType,
    keep: ReadonlySet<string>,
    ctx: ApplyContext,
    where: string,
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props))
      out[k] = keep.has(k) ? MASK : substitute(v, ctx.env, where);
    return JSON.stringify({ envType: env, ...out });
  }

  private dataSource(ws: string, d: DataSourceSpec, live: LiveDataSource | undefined): void {
    if (live && live.type !== d.type) {
      throw new UsageError(
        `data source ${ws}/${d.name} is of type ${live.type}, the file says ${d.type}: a type cannot change (delete it first)`,
      );
    }
    for (const env of ENVS) {
      const spec = recordSpec(d, env);
      const rec = live?.records[env];
      const label = `data source ${ws}/${d.name} (${env})`;
      if (!spec) {
        if (rec) this.deleteRecord(ws, live!, env, rec.id);
        continue;
      }
      if (!rec) {
        const fields: FieldChange[] = [
          { field: 'type', to: show(d.type) },
          { field: 'mode', to: show(spec.mode) },
          ...(d.description !== undefined
            ? [{ field: 'description', to: show(d.description) }]
            : []),
          ...Object.entries(spec.props).map(([k, v]) => ({
            field: k,
            to: isReference(v) ? String(v) : show(v),
          })),
        ];
        this.changes.push({
          action: 'create',
          resource: label,
          fields,
          check: (env) => void substitute(spec.props, env, label),
          run: async (ctx) => {
            const r = await ctx.client.call('CreateDataSource', {
              ProjectId: String(ctx.workspaceIds.get(ws)),
              Name: d.name,
              Type: d.type,
              ConnectionPropertiesMode: spec.mode,
              ConnectionProperties: this.connection(spec.props, env, new Set(), ctx, label),
              ...(d.description !== undefined ? { Description: d.description } : {}),
            });
            ctx.recordIds.set(`${ws}/${d.name}/${env}`, Number(r.Id));
          },
        });
        continue;
      }
      const fields: FieldChange[] = [];
      const secrets = new Set(
        Object.keys(rec.properties).filter((k) => rec.properties[k] === MASK),
      );
      if (spec.mode !== rec.mode)
        fields.push({ field: 'mode', from: show(rec.mode), to: show(spec.mode) });
      if (d.description !== undefined && d.description !== rec.description) {
        fields.push({ field: 'description', from: show(rec.description), to: show(d.description) });
      }
      for (const [k, v] of Object.entries(spec.props)) {
        if (secrets.has(k)) {
          if (this.opts.updateSecrets)
            fields.push({
              field: k,
              from: '(secret)',
              to: isReference(v) ? String(v) : '(secret)',
            });
          continue;
        }
        const value = substitute(v, this.opts.env, label);
        if (!sameValue(value, rec.properties[k])) {
          fields.push({
            field: k,
            from: rec.properties[k] === undefined ? '(unset)' : show(rec.properties[k]),
            to: isReference(v) ? String(v) : show(v),
          });
        }
      }
      if (!fields.length) continue;
      const keep = this.opts.updateSecrets ? new Set<string>() : secrets;
      this.changes.push({
        action: 'update',
        resource: label,
        fields,
        check: (env) =>
          void substitute(
            Object.fromEntries(Object.entries(spec.props).filter(([k]) => !keep.has(k))),
            env,
            label,
          ),
        run: async (ctx) => {
          await ctx.client.call('UpdateDataSource', {
            Id: String(rec.id),
            ProjectId: String(ctx.workspaceIds.get(ws)),
            ConnectionPropertiesMode: spec.mode,
            ConnectionProperties: this.connection(spec.props, env, keep, ctx, label),
            ...(d.description !== undefined ? { Description: d.description } : {}),
          });
        },
      });
    }
    this.shares(ws, d, live);
  }

  private deleteRecord(ws: string, d: LiveDataSource, env: EnvType, id: number): void {
    this.deletes.push({
      action: 'delete',
      resource: `data source ${ws}/${d.name} (${env})`,
      fields: [{ field: 'type', from: show(d.type) }],
      run: async (ctx) => {
        await ctx.client.call('DeleteDataSource', {
          Id: String(id),
          ProjectId: String(ctx.workspaceIds.get(ws)),
        });
      },
    });
  }

  private liveShareKey(s: LiveShare): string {
    const target = this.live.workspaceNames.get(s.targetWorkspaceId) ?? `#${s.targetWorkspaceId}`;
    const user = s.sharedUser ? (this.live.userNames.get(s.sharedUser) ?? s.sharedUser) : '';
    return `${s.from}|${target}|${s.env}|${user}`;
  }

  private shares(ws: string, d: DataSourceSpec, live: LiveDataSource | undefined): void {
    const wanted = d.shares ?? [];
    const liveKeys = new Map((live?.shares ?? []).map((s) => [this.liveShareKey(s), s]));
    const wantedKeys = new Set<string>();
    for (const s of wanted) {
      const key = `${s.from}|${s.workspace}|${s.env}|${s.user ?? ''}`;
      wantedKeys.add(key);
      if (liveKeys.has(key)) continue;
      if (!recordSpec(d, s.from))
        throw new UsageError(
          `${shareLabel(ws, d.name, s)}: the data source has no ${s.from} record in the file`,
        );
      if (s.user) this.checkUser(s.user, shareLabel(ws, d.name, s));
      this.changes.push({
        action: 'create',
        resource: shareLabel(ws, d.name, s),
        fields: [],
        run: (ctx) => this.createShare(ctx, ws, d.name, s, live),
      });
    }
    for (const [key, s] of liveKeys) {
      if (wantedKeys.has(key)) continue;
      const [from, target, env, user] = key.split('|') as [EnvType, string, EnvType, string];
      this.deletes.push({
        action: 'delete',
        resource: shareLabel(ws, d.name, {
          from,
          workspace: target,
          env,
          ...(user ? { user } : {}),
        }),
        fields: [],
        run: async (ctx) => {
          await ctx.client.call('DeleteDataSourceSharedRule', { Id: String(s.id) });
        },
      });
    }
  }

  private async createShare(
    ctx: ApplyContext,
    ws: string,
    ds: string,
    s: ShareSpec,
    live: LiveDataSource | undefined,
  ) {
    const recordId = ctx.recordIds.get(`${ws}/${ds}/${s.from}`) ?? live?.records[s.from]?.id;
    const target = ctx.workspaceIds.get(s.workspace);
    if (target === undefined)
      throw new UsageError(`${shareLabel(ws, ds, s)}: no workspace named ${s.workspace}`);
    await ctx.client.call('CreateDataSourceSharedRule', {
      DataSourceId: String(recordId),
      TargetProjectId: String(target),
      EnvType: s.env,
      ...(s.user ? { SharedUser: this.userId(ctx, s.user) } : {}),
    });
  }
}

export function makePlan(file: HubFile, live: LiveState, opts: PlanOptions): Plan {
  const p = new Planner(live, opts);
  for (const w of file.workspaces) p.workspace(w);
  // Deletions last, most dependent first: shares, then records, then members.
  const order = (c: Change) =>
    c.resource.startsWith('share') ? 0 : c.resource.startsWith('data source') ? 1 : 2;
  const deletes = [...p.deletes].sort((a, b) => order(a) - order(b));
  // Shares are created after every record and workspace they may point to.
  const creates = p.changes.filter((c) => !c.resource.startsWith('share'));
  const shares = p.changes.filter((c) => c.resource.startsWith('share'));
  return {
    changes: [...creates, ...shares, ...(opts.prune ? deletes : [])],
    skippedDeletes: opts.prune ? [] : deletes,
    warnings: p.warnings,
  };
}

const SYMBOL = { create: '+', update: '~', delete: '-' } as const;

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const c of [...plan.changes, ...plan.skippedDeletes]) {
    const skipped = plan.skippedDeletes.includes(c) ? ' (skipped: needs --prune)' : '';
    lines.push(`${SYMBOL[c.action]} ${c.resource}: ${c.action}${skipped}`);
    for (const f of c.fields) {
      if (c.action === 'update' && f.from !== undefined && f.to !== undefined)
        lines.push(`    ${f.field}: ${f.from} → ${f.to}`);
      else lines.push(`    ${f.field}: ${f.to ?? f.from}`);
    }
  }
  for (const w of plan.warnings) lines.push(`! ${w}`);
  const count = (a: Change['action']) => plan.changes.filter((c) => c.action === a).length;
  if (plan.changes.length === 0) {
    lines.push(
      plan.skippedDeletes.length
        ? `No changes. ${plan.skippedDeletes.length} deletion(s) would need --prune.`
        : 'No changes: the server matches the file.',
    );
  } else {
    lines.push(
      `Plan: ${count('create')} to create, ${count('update')} to change, ${count('delete')} to delete${plan.skippedDeletes.length ? ` (${plan.skippedDeletes.length} deletion(s) skipped without --prune)` : ''}.`,
    );
  }
  return lines.join('\n');
}
