/**
 * RAM (Version 2015-05-01) policies: AttachPolicyToUser, DetachPolicyFromUser,
 * ListPoliciesForUser, and the custom policies they name (CreatePolicy, GetPolicy, ListPolicies,
 * DeletePolicy). System policies are dshub's built-in ones (src/identity/policies.ts); a custom
 * policy document must be one dshub can evaluate, or it is refused when created.
 */
import { MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import { RAM_API_VERSION } from '../registry/operation.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import type { AttachmentChange } from '../users/ram-service.js';
import { defineOperation } from './context.js';
import { ramHoldersAuthorizer, requireRamUser } from './ram-access.js';
import { userName } from './ram-users.js';

const policyType = <const R extends boolean>(required: R) =>
  p.string({
    description: 'System (a built-in policy) or Custom (one of the tenant’s).',
    required,
    enum: ['System', 'Custom'] as const,
    placement: 'query',
  });

const policyName = p.string({
  description: 'The policy name: 1 to 128 letters, digits and hyphens (-).',
  required: true,
  minLength: 1,
  maxLength: 128,
  pattern: /^[A-Za-z0-9-]+$/,
  patternHint: 'use letters, digits and hyphens (-).',
  ramCodes: true,
  placement: 'query',
});

const policyFields = {
  PolicyName: s.string('The policy name.'),
  PolicyType: s.string('System or Custom.', { enum: ['System', 'Custom'] }),
  Description: s.string('The description, or empty.'),
  DefaultVersion: s.string('Always v1: dshub keeps one version of a policy.'),
};
const listedPolicy = s.object({
  ...policyFields,
  CreateDate: s.string('When it was created (UTC).'),
  UpdateDate: s.string('When it last changed (UTC).'),
  AttachmentCount: s.integer('How many users of the tenant it is attached to.'),
});

/** AttachPolicyToUser and DetachPolicyFromUser: one declaration, the change differs. */
function policyOfUser(
  change: AttachmentChange,
  action: string,
  summary: string,
  description?: string,
) {
  return defineOperation({
    action,
    version: RAM_API_VERSION,
    summary,
    ...(description !== undefined ? { description } : {}),
    method: 'POST',
    params: {
      PolicyType: policyType(true),
      PolicyName: policyName,
      UserName: userName(true, 'The user.'),
    },
    response: {},
    access: { roles: MAY.manageUsers },
    audit: true,
    async handler(ctx, a) {
      ctx.audit.note({ targets: { UserName: a.UserName, PolicyName: a.PolicyName } });
      const grant = await requireRamUser(ctx, a.UserName, 'change-policies');
      await ctx.services.ram.changeAttachment(grant, change, a.PolicyType, a.PolicyName, ctx.audit);
      return {};
    },
  });
}

export const attachPolicyToUser = policyOfUser(
  'attach',
  'AttachPolicyToUser',
  'Attaches a system or custom policy to a user (RAM).',
  'Takes effect at once on this server, on other replicas within the credential cache time. A policy only ever narrows what the user’s roles allow.',
);

export const detachPolicyFromUser = policyOfUser(
  'detach',
  'DetachPolicyFromUser',
  'Detaches a policy from a user (RAM).',
);

export const listPoliciesForUser = defineOperation({
  action: 'ListPoliciesForUser',
  version: RAM_API_VERSION,
  summary: 'Lists the policies attached to a user (RAM).',
  method: 'POST',
  params: { UserName: userName(true, 'The user.') },
  response: {
    Policies: s.object({
      Policy: s.array(
        s.object({ ...policyFields, AttachDate: s.string('When it was attached (UTC).') }),
      ),
    }),
  },
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    return { Policies: { Policy: await ctx.services.ram.listPoliciesForUser(grant, a.UserName) } };
  },
});

export const createPolicy = defineOperation({
  action: 'CreatePolicy',
  version: RAM_API_VERSION,
  summary: 'Creates a custom policy of the tenant (RAM).',
  description:
    'The document uses Effect, Action (dataworks:… and ram:… actions, * and ? wildcards), an optional Resource (*, a workspace or a data source) and an optional acs:SourceIp condition; anything dshub cannot evaluate is refused (InvalidParameter.PolicyDocument), never silently widened.',
  method: 'POST',
  params: {
    PolicyName: policyName,
    PolicyDocument: p.string({
      description: 'The policy document, JSON, at most 6144 characters.',
      required: true,
      maxLength: 6144,
      placement: 'query',
    }),
    Description: p.string({
      description: 'The description, at most 1024 characters.',
      maxLength: 1024,
      placement: 'query',
    }),
  },
  response: {
    Policy: s.object({ ...policyFields, CreateDate: s.string('When it was created (UTC).') }),
  },
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { PolicyName: a.PolicyName } });
    const grant = ctx.access.requireTenant();
    const policy = await ctx.services.ram.createPolicy(
      grant,
      a.PolicyName,
      a.PolicyDocument,
      a.Description,
      ctx.audit,
    );
    return { Policy: policy };
  },
});

