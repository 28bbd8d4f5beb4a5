/**
 * Expiring sharing rules (a dshub extension: CreateDataSourceSharedRule's ExpireTime).
 *
 * An expired rule stops resolving the moment its time passes: every read filters on the time
 * itself, so nothing waits for a sweeper. What is left is bookkeeping: the rule is deleted and
 * exactly one audit event (`DataSourceSharedRuleExpired`) records its end, either by the first
 * read that meets it or by the periodic sweep, whichever comes first.
 *
 * "Exactly one" rests on the store, not on the process: the event is written in the same
 * transaction as a `DELETE ... WHERE id = ? AND expire_time <= now RETURNING`, and only the one
 * transaction that actually deletes the row gets it back. Two replicas (or a read and a sweep)
 * racing on one rule: on PostgreSQL the second DELETE waits for the first's row lock and then
 * finds nothing; SQLite has one writer. A rolled-back transaction takes both back together.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../store/dialect.js';
import type { Database } from '../store/schema.js';

/** The longest a rule may be given (stated in the API's description). */
export const MAX_SHARE_DAYS = 366;
export const MAX_SHARE_MS = MAX_SHARE_DAYS * 86_400_000;

/** The audit action of an expiry; the user is the system, not a caller. */
export const EXPIRED_ACTION = 'DataSourceSharedRuleExpired';
export const SYSTEM_USER = 'dshub';

/** Whether a rule row is past its time at `now`. */
export function isExpired(r: { expire_time: number | null }, now: number): boolean {
  return r.expire_time !== null && Number(r.expire_time) <= now;
}

/** Which rules to finish: some ids (those a read met), or every due one (the sweep). */
type Which = { ids: readonly number[] } | { due: number };

export class ShareExpiry {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Deletes the rules of `which` that are past their time, with one audit event each, in the
   * caller's transaction. Returns how many this call finished (0 when another got there first).
   */
  async finishWithin(trx: Kysely<Database>, which: Which, noticedBy: string): Promise<number> {
    const at = this.now();
    if ('ids' in which && which.ids.length === 0) return 0;
    const gone = await trx
      .deleteFrom('data_source_shared_rules')
      .where('expire_time', '<=', at)
      .$if('ids' in which, (q) => q.where('id', 'in', [...(which as { ids: number[] }).ids]))
      .$if('due' in which, (q) =>
        q.where('id', 'in', (eb) =>
          eb
            .selectFrom('data_source_shared_rules')
            .select('id')
            .where('expire_time', '<=', at)
            .orderBy('expire_time')
            .limit((which as { due: number }).due),
        ),
      )
      .returning([
        'id',
        'data_source_id',
        'source_project_id',
        'target_project_id',
        'shared_user',
        'env_type',
        'expire_time',
      ])
      .execute();
    if (gone.length === 0) return 0;
    const tenants = await trx
      .selectFrom('projects')
      .select(['id', 'tenant_id'])
      .where('id', 'in', [...new Set(gone.map((r) => Number(r.source_project_id)))])
      .execute();
    const tenantOf = new Map(tenants.map((t) => [Number(t.id), t.tenant_id]));
    await trx
      .insertInto('audit_events')
      .values(
        gone.map((r) => ({
          request_id: randomUUID().toUpperCase(),
          time: at,
          tenant_id: tenantOf.get(Number(r.source_project_id)) ?? '',
          user_id: SYSTEM_USER,
          access_key_id: '',
          action: EXPIRED_ACTION,
          project_id: Number(r.source_project_id),
          related_project_id: Number(r.target_project_id),
          targets: JSON.stringify({
            SharedRuleId: Number(r.id),
            DataSourceId: Number(r.data_source_id),
            TargetProjectId: Number(r.target_project_id),
            ...(r.shared_user !== null ? { SharedUser: r.shared_user } : {}),
          }),
          outcome: 'Success',
          detail: `EnvType=${r.env_type} ExpireTime=${r.expire_time} NoticedBy=${noticedBy}`,
          source_ip: null,
        })),
      )
      .execute();
    return gone.length;
  }

  /** Finishes rules a read met past their time, in a transaction of its own. */
  async finish(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.kysely.transaction().execute((trx) => this.finishWithin(trx, { ids }, 'read'));
  }

  /** The periodic sweep: every due rule, in batches, until none is left. */
  async sweep(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.kysely
        .transaction()
        .execute((trx) => this.finishWithin(trx, { due: batch }, 'sweep'));
      total += n;
      if (n < batch) return total;
    }
  }
}
