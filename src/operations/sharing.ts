/**
 * Data source sharing rules (docs/WIRE.md §1):
 * the contract and thin handlers over SharingService. The SDK sends every field in the URL query;
 * ListDataSourceSharedRules is a GET.
 *
 * Who may: Tenant Owner, Tenant Administrator, Workspace Administrator, Workspace Owner — in both
 * workspaces to create a rule, in either to delete one, in the source workspace to list them.
 */

import { MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { MAX_SHARE_DAYS, MAX_SHARE_MS } from '../sharing/expiry.js';
import type { RuleView } from '../sharing/index.js';
import { defineOperation } from './context.js';
import { requireDataSourceRole } from './data-source-access.js';

/** ExpireTime is an extension, present only on rules that have one. */
export const expireTimeSchema = {
  ...s.integer(
    'dshub extension: when the rule stops resolving, epoch milliseconds. Absent for a rule given for good.',
  ),
  'x-dshub-extension': true,
};

const ruleFields = s.object({
  Id: s.integer('The rule ID.'),
  DataSourceId: s.integer('The data source ID (one record, one environment).'),
  SharedDataSourceName: s.string(
    'The name of the data source in the destination workspace: <source workspace name>.<data source name>.',
  ),
  SourceProjectId: s.integer('The ID of the workspace with which the data source is associated.'),
  TargetProjectId: s.integer('The ID of the workspace to which the data source is shared.'),
  SharedUser: s.string(
    'The user in the destination workspace the data source is shared to; empty when shared to the entire workspace.',
  ),
  EnvType: s.string('The environment in the destination workspace: Dev or Prod.', {
    enum: ['Dev', 'Prod'],
  }),
  CreateTime: s.integer('When the rule was created, epoch milliseconds.'),
  CreateUser: s.string('The ID of the user who created the rule.'),
  ExpireTime: expireTimeSchema,
});
const ruleSchema = s.optional(ruleFields, ['ExpireTime']);

function ruleView(r: RuleView) {
  return {
    Id: r.id,
    DataSourceId: r.dataSourceId,
    SharedDataSourceName: r.sharedDataSourceName,
    SourceProjectId: r.sourceWorkspaceId,
    TargetProjectId: r.targetWorkspaceId,
    SharedUser: r.sharedUser,
    EnvType: r.envType,
    CreateTime: r.createTime,
    CreateUser: r.createUser,
    ...(r.expireTime !== undefined ? { ExpireTime: r.expireTime } : {}),
  };
}

export const createDataSourceSharedRule = defineOperation({
  action: 'CreateDataSourceSharedRule',
  summary: 'Shares a data source record into an environment of another workspace.',
  description:
    'The data source is seen in the target workspace as <source workspace name>.<data source name> and can be used there (ResolveDataSource), not modified. SharedUser omitted or empty shares to the whole target workspace; otherwise it must be a member of it. The target must be another workspace of the same tenant and have EnvType (a basic-mode workspace has only Prod). The same rule twice, or another record of the same name into the same environment and audience, answers 409 Conflict.SharedRule. dshub extension: ExpireTime gives the rule an end (see the parameter); an expired rule stops resolving at once and leaves the lists.',
  method: 'POST',
  params: {
    DataSourceId: p.integer({ description: 'The data source ID.', required: true, min: 1 }),
    TargetProjectId: p.integer({
      description:
        'The workspace to share to; it cannot be the workspace the data source belongs to.',
      required: true,
      min: 1,
    }),
    EnvType: p.string({
      description: 'The environment in the target workspace: Dev or Prod.',
      required: true,
      enum: ['Dev', 'Prod'] as const,
      caseInsensitiveEnum: true,
    }),
    SharedUser: p.string({
      description:
        'The user ID in the target workspace to share to; omitted or empty = the whole workspace.',
      maxLength: 64,
    }),
    ExpireTime: p.integer({
      description: `When the rule stops resolving, epoch milliseconds: in the future, at most ${MAX_SHARE_DAYS} days ahead. From that moment the shared name no longer resolves and the rule leaves ListDataSourceSharedRules and ListSharedDataSources; one audit event (${'DataSourceSharedRuleExpired'}) records the end. Omitted: for good.`,
      min: 1,
      extension: true,
    }),
  },
  response: { Id: s.integer('The rule ID.') },
  access: { roles: MAY.manageWorkspace, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    if (q.ExpireTime !== undefined) checkExpireTime(q.ExpireTime, Date.now());
    const source = await requireDataSourceRole(ctx, q.DataSourceId, { modifies: true });
    ctx.audit.note({ targets: { TargetProjectId: q.TargetProjectId } });
    if (q.TargetProjectId !== source.workspaceId)
      await ctx.access.requireWorkspace(q.TargetProjectId);
    const id = await ctx.services.sharing.create(
      source,
      {
        targetWorkspaceId: q.TargetProjectId,
        envType: q.EnvType,
        sharedUser: q.SharedUser,
        expireTime: q.ExpireTime,
      },
      ctx.audit,
    );
    return { Id: id };
  },
});

function checkExpireTime(expireTime: number, now: number): void {
  if (expireTime <= now) {
    throw errors.invalidParameter(
      'ExpireTime',
      `${expireTime} is not in the future (the server time is ${now}, epoch milliseconds).`,
    );
  }
  if (expireTime > now + MAX_SHARE_MS) {
    throw errors.invalidParameter(
      'ExpireTime',
      `must be at most ${MAX_SHARE_DAYS} days ahead (before ${now + MAX_SHARE_MS}); share again when the time comes.`,
    );
  }
}

export const listDataSourceSharedRules = defineOperation({
  action: 'ListDataSourceSharedRules',
  summary: 'Retrieves a list of sharing rules for a data source.',
  description:
    'All rules of the data source record, oldest first, not paginated. A deleted data source answers 1000010005 (its rules went with it).',
  method: 'GET',
  params: {
    DataSourceId: p.integer({ description: 'The data source ID.', required: true, min: 1 }),
    TargetProjectId: p.integer({
      description: 'Only the rules sharing to this workspace.',
      min: 1,
    }),
  },
  response: { DataSourceSharedRules: s.array(ruleSchema, 'The sharing rules of the data source.') },
  access: { roles: MAY.manageWorkspace, activeWorkspace: true },
  audit: false,
  async handler(ctx, q) {
    await requireDataSourceRole(ctx, q.DataSourceId);
    const rules = await ctx.services.sharing.list(q.DataSourceId, q.TargetProjectId);
    return { DataSourceSharedRules: rules.map(ruleView) };
  },
});

export const deleteDataSourceSharedRule = defineOperation({
  action: 'DeleteDataSourceSharedRule',
  summary: 'Deletes a data source sharing rule.',
  description:
    'Allowed from the source or the target workspace. A missing rule answers 1000011038 (Terraform treats it as deleted already).',
  method: 'POST',
  params: { Id: p.integer({ description: 'The rule ID.', required: true, min: 1 }) },
  response: { Success: s.boolean('true when the rule was deleted.') },
  access: { roles: MAY.manageWorkspace },
  audit: true,
  async handler(ctx, q) {
    ctx.audit.note({ targets: { SharedRuleId: q.Id } });
    // Allowed from either side: the sharer stops sharing, the receiver declines.
    const d = await ctx.access.decideSharingRule(q.Id);
    if (d.outcome === 'denied' && d.workspaceId !== undefined)
      ctx.audit.note({ workspaceId: d.workspaceId });
    await ctx.services.sharing.delete(ctx.access.enforce(d), ctx.audit);
    return { Success: true };
  },
});

export const operations = [
  createDataSourceSharedRule,
  listDataSourceSharedRules,
  deleteDataSourceSharedRule,
];
