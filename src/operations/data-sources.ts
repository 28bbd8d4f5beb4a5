/**
 * The data source operations of DataWorks 2024-05-18 (docs/WIRE.md §1): the
 * contract (parameters, response shapes, roles) and thin handlers over DataSourceService.
 * The SDK sends every field in the URL query (DeleteDataSource and the reads as GET);
 * ConnectionProperties is JSON text in requests and a JSON object, secrets masked, in answers.
 */

import { MAY } from '../access/roles.js';
import { findDataSourceType } from '../datasource-types/registry.js';
import type { DataSourcePage, DataSourceView } from '../datasources/index.js';
import {
  MAX_TAGS_PER_FILTER,
  MAX_TAGS_PER_RECORD,
  normalizeTags,
  TAG_PATTERN,
  TAG_RULE,
} from '../datasources/tag-rules.js';
import { errors } from '../errors.js';
import { keptAnswers } from '../registry/answer-text.js';
import { p, paging } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { membershipFromRows } from '../workspaces/directory.js';
import { defineOperation } from './context.js';
import { requireDataSourceRole } from './data-source-access.js';

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

const params = {
  workspaceId: p.integer({ description: 'The workspace id.', required: true, min: 1 }),
  id: p.integer({ description: 'The data source id.', required: true, min: 1 }),
  connectionProperties: p.jsonObject({
    description:
      'The connection, as JSON text; it must contain envType (Dev or Prod, any letter case). Its fields depend on Type and ConnectionPropertiesMode: GetDataSourceTypeSchema gives the JSON Schema. Secrets are stored encrypted and shown as "******"; on update, "******" or an omitted secret keeps the stored one.',
    required: true,
    maxLength: 65_536,
  }),
  description: p.string({ description: 'A description, up to 3000 characters.', maxLength: 3000 }),
  setTags: (what: string) =>
    p.string({
      description: `dshub extension: ${what} the record's tags, as a JSON array of strings, e.g. ["finance","env=prod"]: at most ${MAX_TAGS_PER_RECORD} distinct tags, each ${TAG_RULE}. ListDataSources filters on them (Tags).`,
      maxLength: 4000,
      extension: true,
    }),
};

/** Tags as answers show them: the record's own, sorted; a dshub extension member. */
const tagsSchema = {
  ...s.array(
    s.string(),
    'dshub extension: the record’s tags, sorted (set with the Tags parameter of CreateDataSource/UpdateDataSource). Absent when the record has none, so answers stay DataWorks’ own until tags are used.',
  ),
  'x-dshub-extension': true,
};

const record = {
  Id: s.integer('The data source id (one per environment).'),
  ConnectionPropertiesMode: s.string('UrlMode, InstanceMode, CdhMode, ... (type dependent).'),
  ConnectionProperties: s.any('The connection as a JSON object, secrets shown as "******".'),
  Description: s.string('The description.'),
  QualifiedName: s.string('The business key: tenant:region:type:address parts.'),
  CreateTime: s.integer('Creation time, epoch milliseconds.'),
  CreateUser: s.string('User id of the creator.'),
  ModifyTime: s.integer('Last change, epoch milliseconds.'),
  ModifyUser: s.string('User id of the last change.'),
  Tags: tagsSchema,
};

function tagsMember(v: DataSourceView): { Tags?: string[] } {
  return v.tags?.length ? { Tags: v.tags } : {};
}

function listRecord(v: DataSourceView) {
  return {
    Id: v.id,
    ConnectionPropertiesMode: v.mode,
    ConnectionProperties: v.properties,
    Description: v.description,
    QualifiedName: v.qualifiedName,
    CreateTime: v.createTime,
    CreateUser: v.createUser,
    ModifyTime: v.modifyTime,
    ModifyUser: v.modifyUser,
    ...tagsMember(v),
  };
}

