/**
 * Extensions that make sharing usable outside a console: ResolveDataSource (a data source by
 * name, secrets included, for a caller allowed to use it) and ListSharedDataSources (what is
 * shared into a workspace for the caller). Same endpoint and signing as DataWorks' operations.
 */
import { MAY } from '../access/roles.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';
import { expireTimeSchema } from './sharing.js';

const NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;

const envTypeSchema = s.string('Dev or Prod.', { enum: ['Dev', 'Prod'] });

export const resolveDataSource = defineOperation({
  action: 'ResolveDataSource',
  summary: 'A data source by name, with its secrets, for a caller allowed to use it.',
  description:
    'Name is a data source of the workspace, or <source workspace name>.<data source name> of one shared into it. Allowed: the Tenant Owner; never a Tenant Administrator (it administers, it does not obtain secrets, whatever workspace roles it holds); for own names the Workspace Owner, Workspace Administrator, Develop, O&M and Deploy roles; for shared names every member of the workspace covered by a sharing rule for that environment (a whole-workspace rule, or one naming the caller). Anyone else gets the answer of a missing data source (1000010005). Every call, answered or refused, is in the audit trail, never with a secret. The built-in read-only policy does not allow it.',
  method: 'POST',
  extension: true,
  params: {
    ProjectId: p.integer({ description: 'The workspace asking.', required: true, min: 1 }),
    Name: p.string({
      description:
        'The data source name in that workspace: its own name, or <source workspace name>.<data source name> for a shared one.',
      required: true,
      maxLength: 300,
      pattern: NAME,
      patternHint:
        'must be a data source name (letters, digits and underscores, starting with a letter), or <workspace name>.<data source name> for a shared one.',
    }),
    EnvType: p.string({
      description: 'The environment in that workspace: Dev or Prod.',
      required: true,
      enum: ['Dev', 'Prod'] as const,
      caseInsensitiveEnum: true,
    }),
  },
  response: {
    DataSource: s.object({
      Id: s.integer('The data source record id.'),
      Name: s.string('The name asked for (the shared name for a shared data source).'),
      Type: s.string('The data source type.'),
      ConnectionPropertiesMode: s.string('UrlMode, InstanceMode, ...'),
      ConnectionProperties: s.any('The connection as a JSON object, secrets in clear.'),
      QualifiedName: s.string('The business key of the record.'),
      Description: s.string('The description.'),
      ProjectId: s.integer('The workspace asking.'),
      EnvType: envTypeSchema,
      Shared: s.boolean('true when the data source is shared into the workspace.'),
      SourceProjectId: s.integer('The workspace the data source belongs to.'),
    }),
  },
  access: { roles: MAY.useDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    ctx.audit.note({ workspaceId: q.ProjectId, detail: `Name=${q.Name} EnvType=${q.EnvType}` });
    // Sharing rules extend the declared roles; every refusal answers as a missing data source.
    const grant = await ctx.access.requireResolution(q.ProjectId, q.Name);
    const { record, rule } = await ctx.services.resolver.resolve(
      grant,
      { name: q.Name, envType: q.EnvType },
      ctx.audit,
    );
    return {
      DataSource: {
        Id: record.id,
        Name: q.Name,
        Type: record.type,
        ConnectionPropertiesMode: record.mode,
        ConnectionProperties: record.properties,
        QualifiedName: record.qualifiedName,
        Description: record.description,
        ProjectId: q.ProjectId,
        EnvType: q.EnvType,
        Shared: rule !== undefined,
        SourceProjectId: record.workspaceId,
      },
    };
  },
});

export const listSharedDataSources = defineOperation({
  action: 'ListSharedDataSources',
  summary: 'What is shared into a workspace for the caller, without connections.',
  description:
    'The data sources other workspaces share into this one that the caller may use: whole-workspace rules and rules naming the caller (the Tenant Owner sees all). One entry per shared name and environment; a rule naming the caller wins over a whole-workspace one. Sorted by name, then environment; paged like every List (PageNumber from 1, PageSize 1 to 100, default 10; TotalCount counts every entry).',
  method: 'GET',
  extension: true,
  params: {
    ProjectId: p.integer({ description: 'The workspace.', required: true, min: 1 }),
    EnvType: p.string({
      description: 'Dev or Prod: only that environment.',
      enum: ['Dev', 'Prod'] as const,
      caseInsensitiveEnum: true,
    }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer('Entries for the caller, over all pages.'),
      SharedDataSources: s.array(
        s.optional(
          s.object({
            SharedDataSourceName: s.string('<source workspace name>.<data source name>.'),
            DataSourceId: s.integer('The shared data source record.'),
            SourceProjectId: s.integer('The workspace it belongs to.'),
            SharedRuleId: s.integer('The rule that shares it to the caller.'),
            Type: s.string('The data source type.'),
            ConnectionPropertiesMode: s.string('UrlMode, InstanceMode, ...'),
            EnvType: envTypeSchema,
            SharedUser: s.string(
              'The caller, for a rule naming them; empty for the whole workspace.',
            ),
            CreateTime: s.integer('When the rule was created, epoch milliseconds.'),
            ExpireTime: expireTimeSchema,
          }),
          ['ExpireTime'],
        ),
      ),
    }),
  },
  access: { roles: MAY.listDataSources, activeWorkspace: true },
  audit: false,
  async handler(ctx, q) {
    const entries = await ctx.services.sharing.sharedInto(
      await ctx.access.requireSharedList(q.ProjectId),
      q.EnvType,
    );
    const pageNumber = q.PageNumber ?? 1;
    const pageSize = q.PageSize ?? 10;
    // Entries are few per workspace (one per shared name and environment) and are deduplicated
    // by precedence before paging, so the page is cut from the whole list.
    const offset = (pageNumber - 1) * pageSize;
    return {
      PagingInfo: {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: entries.length,
        SharedDataSources: entries.slice(offset, offset + pageSize).map((e) => ({
          SharedDataSourceName: e.sharedDataSourceName,
          DataSourceId: e.dataSourceId,
          SourceProjectId: e.sourceWorkspaceId,
          SharedRuleId: e.ruleId,
          Type: e.type,
          ConnectionPropertiesMode: e.mode,
          EnvType: e.envType,
          SharedUser: e.sharedUser,
          CreateTime: e.createTime,
          ...(e.expireTime !== undefined ? { ExpireTime: e.expireTime } : {}),
        })),
      },
    };
  },
});

export const operations = [resolveDataSource, listSharedDataSources];
