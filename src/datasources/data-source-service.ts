/**
 * Data sources: one record per (workspace, name, environment). Rules live here; the type
 * registry (src/datasource-types) owns the ConnectionProperties schemas, secrets and
 * QualifiedName; list-index.ts owns the name groups that ListDataSources pages over.
 *
 * Every change runs in one transaction that first reads the workspace row (a key-share lock on
 * PostgreSQL, so a concurrent workspace delete waits instead of deadlocking with us), then locks
 * the workspace's data source state, then writes the record, its group and its audit event.
 */
import { type Insertable, type Kysely, sql } from 'kysely';
import type { DataSourceGrant, WorkspaceGrant } from '../access/decisions.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Envelope } from '../crypto/envelope.js';
import {
  type EnvType,
  findDataSourceType,
  type JsonObject,
  joinSecrets,
  maskSecrets,
  mergeForUpdate,
  qualifiedName,
  type SecretEntry,
  splitSecrets,
  validateConnectionProperties,
} from '../datasource-types/index.js';
import { cloneJson, deleteAt, getAt, setAt } from '../datasource-types/json.js';
import { type ApiError, errors, isApiError } from '../errors.js';
import type { Db, DialectName } from '../store/dialect.js';
import { isUniqueViolation, translateStoreError } from '../store/errors.js';
import { type Prepared, param, paramList, paramRow, prepare } from '../store/prepared.js';
import type { Database, DataSourceRow, DataSourceTable } from '../store/schema.js';
import { txStatement } from '../store/tx-statement.js';
import type { KeptValue } from '../store/unchanged-reads.js';
import { type DriftEntry, driftLevel, driftOf } from './drift.js';
import {
  addRecord,
  ENV_BIT,
  GroupTypeMismatch,
  lockWorkspace,
  moveRecord,
  removeRecord,
} from './list-index.js';
import { type PageQuery, pageGroups } from './list-page.js';
import { openSecrets, sealSecrets } from './secret-box.js';
import { carriesAllTags, replaceTags, splitTagList, tagListColumn, tagsOf } from './tags.js';
import { type VersionedFields, VersionStore } from './versions.js';

/** A name with both a Dev and a Prod record: the only kind that can drift. */
const BOTH_ENVS = ENV_BIT.Dev | ENV_BIT.Prod;

export interface Actor {
  userId: string;
}

/** Who made a change, for its version: the caller and the call's RequestId. */
/** The audit detail of a call that set tags (tags are labels, never secrets). */
function tagDetail(tags: readonly string[] | undefined): { detail?: string } {
  return tags === undefined ? {} : { detail: `Tags=${tags.join(',')}` };
}

function who(actor: Actor, audit: AuditRecorder) {
  return { userId: actor.userId, requestId: audit.requestId };
}

/** A record as Get and List show it: secrets masked. */
export interface DataSourceView {
  id: number;
  workspaceId: number;
  name: string;
  type: string;
  mode: string;
  envType: EnvType;
  properties: JsonObject;
  description: string;
  qualifiedName: string;
  createTime: number;
  createUser: string;
  modifyTime: number;
  modifyUser: string;
  /** The record's tags, sorted; set where the read fetched them (Get, List). */
  tags?: string[];
}

export interface DataSourceGroupView {
  name: string;
  type: string;
  records: DataSourceView[];
}

/** One ListDataSources page: the count of name groups after the filters, and the page's. */
export interface DataSourcePage {
  pageNumber: number;
  pageSize: number;
  total: number;
  groups: DataSourceGroupView[];
}

export interface CreateInput {
  name: string;
  type: string;
  mode: string;
  properties: Record<string, unknown>;
  description?: string | undefined;
  /** Distinct, validated tags (tags.ts); omitted: none. */
  tags?: readonly string[] | undefined;
}

export interface UpdateInput {
  properties: Record<string, unknown>;
  mode?: string | undefined;
  description?: string | undefined;
  /** The record's new tags, replacing the old ones ([] clears); omitted: kept. */
  tags?: readonly string[] | undefined;
}

/** What a record is, for access decisions before any change. */
export interface DataSourceRef {
  id: number;
  workspaceId: number;
}

type PublicRow = Omit<DataSourceRow, 'secrets_sealed'>;

/** What writes need to know of the workspace. */
interface WorkspaceRow {
  tenant_id: string;
  dev_environment_enabled: number;
}

/** A record's columns as written (its secrets are sealed apart). */
const RECORD_COLUMNS = [
  'project_id',
  'name',
  'env_type',
  'type',
  'mode',
  'properties',
  'description',
  'qualified_name',
  'create_time',
  'create_user',
  'modify_time',
  'modify_user',
] as const satisfies readonly (keyof DataSourceTable)[];

