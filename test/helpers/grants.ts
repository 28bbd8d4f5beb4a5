/**
 * Grants for tests that exercise a domain service on its own, below the operations. In the
 * server only src/access/decisions.ts makes grants; a test that sets up data directly stands in
 * for a decision that allowed it.
 */
import type { Grant } from '../../src/access/decisions.js';

export function testGrant<T extends object>(
  facts: T & { userId: string; tenantId?: string },
): Grant<T> {
  return {
    tenantId: '',
    ...facts,
    reason: { code: 'tenant-owner', text: 'set up by a test' },
  } as unknown as Grant<T>;
}