export const getPolicy = defineOperation({
  action: 'GetPolicy',
  version: RAM_API_VERSION,
  summary: 'Shows a system or custom policy with its document (RAM).',
  method: 'POST',
  params: { PolicyType: policyType(true), PolicyName: policyName },
  response: {
    Policy: s.object({
      ...policyFields,
      PolicyDocument: s.string('The policy document (JSON).'),
      CreateDate: s.string('When it was created (UTC).'),
      UpdateDate: s.string('When it last changed (UTC).'),
      AttachmentCount: s.integer('How many users of the tenant it is attached to.'),
    }),
    DefaultPolicyVersion: s.object({
      VersionId: s.string('v1.'),
      IsDefaultVersion: s.boolean('Always true.'),
      PolicyDocument: s.string('The policy document (JSON).'),
      CreateDate: s.string('When it was created (UTC).'),
    }),
  },
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    const policy = await ctx.services.ram.getPolicy(grant, a.PolicyType, a.PolicyName);
    return {
      Policy: policy,
      DefaultPolicyVersion: {
        VersionId: policy.DefaultVersion,
        IsDefaultVersion: true,
        PolicyDocument: policy.PolicyDocument,
        CreateDate: policy.CreateDate,
      },
    };
  },
});

export const listPolicies = defineOperation({
  action: 'ListPolicies',
  version: RAM_API_VERSION,
  summary: 'Lists the system and custom policies the tenant can attach, by name (RAM).',
  description: 'Paged with Marker like ListUsers.',
  method: 'POST',
  params: {
    PolicyType: policyType(false),
    Marker: p.string({
      description: 'The Marker of the previous page; empty or absent for the first page.',
      maxLength: 512,
      placement: 'query',
    }),
    MaxItems: p.integer({
      description: 'Policies per page, 1 to 1000. Default 100.',
      min: 1,
      max: 1000,
      placement: 'query',
    }),
    Tag: p.string({
      description:
        'Tag filter (JSON). dshub’s policies carry no tags, so a non-empty filter is refused rather than ignored.',
      maxLength: 4096,
      placement: 'query',
    }),
  },
  response: {
    IsTruncated: s.boolean('True when more policies follow: send Marker for the next page.'),
    Marker: s.string('Where the next page starts; present only when IsTruncated is true.'),
    Policies: s.object({ Policy: s.array(listedPolicy) }),
  },
  optionalResponse: ['Marker'],
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    if (a.Tag !== undefined && a.Tag !== '' && a.Tag !== '[]') {
      throw errors.invalidParameter(
        'Tag',
        'policies in dshub carry no tags, so a tag filter could match nothing; leave it out.',
      );
    }
    const page = await ctx.services.ram.listPolicies(
      grant,
      a.PolicyType,
      a.Marker,
      a.MaxItems ?? 100,
    );
    return {
      IsTruncated: page.marker !== undefined,
      ...(page.marker !== undefined ? { Marker: page.marker } : {}),
      Policies: { Policy: page.items },
    };
  },
});

export const deletePolicy = defineOperation({
  action: 'DeletePolicy',
  version: RAM_API_VERSION,
  summary: 'Deletes a custom policy (RAM).',
  description:
    'A policy attached to users is refused (DeleteConflict.Policy.User) unless CascadingDelete is true, which detaches it from them in the same transaction.',
  method: 'POST',
  params: {
    PolicyName: policyName,
    CascadingDelete: p.boolean({
      description: 'Detach it from every user first. Default false.',
      placement: 'query',
    }),
  },
  response: {},
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { PolicyName: a.PolicyName } });
    const grant = ctx.access.requireTenant();
    await ctx.services.ram.deletePolicy(
      grant,
      a.PolicyName,
      a.CascadingDelete ?? false,
      ramHoldersAuthorizer(ctx, grant),
      ctx.audit,
    );
    return {};
  },
});

export const operations = [
  attachPolicyToUser,
  detachPolicyFromUser,
  listPoliciesForUser,
  createPolicy,
  getPolicy,
  listPolicies,
  deletePolicy,
];
