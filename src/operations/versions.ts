/**
 * Data source versions and rollback (dshub extensions): ListDataSourceVersions,
 * GetDataSourceVersion, DiffDataSourceVersions, RollbackDataSource, RestoreDataSource.
 * Versions are written by DataSourceService with every change (src/datasources/versions.ts).
 *
 * Access: reading versions needs what GetDataSource needs (the roles that use data sources);
 * rolling back what UpdateDataSource needs; restoring what DeleteDataSource needs. A deleted
 * record's workspace is known from its versions, so its versions stay readable and restorable.
 */
import type { DataSourceGrant } from '../access/decisions.js';
import { MAY } from '../access/roles.js';
import type { VersionView } from '../datasources/versions.js';
import { errors } from '../errors.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation, type OperationContext } from './context.js';
import { type DataSourceAccessOptions, requireDataSourceRole } from './data-source-access.js';

const id = p.integer({ description: 'The data source id.', required: true, min: 1 });
const version = (description: string) =>
  p.integer({ description, required: true, min: 1, max: 2_000_000_000 });

const summarySchema = {
  Version: s.integer('The version number: 1, 2, ... per data source record.'),
  DataSourceId: s.integer('The data source record.'),
  Change: s.string(
    'What made it: Baseline (the record as it was when versions began), Create, Clone, Update, Rollback, Restore or Promote.',
  ),
  Detail: s.string(
    'From=<version> for Rollback and Restore, SourceDataSourceId=<id> for Clone, the fields for Promote; empty otherwise.',
  ),
  CreateTime: s.integer('When, epoch milliseconds.'),
  CreateUser: s.string('Who: the user id of the caller.'),
  RequestId: s.string('The RequestId of the call that made it (empty for Baseline).'),
  Name: s.string('The data source name.'),
  EnvType: s.string('Dev or Prod.', { enum: ['Dev', 'Prod'] }),
};

function summary(v: VersionView) {
  return {
    Version: v.version,
    DataSourceId: v.dataSourceId,
    Change: v.change,
    Detail: v.detail ?? '',
    CreateTime: v.createTime,
    CreateUser: v.createUser,
    RequestId: v.requestId,
    Name: v.name,
    EnvType: v.envType,
  };
}

/**
 * The access decision for a record or, when it is deleted, for the workspace its versions name.
 * Answers whether the record still exists.
 */
async function requireVersioned(
  ctx: OperationContext,
  dataSourceId: number,
  opts: DataSourceAccessOptions = {},
): Promise<{ grant: DataSourceGrant; deleted: boolean }> {
  const live = await ctx.services.dataSources.locate(dataSourceId);
  const found = live ?? (await ctx.services.dataSources.versions.locate(dataSourceId)) ?? null;
  const grant = await requireDataSourceRole(ctx, dataSourceId, opts, found);
  return { grant, deleted: live === undefined };
}

export const listDataSourceVersions = defineOperation({
  action: 'ListDataSourceVersions',
  summary: 'The retained versions of a data source record, newest first.',
  description:
    'Every create, clone, update, rollback, restore and promote of the record made a version. Works for a deleted record while its versions are retained (DSHUB_VERSION_RETENTION_COUNT, DSHUB_VERSION_RETENTION_DAYS).',
  method: 'GET',
  extension: true,
  params: { DataSourceId: id, ...paging },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer('Retained versions of the record.'),
      Deleted: s.boolean('true when the record itself is deleted (RestoreDataSource).'),
      Versions: s.array(s.object(summarySchema)),
    }),
  },
  access: { roles: MAY.useDataSources },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    const { deleted } = await requireVersioned(ctx, q.DataSourceId);
    const pageNumber = q.PageNumber ?? 1;
    const pageSize = q.PageSize ?? 10;
    const page = await ctx.services.dataSources.versions.list(q.DataSourceId, pageNumber, pageSize);
    return {
      PagingInfo: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: page.total,
        Deleted: deleted,
        Versions: page.versions.map(summary),
      },
    };
  },
});

export const getDataSourceVersion = defineOperation({
  action: 'GetDataSourceVersion',
  summary: 'One version of a data source record, secrets masked as in GetDataSource.',
  method: 'GET',
  extension: true,
  params: { DataSourceId: id, VersionNumber: version('The version number.') },
  response: {
    DataSourceVersion: s.object({
      ...summarySchema,
      ProjectId: s.integer('The workspace.'),
      Type: s.string('The data source type.'),
      ConnectionPropertiesMode: s.string('UrlMode, InstanceMode, ...'),
      ConnectionProperties: s.any('The connection as it was, secrets shown as "******".'),
      Description: s.string('The description as it was.'),
      QualifiedName: s.string('The business key as it was.'),
    }),
  },
  access: { roles: MAY.useDataSources },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    await requireVersioned(ctx, q.DataSourceId);
    const v = await ctx.services.dataSources.versions.get(q.DataSourceId, q.VersionNumber);
    if (!v) throw errors.dataSourceVersionNotFound(q.DataSourceId, q.VersionNumber);
    return {
      DataSourceVersion: {
        ...summary(v),
        ProjectId: v.workspaceId,
        Type: v.type,
        ConnectionPropertiesMode: v.mode,
        ConnectionProperties: v.properties,
        Description: v.description,
        QualifiedName: v.qualifiedName,
      },
    };
  },
});

