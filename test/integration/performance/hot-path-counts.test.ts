/**
 * The performance regression check that cannot flake: not a timing, but how many store
 * statements and log records one call costs, asserted exactly. A change that adds a round trip
 * to the hot path (or a second log line) fails here; the benchmarks say what it costs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../src/observability/logger.js';
import { DATA_VERSION_QUERY } from '../../../src/store/dialect.js';
import { selectedDialects, skipDialect } from '../../helpers/database.js';
import { createTestContext, type TestContext } from '../../helpers/harness.js';

const CONNECTION = JSON.stringify({
  envType: 'Prod',
  address: [{ host: '127.0.0.1', port: 3306 }],
  database: 'orders',
  username: 'app',
  password: 'not-a-real-password',
});

for (const dialect of selectedDialects()) {
  describe(`${dialect}: store statements and log records per call`, async () => {
    const skip = await skipDialect(dialect);
    if (skip) {
      it(`skipped: ${skip}`, { skip }, () => {});
      return;
    }
    const statements: string[] = [];
    const lines: string[] = [];
    let t: TestContext;
    let dataSourceId: number;
    let projectId: number;

    before(async () => {
      t = await createTestContext(
        dialect,
        // Credentials are cached in production (5 s by default); count the steady state.
        { DSHUB_AUTH_CACHE_TTL_MS: '60000' },
        {
          onQuery: (text) => statements.push(text),
          logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
        },
      );
      const project = await t.call(t.root, 'CreateProject', {
        Name: t.name('ws'),
        DisplayName: 'counts',
      });
      assert.equal(project.status, 200, JSON.stringify(project.body));
      projectId = Number(project.body.Id);
      const ds = await t.call(t.root, 'CreateDataSource', {
        ProjectId: projectId,
        Name: 'orders_db',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: CONNECTION,
      });
      assert.equal(ds.status, 200, JSON.stringify(ds.body));
      dataSourceId = Number(ds.body.Id);
    });
    after(async () => {
      await t?.close();
    });

    /**
     * Runs `call` twice to warm caches, then `n` times, and returns the counts per call. Twice:
     * on PostgreSQL the change notice of the set-up's last write may arrive while the first
     * call reads, whose rows are then not kept; it has arrived once that call's claim is back.
     */
    async function perCall(call: () => Promise<number>, n = 5) {
      assert.equal(await call(), 200);
      assert.equal(await call(), 200);
      statements.length = 0;
      lines.length = 0;
      for (let i = 0; i < n; i++) assert.equal(await call(), 200);
      const questions = statements.filter((s) => s === DATA_VERSION_QUERY).length;
      assert.ok(questions <= n, statements.join('\n'));
      return {
        statements: (statements.length - questions) / n,
        logRecords: lines.length / n,
        sql: statements,
      };
    }

    // Nonces live in memory on SQLite (one process) and in the database on PostgreSQL, so that
    // a replay reaching another replica is refused: one statement more there (one per event-loop
    // turn: calls arriving together share it, src/auth/nonce-store.ts; these calls come one by one).
    const nonce = dialect === 'postgres' ? 1 : 0;
    // GetDataSource's read and the membership lookup are kept while the database is unchanged:
    // on SQLite (src/store/unchanged-reads.ts) a repeated read runs no statement but, at most once
    // a millisecond, the question whether another connection changed the database (counted
    // apart: at most one per call; how many depends on the clock); on PostgreSQL
    // (src/store/notified-reads.ts) none at all, the nonce claim being the barrier that shows no
    // change notice is on its way. After a write (each CreateDataSource) the membership is read
    // again.
    const kept = 1;
    it('GetDataSource: the record and its access decision in one statement, kept, one log record', async () => {
      const r = await perCall(
        async () => (await t.call(t.root, 'GetDataSource', { Id: dataSourceId })).status,
      );
      assert.equal(r.statements, 1 - kept + nonce, r.sql.join('\n'));
      assert.equal(r.logRecords, 1);
    });

    it('GetDataSource by a workspace member: the same one statement', async () => {
      const member = await t.newUser();
      const add = await t.call(
        t.root,
        'CreateProjectMember',
        { ProjectId: projectId, UserId: member.userId, RoleCodes: '["role_project_deploy"]' },
        { placement: 'body' },
      );
      assert.equal(add.status, 200, JSON.stringify(add.body));
      const r = await perCall(
        async () => (await t.call(member, 'GetDataSource', { Id: dataSourceId })).status,
      );
      assert.equal(r.statements, 1 - kept + nonce, r.sql.join('\n'));
      assert.equal(r.logRecords, 1);
    });

    const listPage = async () =>
      (await t.call(t.root, 'ListDataSources', { ProjectId: projectId, PageSize: 20 })).status;

    it('ListDataSources page 1, repeated: the membership and the page kept, one log record', async () => {
      const r = await perCall(listPage);
      // On PostgreSQL the page needs no barrier of its own: the membership's, the call's claim,
      // has come back by then (Db.readKept's `since`).
      assert.equal(r.statements, nonce, r.sql.join('\n'));
      assert.equal(r.logRecords, 1);
    });

    it('ListDataSources page 1 after a change: the membership, then one read transaction', async () => {
      const n = 3;
      let counted = 0;
      for (let i = 0; i < n; i++) {
        // Any write drops what was kept.
        await t.services.db.kysely
          .updateTable('projects')
          .set({ description: `changed ${i}` })
          .where('id', '=', projectId)
          .execute();
        statements.length = 0;
        assert.equal(await listPage(), 200);
        counted += statements.filter((s) => s !== DATA_VERSION_QUERY).length;
      }
      // membership; begin, bucket counts, the page's groups, their records with their tags, commit
      assert.equal(counted / n, 6 + nonce, statements.join('\n'));
    });

    it('CreateDataSource of a new name: one write transaction, no read-back, one log record', async () => {
      let i = 0;
      const r = await perCall(
        async () =>
          (
            await t.call(t.root, 'CreateDataSource', {
              ProjectId: projectId,
              Name: `counted_${i++}`,
              Type: 'mysql',
              ConnectionPropertiesMode: 'UrlMode',
              ConnectionProperties: CONNECTION,
            })
          ).status,
      );
      // membership (read again: the last create changed the database); begin, workspace lock, list state, insert, sealed secrets, group (find, insert, name
      // grams), both orders' buckets (add to both, both totals), version, audit, commit
      assert.equal(r.statements, 14 + nonce, r.sql.join('\n'));
      assert.equal(r.logRecords, 1);
    });

    it('GetCallerIdentity: no statement but the nonce, one log record', async () => {
      const r = await perCall(async () => (await t.call(t.root, 'GetCallerIdentity')).status);
      assert.equal(r.statements, nonce, r.sql.join('\n'));
      assert.equal(r.logRecords, 1);
    });
  });
}
