/**
 * The RAM operations' access checks beyond the tenant decision: "who may touch whom"
 * (src/access/ram-decisions.ts), enforced by the access guard like every other decision. The
 * grants are what the RAM service's writes take.
 */
import type { TenantGrant } from '../access/decisions.js';
import {
  decideRamHolders,
  decideRamUser,
  type RamAct,
  type RamHolder,
  type RamHoldersGrant,
} from '../access/ram-decisions.js';
import type { UserGrant } from '../users/ram-service.js';
import type { OperationContext } from './context.js';

/** The user the call names (the caller's own without a name), if the caller may `act` on it. */
export async function requireRamUser(
  ctx: OperationContext,
  name: string | undefined,
  act: RamAct,
): Promise<UserGrant> {
  const tenant = ctx.access.requireTenant();
  const target = await ctx.services.ram.target(tenant, ctx.principal, name);
  ctx.audit.note({ targets: { UserId: target.id, UserName: target.row.name } });
  return ctx.access.enforce(decideRamUser(ctx.principal, tenant, target, act));
}

/** The decision on a policy's holders, for the service to ask inside its transaction. */
export function ramHoldersAuthorizer(
  ctx: OperationContext,
  tenant: TenantGrant,
): (holders: readonly RamHolder[]) => RamHoldersGrant {
  return (holders) => ctx.access.enforce(decideRamHolders(ctx.principal, tenant, holders));
}
