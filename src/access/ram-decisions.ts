/**
 * RAM's "who may touch whom" (RAM 2015-05-01, docs/ram.md "Who may call"), decided like every
 * other access question: each function *returns* a decision with its reason, and the handler
 * turns it into the answer through `AccessGuard.enforce` (src/access/access-guard.ts). The
 * writes of src/users/ram-service.ts take the grant, so a write on a user without this decision
 * cannot be expressed.
 *
 * On top of the tenant decision (Tenant Owner, or a Tenant Administrator: MAY.manageUsers):
 *   - the Tenant Owner's user, AccessKeys and policies are changed only by the Tenant Owner, and
 *     the Tenant Owner's user is never deleted;
 *   - a Tenant Administrator creates AccessKeys only for itself: a secret it issued for someone
 *     else would let it act as them, and so use data source secrets it never obtains;
 *   - only the Tenant Owner attaches, detaches or cascade-deletes a Tenant Administrator's
 *     policies, the caller's own included: those policies are what narrow an administrator.
 *
 * The decisions are pure: the facts about the users acted on (`RamTarget`) are read by the RAM
 * service, inside the transaction that writes where the answer depends on them (DeletePolicy).
 */
import type { Principal } from '../identity/principal.js';
import { type Decision, type Grant, grant, type Reason, type TenantGrant } from './decisions.js';
import type { Role } from './roles.js';

/** What the decisions need to know of a user whose policies a call changes. */
export interface RamHolder {
  id: string;
  isTenantAdmin: boolean;
}

/** What the decisions need to know of the user a call acts on. */
export interface RamTarget extends RamHolder {
  isOwner: boolean;
}

/** What the call does to the user it names. */
export type RamAct =
  /** UpdateUser, UpdateAccessKey, DeleteAccessKey. */
  | 'change'
  /** DeleteUser. */
  | 'delete'
  /** CreateAccessKey. */
  | 'create-access-key'
  /** AttachPolicyToUser, DetachPolicyFromUser. */
  | 'change-policies';

/** May act (`RamAct`) on `user`: what a RAM write on one user takes. */
export type RamUserGrant<T extends RamTarget = RamTarget> = Grant<{ user: T }>;
/** May detach a policy from every one of `userIds` (DeletePolicy with CascadingDelete). */
export type RamHoldersGrant = Grant<{ userIds: readonly string[] }>;

/** Every RAM refusal here is lifted by the Tenant Owner alone. */
const ONLY_OWNER: readonly Role[] = ['TenantOwner'];

function denied(code: Reason['code'], text: string): Decision<never> {
  return { outcome: 'denied', reason: { code, text }, roles: ONLY_OWNER };
}

const ownerProtected = () =>
  denied('tenant-owner-protected', "the Tenant Owner's user is changed only by the Tenant Owner");
const adminPoliciesProtected = () =>
  denied(
    'admin-policies-protected',
    "a Tenant Administrator's policies (the caller's own included) are changed only by the Tenant Owner",
  );

/** May the caller, allowed tenant-wide (`tenant`), do `act` to `target`? */
export function decideRamUser<T extends RamTarget>(
  principal: Principal,
  tenant: TenantGrant,
  target: T,
  act: RamAct,
): Decision<RamUserGrant<T>> {
  if (act === 'delete' && target.isOwner) {
    return denied('tenant-owner-protected', 'the Tenant Owner cannot be deleted');
  }
  if (target.isOwner && !principal.isOwner) return ownerProtected();
  if (act === 'create-access-key' && !principal.isOwner && target.id !== principal.userId) {
    return denied(
      'access-key-for-others',
      'a Tenant Administrator creates AccessKeys only for itself',
    );
  }
  if (act === 'change-policies' && !principal.isOwner && protectsPolicies(principal, target)) {
    return adminPoliciesProtected();
  }
  return {
    outcome: 'allowed',
    reason: tenant.reason,
    grant: grant(tenant, tenant.reason, { user: target }),
  };
}

/** May the caller detach a policy from all of `holders` (DeletePolicy's cascade)? */
export function decideRamHolders(
  principal: Principal,
  tenant: TenantGrant,
  holders: readonly RamHolder[],
): Decision<RamHoldersGrant> {
  if (!principal.isOwner && holders.some((h) => protectsPolicies(principal, h))) {
    return adminPoliciesProtected();
  }
  return {
    outcome: 'allowed',
    reason: tenant.reason,
    grant: grant(tenant, tenant.reason, { userIds: holders.map((h) => h.id) }),
  };
}

function protectsPolicies(principal: Principal, h: RamHolder): boolean {
  return h.isTenantAdmin || h.id === principal.userId;
}
