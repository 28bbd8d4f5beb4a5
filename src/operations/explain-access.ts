/**
 * ExplainDataSourceAccess (a dshub extension): who may read, use, change or share a data
 * source, each through which path, with the policy layer's verdict; or, given a user and an
 * operation, whether that user may do it and, if not, the first rule that refuses. The verdicts
 * are the access decisions themselves (src/access/explain.ts).
 *
 * Who may ask: those who may change the data source (roles as UpdateDataSource: its workspace's
 * managers, the Tenant Owner and Administrator). What they learn stays within what they may see:
 * users reached through a sharing rule into a workspace the caller may not read are not listed
 * (only counted), and policy names are shown to the Tenant Owner and Administrator only.
 */
import { DATA_SOURCE_ACTS, type ExplainedDataSource } from '../access/data-source-acts.js';
import type { AccessPath, ExplainFacts, Verdict } from '../access/explain.js';
import { holdsTenantRole, MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import type { PolicyVerdict } from '../identity/policies.js';
import { p } from '../registry/params.js';
import { type InferMembers, s } from '../registry/schema.js';
import { defineOperation, type OperationContext } from './context.js';

const OPERATIONS = Object.keys(DATA_SOURCE_ACTS);

const KIND: Record<string, string> = {
  'tenant-owner': 'TenantOwner',
  'tenant-role': 'TenantRole',
  'workspace-role': 'WorkspaceRole',
  'sharing-rule': 'SharingRule',
};

const POLICY = {
  allow: 'Allow',
  deny: 'Deny',
  'implicit-deny': 'ImplicitDeny',
} as const satisfies Record<PolicyVerdict['decision'], string>;

const verdictSchema = {
  Operation: s.string('The operation asked about, e.g. GetDataSource.'),
  RamAction: s.string('Its RAM action, e.g. dataworks:GetDataSource.'),
  Allowed: s.boolean('true when the call would pass both the policy and the role layer.'),
  RefusedBy: s.string('The first layer that refuses: User (disabled), Policy or Role.', {
    enum: ['User', 'Policy', 'Role'],
  }),
  Code: s.string('The error Code the call would answer.'),
  HttpStatus: s.integer('The HTTP status the call would answer.'),
  ReasonCode: s.string(
    'The role layer: tenant-owner, tenant-role, workspace-role, sharing-rule (a path), or the refusing rule: missing, other-tenant, elsewhere, no-role, shared-read-only, tenant-admin-no-secrets, workspace-forbidden.',
  ),
  Reason: s.string('The same, for people.'),
  Kind: s.string('The path: TenantOwner, TenantRole, WorkspaceRole or SharingRule.'),
  Role: s.string(
    'The role the path rests on (a DataSource* grant for a custom role, see CustomRole).',
  ),
  CustomRole: s.string('The custom role (its Code) that gives the grant.'),
  ProjectId: s.integer('The workspace whose role counts.'),
  SharedRuleId: s.integer('The sharing rule (Kind SharingRule).'),
  TargetProjectId: s.integer('The workspace the rule shares into.'),
  EnvType: s.string('The environment the rule shares into.'),
  SharedUser: s.string('The user the rule names ("" for the whole workspace).'),
  ExpireTime: s.integer('When the rule expires, epoch ms.'),
  PolicyVerdict: s.string(
    'The policy layer for the RAM action: Allow, Deny, ImplicitDeny, or NotApplicable (the Tenant Owner, whom policies do not restrict).',
    { enum: ['Allow', 'Deny', 'ImplicitDeny', 'NotApplicable'] },
  ),
  Policy: s.string(
    'The policy that decided (the Deny, or the first Allow); shown to the Tenant Owner and Administrator.',
  ),
  PolicyConditional: s.boolean(
    'A statement for this action has a source-IP condition: the verdict, taken without a client address, may differ by address.',
  ),
};
const OPTIONAL = [
  'RefusedBy',
  'Code',
  'HttpStatus',
  'Kind',
  'Role',
  'CustomRole',
  'ProjectId',
  'SharedRuleId',
  'TargetProjectId',
  'EnvType',
  'SharedUser',
  'ExpireTime',
  'Policy',
] as const;

function render(
  v: Verdict | AccessPath,
  showPolicyNames: boolean,
): InferMembers<typeof verdictSchema, (typeof OPTIONAL)[number]> {
  const r = v.reason;
  const rule = 'rule' in v ? v.rule : undefined;
  return {
    Operation: v.operation,
    RamAction: `dataworks:${v.operation}`,
    Allowed: v.allowed,
    ...(v.refusedBy
      ? {
          RefusedBy: v.refusedBy === 'user' ? 'User' : v.refusedBy === 'policy' ? 'Policy' : 'Role',
          Code: v.code,
          HttpStatus: v.status,
        }
      : {}),
    ReasonCode: r.code,
    Reason: r.text,
    ...(v.roleAllowed && KIND[r.code] ? { Kind: KIND[r.code] } : {}),
    ...(r.role ? { Role: r.role } : {}),
    ...(r.customRole ? { CustomRole: r.customRole } : {}),
    ...(r.workspaceId !== undefined ? { ProjectId: r.workspaceId } : {}),
    ...(rule
      ? {
          SharedRuleId: rule.id,
          TargetProjectId: rule.targetWorkspaceId,
          EnvType: rule.envType,
          SharedUser: rule.sharedUser,
          ...(rule.expireTime !== undefined ? { ExpireTime: rule.expireTime } : {}),
        }
      : {}),
    PolicyVerdict: v.policy ? POLICY[v.policy.decision] : 'NotApplicable',
    ...(showPolicyNames && v.policy?.policy ? { Policy: v.policy.policy } : {}),
    PolicyConditional: v.policy?.conditional ?? false,
  };
}

/** The data source, live or (for the version operations) deleted and known from its versions. */
async function locate(ctx: OperationContext, id: number): Promise<ExplainedDataSource> {
  const live = await ctx.services.dataSources.get(id);
  let ds: Omit<ExplainedDataSource, 'workspaceStatus'> | undefined;
  if (live) {
    ds = {
      id,
      workspaceId: live.workspaceId,
      name: live.name,
      envType: live.envType,
      deleted: false,
    };
  } else {
    const last = (await ctx.services.dataSources.versions.list(id, 1, 1)).versions[0];
    if (last) {
      ds = {
        id,
        workspaceId: last.workspaceId,
        name: last.name,
        envType: last.envType,
        deleted: true,
      };
    }
  }
  if (!ds) throw errors.dataSourceNotFound(id);
  const m = await ctx.services.workspaceDirectory.membership(ds.workspaceId, ctx.principal.userId);
  return { ...ds, workspaceStatus: m?.status ?? 'Available' };
}

function factsFor(ctx: OperationContext, tenantLevel: boolean): ExplainFacts {
  const { services, principal } = ctx;
  return {
    user: (userId) => services.identity.loadPrincipal(principal.tenantId, userId),
    tenantLeaders: () => services.identity.tenantLeaders(principal.tenantId),
    members: async (workspaceId) =>
      (
        await services.db.kysely
          .selectFrom('project_member_roles')
          .select('user_id')
          .distinct()
          .where('project_id', '=', workspaceId)
          .execute()
      ).map((r) => r.user_id),
    rules: async (dataSourceId) =>
      (await services.sharing.list(dataSourceId)).map((r) => ({
        id: r.id,
        targetWorkspaceId: r.targetWorkspaceId,
        envType: r.envType,
        sharedUser: r.sharedUser,
        sharedDataSourceName: r.sharedDataSourceName,
        ...(r.expireTime !== undefined ? { expireTime: r.expireTime } : {}),
      })),
    covering: async (target, audience) =>
      (
        await services.sharing.findCovering(
          services.db.kysely,
          { ...target, envType: target.envType as 'Dev' | 'Prod' },
          audience,
        )
      )?.id,
    callerSees: async (workspaceId) =>
      tenantLevel ||
      (await services.access.workspace(principal, workspaceId, MAY.readWorkspace)).outcome ===
        'allowed',
  };
}

export const explainDataSourceAccess = defineOperation({
  action: 'ExplainDataSourceAccess',
  summary: 'Who may read, use, change or share a data source, and why.',
  description:
    "Without UserId: every user with a path to read (GetDataSource), use (ResolveDataSource, in its workspace or through a sharing rule), change (UpdateDataSource) or share (CreateDataSourceSharedRule) the data source, each path with the policy layer's verdict for the RAM action. With UserId: that user only. With UserId and Operation: whether the user may call that operation on this data source and, if not, the first rule that refuses, as the call itself would decide. Roles as UpdateDataSource; users reached only through workspaces the caller may not read are not listed.",
  method: 'GET',
  extension: true,
  params: {
    DataSourceId: p.integer({ description: 'The data source id.', required: true, min: 1 }),
    UserId: p.string({
      description: "Only this user (a user id of the caller's tenant).",
      maxLength: 32,
      pattern: /^\d+$/,
      patternHint: 'a user id is a numeric string, e.g. "1107550004253538".',
    }),
    Operation: p.string({
      description:
        'With UserId: the one operation to decide, e.g. GetDataSource, ResolveDataSource, UpdateDataSource. (Not "Action": that name is the signed request\'s own.)',
      enum: OPERATIONS,
    }),
  },
  response: {
    Explanation: s.optional(
      s.object({
        DataSourceId: s.integer(),
        ProjectId: s.integer('The workspace the data source belongs to.'),
        Name: s.string(),
        EnvType: s.string(),
        Deleted: s.boolean('true when the record is deleted (known from its versions).'),
        UndisclosedRules: s.integer(
          'Sharing rules into workspaces the caller may not read: their members are not listed.',
        ),
        Users: s.array(
          s.optional(
            s.object({
              UserId: s.string(),
              UserName: s.string(
                'Left out for a user asked about by UserId who has no path to this data source: the explanation names only users who can reach it.',
              ),
              Active: s.boolean('false for a disabled user: every call is refused.'),
              Access: s.array(
                s.optional(
                  s.object({
                    Capability: s.string('Read, Use, Change or Share.', {
                      enum: ['Read', 'Use', 'Change', 'Share'],
                    }),
                    ...verdictSchema,
                  }),
                  OPTIONAL,
                ),
              ),
            }),
            ['UserName'],
          ),
        ),
        Decision: s.optional(s.object({ UserId: s.string(), ...verdictSchema }), OPTIONAL),
      }),
      ['Users', 'Decision', 'UndisclosedRules'],
    ),
  },
  access: { roles: MAY.updateDataSources },
  audit: true,
  async handler(ctx, q) {
    ctx.audit.note({
      targets: { DataSourceId: q.DataSourceId, ...(q.UserId ? { UserId: q.UserId } : {}) },
      ...(q.Operation ? { detail: `Operation=${q.Operation}` } : {}),
    });
    if (q.Operation !== undefined && q.UserId === undefined) {
      throw errors.invalidParameter('UserId', 'is required with Operation (whose call to decide).');
    }
    // Loaded here, not with the declaration: the explanation needs the policy evaluator (zod,
    // ipaddr.js), which `dshub call` reads the declarations without (cli-lazy-loading test).
    const { decideAct, explainDataSource, verdict } = await import('../access/explain.js');
    const ds = await locate(ctx, q.DataSourceId);
    const own = await decideAct(ctx.services.access, ctx.principal, 'ExplainDataSourceAccess', ds);
    if (own.outcome === 'allowed') ctx.audit.note({ workspaceId: ds.workspaceId });
    ctx.access.enforce(own);
    const tenantLevel = holdsTenantRole(ctx.principal, MAY.manageUsers);
    const facts = factsFor(ctx, tenantLevel);
    const head = {
      DataSourceId: ds.id,
      ProjectId: ds.workspaceId,
      Name: ds.name,
      EnvType: ds.envType,
      Deleted: ds.deleted,
    };
    if (q.UserId !== undefined && q.Operation !== undefined) {
      const user = await facts.user(q.UserId);
      if (!user) throw errors.userNotInTenant(q.UserId);
      const v = await verdict(
        ctx.services.access,
        ctx.services.config.regionId,
        user,
        q.Operation,
        ds,
      );
      return {
        Explanation: { ...head, Decision: { UserId: q.UserId, ...render(v, tenantLevel) } },
      };
    }
    if (q.UserId !== undefined && !(await facts.user(q.UserId))) {
      throw errors.userNotInTenant(q.UserId);
    }
    const e = await explainDataSource(
      ctx.services.access,
      facts,
      ctx.services.config.regionId,
      ds,
      q.UserId,
    );
    return {
      Explanation: {
        ...head,
        UndisclosedRules: e.undisclosedRules,
        Users: e.users.map((u) => ({
          UserId: u.userId,
          ...(u.userName !== undefined ? { UserName: u.userName } : {}),
          Active: u.active,
          Access: u.paths.map((path) => ({
            Capability: path.capability,
            ...render(path, tenantLevel),
          })),
        })),
      },
    };
  },
});

export const operations = [explainDataSourceAccess];
