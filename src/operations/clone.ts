/**
 * CloneDataSource (spec/dataworks-api.md §1.6, seeds/CloneDataSource.txt): a new data source
 * record with the configuration of an existing one under a new name, in the same workspace and
 * environment. The SDK sends both fields in the URL query of a POST.
 */

import { MAY } from '../access/roles.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';
import { requireDataSourceRole } from './data-source-access.js';

export const cloneDataSource = defineOperation({
  action: 'CloneDataSource',
  summary: 'Clones a data source to create a new data source with the same configurations.',
  description:
    'Copies the one record named by Id (Type, ConnectionPropertiesMode, ConnectionProperties with its secrets and envType, Description) under CloneDataSourceName, in the same workspace and environment. The clone gets its own QualifiedName, CreateUser (the caller) and secret envelope; sharing rules are not copied. A name taken in that workspace and environment answers 409 Conflict.DataSourceName. A data source shared into the caller’s workspace cannot be cloned there (Forbidden.Shared).',
  method: 'POST',
  params: {
    Id: p.integer({ description: 'The data source ID.', required: true, min: 1 }),
    CloneDataSourceName: p.string({
      description:
        'The name of the destination data source. The name can contain letters, digits, and underscores (_), and must start with a letter. It cannot exceed 60 characters in length.',
      required: true,
      maxLength: 60,
      pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
      patternHint:
        'the name can contain letters, digits and underscores (_), must start with a letter, and cannot exceed 60 characters.',
    }),
  },
  response: { Id: s.integer('The ID of the cloned data source.') },
  access: { roles: MAY.manageDataSources, activeWorkspace: true },
  audit: true,
  async handler(ctx, q) {
    const source = await requireDataSourceRole(ctx, q.Id, { sharedReadOnly: true });
    const id = await ctx.services.dataSources.clone(
      ctx.principal,
      source,
      q.CloneDataSourceName,
      ctx.audit,
    );
    return { Id: id };
  },
});

export const operations = [cloneDataSource];
