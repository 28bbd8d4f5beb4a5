/**
 * What `readOnly` promises (an operation that starts before its nonce claim has come back, see
 * wire/handle.ts): the call writes nothing to the store. Every operation declared read-only is
 * called here, successfully, with the store's statements recorded, and none of them may write;
 * the nonce claim (PostgreSQL) is the request's own write, made before any operation runs.
 * Declaring an operation read-only without a case here fails the first test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OPERATIONS } from '../../../src/registry/index.js';
import { selectedDialects, skipDialect } from '../../helpers/database.js';
import { createTestContext, type TestContext } from '../../helpers/harness.js';
import { mysqlProperties, newDataSource } from '../../helpers/sharing.js';
import { newWorkspace } from '../../helpers/workspaces.js';

type Params = Record<string, string | number>;
interface Fixture {
  projectId: number;
  dataSourceId: number;
  name: string;
  ownerId: string;
}

const RAM = '2015-05-01';
/** Each read-only operation, as a successful call: its version and parameters. */
const CASES: Record<string, (f: Fixture) => { params: Params; version?: string }> = {
  GetCallerIdentity: () => ({ params: {} }),
  GetDataSource: (f) => ({ params: { Id: f.dataSourceId } }),
  ListDataSources: (f) => ({ params: { ProjectId: f.projectId } }),
  GetProject: (f) => ({ params: { Id: f.projectId } }),
  ListProjects: () => ({ params: {} }),
  GetProjectMember: (f) => ({ params: { ProjectId: f.projectId, UserId: f.ownerId } }),
  ListProjectMembers: (f) => ({ params: { ProjectId: f.projectId } }),
  ListProjectRoles: (f) => ({ params: { ProjectId: f.projectId } }),
  GetProjectRole: (f) => ({ params: { ProjectId: f.projectId, Code: 'role_project_owner' } }),
  ListDataSourceTypes: () => ({ params: {} }),
  GetDataSourceTypeSchema: () => ({ params: { Type: 'mysql' } }),
  ListDataSourceVersions: (f) => ({ params: { DataSourceId: f.dataSourceId } }),
  GetDataSourceVersion: (f) => ({ params: { DataSourceId: f.dataSourceId, VersionNumber: 1 } }),
  DiffDataSourceVersions: (f) => ({
    params: { DataSourceId: f.dataSourceId, FromVersion: 1, ToVersion: 2 },
  }),
  GetDataSourceDrift: (f) => ({ params: { ProjectId: f.projectId, Name: f.name } }),
  ListAuditEvents: (f) => ({ params: { ProjectId: f.projectId } }),
  GetUser: () => ({ params: { UserName: 'owner' }, version: RAM }),
  ListUsers: () => ({ params: {}, version: RAM }),
  ListAccessKeys: () => ({ params: { UserName: 'owner' }, version: RAM }),
  ListPoliciesForUser: () => ({ params: { UserName: 'owner' }, version: RAM }),
  GetPolicy: () => ({
    params: { PolicyType: 'System', PolicyName: 'AliyunDataWorksFullAccess' },
    version: RAM,
  }),
  ListPolicies: () => ({ params: {}, version: RAM }),
};

const WRITES = /^\s*(insert|update|delete|replace|upsert|create|drop|alter|truncate)\b/i;

it('has a successful call for every operation declared read-only, and no more', () => {
  const declared = OPERATIONS.filter((op) => op.readOnly).map((op) => op.action);
  assert.deepEqual([...new Set(declared)].sort(), Object.keys(CASES).sort());
});

for (const dialect of selectedDialects()) {
  describe(`${dialect}: read-only operations write nothing`, async () => {
    const skip = await skipDialect(dialect);
    if (skip) {
      it(`skipped: ${skip}`, { skip }, () => {});
      return;
    }
    const statements: string[] = [];
    let t: TestContext;
    let fixture: Fixture;
    before(async () => {
      t = await createTestContext(dialect, {}, { onQuery: (text) => statements.push(text) });
      const projectId = await newWorkspace(t);
      const ds = await newDataSource(t, projectId, { env: 'Prod' });
      // A second version, for the diff.
      const updated = await t.call(t.root, 'UpdateDataSource', {
        Id: ds.id,
        ProjectId: projectId,
        ConnectionProperties: JSON.stringify(mysqlProperties('Prod', 'another-password')),
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      fixture = { projectId, dataSourceId: ds.id, name: ds.name, ownerId: t.root.userId };
    });
    after(async () => {
      await t?.close();
    });

    it('sees the writes of an operation that writes (the control)', async () => {
      statements.length = 0;
      const r = await t.call(t.root, 'UpdateDataSource', {
        Id: fixture.dataSourceId,
        ProjectId: fixture.projectId,
        ConnectionProperties: JSON.stringify(mysqlProperties('Prod', 'a-third-password')),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(statements.filter((sql) => WRITES.test(sql)).length >= 2, statements.join('\n'));
    });

    for (const [action, make] of Object.entries(CASES)) {
      it(action, async () => {
        const { params, version } = make(fixture);
        statements.length = 0;
        const r = await t.call(t.root, action, params, {
          method: 'GET',
          ...(version ? { version } : {}),
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (dialect === 'postgres') {
          assert.ok(
            statements.some((sql) => /nonces/i.test(sql)),
            'the nonce claim is among the recorded statements',
          );
        }
        const writes = statements.filter((sql) => WRITES.test(sql) && !/nonces/i.test(sql));
        assert.deepEqual(writes, [], `${action} wrote to the store`);
      });
    }
  });
}
