/**
 * PostgreSQL keeps GetDataSource's read and the membership lookup until a change notice arrives
 * (src/store/notified-reads.ts), and serves a kept read only after its call's nonce claim has
 * come back without a notice ahead of it. So a change acknowledged anywhere (through this
 * replica, another replica, or SQL from another connection) is seen by the very next call on
 * every replica: no waiting, and nothing here sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { skipDialect } from '../../helpers/database.js';
import { createTestContext, type Key, type TestContext } from '../../helpers/harness.js';
import { newDataSource } from '../../helpers/sharing.js';
import { addMember, newMember, newWorkspace } from '../../helpers/workspaces.js';

describe('postgres: reads kept until a change notice', async () => {
  const skip = await skipDialect('postgres');
  if (skip) {
    it(`skipped: ${skip}`, { skip }, () => {});
    return;
  }
  /** What replica B ran. */
  const statements: string[] = [];
  let a: TestContext;
  let b: TestContext;
  let member: Key & { userId: string };
  let projectId: number;
  let dataSourceId: number;
  let other: pg.Client;

  before(async () => {
    a = await createTestContext('postgres', { DSHUB_AUTH_CACHE_TTL_MS: '60000' });
    b = await a.replica({ onQuery: (text) => statements.push(text) });
    projectId = await newWorkspace(a);
    dataSourceId = (await newDataSource(a, projectId, { env: 'Prod' })).id;
    member = await newMember(a, projectId, ['role_project_deploy']);
    // Another connection: what `dshub admin` or an operator's SQL would commit.
    other = new pg.Client({ connectionString: a.database.url });
    await other.connect();
    // B's first call opens its connections; a connection that starts listening drops what was
    // kept, since notices may have been missed before.
    assert.equal((await b.call(member, 'GetDataSource', { Id: dataSourceId })).status, 200);
  });
  after(async () => {
    await other?.end();
    await b?.close();
    await a?.close();
  });

  const get = async (key: Key = member, on: TestContext = b) => {
    statements.length = 0;
    return on.call(key, 'GetDataSource', { Id: dataSourceId });
  };
  const readTheRecord = () => statements.some((s) => s.includes('"data_sources" as "d"'));
  /**
   * Three calls on B, the third served from what was kept. The notice of a change made just
   * before may arrive while the first call reads (those rows are not kept); it has arrived once
   * that call's claim is back, so the second call's rows are kept.
   */
  const warm = async (status: number) => {
    assert.equal((await get()).status, status);
    assert.equal((await get()).status, status);
    const r = await get();
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.ok(!readTheRecord(), `kept:\n${statements.join('\n')}`);
  };

  it('serves a repeated read with no statement but the nonce claim', async () => {
    await warm(200);
    assert.equal(statements.length, 1, statements.join('\n'));
    assert.match(statements[0]!, /insert into "nonces"/);
  });

  it('every table but the nonces and the audit trail sends change notices', async () => {
    const r = await other.query<{ name: string; notices: boolean }>(`
      select c.relname as name, exists (
        select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'dshub_changes'
      ) as notices
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname = current_schema() and c.relname not like 'kysely\\_%'
      order by 1`);
    const without = r.rows.filter((t) => !t.notices).map((t) => t.name);
    assert.deepEqual(without, ['audit_events', 'nonces']);
    assert.ok(r.rows.length > 10, 'tables found');
  });

  it('sees a role revoked and granted through another replica on the very next call, every time', async () => {
    for (let i = 0; i < 25; i++) {
      await warm(200);
      const revoke = await a.call(
        a.root,
        'DeleteProjectMember',
        { ProjectId: projectId, UserId: member.userId },
        { placement: 'body' },
      );
      assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
      assert.equal((await get()).status, 403, `round ${i}: revoked on A, still allowed on B`);
      await warm(403);
      await addMember(a, projectId, member.userId, ['role_project_deploy']);
      assert.equal((await get()).status, 200, `round ${i}: granted on A, still refused on B`);
    }
  });

  it('sees a change committed by another connection on the very next call', async () => {
    for (let i = 0; i < 25; i++) {
      await warm(200);
      await other.query('update data_sources set description = $1 where id = $2', [
        `changed ${i}`,
        dataSourceId,
      ]);
      const r = await get();
      assert.equal(r.status, 200);
      assert.equal((r.body.DataSource as { Description: string }).Description, `changed ${i}`);
    }
  });

  it('sees a membership changed elsewhere in the other role-checked calls', async () => {
    const list = () => b.call(member, 'ListDataSources', { ProjectId: projectId });
    assert.equal((await list()).status, 200);
    assert.equal((await list()).status, 200);
    statements.length = 0;
    assert.equal((await list()).status, 200);
    assert.ok(!statements.some((s) => s.includes('"project_member_roles"')), 'membership kept');
    const role = [projectId, member.userId, 'role_project_deploy'];
    await other.query(
      'delete from project_member_roles where project_id = $1 and user_id = $2 and role_code = $3',
      role,
    );
    assert.equal((await list()).status, 403);
    await other.query(
      'insert into project_member_roles (project_id, user_id, role_code) values ($1, $2, $3)',
      role,
    );
    assert.equal((await list()).status, 200);
  });

  it('a change made while no connection of B listened is not served from what B kept', async () => {
    await warm(200);
    // B's listening connections are those that run the nonce claims.
    const killed = await other.query<{ ok: boolean }>(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and (query like 'listen %' or query like 'insert into "nonces"%')`,
    );
    assert.ok(killed.rows.length > 0, 'listening connections found');
    await other.query('update data_sources set description = $1 where id = $2', [
      'changed unheard',
      dataSourceId,
    ]);
    // A call may fail while B finds its connection gone; the first that succeeds sees the change.
    let r = await get();
    for (let i = 0; r.status !== 200 && i < 5; i++) r = await get();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.DataSource as { Description: string }).Description, 'changed unheard');
  });

  it('keeps a ListDataSources page, and sees a change through another replica or another connection on the very next call', async () => {
    const page = async (on: TestContext = b) => {
      statements.length = 0;
      const r = await on.call(member, 'ListDataSources', { ProjectId: projectId, PageSize: 20 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const info = r.body.PagingInfo as {
        TotalCount: number;
        DataSources: { Name: string; DataSource: { Id: number; Description: string }[] }[];
      };
      return { ...info, records: info.DataSources.flatMap((g) => g.DataSource) };
    };
    const readThePage = () => statements.some((s) => s.includes('"data_source_groups"'));
    for (let i = 0; i < 10; i++) {
      await page();
      const before = await page();
      assert.deepEqual(await page(), before);
      assert.ok(!readThePage(), `kept:\n${statements.join('\n')}`);

      const created = await newDataSource(a, projectId, { env: 'Prod' });
      const afterCreate = await page();
      assert.equal(afterCreate.TotalCount, before.TotalCount + 1, `round ${i}: created on A`);
      assert.ok(afterCreate.DataSources.some((g) => g.Name === created.name));

      await page();
      await page();
      await other.query('update data_sources set description = $1 where id = $2', [
        `listed ${i}`,
        created.id,
      ]);
      const changed = await page();
      assert.equal(
        changed.records.find((r) => r.Id === created.id)?.Description,
        `listed ${i}`,
        `round ${i}: changed by another connection`,
      );
    }
  });
});
