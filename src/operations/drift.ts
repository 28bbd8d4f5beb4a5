/**
 * Dev/Prod drift and promote (dshub extensions): GetDataSourceDrift shows how the Dev and Prod
 * records of a name differ, PromoteDataSource copies chosen fields from one to the other.
 */
import { MAY } from '../access/roles.js';
import { errors } from '../errors.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';

const NAME = p.string({
  description: 'The data source name (its Dev and Prod records share it).',
  required: true,
  maxLength: 255,
  pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
  patternHint: 'must be a data source name: letters, digits and underscores, a letter first.',
});

export const getDataSourceDrift = defineOperation({
  action: 'GetDataSourceDrift',
  summary: 'How the Dev and Prod records of a data source differ.',
  description:
    'Field by field (as DiffDataSourceVersions, EnvType and QualifiedName left out); secrets are compared without being shown and listed only when they differ. Kind says whether a difference is expected between environments (address, database, credentials, description) or suspicious (mode, driver properties, options). A name with one record only answers Drifting=false and the missing environment.',
  method: 'GET',
  extension: true,
  params: {
    ProjectId: p.integer({ description: 'The workspace.', required: true, min: 1 }),
    Name: NAME,
  },
  response: {
    Drift: s.optional(
      s.object({
        Name: s.string(),
        DevDataSourceId: s.integer('The Dev record (absent when there is none).'),
        ProdDataSourceId: s.integer('The Prod record (absent when there is none).'),
        Drifting: s.boolean('true when any field differs.'),
        Suspicious: s.boolean('true when a suspicious field differs.'),
        Differences: s.array(
          s.optional(
            s.object({
              Field: s.string('e.g. ConnectionProperties.address[0].host.'),
              Change: s.string('added (only in Prod), removed (only in Dev) or changed.'),
              Secret: s.boolean('true for a secret: no values are shown.'),
              Kind: s.string('expected or suspicious.', { enum: ['expected', 'suspicious'] }),
              Dev: s.any('The Dev value (not for secrets).'),
              Prod: s.any('The Prod value (not for secrets).'),
            }),
            ['Dev', 'Prod'],
          ),
        ),
      }),
      ['DevDataSourceId', 'ProdDataSourceId'],
    ),
  },
  access: { roles: MAY.useDataSources },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    await ctx.access.requireWorkspace(q.ProjectId);
    const drift = await ctx.services.dataSources.drift(q.ProjectId, q.Name);
    if (!drift) throw errors.dataSourceNotFound(q.Name);
    return {
      Drift: {
        Name: q.Name,
        ...(drift.devId !== undefined ? { DevDataSourceId: drift.devId } : {}),
        ...(drift.prodId !== undefined ? { ProdDataSourceId: drift.prodId } : {}),
        Drifting: drift.differences.length > 0,
        Suspicious: drift.differences.some((d) => d.kind === 'suspicious'),
        Differences: drift.differences.map((d) => ({
          Field: d.field,
          Change: d.change,
          Secret: d.secret,
          Kind: d.kind,
          ...(!d.secret && d.from !== undefined ? { Dev: d.from } : {}),
          ...(!d.secret && d.to !== undefined ? { Prod: d.to } : {}),
        })),
      },
    };
  },
});

export const promoteDataSource = defineOperation({
  action: 'PromoteDataSource',
  summary: "Copies chosen fields from a data source's Dev record to its Prod record (or back).",
  description:
    'One audited transaction: the target record gets the chosen fields of the source record (secrets copied without leaving the server), is validated as UpdateDataSource would, and gets a new version (Promote, see ListDataSourceVersions). A field absent in the source is removed from the target. Roles as UpdateDataSource.',
  method: 'POST',
  extension: true,
  params: {
    ProjectId: p.integer({ description: 'The workspace.', required: true, min: 1 }),
    Name: NAME,
    Fields: p.jsonList({
      description:
        'The fields to copy, as JSON text: ConnectionPropertiesMode, Description, ConnectionProperties.<path> (e.g. ["ConnectionProperties.properties","ConnectionProperties.address[0].port"]). Not envType.',
      required: true,
      items: 'string',
      maxItems: 100,
    }),
    Direction: p.string({
      description: 'DevToProd (default) or ProdToDev.',
      enum: ['DevToProd', 'ProdToDev'] as const,
      caseInsensitiveEnum: true,
    }),
  },
  response: {
    DataSourceId: s.integer('The record that was changed.'),
    Version: s.integer('Its new version.'),
  },
  access: { roles: MAY.updateDataSources },
  audit: true,
  async handler(ctx, q) {
    await ctx.access.requireWorkspace(q.ProjectId);
    ctx.audit.note({ workspaceId: q.ProjectId, detail: `Name=${q.Name}` });
    if (q.Fields.length === 0) throw errors.invalidParameter('Fields', 'name at least one field.');
    const r = await ctx.services.dataSources.promote(
      ctx.principal,
      {
        workspaceId: q.ProjectId,
        name: q.Name,
        from: q.Direction === 'ProdToDev' ? 'Prod' : 'Dev',
        fields: q.Fields,
      },
      ctx.audit,
    );
    return { DataSourceId: r.id, Version: r.version };
  },
});

export const operations = [getDataSourceDrift, promoteDataSource];
