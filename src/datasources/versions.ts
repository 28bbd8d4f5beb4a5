/**
 * Data source versions (a dshub extension). Every create, clone-into, update, rollback, restore
 * and promote of a record writes a version in the transaction of the change: the whole record as
 * it is after the change, secrets still sealed exactly as the record holds them (sealed for the
 * record's id, so a version's secrets open only for that record), with who, when and RequestId.
 *
 * Versions are numbered 1, 2, ... per record; writes to a workspace are serialised by its data
 * source lock (list-index.ts), so `max + 1` cannot collide. A version outlives its record, so a
 * deleted record can be restored while its last version is retained.
 */
import type { Kysely } from 'kysely';
import type { Envelope } from '../crypto/envelope.js';
import type { JsonObject, JsonValue } from '../datasource-types/index.js';
import type { Db } from '../store/dialect.js';
import { paramRow } from '../store/prepared.js';
import type { Database, DataSourceTable, DataSourceVersionTable } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';
import { dataSourcePurpose, openSecrets } from './secret-box.js';

export type VersionChange =
  | 'Baseline'
  | 'Create'
  | 'Clone'
  | 'Update'
  | 'Rollback'
  | 'Restore'
  | 'Promote';

const VERSION_COLUMNS = [
  'data_source_id',
  'version',
  'project_id',
  'name',
  'env_type',
  'type',
  'mode',
  'properties',
  'secrets_sealed',
  'description',
  'qualified_name',
  'change',
  'detail',
  'create_time',
  'create_user',
  'request_id',
] as const satisfies readonly (keyof DataSourceVersionTable)[];

/** Every change writes one: compiled once (store/prepared.ts). */
const INSERT_VERSION = txStatement(
  'dshub_version_insert',
  (k) => k.insertInto('data_source_versions').values(paramRow(VERSION_COLUMNS)),
  VERSION_COLUMNS,
);

export type VersionRow = DataSourceVersionTable;

/** The fields of a record that a version keeps. */
export type VersionedFields = Pick<
  DataSourceTable,
  | 'project_id'
  | 'name'
  | 'env_type'
  | 'type'
  | 'mode'
  | 'properties'
  | 'secrets_sealed'
  | 'description'
  | 'qualified_name'
>;

/** What a diff compares: a version, or a record in the same shape (drift). */
export type Snapshot = Pick<
  VersionRow,
  | 'data_source_id'
  | 'env_type'
  | 'mode'
  | 'description'
  | 'qualified_name'
  | 'properties'
  | 'secrets_sealed'
>;

export interface VersionView {
  dataSourceId: number;
  version: number;
  workspaceId: number;
  name: string;
  envType: 'Dev' | 'Prod';
  type: string;
  mode: string;
  /** Secrets masked. */
  properties: JsonObject;
  description: string;
  qualifiedName: string;
  change: string;
  detail: string | null;
  createTime: number;
  createUser: string;
  requestId: string;
}

export interface Difference {
  field: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  secret: boolean;
  from?: JsonValue;
  to?: JsonValue;
}

export function versionView(r: VersionRow): VersionView {
  return {
    dataSourceId: Number(r.data_source_id),
    version: Number(r.version),
    workspaceId: Number(r.project_id),
    name: r.name,
    envType: r.env_type,
    type: r.type,
    mode: r.mode,
    properties: JSON.parse(r.properties) as JsonObject,
    description: r.description,
    qualifiedName: r.qualified_name,
    change: r.change,
    detail: r.detail,
    createTime: Number(r.create_time),
    createUser: r.create_user,
    requestId: r.request_id,
  };
}

const REWRAP_BATCH = 500;

