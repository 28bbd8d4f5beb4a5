/**
 * GetDataSource's read builds its grants, reasons and parsed ConnectionProperties without
 * spreads or repeated parsing (docs/PERFORMANCE.md): they must stay exactly what they were — the
 * same members in the same order as `grant(principal, reason, facts)` — and a cached parse must
 * never answer a text other than its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessDecisions, type AccessFacts, grant } from '../../src/access/decisions.js';
import { MAY } from '../../src/access/roles.js';
import { ParsedProperties } from '../../src/datasources/data-source-service.js';
import type { Principal } from '../../src/identity/principal.js';
import type { Membership } from '../../src/workspaces/directory.js';

const principal = (role: 'owner' | 'admin' | 'member'): Principal => ({
  tenantId: 't1',
  userId: `u-${role}`,
  userName: role,
  accessKeyId: `ak-${role}`,
  isOwner: role === 'owner',
  tenantRoles: new Set(role === 'admin' ? ['TenantAdmin' as const] : []),
  policies: [],
});

const noFacts: AccessFacts = {
  membership: async () => undefined,
  locateDataSource: async () => undefined,
  locateRule: async () => undefined,
  isSharedWith: async () => false,
};

const membership = (roles: string[], grantedBy?: Map<string, string>): Membership => ({
  tenantId: 't1',
  roles: new Set(roles),
  status: 'Available',
  ...(grantedBy ? { grantedBy } : {}),
});

describe('hot read objects', () => {
  const decisions = new AccessDecisions(noFacts);
  const cases: [string, Principal, Membership, string[]][] = [
    ['owner', principal('owner'), membership([]), ['code', 'text', 'workspaceId']],
    ['tenant admin', principal('admin'), membership([]), ['code', 'text', 'role', 'workspaceId']],
    [
      'member',
      principal('member'),
      membership(['role_project_dev']),
      ['code', 'text', 'role', 'workspaceId'],
    ],
    [
      'custom role',
      principal('member'),
      membership(['CustomRole', 'DataSourceUse'], new Map([['DataSourceUse', 'my_role']])),
      ['code', 'text', 'role', 'workspaceId', 'customRole'],
    ],
  ];
  for (const [label, p, m, reasonKeys] of cases) {
    it(`${label}: the data source grant is grant()'s, member for member`, async () => {
      const row =
        label === 'custom role'
          ? (['DataSourceUse'] as const)
          : label === 'tenant admin'
            ? MAY.updateDataSources
            : MAY.useDataSources;
      const d = await decisions.dataSource(p, 7, row, {
        found: { id: 7, workspaceId: 3, membership: m },
      });
      assert.equal(d.outcome, 'allowed');
      if (d.outcome !== 'allowed') return;
      assert.deepEqual(Object.keys(d.reason), reasonKeys);
      const expected = grant(p, d.reason, { id: 7, workspaceId: 3 });
      assert.deepEqual(Object.entries(d.grant), Object.entries(expected));
      const w = await decisions.workspace(p, 3, row);
      assert.equal(w.outcome, 'hidden'); // no membership fact: the workspace path still looks up
    });
  }

  it('tenant decisions keep their members', () => {
    const d = decisions.tenant(principal('owner'), MAY.useDataSources);
    assert.equal(d.outcome, 'allowed');
    if (d.outcome !== 'allowed') return;
    assert.deepEqual(d.reason, { code: 'tenant-owner', text: 'is the Tenant Owner' });
    assert.deepEqual(
      Object.entries(d.grant),
      Object.entries(grant(principal('owner'), d.reason, {})),
    );
  });

  it('parsed properties: one object per text, frozen, and a new text parses anew', () => {
    const cache = new ParsedProperties();
    const a = cache.get('{"envType":"Prod","address":[{"host":"h","port":1}]}');
    assert.equal(cache.get('{"envType":"Prod","address":[{"host":"h","port":1}]}'), a);
    assert.ok(Object.isFrozen(a));
    assert.ok(Object.isFrozen((a.address as object[])[0]));
    const b = cache.get('{"envType":"Prod","address":[{"host":"h","port":2}]}');
    assert.notEqual(b, a);
    assert.deepEqual(b, { envType: 'Prod', address: [{ host: 'h', port: 2 }] });
  });

  it('parsed properties: bounded', () => {
    const cache = new ParsedProperties();
    const first = cache.get('{"n":0}');
    for (let i = 1; i <= 300; i++) cache.get(`{"n":${i}}`);
    const again = cache.get('{"n":0}');
    assert.notEqual(again, first); // evicted, parsed again
    assert.deepEqual(again, first);
  });
});