const PUBLIC_COLUMNS = ['id', ...RECORD_COLUMNS] as const;

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function checkTypeAndMode(type: string, mode: string): void {
  const info = findDataSourceType(type);
  if (!info) {
    const hint = findDataSourceType(type.toLowerCase())
      ? ` Did you mean "${type.toLowerCase()}"?`
      : '';
    throw errors.invalidParameter(
      'Type',
      `${quote(type)} is not a data source type dshub knows.${hint} ListDataSourceTypes lists them.`,
    );
  }
  if (!info.modes.includes(mode)) {
    throw errors.invalidParameter(
      'ConnectionPropertiesMode',
      `type ${type} supports ${info.modes.join(', ')}, not ${quote(mode)}.`,
    );
  }
}

/** Validates and normalises; the message names the JSON path and the rule, never a value. */
function validated(type: string, mode: string, props: JsonObject) {
  const result = validateConnectionProperties(type, mode, props);
  if (!result.ok) {
    throw errors.invalidParameter(
      'ConnectionProperties',
      `${result.message} (rule: ${result.rule}).`,
    );
  }
  return result;
}

/** The two stored forms: the masked JSON (what Get shows) and the secrets (what gets sealed). */
function storedForms(type: string, mode: string, value: JsonObject) {
  return {
    properties: JSON.stringify(maskSecrets(type, mode, value)),
    secrets: splitSecrets(type, mode, value).secrets,
  };
}

function devRefused(workspaceId: number): ApiError {
  return errors.invalidParameter(
    'EnvType',
    `ConnectionProperties.envType is Dev, but workspace ${workspaceId} is in basic mode (DevEnvironmentEnabled=false) and has only a Prod environment.`,
  );
}

function nameTaken(workspaceId: number, name: string, env: EnvType): ApiError {
  return errors.conflict(
    'DataSourceName',
    `A data source named ${quote(name)} already has a ${env} record in workspace ${workspaceId}: names are unique per workspace and environment. Update that record (UpdateDataSource) or choose another name.`,
  );
}

function snapshot(r: DataSourceRow) {
  return { ...r, data_source_id: r.id };
}

/** `ConnectionProperties.address[0].host` → ['address', '0', 'host']; undefined if malformed. */
function parseFieldPath(field: string): string[] | undefined {
  const m = /^ConnectionProperties((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)$/.exec(field);
  if (!m) return undefined;
  return [...m[1]!.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)].map((x) => x[1] ?? x[2]!);
}

export function toView(row: PublicRow): DataSourceView {
  return viewOf(row, JSON.parse(row.properties) as JsonObject);
}

function viewOf(row: PublicRow, properties: JsonObject, tags?: string[]): DataSourceView {
  const view: DataSourceView = {
    id: Number(row.id),
    workspaceId: Number(row.project_id),
    name: row.name,
    type: row.type,
    mode: row.mode,
    envType: row.env_type,
    properties,
    description: row.description,
    qualifiedName: row.qualified_name,
    createTime: Number(row.create_time),
    createUser: row.create_user,
    modifyTime: Number(row.modify_time),
    modifyUser: row.modify_user,
  };
  if (tags !== undefined) view.tags = tags;
  return view;
}

/** Stored texts longer than this are parsed on every read instead of kept (memory bound). */
const PARSED_TEXT_MAX = 4096;
/** Distinct texts kept; the oldest goes first (about 1 MB of text at most). */
const PARSED_ENTRIES_MAX = 256;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The stored ConnectionProperties (already masked when written, so no secret is held here),
 * parsed once per distinct text rather than on every GetDataSource: parsing was the largest
 * cost of the read outside the statement itself. Keyed by the text, so an update (a new text)
 * can never be answered with an old value. The objects are frozen: they are shared by every
 * answer of that text, and the answer only serialises them.
 */
export class ParsedProperties {
  private readonly byText = new Map<string, JsonObject>();

  get(text: string): JsonObject {
    const hit = this.byText.get(text);
    if (hit !== undefined) return hit;
    const parsed = JSON.parse(text) as JsonObject;
    if (text.length > PARSED_TEXT_MAX) return parsed;
    if (this.byText.size >= PARSED_ENTRIES_MAX) {
      this.byText.delete(this.byText.keys().next().value as string);
    }
    this.byText.set(text, deepFreeze(parsed));
    return parsed;
  }
}

/**
 * The workspace's tenant and flags, one of the caller's roles there (null: none) and, for a
 * custom role, its module permissions: a workspaces/directory.ts MembershipRow.
 */
export interface CallerAccessRow {
  tenant_id: string;
  dev_role_disabled: number;
  status: string;
  role_code: string | null;
  module_permissions: string | null;
}

type ReadForCallerRow = PublicRow & CallerAccessRow & { tag_list: string | null };

/** A record read with its caller's roles (getForCaller). */
export interface ForCaller {
  view: DataSourceView;
  access: CallerAccessRow[];
  /**
   * Made from rows the store kept (store/unchanged-reads.ts): the same object is returned for
   * as long as the database is unchanged, so what is derived from it may be kept beside it.
   * Nothing in it may be changed.
   */
  kept: boolean;
}

