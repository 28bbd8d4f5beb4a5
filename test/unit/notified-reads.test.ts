/**
 * The rules of PostgreSQL's kept reads (src/store/notified-reads.ts), with the read and the
 * barrier played by hand: kept rows are served only after a barrier with no notice during it,
 * and rows are kept only when no notice arrived while they were read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotifiedReads } from '../../src/store/notified-reads.js';

/** A read that counts its runs and returns a new row each time. */
function counted() {
  let runs = 0;
  return {
    read: async () => [{ run: ++runs }],
    get runs() {
      return runs;
    },
  };
}

const passes = async () => {};

describe('reads kept until a change notice', () => {
  it('serves the kept rows after a quiet barrier, the same objects each time', async () => {
    const reads = new NotifiedReads();
    const r = counted();
    const first = await reads.read('s', [1], r.read, passes);
    const second = await reads.read('s', [1], r.read, passes);
    assert.equal(r.runs, 1);
    assert.ok(first.kept && second.kept);
    assert.equal(second.rows, first.rows);
    // Other values are other rows.
    await reads.read('s', [2], r.read, passes);
    assert.equal(r.runs, 2);
  });

  it('reads again when a notice arrives before or during the barrier', async () => {
    const reads = new NotifiedReads();
    const r = counted();
    await reads.read('s', [1], r.read, passes);
    const noticed = await reads.read('s', [1], r.read, async () => reads.changed());
    assert.equal(r.runs, 2);
    assert.deepEqual(noticed.rows, [{ run: 2 }]);
    reads.changed();
    assert.deepEqual((await reads.read('s', [1], r.read, passes)).rows, [{ run: 3 }]);
  });

  it('reads again when the barrier fails (its connection lost)', async () => {
    const reads = new NotifiedReads();
    const r = counted();
    await reads.read('s', [1], r.read, passes);
    const failed = await reads.read('s', [1], r.read, async () => {
      throw new Error('Connection terminated');
    });
    assert.equal(r.runs, 2);
    assert.deepEqual(failed.rows, [{ run: 2 }]);
  });

  it('does not keep rows read while a notice arrived: they may predate its commit', async () => {
    const reads = new NotifiedReads();
    const r = counted();
    const during = await reads.read(
      's',
      [1],
      async () => {
        reads.changed();
        return r.read();
      },
      passes,
    );
    assert.equal(during.kept, false);
    await reads.read('s', [1], r.read, passes);
    assert.equal(r.runs, 2);
  });

  it('keeps the values of several statements apart from rows, and drops both on a notice', async () => {
    const reads = new NotifiedReads();
    const r = counted();
    const page = await reads.readValue('page', r.read, passes);
    assert.equal((await reads.readValue('page', r.read, passes)).value, page.value);
    await reads.read('page', [], r.read, passes);
    assert.equal(r.runs, 2, 'a statement named like a value is not that value');
    reads.changed();
    const again = await reads.readValue('page', r.read, passes);
    assert.deepEqual(again.value, [{ run: 3 }]);
    const during = await reads.readValue(
      'other',
      async () => {
        reads.changed();
        return r.read();
      },
      passes,
    );
    assert.equal(during.kept, false);
  });

  it("serves a kept value without a barrier of its own once the call's barrier has passed", async () => {
    const reads = new NotifiedReads();
    const r = counted();
    let barriers = 0;
    const counting = async () => {
      barriers++;
    };
    // Nothing kept: read, whatever has passed.
    await reads.readValue('page', r.read, counting, true);
    const served = await reads.readValue('page', r.read, counting, true);
    assert.equal(r.runs, 1);
    assert.ok(served.kept);
    assert.equal(barriers, 0);
    await reads.readValue('page', r.read, counting, false);
    assert.equal(barriers, 1);
    // A notice drops the value: the passed barrier serves nothing.
    reads.changed();
    await reads.readValue('page', r.read, counting, true);
    assert.equal(r.runs, 2);
  });
});
