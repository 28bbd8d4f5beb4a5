/**
 * The RAM resource names a request touches (src/identity/policy-targets.ts), shared by the
 * request pipeline and ExplainDataSourceAccess.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { policyTargets } from '../../src/identity/policy-targets.js';

const prefix = 'acs:dataworks:cn-shanghai:1:';

it("names RollbackDataSource's Id as a data source (a Resource-scoped Allow can apply)", () => {
  const t = policyTargets(prefix, 'RollbackDataSource', { Id: 5 }, new Map([[5, 7]]));
  assert.deepEqual(t, {
    targets: [[`${prefix}datasource/5`, `${prefix}workspace/7`]],
    incomplete: false,
  });
});

it("leaves a sharing rule's Id unnamed (incomplete), and names workspaces by ProjectId", () => {
  const t = policyTargets(prefix, 'DeleteDataSourceSharedRule', { Id: 9 }, new Map());
  assert.deepEqual(t, { targets: [], incomplete: true });
  const w = policyTargets(prefix, 'ListDataSources', { ProjectId: 3 }, new Map());
  assert.deepEqual(w, { targets: [[`${prefix}workspace/3`]], incomplete: false });
});
