/**
 * What an operation tells the audit trail about its call. Domain services take a recorder and
 * write the success event inside their own transaction, so effect and record commit together.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface AuditTarget {
  workspaceId?: number | null;
  /**
   * The second workspace the event concerns (a share's target, the source of a data source
   * resolved through a share): its administrators find the event too (docs/DECISIONS.md).
   */
  relatedWorkspaceId?: number | null;
  targets?: Record<string, number | string>;
  detail?: string;
}

/** Records the call's audit event inside the caller's transaction, so effect and record commit together. */
export interface AuditRecorder {
  record(trx: Kysely<Database>, target: AuditTarget): Promise<void>;
  /** Targets known before failing, so a failed call's event names them too. */
  note(target: AuditTarget): void;
  /** The call's RequestId, for records that name the call (data source versions). */
  readonly requestId?: string;
}