export const createDataSource = defineOperation({
  action: 'CreateDataSource',
  summary: 'Adds one data source record (one environment) to a workspace.',
  description:
    'A data source with both environments takes two calls with the same Name, one per envType. Names are unique per workspace and environment (a duplicate answers 409 Conflict.DataSourceName); a basic-mode workspace takes only Prod records.',
  method: 'POST',
  params: {
    ProjectId: params.workspaceId,
    Name: p.string({
      description:
        'Letters, digits and underscores, starting with a letter; at most 255 characters.',
      required: true,
      maxLength: 255,
      pattern: NAME_PATTERN,
      patternHint: 'must start with a letter and hold only letters, digits and underscores.',
    }),
    Type: p.string({
      description: 'The data source type, e.g. mysql, postgresql, hologres (ListDataSourceTypes).',
      required: true,
      maxLength: 64,
    }),
    ConnectionPropertiesMode: p.string({
      description: 'How the connection is given: UrlMode, InstanceMode, ... (type dependent).',
      required: true,
      maxLength: 64,
    }),
    ConnectionProperties: params.connectionProperties,
    Description: params.description,
    Tags: params.setTags('sets'),
  },
  response: { Id: s.integer('The new data source id.') },
  access: { roles: MAY.manageDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    ctx.audit.note({ workspaceId: q.ProjectId });
    const grant = await ctx.access.requireWorkspace(q.ProjectId);
    const id = await ctx.services.dataSources.create(
      grant,
      {
        name: q.Name,
        type: q.Type,
        mode: q.ConnectionPropertiesMode,
        properties: q.ConnectionProperties,
        description: q.Description,
        tags: q.Tags === undefined ? undefined : parseTags(q.Tags, MAX_TAGS_PER_RECORD),
      },
      ctx.audit,
    );
    return { Id: id };
  },
});

/**
 * GetDataSource's record, built as one literal and given Tags by assignment (the same members in
 * the same order as a spread of `tagsMember`, without cloning a new shape on every call).
 */
function getRecord(v: DataSourceView) {
  const r: {
    Id: number;
    Name: string;
    Type: string;
    ConnectionPropertiesMode: string;
    ConnectionProperties: DataSourceView['properties'];
    Description: string;
    ProjectId: number;
    QualifiedName: string;
    CreateTime: number;
    CreateUser: string;
    ModifyTime: number;
    ModifyUser: string;
    Tags?: string[];
  } = {
    Id: v.id,
    Name: v.name,
    Type: v.type,
    ConnectionPropertiesMode: v.mode,
    ConnectionProperties: v.properties,
    Description: v.description,
    ProjectId: v.workspaceId,
    QualifiedName: v.qualifiedName,
    CreateTime: v.createTime,
    CreateUser: v.createUser,
    ModifyTime: v.modifyTime,
    ModifyUser: v.modifyUser,
  };
  if (v.tags?.length) r.Tags = v.tags;
  return r;
}

function getAnswer(v: DataSourceView) {
  return { DataSource: getRecord(v) };
}

/** GetDataSource's answers for views made from kept rows (DataSourceService.getForCaller). */
const keptGetAnswer = keptAnswers(getAnswer);
/** ListDataSources' answers for kept pages (DataSourceService.list). */
const keptListAnswer = keptAnswers(listAnswer);

export const getDataSource = defineOperation({
  action: 'GetDataSource',
  summary: 'One data source record, secrets masked.',
  method: 'GET',
  params: { Id: params.id },
  response: {
    DataSource: s.optional(
      s.object({
        Id: record.Id,
        Name: s.string('The name, shared by the Dev and Prod records.'),
        Type: s.string('The data source type.'),
        ConnectionPropertiesMode: record.ConnectionPropertiesMode,
        ConnectionProperties: record.ConnectionProperties,
        Description: record.Description,
        ProjectId: s.integer('The workspace id.'),
        QualifiedName: record.QualifiedName,
        CreateTime: record.CreateTime,
        CreateUser: record.CreateUser,
        ModifyTime: record.ModifyTime,
        ModifyUser: record.ModifyUser,
        Tags: record.Tags,
      }),
      ['Tags'],
    ),
  },
  access: { roles: MAY.useDataSources, activeWorkspace: true },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    // One query serves both the access decision and the answer.
    const found = await ctx.services.dataSources.getForCaller(q.Id, ctx.principal.userId);
    const v = found?.view;
    await requireDataSourceRole(
      ctx,
      q.Id,
      {},
      found
        ? { workspaceId: found.view.workspaceId, membership: membershipFromRows(found.access) }
        : null,
    );
    if (!v) throw errors.dataSourceNotFound(q.Id);
    // The same kept view gives the same answer: made, serialised and encoded once.
    return found?.kept ? keptGetAnswer(v) : getAnswer(v);
  },
});

