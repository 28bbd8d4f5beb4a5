/**
 * The server's SQLite statements (src/store/sqlite-statements.ts): rows read as arrays and made
 * objects by a compiled function must be the rows better-sqlite3 itself makes, and the count of
 * statements that may write must count every one of them and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sqliteStatements } from '../../src/store/sqlite-statements.js';

function database() {
  const db = new SQLite(':memory:');
  db.exec(`create table t (id integer primary key, name text, body blob, n real);
    insert into t values (1, 'a', x'0102', 1.5), (2, 'b', null, null)`);
  return { db, statements: sqliteStatements(db) };
}

describe('SQLite statements', () => {
  it('makes the rows better-sqlite3 makes: values, key order, the later of two same-named columns', () => {
    const { db, statements } = database();
    for (const text of [
      'select * from t order by id',
      'select t.id, u.id, t.name as "x y", u.name from t join t as u on u.id = 3 - t.id',
      'select name, count(*) as "1", id from t group by id',
      'select 1 as "a""b", null as "\\u2028"',
    ]) {
      const ours = statements.prepare(text).all([]);
      const theirs = db.prepare(text).all();
      assert.deepEqual(ours, theirs, text);
      assert.deepEqual(
        ours.map((r) => Object.keys(r as object)),
        theirs.map((r) => Object.keys(r as object)),
      );
      assert.deepEqual([...statements.prepare(text).iterate([])], theirs, text);
    }
  });

  it('binds parameters given as an array', () => {
    const { statements } = database();
    assert.deepEqual(
      statements.prepare('select name from t where id = ? or name = ?').all([2, 'zz']),
      [{ name: 'b' }],
    );
  });

  it('gives a column named __proto__ the row better-sqlite3 gives (its own object rows)', () => {
    const { db, statements } = database();
    const text = 'select id as "__proto__", name from t where id = 1';
    const [row] = statements.prepare(text).all([]) as Record<string, unknown>[];
    assert.deepEqual(row, db.prepare(text).get());
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
  });

  it('counts every statement that may write, and no other', () => {
    const { statements } = database();
    const run = (text: string) => {
      const s = statements.prepare(text);
      return s.reader ? s.all([]) : s.run([]);
    };
    const counted = (text: string) => {
      const before = statements.writes();
      run(text);
      return statements.writes() - before;
    };
    assert.equal(counted('select * from t'), 0);
    assert.equal(counted('begin'), 0);
    assert.equal(counted("insert into t (name) values ('c') returning id"), 1);
    assert.equal(
      counted("update t set name = 'd' where id = 99"),
      1,
      'a write that changes no row counts too',
    );
    assert.equal(counted('commit'), 0);
    assert.equal(counted('create table u (x)'), 1);
    assert.equal(counted('delete from t where id = 1'), 1);
    const s = statements.prepare('insert into u values (?)');
    const before = statements.writes();
    s.run([1]);
    s.run([2]);
    assert.equal(statements.writes() - before, 2, 'each run of a kept statement counts');
  });
});