export const diffDataSourceVersions = defineOperation({
  action: 'DiffDataSourceVersions',
  summary: 'What changed between two versions of a data source record, field by field.',
  description:
    'Fields are EnvType, ConnectionPropertiesMode, Description, QualifiedName and every leaf of ConnectionProperties by its path (ConnectionProperties.address[0].host). A secret is never shown: it appears with Secret=true and Change changed or unchanged. ToVersion omitted = the current version.',
  method: 'GET',
  extension: true,
  params: {
    DataSourceId: id,
    FromVersion: version('The older version.'),
    ToVersion: p.integer({
      description: 'The newer version; omitted = the current one.',
      min: 1,
      max: 2_000_000_000,
    }),
  },
  response: {
    FromVersion: s.integer(),
    ToVersion: s.integer(),
    Differences: s.array(
      s.optional(
        s.object({
          Field: s.string('The field, e.g. ConnectionProperties.address[0].host.'),
          Change: s.string('added, removed, changed, or unchanged (secrets only).', {
            enum: ['added', 'removed', 'changed', 'unchanged'],
          }),
          Secret: s.boolean('true for a secret: no values are shown.'),
          From: s.any('The value in FromVersion (not for secrets).'),
          To: s.any('The value in ToVersion (not for secrets).'),
        }),
        ['From', 'To'],
      ),
    ),
  },
  access: { roles: MAY.useDataSources },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    await requireVersioned(ctx, q.DataSourceId);
    const versions = ctx.services.dataSources.versions;
    const k = ctx.services.db.kysely;
    const toVersion = q.ToVersion ?? (await versions.current(k, q.DataSourceId));
    const from = await versions.row(k, q.DataSourceId, q.FromVersion);
    if (!from) throw errors.dataSourceVersionNotFound(q.DataSourceId, q.FromVersion);
    const to =
      toVersion === undefined ? undefined : await versions.row(k, q.DataSourceId, toVersion);
    if (!to) throw errors.dataSourceVersionNotFound(q.DataSourceId, toVersion ?? 0);
    return {
      FromVersion: q.FromVersion,
      ToVersion: Number(to.version),
      Differences: versions.diff(from, to).map((d) => ({
        Field: d.field,
        Change: d.change,
        Secret: d.secret,
        ...(d.secret ? {} : 'from' in d ? { From: d.from } : {}),
        ...(d.secret ? {} : 'to' in d ? { To: d.to } : {}),
      })),
    };
  },
});

export const rollbackDataSource = defineOperation({
  action: 'RollbackDataSource',
  summary: 'Takes a data source record back to one of its versions (itself a new version).',
  description:
    "The record gets the version's connection (secrets included), mode, environment and description; name, type and id stay. CurrentVersion is the version the caller saw as current: if the record changed since, nothing happens and the answer is 409 Conflict.DataSourceChanged (read again and retry). A version past retention answers 404 NotFound.DataSourceVersion.",
  method: 'POST',
  extension: true,
  params: {
    Id: id,
    ProjectId: p.integer({ description: 'The workspace of the record (optional check).', min: 1 }),
    ToVersion: version('The version to go back to.'),
    CurrentVersion: version(
      'The version the caller last saw as current (ListDataSourceVersions); guards against overwriting a change made meanwhile.',
    ),
  },
  response: { Version: s.integer('The new version the rollback made.') },
  access: { roles: MAY.updateDataSources },
  audit: true,
  async handler(ctx, q) {
    const grant = await requireDataSourceRole(ctx, q.Id, {
      modifies: true,
      ...(q.ProjectId !== undefined ? { workspaceId: q.ProjectId } : {}),
    });
    const v = await ctx.services.dataSources.rollback(
      grant,
      { version: q.ToVersion, seen: q.CurrentVersion },
      ctx.audit,
    );
    return { Version: v };
  },
});

export const restoreDataSource = defineOperation({
  action: 'RestoreDataSource',
  summary: 'Brings a deleted data source record back from its last retained version.',
  description:
    'The record returns under its own id, as its last version was, secrets included; that is a new version (Restore). Its sharing rules went with it and do not return. A record that exists answers 409 Conflict.DataSourceExists; a name taken meanwhile in that environment 409 Conflict.DataSourceName; a record with no retained version 1000010005.',
  method: 'POST',
  extension: true,
  params: { DataSourceId: id },
  response: { Version: s.integer('The new version the restore made.') },
  access: { roles: MAY.manageDataSources },
  audit: true,
  async handler(ctx, q) {
    const { grant } = await requireVersioned(ctx, q.DataSourceId, { modifies: true });
    const v = await ctx.services.dataSources.restore(grant, ctx.audit);
    return { Version: v };
  },
});

export const operations = [
  listDataSourceVersions,
  getDataSourceVersion,
  diffDataSourceVersions,
  rollbackDataSource,
  restoreDataSource,
];
