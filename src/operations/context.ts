/**
 * What every handler gets: the caller, the services, its access guard and its audit recorder.
 * Built per request by src/wire/handle.ts.
 */
import type { AccessGuard } from '../access/access-guard.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Principal } from '../identity/principal.js';
import { operationDefiner } from '../registry/operation.js';
import type { Services } from '../services.js';

export interface OperationContext {
  requestId: string;
  principal: Principal;
  services: Services;
  access: AccessGuard;
  audit: AuditRecorder;
  sourceIp: string;
  /**
   * When the request arrived (`process.hrtime.bigint()`): what the store kept is served as
   * fresh as a read made then (`Db.readKept`).
   */
  arrivedAt: bigint;
}

export const defineOperation = operationDefiner<OperationContext>();
