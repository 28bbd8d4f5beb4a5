/**
 * RAM's "who may touch whom" as decisions (src/access/ram-decisions.ts): each refusal carries its
 * reason and becomes the same answer as before through the one translation (`refusal`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusal } from '../../src/access/access-guard.js';
import { AccessDecisions, type Decision } from '../../src/access/decisions.js';
import { decideRamHolders, decideRamUser, type RamAct } from '../../src/access/ram-decisions.js';
import type { Principal } from '../../src/identity/principal.js';

const principal = (userId: string, role: 'owner' | 'admin'): Principal => ({
  tenantId: 't1',
  userId,
  userName: userId,
  accessKeyId: `ak-${userId}`,
  isOwner: role === 'owner',
  tenantRoles: new Set(role === 'admin' ? ['TenantAdmin' as const] : []),
  policies: [],
});
const owner = principal('u-owner', 'owner');
const admin = principal('u-admin', 'admin');
const ownerUser = { id: 'u-owner', isOwner: true, isTenantAdmin: false };
const adminUser = { id: 'u-admin', isOwner: false, isTenantAdmin: true };
const otherAdmin = { id: 'u-admin2', isOwner: false, isTenantAdmin: true };
const plain = { id: 'u-plain', isOwner: false, isTenantAdmin: false };

const decisions = new AccessDecisions({
  membership: async () => undefined,
  locateDataSource: async () => undefined,
  locateRule: async () => undefined,
  isSharedWith: async () => false,
});
function tenant(p: Principal) {
  const d = decisions.tenant(p, ['TenantOwner', 'TenantAdmin']);
  assert.equal(d.outcome, 'allowed');
  return d.grant;
}

/** The answer's code and message, or 'allowed'. */
function answer(d: Decision<unknown>, action = 'X'): string {
  if (d.outcome === 'allowed') return 'allowed';
  const e = refusal(action, d);
  return `${e.code} ${e.message}`;
}

function user(p: Principal, target: typeof plain, act: RamAct) {
  return decideRamUser(p, tenant(p), target, act);
}

describe('RAM decisions: who may touch whom', () => {
  it('the Tenant Owner does everything to anyone, except delete its own user', () => {
    for (const target of [ownerUser, adminUser, plain]) {
      for (const act of ['change', 'create-access-key', 'change-policies'] as const) {
        const d = user(owner, target, act);
        assert.equal(d.outcome, 'allowed', `${act} ${target.id}`);
        assert.equal(d.outcome === 'allowed' && d.grant.user.id, target.id);
        assert.equal(d.reason.code, 'tenant-owner');
      }
    }
    const d = user(owner, ownerUser, 'delete');
    assert.equal(d.reason.code, 'tenant-owner-protected');
    assert.match(answer(d, 'DeleteUser'), /^Forbidden\.Access .*DeleteUser on the Tenant Owner/);
  });

  it("a Tenant Administrator never touches the Tenant Owner's user", () => {
    for (const act of ['change', 'delete', 'create-access-key', 'change-policies'] as const) {
      const d = user(admin, ownerUser, act);
      assert.equal(d.reason.code, 'tenant-owner-protected', act);
      assert.equal(d.outcome === 'denied' && d.roles.join(), 'TenantOwner');
    }
  });

  it('a Tenant Administrator creates AccessKeys only for itself', () => {
    assert.equal(user(admin, adminUser, 'create-access-key').outcome, 'allowed');
    const d = user(admin, plain, 'create-access-key');
    assert.equal(d.reason.code, 'access-key-for-others');
    assert.match(answer(d, 'CreateAccessKey'), /^Forbidden\.Access .*for another user/);
    assert.equal(user(admin, plain, 'change').outcome, 'allowed');
    assert.equal(user(admin, plain, 'delete').outcome, 'allowed');
  });

  it("only the Tenant Owner changes a Tenant Administrator's policies, the caller's own included", () => {
    assert.equal(user(admin, plain, 'change-policies').outcome, 'allowed');
    for (const target of [adminUser, otherAdmin]) {
      const d = user(admin, target, 'change-policies');
      assert.equal(d.reason.code, 'admin-policies-protected');
      assert.match(
        answer(d, 'AttachPolicyToUser'),
        /^Forbidden\.Access .*Administrator's policies/,
      );
    }
    assert.equal(decideRamHolders(admin, tenant(admin), [plain]).outcome, 'allowed');
    assert.equal(decideRamHolders(admin, tenant(admin), []).outcome, 'allowed');
    assert.equal(
      decideRamHolders(admin, tenant(admin), [plain, otherAdmin]).reason.code,
      'admin-policies-protected',
    );
    const all = decideRamHolders(owner, tenant(owner), [plain, adminUser]);
    assert.deepEqual(all.outcome === 'allowed' && all.grant.userIds, ['u-plain', 'u-admin']);
  });
});