export class VersionStore {
  constructor(
    private readonly db: Db,
    private readonly envelope: Envelope,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the record as it now is as its next version, in the caller's transaction. */
  async record(
    trx: Kysely<Database>,
    dataSourceId: number,
    change: VersionChange,
    who: { userId: string; requestId: string | undefined },
    detail?: string,
    /**
     * The record as just inserted, by a caller that knows it has no versions yet (a new id):
     * spares reading back the row and the newest version number.
     */
    inserted?: VersionedFields,
  ): Promise<number> {
    const row =
      inserted ??
      (await trx
        .selectFrom('data_sources')
        .selectAll()
        .where('id', '=', dataSourceId)
        .executeTakeFirstOrThrow());
    const version = inserted ? 1 : ((await this.current(trx, dataSourceId)) ?? 0) + 1;
    await INSERT_VERSION.run(trx, {
      data_source_id: dataSourceId,
      version,
      project_id: Number(row.project_id),
      name: row.name,
      env_type: row.env_type,
      type: row.type,
      mode: row.mode,
      properties: row.properties,
      secrets_sealed: row.secrets_sealed,
      description: row.description,
      qualified_name: row.qualified_name,
      change,
      detail: detail ?? null,
      create_time: this.now(),
      create_user: who.userId,
      request_id: who.requestId ?? '',
    });
    return version;
  }

  /** The newest version number of a record; undefined when none is retained. */
  async current(k: Kysely<Database>, dataSourceId: number): Promise<number | undefined> {
    const r = await k
      .selectFrom('data_source_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('data_source_id', '=', dataSourceId)
      .executeTakeFirst();
    return r?.v === null || r?.v === undefined ? undefined : Number(r.v);
  }

  async row(
    k: Kysely<Database>,
    dataSourceId: number,
    version: number,
  ): Promise<VersionRow | undefined> {
    return k
      .selectFrom('data_source_versions')
      .selectAll()
      .where('data_source_id', '=', dataSourceId)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  async latestRow(k: Kysely<Database>, dataSourceId: number): Promise<VersionRow | undefined> {
    return k
      .selectFrom('data_source_versions')
      .selectAll()
      .where('data_source_id', '=', dataSourceId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The workspace of a record known only by its versions (a deleted one). */
  async locate(dataSourceId: number): Promise<{ workspaceId: number } | undefined> {
    const r = await this.latestRow(this.db.kysely, dataSourceId);
    return r && { workspaceId: Number(r.project_id) };
  }

  async get(dataSourceId: number, version: number): Promise<VersionView | undefined> {
    const r = await this.row(this.db.kysely, dataSourceId, version);
    return r && versionView(r);
  }

  /** One page, newest first. */
  async list(
    dataSourceId: number,
    pageNumber: number,
    pageSize: number,
  ): Promise<{ total: number; versions: VersionView[] }> {
    const k = this.db.kysely;
    const { n } = await k
      .selectFrom('data_source_versions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('data_source_id', '=', dataSourceId)
      .executeTakeFirstOrThrow();
    // Version numbers are dense from the oldest retained one, so a page is a key range.
    const rows = await k
      .selectFrom('data_source_versions')
      .selectAll()
      .where('data_source_id', '=', dataSourceId)
      .orderBy('version', 'desc')
      .limit(pageSize)
      .offset((pageNumber - 1) * pageSize)
      .execute();
    return { total: Number(n), versions: rows.map(versionView) };
  }

  /**
   * Field by field, `from` → `to`. Connection properties are compared leaf by leaf (paths like
   * `ConnectionProperties.address[0].host`); secrets are opened only to be compared and show as
   * changed or unchanged, never with a value.
   */
  diff(from: Snapshot, to: Snapshot): Difference[] {
    const out: Difference[] = [];
    const plain: [string, JsonValue, JsonValue][] = [
      ['EnvType', from.env_type, to.env_type],
      ['ConnectionPropertiesMode', from.mode, to.mode],
      ['Description', from.description, to.description],
      ['QualifiedName', from.qualified_name, to.qualified_name],
    ];
    for (const [field, a, b] of plain) {
      if (a !== b) out.push({ field, change: 'changed', secret: false, from: a, to: b });
    }
    // Each side's secrets are sealed for its own record (Dev and Prod are two records).
    const secretsA = secretMap(
      openSecrets(this.envelope, Number(from.data_source_id), from.secrets_sealed),
    );
    const secretsB = secretMap(
      openSecrets(this.envelope, Number(to.data_source_id), to.secrets_sealed),
    );
    const leavesA = leaves(JSON.parse(from.properties) as JsonValue, 'ConnectionProperties');
    const leavesB = leaves(JSON.parse(to.properties) as JsonValue, 'ConnectionProperties');
    const secretFields = new Set([...secretsA.keys(), ...secretsB.keys()]);
    const fields = [...new Set([...leavesA.keys(), ...leavesB.keys()])].filter(
      (f) => !secretFields.has(f),
    );
    for (const field of fields.sort()) {
      const a = leavesA.get(field);
      const b = leavesB.get(field);
      if (a === undefined) out.push({ field, change: 'added', secret: false, to: b as JsonValue });
      else if (b === undefined) out.push({ field, change: 'removed', secret: false, from: a });
      else if (JSON.stringify(a) !== JSON.stringify(b))
        out.push({ field, change: 'changed', secret: false, from: a, to: b });
    }
    for (const field of [...secretFields].sort()) {
      const same = JSON.stringify(secretsA.get(field)) === JSON.stringify(secretsB.get(field));
      out.push({ field, change: same ? 'unchanged' : 'changed', secret: true });
    }
    return out;
  }

  /**
   * Retention, swept with the audit trail: the newest `count` versions of each record, none
   * older than `days` (0 = no age limit) except the newest version of a record that still exists.
   */
  async sweep(retention: { count: number; days: number }): Promise<number> {
    const k = this.db.kysely;
    const byCount = await k
      .deleteFrom('data_source_versions as v')
      .where(
        (eb) =>
          eb
            .selectFrom('data_source_versions as w')
            .select((w) => w.fn.countAll().as('n'))
            .whereRef('w.data_source_id', '=', 'v.data_source_id')
            .whereRef('w.version', '>', 'v.version'),
        '>=',
        retention.count,
      )
      .executeTakeFirst();
    let n = Number(byCount.numDeletedRows);
    if (retention.days > 0) {
      const cutoff = this.now() - retention.days * 86_400_000;
      const byAge = await k
        .deleteFrom('data_source_versions as v')
        .where('v.create_time', '<', cutoff)
        .where((eb) =>
          eb.or([
            eb.not(
              eb.exists(
                eb
                  .selectFrom('data_sources as d')
                  .select('d.id')
                  .whereRef('d.id', '=', 'v.data_source_id'),
              ),
            ),
            eb.exists(
              eb
                .selectFrom('data_source_versions as w')
                .select('w.version')
                .whereRef('w.data_source_id', '=', 'v.data_source_id')
                .whereRef('w.version', '>', 'v.version'),
            ),
          ]),
        )
        .executeTakeFirst();
      n += Number(byAge.numDeletedRows);
    }
    return n;
  }

  /** Master key rotation: re-wraps versions' sealed secrets (idempotent, like the records'). */
  async rewrap(currentKeyId: string): Promise<number> {
    let changed = 0;
    let after: [number, number] = [0, 0];
    for (;;) {
      const [id, ver] = after;
      const rows = await this.db.kysely
        .selectFrom('data_source_versions')
        .select(['data_source_id', 'version', 'secrets_sealed'])
        .where('secrets_sealed', 'is not', null)
        .where((eb) =>
          eb.or([
            eb('data_source_id', '>', id),
            eb.and([eb('data_source_id', '=', id), eb('version', '>', ver)]),
          ]),
        )
        .orderBy('data_source_id')
        .orderBy('version')
        .limit(REWRAP_BATCH)
        .execute();
      if (rows.length === 0) return changed;
      const last = rows[rows.length - 1]!;
      after = [Number(last.data_source_id), Number(last.version)];
      for (const r of rows) {
        const sealed = r.secrets_sealed as string;
        if (this.envelope.keyIdOf(sealed) === currentKeyId) continue;
        const result = await this.db.kysely
          .updateTable('data_source_versions')
          .set({
            secrets_sealed: this.envelope.rewrap(
              sealed,
              dataSourcePurpose(Number(r.data_source_id)),
            ),
          })
          .where('data_source_id', '=', r.data_source_id)
          .where('version', '=', r.version)
          .where('secrets_sealed', '=', sealed)
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
    }
  }
}

function pathText(base: string, path: readonly string[]): string {
  return path.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : `${acc}.${seg}`), base);
}

function secretMap(
  entries: readonly { path: string[]; value: JsonValue }[],
): Map<string, JsonValue> {
  return new Map(entries.map((e) => [pathText('ConnectionProperties', e.path), e.value]));
}

/** Every leaf of a JSON value by its path text. */
function leaves(value: JsonValue, base: string, out = new Map<string, JsonValue>()) {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(base, []);
    for (const [i, v] of value.entries()) leaves(v, `${base}[${i}]`, out);
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0 && base !== 'ConnectionProperties') out.set(base, {});
    for (const [key, v] of entries) leaves(v as JsonValue, `${base}.${key}`, out);
  } else {
    out.set(base, value);
  }
  return out;
}
