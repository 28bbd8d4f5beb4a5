/**
 * "Who can use this data source, and why?" (ExplainDataSourceAccess). Nothing here decides
 * access on its own: every verdict is the decision of src/access/decisions.ts that the operation
 * itself asks for, and the policy layer's verdict (src/identity/policies.ts) for the parameters
 * the operation sends. What this module adds is the walk over the users who could hold a path;
 * which question each operation on a data source asks is the table of
 * src/access/data-source-acts.ts (test/integration/explain-agreement.test.ts checks it against
 * the registry and against the real calls).
 */
import type { PolicyVerdict } from '../identity/policies.js';
import { explainPolicies } from '../identity/policies.js';
import { policyTargets } from '../identity/policy-targets.js';
import type { Principal } from '../identity/principal.js';
import { refusal } from './access-guard.js';
import {
  DATA_SOURCE_ACTS,
  type DataSourceAct,
  type ExplainedDataSource,
} from './data-source-acts.js';
import type { AccessDecisions, Decision, Reason, ShareAudience } from './decisions.js';

export { DATA_SOURCE_ACTS, type DataSourceAct, type ExplainedDataSource };

/** The four things the listing answers, each by the operation that does it. */
export const CAPABILITIES = {
  Read: 'GetDataSource',
  Use: 'ResolveDataSource',
  Change: 'UpdateDataSource',
  Share: 'CreateDataSourceSharedRule',
} as const;
export type Capability = keyof typeof CAPABILITIES;

export function isExplainedOperation(action: string): boolean {
  return Object.hasOwn(DATA_SOURCE_ACTS, action);
}

/** The role layer's decision for `action` on the data source, exactly as the operation asks it. */
export function decideAct(
  decisions: AccessDecisions,
  principal: Principal,
  action: string,
  ds: ExplainedDataSource,
): Promise<Decision<unknown>> {
  const act = DATA_SOURCE_ACTS[action];
  if (!act) throw new Error(`${action} is not an operation on a data source`);
  const active = act.activeWorkspace ? { activeWorkspace: true } : {};
  if (ds.deleted && !act.deleted) {
    return Promise.resolve({
      outcome: 'hidden',
      subject: { kind: 'data-source', id: act.ask === 'resolution' ? ds.name : ds.id },
      reason: { code: 'missing', text: 'no such data source (it is deleted)' },
    });
  }
  switch (act.ask) {
    case 'resolution':
      return decisions.resolution(principal, ds.workspaceId, ds.name);
    case 'workspace':
      return decisions.workspace(principal, ds.workspaceId, act.roles, active);
    case 'data-source':
      return decisions.dataSource(principal, ds.id, act.roles, {
        ...active,
        ...(act.modifies ? { modifies: true } : {}),
        ...(act.usesSecrets ? { usesSecrets: true } : {}),
        ...(act.namesWorkspace ? { workspaceId: ds.workspaceId } : {}),
        found: { id: ds.id, workspaceId: ds.workspaceId },
      });
  }
}

/** The policy layer's verdict; undefined for the Tenant Owner, whom it does not apply to. */
export function policyVerdict(
  principal: Principal,
  regionId: string,
  action: string,
  params: Record<string, number>,
  home: { dataSourceId: number; workspaceId: number },
): PolicyVerdict | undefined {
  if (principal.isOwner) return undefined;
  const prefix = `acs:dataworks:${regionId}:${principal.tenantId}:`;
  const request = policyTargets(
    prefix,
    action,
    params,
    new Map([[home.dataSourceId, home.workspaceId]]),
  );
  return explainPolicies(principal.policies, `dataworks:${action}`, request);
}

