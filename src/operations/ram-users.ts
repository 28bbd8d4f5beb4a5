/**
 * RAM (Version 2015-05-01) users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, with
 * RAM's parameter names and answers, so Alibaba's RAM clients work unchanged. Tenant Owner or
 * Tenant Administrator; the rules on whom they may touch are in src/access/ram-decisions.ts.
 */
import { MAY } from '../access/roles.js';
import { RAM_API_VERSION } from '../registry/operation.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';
import { requireRamUser } from './ram-access.js';

/** RAM's user name rule; all digits is refused too, so a name is never mistaken for a user id. */
export const userName = <const R extends boolean>(required: R, description: string) =>
  p.string({
    description: `${description} 1 to 64 letters, digits, periods (.), hyphens (-) and underscores (_), not only digits.`,
    required,
    minLength: 1,
    maxLength: 64,
    pattern: /^(?!\d+$)[A-Za-z0-9._-]+$/,
    patternHint:
      'use letters, digits, periods (.), hyphens (-) and underscores (_); a name of digits only is not allowed.',
    ramCodes: true,
    placement: 'query',
  });

const text = (description: string, maxLength: number) =>
  p.string({ description, minLength: 1, maxLength, ramCodes: true, placement: 'query' });
const email = (description: string) =>
  p.string({
    description,
    maxLength: 128,
    pattern: /^[^@\s]+@[^@\s]+$/,
    patternHint: 'must be an email address such as alice@example.com.',
    ramCodes: true,
    placement: 'query',
  });
const mobile = (description: string) =>
  p.string({
    description,
    maxLength: 32,
    pattern: /^\d{1,4}-\d{3,20}$/,
    patternHint: 'must be <country code>-<number>, such as 86-18688888888.',
    ramCodes: true,
    placement: 'query',
  });

const userFields = {
  UserId: s.string('The user id (16 digits).'),
  UserName: s.string('The user name, unique in the tenant.'),
  DisplayName: s.string('The display name; the user name when none was set.'),
  Email: s.string('The email address, or empty.'),
  MobilePhone: s.string('The mobile phone (<country code>-<number>), or empty.'),
  Comments: s.string('The comments, or empty.'),
  CreateDate: s.string('When the user was created (UTC, e.g. 2015-01-23T12:33:18Z).'),
};
const userSchema = s.object({
  ...userFields,
  UpdateDate: s.string('When the user was last updated (UTC); CreateDate if never.'),
});

export const createUser = defineOperation({
  action: 'CreateUser',
  version: RAM_API_VERSION,
  summary: 'Creates a user in the caller’s tenant (RAM).',
  description:
    'The user has no AccessKey and no policy yet: CreateAccessKey and AttachPolicyToUser give it both.',
  method: 'POST',
  params: {
    UserName: userName(true, 'The new user’s name.'),
    DisplayName: text('The display name, 1 to 128 characters.', 128),
    MobilePhone: mobile('The mobile phone, <country code>-<number>.'),
    Email: email('The email address.'),
    Comments: text('Comments, 1 to 128 characters.', 128),
  },
  response: { User: s.object(userFields) },
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { UserName: a.UserName } });
    const grant = ctx.access.requireTenant();
    const { UpdateDate: _, ...user } = await ctx.services.ram.createUser(
      grant,
      a.UserName,
      a,
      ctx.audit,
    );
    return { User: user };
  },
});

export const getUser = defineOperation({
  action: 'GetUser',
  version: RAM_API_VERSION,
  summary: 'Shows one user of the caller’s tenant by name (RAM).',
  description: 'The Tenant Owner is the user named as its account shows it (`owner` by default).',
  method: 'POST',
  params: { UserName: userName(true, 'The user’s name.') },
  response: { User: userSchema },
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    return { User: await ctx.services.ram.getUser(grant, a.UserName) };
  },
});

export const listUsers = defineOperation({
  action: 'ListUsers',
  version: RAM_API_VERSION,
  summary: 'Lists the users of the caller’s tenant by name, a page at a time (RAM).',
  description:
    'Paged with Marker: when IsTruncated is true, send the answer’s Marker to get the next page. The Tenant Owner is listed too.',
  method: 'POST',
  params: {
    Marker: p.string({
      description: 'The Marker of the previous page; empty or absent for the first page.',
      maxLength: 512,
      placement: 'query',
    }),
    MaxItems: p.integer({
      description: 'Users per page, 1 to 1000. Default 100.',
      min: 1,
      max: 1000,
      placement: 'query',
    }),
  },
  response: {
    IsTruncated: s.boolean('True when more users follow: send Marker for the next page.'),
    Marker: s.string('Where the next page starts; present only when IsTruncated is true.'),
    Users: s.object({ User: s.array(userSchema) }),
  },
  optionalResponse: ['Marker'],
  access: { roles: MAY.manageUsers },
  audit: false,
  readOnly: true,
  async handler(ctx, a) {
    const grant = ctx.access.requireTenant();
    const page = await ctx.services.ram.listUsers(grant, a.Marker, a.MaxItems ?? 100);
    return {
      IsTruncated: page.marker !== undefined,
      ...(page.marker !== undefined ? { Marker: page.marker } : {}),
      Users: { User: page.items },
    };
  },
});

export const updateUser = defineOperation({
  action: 'UpdateUser',
  version: RAM_API_VERSION,
  summary: 'Renames a user or changes its display name, email, mobile phone or comments (RAM).',
  description:
    'Only the parameters sent change. The Tenant Owner’s user is changed only by the Tenant Owner.',
  method: 'POST',
  params: {
    UserName: userName(true, 'The user’s current name.'),
    NewUserName: userName(false, 'The new name.'),
    NewDisplayName: text('The new display name, 1 to 128 characters.', 128),
    NewMobilePhone: mobile('The new mobile phone, <country code>-<number>.'),
    NewEmail: email('The new email address.'),
    NewComments: text('The new comments, 1 to 128 characters.', 128),
  },
  response: { User: userSchema },
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { UserName: a.UserName } });
    const grant = await requireRamUser(ctx, a.UserName, 'change');
    const user = await ctx.services.ram.updateUser(
      grant,
      {
        NewUserName: a.NewUserName,
        DisplayName: a.NewDisplayName,
        MobilePhone: a.NewMobilePhone,
        Email: a.NewEmail,
        Comments: a.NewComments,
      },
      ctx.audit,
    );
    return { User: user };
  },
});

export const deleteUser = defineOperation({
  action: 'DeleteUser',
  version: RAM_API_VERSION,
  summary: 'Deletes a user that has no AccessKeys, no policies and owns no workspace (RAM).',
  description:
    'Its workspace memberships and tenant role go with it. The Tenant Owner cannot be deleted.',
  method: 'POST',
  params: { UserName: userName(true, 'The user’s name.') },
  response: {},
  access: { roles: MAY.manageUsers },
  audit: true,
  async handler(ctx, a) {
    ctx.audit.note({ targets: { UserName: a.UserName } });
    const grant = await requireRamUser(ctx, a.UserName, 'delete');
    await ctx.services.ram.deleteUser(grant, ctx.audit);
    return {};
  },
});

export const operations = [createUser, getUser, listUsers, updateUser, deleteUser];
