/**
 * Statements compiled once (src/store/prepared.ts): placeholders only, the right rows on both
 * stores, on SQLite never a read through another request's open transaction, and on PostgreSQL
 * an asynchronous commit only for the statement that asks for it (the nonce claim). Statements
 * run inside a transaction (txStatement) run on its connection: they see its writes and roll
 * back with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { addRecord, lockWorkspace } from '../../../src/datasources/list-index.js';
import { param, paramList, paramRow, prepare } from '../../../src/store/prepared.js';
import { txStatement } from '../../../src/store/tx-statement.js';
import { selectedDialects, skipDialect } from '../../helpers/database.js';
import { createTestContext, type TestContext } from '../../helpers/harness.js';
import { newWorkspace } from '../../helpers/workspaces.js';

const EVENT = ['request_id', 'tenant_id', 'action', 'targets', 'outcome'] as const;
const insertEvent = txStatement(
  'test_event_insert',
  (k) =>
    k
      .insertInto('audit_events')
      .values({ ...paramRow(EVENT), time: 1, user_id: 'u', access_key_id: 'k' }),
  EVENT,
);
const eventsOf = txStatement(
  'test_events_of',
  (k, n: number) =>
    k
      .selectFrom('audit_events')
      .select('request_id')
      .where('request_id', 'in', paramList<string>('ids', n))
      .orderBy('request_id'),
  ['ids'],
);

for (const dialect of selectedDialects()) {
  describe(`${dialect}: prepared statements`, async () => {
    const skip = await skipDialect(dialect);
    if (skip) {
      it(`skipped: ${skip}`, { skip }, () => {});
      return;
    }
    let t: TestContext;
    before(async () => {
      t = await createTestContext(dialect);
    });
    after(async () => {
      await t?.close();
    });

    it('refuses a value that is not a named placeholder', () => {
      const db = t.services.db;
      assert.throws(
        () =>
          prepare(
            db,
            'test_baked',
            db.kysely.selectFrom('projects').select('id').where('id', '=', 7),
            [],
          ),
        /parameter 1 is not one of/,
      );
    });

    it('binds placeholders by name, in whatever order the SQL uses them', async () => {
      const db = t.services.db;
      const q = prepare(
        db,
        'test_projects_by_tenant',
        db.kysely
          .selectFrom('projects')
          .select(['id', 'tenant_id'])
          .where('tenant_id', '=', param<string>('tenant'))
          .where('id', '>', param<number>('after')),
        ['after', 'tenant'],
      );
      const created = await t.call(t.root, 'CreateProject', {
        Name: t.name('ws'),
        DisplayName: 'x',
      });
      const id = Number(created.body.Id);
      const hit = await q.run({ tenant: t.root.tenantId, after: id - 1 });
      assert.deepEqual(
        hit.rows.map((r) => Number(r.id)),
        [id],
      );
      assert.equal((await q.run({ tenant: 'nobody', after: 0 })).rows.length, 0);
    });

    it('does not see writes of a transaction that has not committed', async () => {
      const db = t.services.db;
      const q = prepare(
        db,
        'test_project_by_name',
        db.kysely.selectFrom('projects').select('id').where('name', '=', param<string>('name')),
        ['name'],
      );
      const name = t.name('uncommitted');
      let inside!: () => void;
      const inserted = new Promise<void>((r) => {
        inside = r;
      });
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const trx = db.kysely
        .transaction()
        .execute(async (tx) => {
          await tx
            .insertInto('projects')
            .values({
              tenant_id: t.root.tenantId,
              name,
              display_name: name,
              description: '',
              owner: t.root.userId,
              status: 'Available',
              dev_environment_enabled: 0,
              dev_role_disabled: 0,
              pai_task_enabled: 0,
              aliyun_resource_group_id: '',
              aliyun_resource_tags: '[]',
              created_at: Date.now(),
              modified_at: Date.now(),
            })
            .execute();
          inside();
          await held;
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await inserted;
      const during = q.run({ name });
      // On SQLite the read waits for the transaction; on PostgreSQL it runs on another
      // connection. Either way it never shows the row.
      release();
      assert.equal((await during).rows.length, 0);
      await trx;
      assert.equal((await q.run({ name })).rows.length, 0);
    });

    it('runs a statement compiled once on the transaction: it sees its writes and rolls back with it', async () => {
      const k = t.services.db.kysely;
      const event = (id: string) => ({
        request_id: id,
        tenant_id: t.root.tenantId,
        action: 'Test',
        targets: '{}',
        outcome: 'Success',
      });
      const [kept, dropped] = [t.name('kept'), t.name('dropped')];
      await k.transaction().execute(async (trx) => {
        await insertEvent.run(trx, event(kept));
      });
      await assert.rejects(
        k.transaction().execute(async (trx) => {
          const r = await insertEvent.run(trx, event(dropped));
          assert.equal(r.changes, 1);
          // The same connection: the uncommitted row is visible inside, and only inside.
          const inside = await eventsOf.run(trx, { ids: [kept, dropped] }, 2);
          assert.deepEqual(
            inside.rows.map((x) => x.request_id),
            [kept, dropped].sort(),
          );
          throw new Error('roll back');
        }),
        /roll back/,
      );
      const after = await eventsOf.run(k, { ids: [dropped, kept] }, 2);
      assert.deepEqual(
        after.rows.map((x) => x.request_id),
        [kept],
      );
      // Another arity is another statement, compiled on first use.
      assert.equal((await eventsOf.run(k, { ids: [dropped] }, 1)).rows.length, 0);
    });

    it('rolls a data source group and its bucket counts back with the transaction', async () => {
      const k = t.services.db.kysely;
      const ws = await newWorkspace(t, t.root);
      const snapshot = async () => ({
        groups: await k
          .selectFrom('data_source_groups')
          .selectAll()
          .where('project_id', '=', ws)
          .execute(),
        buckets: await k
          .selectFrom('data_source_list_buckets')
          .selectAll()
          .where('project_id', '=', ws)
          .orderBy(['kind', 'lo', 'type', 'env_mask'])
          .execute(),
        grams: await k
          .selectFrom('data_source_name_grams')
          .select(sql<number>`count(*)`.as('n'))
          .where('project_id', '=', ws)
          .executeTakeFirstOrThrow(),
      });
      const add = (name: string, id: number) =>
        k.transaction().execute(async (trx) => {
          await lockWorkspace(trx, ws);
          await addRecord(trx, { workspaceId: ws, name, type: 'mysql', env: 'Prod', id });
        });
      await add('kept_one', 1);
      const before = await snapshot();
      assert.equal(before.groups.length, 1);
      await assert.rejects(
        k.transaction().execute(async (trx) => {
          await lockWorkspace(trx, ws);
          await addRecord(trx, {
            workspaceId: ws,
            name: 'dropped_one',
            type: 'mysql',
            env: 'Prod',
            id: 2,
          });
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(await snapshot(), before);
    });

    it('commits asynchronously only where asked (the PostgreSQL nonce claim), durably elsewhere', async (c) => {
      if (dialect !== 'postgres') return c.skip('SQLite keeps nonces in memory');
      const db = t.services.db;
      const setting = async (asyncCommit: boolean) => {
        const r = await db.runPrepared<{ synchronous_commit: string }>(
          `test_show_sync_${asyncCommit}`,
          'show synchronous_commit',
          [],
          { asyncCommit },
        );
        return r.rows[0]?.synchronous_commit;
      };
      assert.equal(await setting(true), 'off');
      assert.equal(await setting(false), 'on');
      const viaKysely = await db.kysely
        .transaction()
        .execute(
          async (trx) =>
            (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx)).rows,
        );
      assert.equal(viaKysely[0]?.synchronous_commit, 'on');
    });
  });
}