/** One answer to "may this user do this?", refusals as the call would answer them. */
export interface Verdict {
  operation: string;
  allowed: boolean;
  /** The role layer alone allows (a path exists), whatever the policy layer says. */
  roleAllowed: boolean;
  /** The layer that refuses first: the user's status, the policy layer, the role layer. */
  refusedBy?: 'user' | 'policy' | 'role';
  /** The error Code and HTTP status the call answers when refused. */
  code?: string;
  status?: number;
  /** The role layer's reason: the path that grants, or the rule that refuses. */
  reason: Reason;
  /** undefined: the Tenant Owner, whom the policy layer does not apply to. */
  policy?: PolicyVerdict;
}

export async function verdict(
  decisions: AccessDecisions,
  regionId: string,
  user: { principal: Principal; active: boolean },
  action: string,
  ds: ExplainedDataSource,
): Promise<Verdict> {
  const { principal } = user;
  const act = DATA_SOURCE_ACTS[action]!;
  const policy = policyVerdict(principal, regionId, action, act.params(ds), {
    dataSourceId: ds.id,
    workspaceId: ds.workspaceId,
  });
  const d = await decideAct(decisions, principal, action, ds);
  const base = {
    operation: action,
    reason: d.reason,
    roleAllowed: d.outcome === 'allowed',
    ...(policy ? { policy } : {}),
  };
  // The order of the request pipeline: the caller's key and user, the policy layer, the roles.
  if (!user.active) {
    return {
      ...base,
      allowed: false,
      refusedBy: 'user',
      code: 'InvalidAccessKeyId.Inactive',
      status: 403,
    };
  }
  if (policy && policy.decision !== 'allow') {
    return { ...base, allowed: false, refusedBy: 'policy', code: 'Forbidden.RAM', status: 403 };
  }
  if (d.outcome === 'allowed') return { ...base, allowed: true };
  const e = refusal(action, d);
  return { ...base, allowed: false, refusedBy: 'role', code: e.code, status: e.status };
}

/** A sharing rule of the data source, as the explanation shows a path through it. */
export interface ExplainedRule {
  id: number;
  targetWorkspaceId: number;
  envType: string;
  /** '' for the whole target workspace. */
  sharedUser: string;
  sharedDataSourceName: string;
  expireTime?: number;
}

/** What the walk over users reads; wired from the services by the operation. */
export interface ExplainFacts {
  /** A user of the caller's tenant as the permission engine sees it; undefined if none. */
  user(userId: string): Promise<{ principal: Principal; active: boolean } | undefined>;
  /** The Tenant Owner and the holders of a tenant role. */
  tenantLeaders(): Promise<string[]>;
  /** The users holding any role in a workspace. */
  members(workspaceId: number): Promise<string[]>;
  /** The data source's sharing rules that have not expired. */
  rules(dataSourceId: number): Promise<ExplainedRule[]>;
  /** The rule ResolveDataSource would use for this audience (the resolver's own lookup). */
  covering(
    target: { workspaceId: number; envType: string; name: string },
    audience: ShareAudience,
  ): Promise<number | undefined>;
  /** Whether the caller may read this workspace (and so learn who works in it). */
  callerSees(workspaceId: number): Promise<boolean>;
}

export interface AccessPath extends Verdict {
  capability: Capability;
  /** Set for a path through a sharing rule (use in the rule's target workspace). */
  rule?: ExplainedRule;
}

export interface UserAccess {
  userId: string;
  /** Only for a user with a path: asking about any UserId must not reveal who it is. */
  userName?: string;
  active: boolean;
  paths: AccessPath[];
}

export interface Explanation {
  users: UserAccess[];
  /** Rules into workspaces the caller may not read: their members are not shown. */
  undisclosedRules: number;
}

/**
 * Every user with a path to read, use, change or share the data source (one user when
 * `only` is given), each path with the policy layer's verdict.
 */
