/**
 * RAM (Version 2015-05-01) AccessKeys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
 * DeleteAccessKey. Without UserName they act on the caller's own user, as RAM's do. The secret
 * is in CreateAccessKey's answer only: never listed, logged, audited or put in an error.
 */
import { MAY } from '../access/roles.js';
import { RAM_API_VERSION } from '../registry/operation.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';
import { requireRamUser } from './ram-access.js';
import { userName } from './ram-users.js';

const accessKeyId = p.string({
  description: 'The AccessKey id (LTAI…).',
  required: true,
  minLength: 1,
  maxLength: 128,
  placement: 'query',
});

export const createAccessKey = defineOperation({
  action: 'CreateAccessKey',
  version: RAM_API_VERSION,
  summary: 'Creates an AccessKey for a user and shows its secret, this once (RAM).',
  description:
    'At most two AccessKeys per user, enough to rotate one. A Tenant Administrator creates keys only for itself; the Tenant Owner for anyone in the tenant. Keep the secret: no call shows it again.',
  method: 'POST',
  params: { UserName: userName(false, 'The user; the caller when absent.') },
  response: {
    AccessKey: s.object({
      AccessKeyId: s.string('The AccessKey id.'),
      AccessKeySecret: s.string('The secret, shown only in this answer.'),
      Status: s.string('Active.', { enum: ['Active', 'Inactive'] }),
      CreateDate: s.string('When it was created (UTC).'),
    }),
  },
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { UserName: a.UserName ?? ctx.principal.userName } });
    const grant = await requireRamUser(ctx, a.UserName, 'create-access-key');
    const key = await ctx.services.ram.createAccessKey(grant, ctx.audit);
    return {
      AccessKey: {
        AccessKeyId: key.AccessKeyId,
        AccessKeySecret: key.AccessKeySecret,
        Status: key.Status,
        CreateDate: key.CreateDate,
      },
    };
  },
});

export const listAccessKeys = defineOperation({
  action: 'ListAccessKeys',
  version: RAM_API_VERSION,
  summary: 'Lists a user’s AccessKeys, without their secrets (RAM).',
  method: 'POST',
  params: { UserName: userName(false, 'The user; the caller when absent.') },
  response: {
    AccessKeys: s.object({
      AccessKey: s.array(
        s.object({
          AccessKeyId: s.string('The AccessKey id.'),
          Status: s.string('Active or Inactive.', { enum: ['Active', 'Inactive'] }),
          CreateDate: s.string('When it was created (UTC).'),
        }),
      ),
    }),
  },
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    const keys = await ctx.services.ram.listAccessKeys(grant, ctx.principal, a.UserName);
    return { AccessKeys: { AccessKey: keys } };
  },
});

export const updateAccessKey = defineOperation({
  action: 'UpdateAccessKey',
  version: RAM_API_VERSION,
  summary: 'Activates or deactivates one of a user’s AccessKeys (RAM).',
  description:
    'An Inactive key is refused at once on this server (InvalidAccessKeyId.Inactive), on other replicas within the credential cache time (DSHUB_AUTH_CACHE_TTL_MS).',
  method: 'POST',
  params: {
    UserName: userName(false, 'The user; the caller when absent.'),
    UserAccessKeyId: accessKeyId,
    Status: p.string({
      description: 'Active or Inactive.',
      required: true,
      enum: ['Active', 'Inactive'] as const,
      placement: 'query',
    }),
  },
  response: {},
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { AccessKeyId: a.UserAccessKeyId } });
    const grant = await requireRamUser(ctx, a.UserName, 'change');
    await ctx.services.ram.updateAccessKey(grant, a.UserAccessKeyId, a.Status, ctx.audit);
    return {};
  },
});

export const deleteAccessKey = defineOperation({
  action: 'DeleteAccessKey',
  version: RAM_API_VERSION,
  summary: 'Deletes one of a user’s AccessKeys (RAM).',
  description:
    'Requests signed with it are refused at once on this server, on other replicas within the credential cache time.',
  method: 'POST',
  params: {
    UserName: userName(false, 'The user; the caller when absent.'),
    UserAccessKeyId: accessKeyId,
  },
  response: {},
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { AccessKeyId: a.UserAccessKeyId } });
    const grant = await requireRamUser(ctx, a.UserName, 'change');
    await ctx.services.ram.deleteAccessKey(grant, a.UserAccessKeyId, ctx.audit);
    return {};
  },
});

export const operations = [createAccessKey, listAccessKeys, updateAccessKey, deleteAccessKey];
