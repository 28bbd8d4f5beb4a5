import type { Principal } from '../identity/principal.js';
import { keptAnswers } from '../registry/answer-text.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';

function answerFor(principal: Principal) {
  const roles = [...(principal.isOwner ? ['TenantOwner'] : []), ...principal.tenantRoles];
  return {
    AccountId: principal.tenantId,
    UserId: principal.userId,
    UserName: principal.userName,
    IdentityType: principal.isOwner ? 'Account' : 'RAMUser',
    Arn: principal.isOwner
      ? `acs:ram::${principal.tenantId}:root`
      : `acs:ram::${principal.tenantId}:user/${principal.userName}`,
    PrincipalId: principal.userId,
    AccessKeyId: principal.accessKeyId,
    TenantRoles: roles,
  };
}

const answerOnce = keptAnswers(answerFor);

export const getCallerIdentity = defineOperation({
  action: 'GetCallerIdentity',
  summary: 'Who am I: the account, user and AccessKey behind the signature, and the tenant roles.',
  description:
    'An extension under version 2024-05-18, modelled on STS GetCallerIdentity: the smoke test any client can run. It needs no policy.',
  method: 'POST',
  extension: true,
  params: {},
  response: {
    AccountId: s.string('The tenant (account) id.'),
    UserId: s.string('The caller’s user id; equals AccountId for the tenant owner.'),
    UserName: s.string('The caller’s user name.'),
    IdentityType: s.string('Account for the tenant owner, RAMUser for other users.'),
    Arn: s.string('acs:ram::<AccountId>:root or acs:ram::<AccountId>:user/<UserName>.'),
    PrincipalId: s.string('Same as UserId.'),
    AccessKeyId: s.string('The AccessKey that signed the request.'),
    TenantRoles: s.array(s.string(), 'Tenant roles: TenantOwner, TenantAdmin.'),
  },
  ram: null,
  access: 'any-caller',
  audit: false,
  readOnly: true,
  async handler({ principal, access }) {
    access.decidedByHandler();
    // A principal is made once per AccessKey load (then cached by the authenticator) and never
    // changed: its answer is made, serialised and encoded once too.
    return answerOnce(principal);
  },
});

export const operations = [getCallerIdentity];