export async function explainDataSource(
  decisions: AccessDecisions,
  facts: ExplainFacts,
  regionId: string,
  ds: ExplainedDataSource,
  only?: string,
): Promise<Explanation> {
  const rules = ds.deleted ? [] : await facts.rules(ds.id);
  const shown: ExplainedRule[] = [];
  let undisclosedRules = 0;
  for (const r of rules) {
    if (await facts.callerSees(r.targetWorkspaceId)) shown.push(r);
    else undisclosedRules++;
  }
  // Who could hold a path: tenant-wide roles, the source workspace, the audiences of the rules.
  const candidates = new Set<string>();
  if (only !== undefined) candidates.add(only);
  else {
    for (const u of await facts.tenantLeaders()) candidates.add(u);
    for (const u of await facts.members(ds.workspaceId)) candidates.add(u);
    for (const r of shown) {
      if (r.sharedUser) candidates.add(r.sharedUser);
      else for (const u of await facts.members(r.targetWorkspaceId)) candidates.add(u);
    }
  }
  const users: UserAccess[] = [];
  for (const userId of [...candidates].sort()) {
    const user = await facts.user(userId);
    if (!user) continue;
    const paths: AccessPath[] = [];
    for (const [capability, operation] of Object.entries(CAPABILITIES) as [Capability, string][]) {
      const v = await verdict(decisions, regionId, user, operation, ds);
      if (v.roleAllowed) paths.push({ ...v, capability });
    }
    for (const rule of shown) {
      const path = await sharedUse(decisions, facts, regionId, user, ds, rule);
      if (path) paths.push(path);
    }
    if (paths.length > 0 || only !== undefined) {
      users.push({
        userId,
        ...(paths.length > 0 ? { userName: user.principal.userName } : {}),
        active: user.active,
        paths,
      });
    }
  }
  return { users, undisclosedRules };
}

/** Use through a sharing rule: ResolveDataSource of the shared name in the rule's target. */
async function sharedUse(
  decisions: AccessDecisions,
  facts: ExplainFacts,
  regionId: string,
  user: { principal: Principal; active: boolean },
  ds: ExplainedDataSource,
  rule: ExplainedRule,
): Promise<AccessPath | undefined> {
  const { principal } = user;
  if (rule.sharedUser && rule.sharedUser !== principal.userId && !principal.isOwner) return;
  const d = await decisions.resolution(
    principal,
    rule.targetWorkspaceId,
    rule.sharedDataSourceName,
  );
  if (d.outcome !== 'allowed') return;
  const covering = await facts.covering(
    { workspaceId: rule.targetWorkspaceId, envType: rule.envType, name: rule.sharedDataSourceName },
    d.grant.audience,
  );
  if (covering !== rule.id) return;
  const policy = policyVerdict(
    principal,
    regionId,
    'ResolveDataSource',
    { ProjectId: rule.targetWorkspaceId },
    { dataSourceId: ds.id, workspaceId: ds.workspaceId },
  );
  const reason: Reason = {
    code: 'sharing-rule',
    text: `sharing rule ${rule.id} shares it into workspace ${rule.targetWorkspaceId} (${rule.envType})${
      rule.sharedUser ? ` for user ${rule.sharedUser}` : ''
    }${rule.expireTime !== undefined ? ` until ${rule.expireTime}` : ''}; ${d.reason.text}`,
    workspaceId: rule.targetWorkspaceId,
    ...(d.reason.role ? { role: d.reason.role } : {}),
  };
  const base = {
    capability: 'Use' as const,
    operation: 'ResolveDataSource',
    reason,
    roleAllowed: true,
    rule,
    ...(policy ? { policy } : {}),
  };
  if (!user.active) {
    return {
      ...base,
      allowed: false,
      refusedBy: 'user',
      code: 'InvalidAccessKeyId.Inactive',
      status: 403,
    };
  }
  if (policy && policy.decision !== 'allow') {
    return { ...base, allowed: false, refusedBy: 'policy', code: 'Forbidden.RAM', status: 403 };
  }
  if (ds.workspaceStatus === 'Forbidden') {
    return { ...base, allowed: false, refusedBy: 'role', code: 'Forbidden.Workspace', status: 403 };
  }
  return { ...base, allowed: true };
}