/** A record's columns as an insert takes them: the sealed secrets and the stamps are added there. */
type NewRecord = Omit<
  Insertable<DataSourceTable>,
  'secrets_sealed' | 'create_time' | 'create_user' | 'modify_time' | 'modify_user'
>;

/** The records of a page's names (one statement for all of them). */
function recordsOfNames(
  k: Kysely<Database>,
  dialect: DialectName,
  workspaceId: number,
  names: readonly string[],
) {
  return (
    k
      .selectFrom('data_sources')
      .select(PUBLIC_COLUMNS)
      // Each record's tags in the same statement (a primary-key probe per record), not a second.
      .select(tagListColumn(dialect, 'data_sources.id').as('tag_list'))
      .where('project_id', '=', workspaceId)
      .where('name', 'in', names)
  );
}

/** `recordsOfNames` without filters, compiled once per dialect and number of names. */
const RECORDS_OF_NAMES = txStatement(
  'dshub_records_of_names',
  (k, key: `${DialectName}:${number}`) => {
    const [dialect, n] = key.split(':') as [DialectName, string];
    return recordsOfNames(
      k,
      dialect,
      param<number>('workspaceId'),
      paramList<string>('names', Number(n)),
    );
  },
  ['workspaceId', 'names'],
);

// The statements of every CreateDataSource, compiled once (store/prepared.ts).

/** The record without its secrets: they are sealed under the id this returns. */
const INSERT_RECORD = txStatement(
  'dshub_data_source_insert',
  (k) =>
    k
      .insertInto('data_sources')
      .values({ ...paramRow(RECORD_COLUMNS), secrets_sealed: null })
      .returning('id'),
  RECORD_COLUMNS,
);

const SET_SEALED = txStatement(
  'dshub_data_source_set_sealed',
  (k) =>
    k
      .updateTable('data_sources')
      .set({ secrets_sealed: param<string>('sealed') })
      .where('id', '=', param<number>('id')),
  ['id', 'sealed'],
);

/** The workspace a write starts with; a key-share lock on PostgreSQL (see the module comment). */
const WORKSPACE_FOR_WRITE = txStatement(
  'dshub_workspace_for_write',
  (k, dialect: DialectName) =>
    k
      .selectFrom('projects')
      .select(['tenant_id', 'dev_environment_enabled'])
      .where('id', '=', param<number>('workspaceId'))
      .$if(dialect === 'postgres', (q) => q.forKeyShare()),
  ['workspaceId'],
);

export class DataSourceService {
  /**
   * GetDataSource's one round trip: the record, its workspace, and the caller's roles there
   * (one row per role), compiled once.
   */
  private readonly readForCaller: Prepared<ReadForCallerRow, 'id' | 'userId'>;
  /** GetDataSource's parsed ConnectionProperties, by stored text. */
  private readonly parsed = new ParsedProperties();
  /** What getForCaller made of rows the store kept: the same rows give the same result. */
  private readonly keptForCaller = new WeakMap<readonly ReadForCallerRow[], ForCaller>();

  readonly versions: VersionStore;

  constructor(
    private readonly db: Db,
    private readonly envelope: Envelope,
    private readonly regionId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.versions = new VersionStore(db, envelope, now);
    this.readForCaller = prepare(
      db,
      'dshub_data_source_for_caller',
      db.kysely
        .selectFrom('data_sources as d')
        .innerJoin('projects as p', 'p.id', 'd.project_id')
        .leftJoin('project_member_roles as r', (j) =>
          j
            .onRef('r.project_id', '=', 'd.project_id')
            .on('r.user_id', '=', param<string>('userId')),
        )
        .leftJoin('project_roles as c', (j) =>
          j.onRef('c.project_id', '=', 'd.project_id').onRef('c.code', '=', 'r.role_code'),
        )
        .select(PUBLIC_COLUMNS.map((c) => `d.${c}` as const))
        .select([
          'p.tenant_id',
          'p.status',
          'p.dev_role_disabled',
          'r.role_code',
          'c.module_permissions',
          tagListColumn(db.dialect, 'd.id').as('tag_list'),
        ])
        .where('d.id', '=', param<number>('id')),
      ['id', 'userId'],
      { keepWhileUnchanged: true },
    );
  }

  /**
   * A record with what its access decision needs, from one query: the rows of the caller's
   * roles in its workspace (see workspaces/directory.ts), or undefined when there is no record.
   */
  async getForCaller(id: number, userId: string): Promise<ForCaller | undefined> {
    const { rows, kept } = await this.readForCaller.run({ id, userId });
    if (rows.length === 0) return undefined;
    const known = kept ? this.keptForCaller.get(rows) : undefined;
    if (known) return known;
    const row = rows[0]!;
    const view = viewOf(row, this.parsed.get(row.properties), splitTagList(row.tag_list));
    const found = { view, access: rows, kept: kept === true };
    if (kept) this.keptForCaller.set(rows, found);
    return found;
  }