function listAnswer(page: DataSourcePage) {
  return {
    PagingInfo: {
      PageNumber: page.pageNumber,
      PageSize: page.pageSize,
      TotalCount: page.total,
      DataSources: page.groups.map((g) => ({
        Name: g.name,
        Type: g.type,
        DataSource: g.records.map(listRecord),
      })),
    },
  };
}

export const listDataSources = defineOperation({
  action: 'ListDataSources',
  summary: 'The data sources of a workspace, grouped by name, paged over the groups.',
  description:
    'Each element of DataSources is a name with its Dev and/or Prod records. TotalCount counts groups after the filters. Sorting by CreateTime or Id orders groups by their first record.',
  method: 'GET',
  params: {
    ProjectId: params.workspaceId,
    Name: p.string({ description: 'Substring of the name, any letter case.', maxLength: 255 }),
    Types: p.commaList({
      description: 'Types to keep, comma-separated: mysql,hologres.',
      maxItems: 100,
    }),
    EnvType: p.string({
      description: 'Dev or Prod: keep only records of that environment (and their groups).',
      enum: ['Dev', 'Prod'] as const,
      caseInsensitiveEnum: true,
    }),
    Tags: p.string({
      description: `Keep only records that carry every one of these tags (AND), as a JSON array of strings, e.g. ["tag1","tag2"]: at most ${MAX_TAGS_PER_FILTER} distinct tags, each ${TAG_RULE}; exact, case-sensitive match. Empty or [] filters nothing. A group is kept when one of its records passes, with only the records that pass (as EnvType). DataWorks’ Create/UpdateDataSource set no tags: dshub sets them with its extension parameter Tags there.`,
      maxLength: 4000,
    }),
    Drift: p.string({
      description:
        'Only names whose Dev and Prod records differ (GetDataSourceDrift): Any (in any field, expected ones included) or Suspicious (in a field not expected to differ between environments: mode, driver properties, options). A name with one record never drifts. Combines with the other filters; TotalCount counts the drifting groups.',
      enum: ['Any', 'Suspicious'] as const,
      caseInsensitiveEnum: true,
      extension: true,
    }),
    SortBy: p.string({
      description: 'CreateTime (default), Id or Name.',
      enum: ['CreateTime', 'Id', 'Name'] as const,
      caseInsensitiveEnum: true,
    }),
    Order: p.string({
      description: 'Desc (default) or Asc.',
      enum: ['Asc', 'Desc'] as const,
      caseInsensitiveEnum: true,
    }),
    ...paging,
  },
  response: {
    PagingInfo: s.object({
      PageNumber: s.integer(),
      PageSize: s.integer(),
      TotalCount: s.integer('Number of name groups after the filters.'),
      DataSources: s.array(
        s.object({
          Name: s.string(),
          Type: s.string(),
          DataSource: s.array(
            s.optional(s.object(record), ['Tags']),
            'The Dev and/or Prod record.',
          ),
        }),
      ),
    }),
  },
  access: { roles: MAY.listDataSources, activeWorkspace: true },
  audit: false,
  readOnly: true,
  async handler(ctx, q) {
    await ctx.access.requireWorkspace(q.ProjectId);
    const tags = q.Tags === undefined ? [] : parseTags(q.Tags, MAX_TAGS_PER_FILTER);
    const unknown = q.Types?.find((t) => !findDataSourceType(t));
    if (unknown !== undefined) {
      throw errors.invalidParameter(
        'Types',
        `"${unknown.slice(0, 64)}" is not a data source type; ListDataSourceTypes lists them.`,
      );
    }
    const pageNumber = q.PageNumber ?? 1;
    const pageSize = q.PageSize ?? 10;
    const { value: page, kept } = await ctx.services.dataSources.list(
      {
        workspaceId: q.ProjectId,
        sortBy: q.SortBy ?? 'CreateTime',
        order: q.Order ?? 'Desc',
        ...(q.Types ? { types: q.Types } : {}),
        ...(q.EnvType ? { envType: q.EnvType } : {}),
        ...(q.Name ? { nameContains: q.Name } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        ...(q.Drift ? { drift: q.Drift } : {}),
        pageNumber,
        pageSize,
      },
      ctx.arrivedAt,
    );
    return kept ? keptListAnswer(page) : listAnswer(page);
  },
});

/**
 * A Tags value: a JSON array of tag strings ('' and [] are none), at most `max` distinct
 * tags. Answers the distinct tags, sorted; anything else is refused, never ignored.
 */
function parseTags(text: string, max: number): string[] {
  if (text.trim() === '') return [];
  let tags: unknown;
  try {
    tags = JSON.parse(text);
  } catch {
    tags = undefined;
  }
  if (!Array.isArray(tags)) {
    throw errors.invalidParameter('Tags', 'must be a JSON array of strings, e.g. ["tag1","tag2"].');
  }
  tags.forEach((t, i) => {
    if (typeof t !== 'string' || !TAG_PATTERN.test(t)) {
      throw errors.invalidParameter('Tags', `item ${i + 1} is not a tag: each tag is ${TAG_RULE}.`);
    }
  });
  const distinct = normalizeTags(tags as string[]);
  if (distinct.length > max) {
    throw errors.invalidParameter(
      'Tags',
      `must have at most ${max} distinct tags (got ${distinct.length}).`,
    );
  }
  return distinct;
}

export const updateDataSource = defineOperation({
  action: 'UpdateDataSource',
  summary: 'Changes a data source record: its connection, mode or description.',
  description:
    'Name, Type and workspace are fixed. The mode may change. "******" or an omitted secret keeps the stored value. envType may change when the name has no record in the new environment yet.',
  method: 'POST',
  params: {
    Id: params.id,
    ProjectId: params.workspaceId,
    ConnectionProperties: params.connectionProperties,
    ConnectionPropertiesMode: p.string({
      description: 'A new mode; omitted keeps the current one.',
      maxLength: 64,
    }),
    Description: params.description,
    Tags: params.setTags('replaces ([] clears)'),
  },
  response: { Success: s.boolean('true when the record was changed.') },
  access: { roles: MAY.updateDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    const grant = await requireDataSourceRole(ctx, q.Id, {
      workspaceId: q.ProjectId,
      modifies: true,
    });
    await ctx.services.dataSources.update(
      grant,
      {
        properties: q.ConnectionProperties,
        mode: q.ConnectionPropertiesMode || undefined,
        description: q.Description,
        tags: q.Tags === undefined ? undefined : parseTags(q.Tags, MAX_TAGS_PER_RECORD),
      },
      ctx.audit,
    );
    return { Success: true };
  },
});

export const deleteDataSource = defineOperation({
  action: 'DeleteDataSource',
  summary: 'Deletes one data source record (one environment).',
  method: 'GET',
  params: { Id: params.id },
  response: { Success: s.boolean('true when the record was deleted.') },
  access: { roles: MAY.manageDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    const ref = await requireDataSourceRole(ctx, q.Id, { modifies: true });
    await ctx.services.dataSources.delete(ref, ctx.audit);
    return { Success: true };
  },
});

export const operations = [
  createDataSource,
  getDataSource,
  listDataSources,
  updateDataSource,
  deleteDataSource,
];
