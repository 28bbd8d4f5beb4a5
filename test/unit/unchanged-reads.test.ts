/**
 * The rules of SQLite's kept reads (src/store/unchanged-reads.ts), with the connection's write
 * count, its `PRAGMA data_version` and the clock played by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROBE_MS, UnchangedReads } from '../../src/store/unchanged-reads.js';

function connection() {
  const c = { writes: 0, version: 1, probes: 0, now: 0 };
  const reads = new UnchangedReads(
    () => c.writes,
    () => {
      c.probes++;
      return c.version;
    },
    () => c.now,
  );
  let runs = 0;
  const read = async () => [{ run: ++runs }];
  return { c, reads, read, runs: () => runs };
}

describe('values kept while the database is unchanged', () => {
  it('serves a kept value again, the same object, until a write on the connection', async () => {
    const { c, reads, read, runs } = connection();
    const first = await reads.readValue('page', read);
    assert.ok(first.kept);
    assert.equal((await reads.readValue('page', read)).value, first.value);
    assert.equal(runs(), 1);
    c.writes++;
    assert.deepEqual((await reads.readValue('page', read)).value, [{ run: 2 }]);
  });

  it("sees another connection's commit once PROBE_MS has passed", async () => {
    const { c, reads, read, runs } = connection();
    await reads.readValue('page', read);
    c.version++;
    await reads.readValue('page', read);
    assert.equal(runs(), 1, 'within PROBE_MS the last answer stands');
    c.now += PROBE_MS;
    await reads.readValue('page', read);
    assert.equal(runs(), 2);
  });

  it('does not keep a value when anything changed while it was read', async () => {
    const { c, reads, runs } = connection();
    let n = 0;
    const writeDuring = async () => {
      c.writes++;
      return ++n;
    };
    const commitDuring = async () => {
      c.version++;
      return ++n;
    };
    assert.equal((await reads.readValue('a', writeDuring)).kept, false);
    assert.equal((await reads.readValue('b', commitDuring)).kept, false);
    assert.equal((await reads.readValue('b', async () => ++n)).kept, true);
    assert.equal(runs(), 0);
    // The probe after a read is asked afresh, whatever the clock says.
    assert.ok(c.probes >= 3);
  });

  it('drops kept rows and kept values together', async () => {
    const { c, reads, read, runs } = connection();
    let rowsRead = 0;
    reads.read('s', [1], () => [{ row: ++rowsRead }]);
    await reads.readValue('page', read);
    c.writes++;
    reads.read('s', [1], () => [{ row: ++rowsRead }]);
    await reads.readValue('page', read);
    assert.equal(rowsRead, 2);
    assert.equal(runs(), 2);
  });
});