  /** The record's workspace, for the caller's access check; undefined when there is none. */
  async locate(id: number): Promise<DataSourceRef | undefined> {
    const row = await this.db.kysely
      .selectFrom('data_sources')
      .select(['id', 'project_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { id: Number(row.id), workspaceId: Number(row.project_id) };
  }

  async get(id: number): Promise<DataSourceView | undefined> {
    const row = await this.db.kysely
      .selectFrom('data_sources')
      .select(PUBLIC_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toView(row);
  }

  /** A new record in the workspace of the grant. */
  async create(grant: WorkspaceGrant, input: CreateInput, audit: AuditRecorder): Promise<number> {
    const actor = grant;
    checkTypeAndMode(input.type, input.mode);
    // A masked placeholder is never stored as a secret: treat it as not given.
    const given = mergeForUpdate(input.type, input.mode, input.properties as JsonObject, {});
    const { value, envType } = validated(input.type, input.mode, given);
    const { properties, secrets } = storedForms(input.type, input.mode, value);
    const pid = grant.workspaceId;
    return this.write(pid, async (trx, workspace) => {
      const { id, stored, envMask } = await this.insertNew(trx, workspace, actor, secrets, {
        project_id: pid,
        name: input.name,
        env_type: envType,
        type: input.type,
        mode: input.mode,
        properties,
        description: input.description ?? '',
        qualified_name: this.qualifiedName(workspace.tenant_id, input.type, input.mode, value),
      });
      if (input.tags?.length) await replaceTags(trx, { id, workspaceId: pid }, input.tags);
      // A new id has no versions, and the row is the one just written: no read-back.
      await this.versions.record(trx, id, 'Create', who(actor, audit), undefined, stored);
      // A name with one record is created without drift; only a completed pair has any.
      if (envMask === BOTH_ENVS) await this.refreshDrift(trx, pid, input.name);
      await audit.record(trx, {
        workspaceId: pid,
        targets: { DataSourceId: id },
        ...tagDetail(input.tags),
      });
      return id;
    });
  }

  /**
   * CloneDataSource: the record `source` names, copied under `name` in the same workspace and
   * environment, secrets included (re-sealed under the clone's own id); the caller creates it.
   */
  async clone(source: DataSourceGrant, name: string, audit: AuditRecorder): Promise<number> {
    return this.write(source.workspaceId, async (trx, workspace) => {
      const row = await trx
        .selectFrom('data_sources')
        .selectAll()
        .where('id', '=', source.id)
        .where('project_id', '=', source.workspaceId)
        .executeTakeFirst();
      if (!row) throw errors.dataSourceNotFound(source.id);
      const id = await this.insert(
        trx,
        workspace,
        source,
        openSecrets(this.envelope, row.id, row.secrets_sealed),
        {
          project_id: row.project_id,
          name,
          env_type: row.env_type,
          type: row.type,
          mode: row.mode,
          properties: row.properties,
          description: row.description,
          qualified_name: row.qualified_name,
        },
      );
      // A clone is a copy of the record: its tags come along.
      const tags = (await tagsOf(trx, [Number(row.id)])).get(Number(row.id)) ?? [];
      await replaceTags(trx, { id, workspaceId: source.workspaceId }, tags);
      await this.versions.record(
        trx,
        id,
        'Clone',
        who(source, audit),
        `SourceDataSourceId=${row.id}`,
      );
      await this.refreshDrift(trx, source.workspaceId, name);
      await audit.record(trx, {
        workspaceId: source.workspaceId,
        targets: { DataSourceId: id, SourceDataSourceId: row.id },
      });
      return id;
    });
  }

  /**
   * One record with its secrets in clear, inside the caller's transaction: only for
   * ResolveDataSource, which has decided access and audits the call in that transaction.
   */
  async reveal(
    trx: Kysely<Database>,
    by: { id: number } | { workspaceId: number; name: string; envType: EnvType },
  ): Promise<DataSourceView | undefined> {
    const row = await trx
      .selectFrom('data_sources')
      .selectAll()
      .$if('id' in by, (q) => q.where('id', '=', (by as { id: number }).id))
      .$if(!('id' in by), (q) => {
        const n = by as { workspaceId: number; name: string; envType: EnvType };
        return q
          .where('project_id', '=', n.workspaceId)
          .where('name', '=', n.name)
          .where('env_type', '=', n.envType);
      })
      .executeTakeFirst();
    if (!row) return undefined;
    const view = toView(row);
    view.properties = joinSecrets(
      view.properties,
      openSecrets(this.envelope, row.id, row.secrets_sealed),
    );
    return view;
  }

  /** Inserts a record and its group entry; the secrets are sealed under the new id. */
  private async insert(
    trx: Kysely<Database>,
    workspace: WorkspaceRow,
    actor: Actor,
    secrets: readonly SecretEntry[],
    record: NewRecord,
  ): Promise<number> {
    return (await this.insertNew(trx, workspace, actor, secrets, record)).id;
  }

  /** `insert`, also returning the stored fields and the name's environments afterwards. */
  private async insertNew(
    trx: Kysely<Database>,
    workspace: WorkspaceRow,
    actor: Actor,
    secrets: readonly SecretEntry[],
    record: NewRecord,
  ): Promise<{ id: number; stored: VersionedFields; envMask: number }> {
    const pid = record.project_id;
    if (record.env_type === 'Dev' && !workspace.dev_environment_enabled) throw devRefused(pid);
    const at = this.now();
    let id: number;
    try {
      const { rows } = await INSERT_RECORD.run(trx, {
        project_id: pid,
        name: record.name,
        env_type: record.env_type,
        type: record.type,
        mode: record.mode,
        properties: record.properties,
        description: record.description,
        qualified_name: record.qualified_name,
        create_time: at,
        create_user: actor.userId,
        modify_time: at,
        modify_user: actor.userId,
      });
      id = Number(rows[0]!.id);
    } catch (e) {
      throw isUniqueViolation(e) ? nameTaken(pid, record.name, record.env_type) : e;
    }
    // Sealed once the id exists: the id is bound into the envelope as its purpose.
    const sealed = sealSecrets(this.envelope, id, secrets);
    if (sealed !== null) await SET_SEALED.run(trx, { id, sealed });
    const envMask = await addRecord(trx, {
      workspaceId: pid,
      name: record.name,
      type: record.type,
      env: record.env_type,
      id,
    });
    const stored: VersionedFields = {
      project_id: pid,
      name: record.name,
      env_type: record.env_type,
      type: record.type,
      mode: record.mode,
      properties: record.properties,
      secrets_sealed: sealed,
      description: record.description,
      qualified_name: record.qualified_name,
    };
    return { id, stored, envMask };
  }

  async update(grant: DataSourceGrant, input: UpdateInput, audit: AuditRecorder): Promise<void> {
    const actor = grant;
    const pid = grant.workspaceId;
    await this.write(pid, async (trx, workspace) => {
      const row = await trx
        .selectFrom('data_sources')
        .selectAll()
        .where('id', '=', grant.id)
        .where('project_id', '=', pid)
        .executeTakeFirst();
      if (!row) throw errors.dataSourceNotFound(grant.id);
      const mode = input.mode ?? row.mode;
      checkTypeAndMode(row.type, mode);
      const stored = joinSecrets(
        JSON.parse(row.properties) as JsonObject,
        openSecrets(this.envelope, row.id, row.secrets_sealed),
      );
      const merged = mergeForUpdate(row.type, mode, input.properties as JsonObject, stored);
      const { value, envType } = validated(row.type, mode, merged);
      if (envType !== row.env_type && envType === 'Dev' && !workspace.dev_environment_enabled) {
        throw devRefused(pid);
      }
      const { properties, secrets } = storedForms(row.type, mode, value);
      try {
        await trx
          .updateTable('data_sources')
          .set({
            env_type: envType,
            mode,
            properties,
            secrets_sealed: sealSecrets(this.envelope, row.id, secrets),
            ...(input.description !== undefined ? { description: input.description } : {}),
            qualified_name: this.qualifiedName(workspace.tenant_id, row.type, mode, value),
            modify_time: this.now(),
            modify_user: actor.userId,
          })
          .where('id', '=', row.id)
          .execute();
      } catch (e) {
        throw isUniqueViolation(e) ? nameTaken(pid, row.name, envType) : e;
      }
      if (envType !== row.env_type) {
        await moveRecord(trx, {
          workspaceId: pid,
          name: row.name,
          from: row.env_type,
          to: envType,
        });
      }
      if (input.tags !== undefined) {
        await replaceTags(trx, { id: row.id, workspaceId: pid }, input.tags);
      }
      await this.versions.record(trx, row.id, 'Update', who(actor, audit));
      await this.refreshDrift(trx, pid, row.name);
      await audit.record(trx, {
        workspaceId: pid,
        targets: { DataSourceId: row.id },
        ...tagDetail(input.tags),
      });
    });
  }

  /**
   * RollbackDataSource: the record becomes what version `version` was (connection, sealed
   * secrets, mode, environment, description), itself a new version. `seen` is the version the
   * caller last saw: if the record has changed since, nothing happens (optimistic concurrency,
   * checked under the workspace's write lock).
   */
  async rollback(
    grant: DataSourceGrant,
    to: { version: number; seen: number },
    audit: AuditRecorder,
  ): Promise<number> {
    return this.write(grant.workspaceId, async (trx, workspace) => {
      const row = await trx
        .selectFrom('data_sources')
        .select(['id', 'name', 'env_type'])
        .where('id', '=', grant.id)
        .where('project_id', '=', grant.workspaceId)
        .executeTakeFirst();
      if (!row) throw errors.dataSourceNotFound(grant.id);
      const current = await this.versions.current(trx, row.id);
      if (current !== to.seen) {
        throw errors.conflict(
          'DataSourceChanged',
          `Data source ${row.id} is at version ${current ?? 'none'}, not ${to.seen} (the CurrentVersion you sent): it changed since you looked. Read it again (ListDataSourceVersions, DiffDataSourceVersions) and retry with its current version.`,
        );
      }
      const target = await this.versions.row(trx, row.id, to.version);
      if (!target) throw errors.dataSourceVersionNotFound(row.id, to.version);
      await this.applyVersion(trx, workspace, grant, grant.workspaceId, row, target);
      await this.refreshDrift(trx, grant.workspaceId, row.name);
      await audit.record(trx, {
        workspaceId: grant.workspaceId,
        targets: { DataSourceId: row.id },
        detail: `Version=${to.version}`,
      });
      return this.versions.record(trx, row.id, 'Rollback', who(grant, audit), `From=${to.version}`);
    });
  }

  /**
   * RestoreDataSource: a deleted record comes back, under its own id, as its last retained
   * version was (a new version). Its sharing rules went with it and do not come back.
   */
  async restore(grant: DataSourceGrant, audit: AuditRecorder): Promise<number> {
    const { id, workspaceId } = grant;
    const actor = grant;
    return this.write(workspaceId, async (trx, workspace) => {
      const exists = await trx
        .selectFrom('data_sources')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (exists) {
        throw errors.conflict(
          'DataSourceExists',
          `Data source ${id} exists: only a deleted data source can be restored. RollbackDataSource takes an existing one back to an earlier version.`,
        );
      }
      const last = await this.versions.latestRow(trx, id);
      if (!last || Number(last.project_id) !== workspaceId) throw errors.dataSourceNotFound(id);
      if (last.env_type === 'Dev' && !workspace.dev_environment_enabled)
        throw devRefused(workspaceId);
      const at = this.now();
      try {
        await trx
          .insertInto('data_sources')
          .values({
            id,
            project_id: workspaceId,
            name: last.name,
            env_type: last.env_type,
            type: last.type,
            mode: last.mode,
            properties: last.properties,
            // Sealed for this id, which the record gets back.
            secrets_sealed: last.secrets_sealed,
            description: last.description,
            qualified_name: last.qualified_name,
            create_time: at,
            create_user: actor.userId,
            modify_time: at,
            modify_user: actor.userId,
          } as Insertable<DataSourceTable>)
          .execute();
      } catch (e) {
        throw isUniqueViolation(e) ? nameTaken(workspaceId, last.name, last.env_type) : e;
      }
      await addRecord(trx, {
        workspaceId,
        name: last.name,
        type: last.type,
        env: last.env_type,
        id,
      });
      await this.refreshDrift(trx, workspaceId, last.name);
      await audit.record(trx, {
        workspaceId: workspaceId,
        targets: { DataSourceId: id },
        detail: `Version=${last.version}`,
      });
      return this.versions.record(trx, id, 'Restore', who(actor, audit), `From=${last.version}`);
    });
  }

  /** The Dev and Prod records of a name, with their sealed secrets. */
  private async pair(k: Kysely<Database>, workspaceId: number, name: string) {
    const rows = await k
      .selectFrom('data_sources')
      .selectAll()
      .where('project_id', '=', workspaceId)
      .where('name', '=', name)
      .execute();
    return {
      dev: rows.find((r) => r.env_type === 'Dev'),
      prod: rows.find((r) => r.env_type === 'Prod'),
    };
  }

  /**
   * Keeps a name's Dev/Prod drift in its group row (ListDataSources' Drift filter), in the
   * transaction that changed one of its records. Both records are read sealed and compared as
   * GetDataSourceDrift compares them.
   */
  private async refreshDrift(trx: Kysely<Database>, workspaceId: number, name: string) {
    const { dev, prod } = await this.pair(trx, workspaceId, name);
    const drift =
      dev && prod ? driftLevel(driftOf(this.versions.diff(snapshot(dev), snapshot(prod)))) : 0;
    await trx
      .updateTable('data_source_groups')
      .set({ drift })
      .where('project_id', '=', workspaceId)
      .where('name', '=', name)
      .execute();
  }

  /**
   * Computes the drift of names that have none yet (those with both records when migration
   * 0011 ran, or after an index rebuild), a batch at a time, each under its workspace's write
   * lock. Returns how many it computed; run at start-up and by housekeeping until none remain.
   */
  async backfillDrift(batch = 200): Promise<number> {
    const due = await this.db.kysely
      .selectFrom('data_source_groups')
      .select(['project_id', 'name'])
      .where(sql<boolean>`drift is null`)
      .limit(batch)
      .execute();
    for (const g of due) {
      await this.write(Number(g.project_id), (trx) =>
        this.refreshDrift(trx, Number(g.project_id), g.name),
      );
    }
    return due.length;
  }

  /** GetDataSourceDrift: how the Dev and Prod records of a name differ (undefined: no such name). */
  async drift(
    workspaceId: number,
    name: string,
  ): Promise<{ devId?: number; prodId?: number; differences: DriftEntry[] } | undefined> {
    const { dev, prod } = await this.pair(this.db.kysely, workspaceId, name);
    if (!dev && !prod) return undefined;
    if (!dev || !prod) {
      return {
        ...(dev ? { devId: dev.id } : {}),
        ...(prod ? { prodId: prod.id } : {}),
        differences: [],
      };
    }
    const differences = driftOf(this.versions.diff(snapshot(dev), snapshot(prod)));
    return { devId: dev.id, prodId: prod.id, differences };
  }

  /**
   * PromoteDataSource: copies chosen fields from one environment's record to the other's, as one
   * transaction that validates the result, writes a version (Promote) and the audit event.
   * Fields: ConnectionPropertiesMode, Description, or ConnectionProperties.<path> (secrets too,
   * copied sealed-to-sealed without leaving the server).
   */
  async promote(
    actor: Actor,
    input: { workspaceId: number; name: string; from: EnvType; fields: readonly string[] },
    audit: AuditRecorder,
  ): Promise<{ id: number; version: number }> {
    const pid = input.workspaceId;
    return this.write(pid, async (trx, workspace) => {
      const { dev, prod } = await this.pair(trx, pid, input.name);
      const source = input.from === 'Dev' ? dev : prod;
      const target = input.from === 'Dev' ? prod : dev;
      if (!source || !target) {
        throw errors.invalidParameter(
          'Name',
          `${quote(input.name)} needs both a Dev and a Prod record in workspace ${pid} to promote; it has ${[dev && 'Dev', prod && 'Prod'].filter(Boolean).join(' and ') || 'neither'}.`,
        );
      }
      const full = (r: typeof source) =>
        joinSecrets(
          JSON.parse(r.properties) as JsonObject,
          openSecrets(this.envelope, r.id, r.secrets_sealed),
        );
      const from = full(source);
      const merged = full(target);
      let mode = target.mode;
      let description = target.description;
      for (const field of input.fields) {
        if (field === 'ConnectionPropertiesMode') mode = source.mode;
        else if (field === 'Description') description = source.description;
        else {
          const path = parseFieldPath(field);
          if (!path || path[0] === 'envType') {
            throw errors.invalidParameter(
              'Fields',
              `${quote(field)} is not a field that can be promoted: use ConnectionPropertiesMode, Description or ConnectionProperties.<path> (not envType).`,
            );
          }
          const value = getAt(from, path);
          if (value === undefined) deleteAt(merged, path);
          else setAt(merged, path, cloneJson(value));
        }
      }
      checkTypeAndMode(target.type, mode);
      const { value, envType } = validated(target.type, mode, merged);
      if (envType !== target.env_type) {
        throw errors.invalidParameter('Fields', 'the promoted record must keep its environment.');
      }
      const { properties, secrets } = storedForms(target.type, mode, value);
      await trx
        .updateTable('data_sources')
        .set({
          mode,
          properties,
          secrets_sealed: sealSecrets(this.envelope, target.id, secrets),
          description,
          qualified_name: this.qualifiedName(workspace.tenant_id, target.type, mode, value),
          modify_time: this.now(),
          modify_user: actor.userId,
        })
        .where('id', '=', target.id)
        .execute();
      await this.refreshDrift(trx, pid, input.name);
      const detail = `From=${input.from} Fields=${input.fields.join(',')}`;
      const version = await this.versions.record(
        trx,
        target.id,
        'Promote',
        who(actor, audit),
        detail,
      );
      await audit.record(trx, {
        workspaceId: pid,
        targets: { DataSourceId: target.id, SourceDataSourceId: source.id },
        detail,
      });
      return { id: target.id, version };
    });
  }

  /** Makes the record what a version (or a promoted state) says, keeping name, type and id. */
  private async applyVersion(
    trx: Kysely<Database>,
    workspace: WorkspaceRow,
    actor: Actor,
    pid: number,
    row: { id: number; name: string; env_type: EnvType },
    to: {
      env_type: EnvType;
      mode: string;
      properties: string;
      secrets_sealed: string | null;
      description: string;
      qualified_name: string;
    },
  ): Promise<void> {
    if (
      to.env_type !== row.env_type &&
      to.env_type === 'Dev' &&
      !workspace.dev_environment_enabled
    ) {
      throw devRefused(pid);
    }
    try {
      await trx
        .updateTable('data_sources')
        .set({
          env_type: to.env_type,
          mode: to.mode,
          properties: to.properties,
          secrets_sealed: to.secrets_sealed,
          description: to.description,
          qualified_name: to.qualified_name,
          modify_time: this.now(),
          modify_user: actor.userId,
        })
        .where('id', '=', row.id)
        .execute();
    } catch (e) {
      throw isUniqueViolation(e) ? nameTaken(pid, row.name, to.env_type) : e;
    }
    if (to.env_type !== row.env_type) {
      await moveRecord(trx, {
        workspaceId: pid,
        name: row.name,
        from: row.env_type,
        to: to.env_type,
      });
    }
  }

  async delete(ref: DataSourceGrant, audit: AuditRecorder): Promise<void> {
    await this.write(ref.workspaceId, async (trx) => {
      const row = await trx
        .selectFrom('data_sources')
        .select(['id', 'name', 'env_type'])
        .where('id', '=', ref.id)
        .where('project_id', '=', ref.workspaceId)
        .executeTakeFirst();
      if (!row) throw errors.dataSourceNotFound(ref.id);
      await trx.deleteFrom('data_sources').where('id', '=', row.id).execute();
      await removeRecord(trx, { workspaceId: ref.workspaceId, name: row.name, env: row.env_type });
      await this.refreshDrift(trx, ref.workspaceId, row.name);
      await audit.record(trx, { workspaceId: ref.workspaceId, targets: { DataSourceId: row.id } });
    });
  }

  /**
   * One page of name groups, each with its records (only the filtered environment's). A page
   * depends on nothing but the database and the query, so it is kept while the database is
   * unchanged (store/unchanged-reads.ts, store/notified-reads.ts): then the same query gets the
   * same page object, and nothing in it may be changed. `since`: when the call arrived
   * (`Db.readKept`).
   */
  list(q: PageQuery, since?: bigint): Promise<KeptValue<DataSourcePage>> {
    return this.db.readKept(`dshub_list_page${JSON.stringify(q)}`, () => this.readPage(q), since);
  }

  /** The page read from the store, never kept (what the list index's benchmark times). */
  readPage(q: PageQuery): Promise<DataSourcePage> {
    return this.read(async (trx) => {
      const page = await pageGroups(trx, q);
      const paging = { pageNumber: q.pageNumber, pageSize: q.pageSize, total: page.total };
      if (page.groups.length === 0) return { ...paging, groups: [] };

      const names = page.groups.map((g) => g.name);
      const plain = q.envType === undefined && (q.tags === undefined || q.tags.length === 0);
      const rows = plain
        ? (
            await RECORDS_OF_NAMES.run(
              trx,
              { workspaceId: q.workspaceId, names },
              `${this.db.dialect}:${names.length}`,
            )
          ).rows
        : await recordsOfNames(trx, this.db.dialect, q.workspaceId, names)
            .$if(q.envType !== undefined, (b) => b.where('env_type', '=', q.envType as EnvType))
            // Like EnvType, the filter keeps only the records that pass it.
            .$if(q.tags !== undefined && q.tags.length > 0, (b) =>
              b.where(carriesAllTags('data_sources.id', q.tags as readonly string[])),
            )
            .execute();
      const byName = new Map<string, DataSourceView[]>();
      for (const row of rows) {
        const list = byName.get(row.name) ?? [];
        const view = toView(row);
        view.tags = splitTagList(row.tag_list);
        list.push(view);
        byName.set(row.name, list);
      }
      return {
        ...paging,
        groups: page.groups.map((g) => ({
          name: g.name,
          type: g.type,
          // Dev before Prod, the order a data source's environments are usually set up in.
          records: (byName.get(g.name) ?? []).sort((a, b) => (a.envType < b.envType ? -1 : 1)),
        })),
      };
    });
  }

  private qualifiedName(tenantId: string, type: string, mode: string, props: JsonObject): string {
    return qualifiedName({ tenantId, regionId: this.regionId, type, mode, props });
  }

  /** A writing transaction on one workspace (see the module comment for the lock order). */
  private async write<T>(
    workspaceId: number,
    fn: (trx: Kysely<Database>, workspace: WorkspaceRow) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.db.kysely.transaction().execute(async (trx) => {
        const workspace = (await WORKSPACE_FOR_WRITE.run(trx, { workspaceId }, this.db.dialect))
          .rows[0];
        if (!workspace) throw errors.workspaceNotFound(workspaceId);
        await lockWorkspace(trx, workspaceId);
        return fn(trx, {
          ...workspace,
          dev_environment_enabled: Number(workspace.dev_environment_enabled),
        });
      });
    } catch (e) {
      if (e instanceof GroupTypeMismatch) {
        throw errors.invalidParameter(
          'Type',
          `this name already exists in workspace ${workspaceId} with type ${e.existingType}: the Dev and Prod records of one data source share its type.`,
        );
      }
      // The workspace was deleted while we wrote (its rows cascade away).
      if (!isApiError(e) && translateStoreError(e)?.kind === 'foreign_key') {
        throw errors.workspaceNotFound(workspaceId);
      }
      throw e;
    }
  }

  /** A consistent snapshot for the several reads of one page. */
  private async read<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const tx = this.db.kysely.transaction();
    return (this.db.dialect === 'postgres' ? tx.setIsolationLevel('repeatable read') : tx).execute(
      fn,
    );
  }
}
