/**
 * SQLite keeps GetDataSource's read and the membership lookup while the database is unchanged
 * (src/store/unchanged-reads.ts). A change made through the server is seen by the very next call;
 * a change committed by another connection (as `dshub admin` in another process makes them) by
 * every call that starts a millisecond (PROBE_MS) or more after it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { DATA_VERSION_QUERY } from '../../../src/store/dialect.js';
import { PROBE_MS } from '../../../src/store/unchanged-reads.js';
import { skipDialect } from '../../helpers/database.js';
import { createTestContext, type Key, type TestContext } from '../../helpers/harness.js';
import { newDataSource } from '../../helpers/sharing.js';
import { addMember, newMember, newWorkspace } from '../../helpers/workspaces.js';

describe('sqlite: reads kept while the database is unchanged', async () => {
  const skip = await skipDialect('sqlite');
  if (skip) {
    it(`skipped: ${skip}`, { skip }, () => {});
    return;
  }
  const statements: string[] = [];
  let t: TestContext;
  let member: Key & { userId: string };
  let projectId: number;
  let dataSourceId: number;
  let other: SQLite.Database;

  before(async () => {
    t = await createTestContext(
      'sqlite',
      { DSHUB_AUTH_CACHE_TTL_MS: '60000' },
      { onQuery: (text) => statements.push(text) },
    );
    projectId = await newWorkspace(t);
    dataSourceId = (await newDataSource(t, projectId, { env: 'Prod' })).id;
    member = await newMember(t, projectId, ['role_project_deploy']);
    // Another connection to the same file: what another process would commit.
    other = new SQLite(join(t.database.dataDir, 'dshub.db'));
  });
  after(async () => {
    other?.close();
    await t?.close();
  });

  const get = async (key: Key = member) => {
    statements.length = 0;
    return t.call(key, 'GetDataSource', { Id: dataSourceId });
  };
  const readTheRecord = () => statements.some((s) => s.includes('"data_sources" as "d"'));

  it('serves a repeated read without the statement, after asking whether anything changed', async () => {
    assert.equal((await get()).status, 200);
    await sleep(2 * PROBE_MS);
    const r = await get();
    assert.equal(r.status, 200);
    assert.deepEqual(statements, [DATA_VERSION_QUERY]);
  });

  it('sees a role revoked through the API on the next call', async () => {
    assert.equal((await get()).status, 200);
    const revoke = await t.call(
      t.root,
      'DeleteProjectMember',
      { ProjectId: projectId, UserId: member.userId },
      { placement: 'body' },
    );
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    const r = await get();
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.ok(readTheRecord(), statements.join('\n'));
    await addMember(t, projectId, member.userId, ['role_project_deploy']);
    assert.equal((await get()).status, 200);
  });

  // Another connection's commit is seen by every read that starts PROBE_MS or more after it.
  const commit = async (text: string, ...values: unknown[]) => {
    other.prepare(text).run(...values);
    await sleep(2 * PROBE_MS);
  };
  /** The member's role taken away or given back by the other connection. */
  const roleElsewhere = (change: 'revoke' | 'grant') =>
    change === 'revoke'
      ? commit(
          'delete from project_member_roles where project_id = ? and user_id = ?',
          projectId,
          member.userId,
        )
      : commit(
          'insert into project_member_roles (project_id, user_id, role_code) values (?, ?, ?)',
          projectId,
          member.userId,
          'role_project_deploy',
        );

  it('sees a change committed by another connection within a millisecond', async () => {
    assert.equal((await get()).status, 200);
    assert.equal((await get()).status, 200);
    await roleElsewhere('revoke');
    assert.equal((await get()).status, 403);
    await roleElsewhere('grant');
    assert.equal((await get()).status, 200);
    await commit('update data_sources set description = ? where id = ?', 'changed', dataSourceId);
    const r = await get(t.root);
    assert.equal(r.status, 200);
    assert.equal((r.body.DataSource as { Description: string }).Description, 'changed');
  });

  it('sees a membership changed by another connection in the other role-checked calls, within a millisecond', async () => {
    const list = () => t.call(member, 'ListDataSources', { ProjectId: projectId });
    assert.equal((await list()).status, 200);
    statements.length = 0;
    assert.equal((await list()).status, 200);
    assert.ok(!statements.some((s) => s.includes('"project_member_roles"')), 'membership kept');
    await roleElsewhere('revoke');
    assert.equal((await list()).status, 403);
    await roleElsewhere('grant');
    assert.equal((await list()).status, 200);
  });

  it('keeps a ListDataSources page, and sees a change through the API at once and by another connection within a millisecond', async () => {
    const page = async () => {
      statements.length = 0;
      const r = await t.call(member, 'ListDataSources', { ProjectId: projectId, PageSize: 20 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const info = r.body.PagingInfo as {
        TotalCount: number;
        DataSources: { Name: string; DataSource: { Id: number; Description: string }[] }[];
      };
      return { ...info, records: info.DataSources.flatMap((g) => g.DataSource) };
    };
    const first = await page();
    await sleep(2 * PROBE_MS);
    assert.deepEqual(await page(), first);
    assert.deepEqual(statements, [DATA_VERSION_QUERY], 'page and membership kept');

    const created = await newDataSource(t, projectId, { env: 'Prod' });
    const afterCreate = await page();
    assert.equal(afterCreate.TotalCount, first.TotalCount + 1);
    assert.ok(afterCreate.DataSources.some((g) => g.Name === created.name));
    assert.ok(
      statements.some((s) => s.includes('"data_sources"')),
      'read again',
    );

    await page();
    await commit('update data_sources set description = ? where id = ?', 'listed', created.id);
    const changed = await page();
    assert.equal(changed.records.find((r) => r.Id === created.id)?.Description, 'listed');
  });
});
