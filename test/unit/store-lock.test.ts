import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireStoreLock, OWNER_FILE, StoreLockedError } from '../../src/store/store-lock.js';

describe('store lock (one server per SQLite data directory)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dshub-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder, naming the holder and the directory, until released', () => {
    const first = acquireStoreLock(dir, 'dshub serve');
    assert.ok(existsSync(join(dir, OWNER_FILE)));
    assert.throws(
      () => acquireStoreLock(dir, 'dshub serve'),
      (e: unknown) => {
        assert.ok(e instanceof StoreLockedError);
        assert.match(e.message, new RegExp(`process ${process.pid} on .* \\(dshub serve, since `));
        assert.ok(e.message.includes(dir));
        return true;
      },
    );
    first.release();
    first.release(); // idempotent
    assert.equal(existsSync(join(dir, OWNER_FILE)), false);
    acquireStoreLock(dir, 'dshub serve').release();
  });

  it('creates the data directory when it does not exist', () => {
    const nested = join(dir, 'a', 'b');
    acquireStoreLock(nested, 'dshub serve').release();
    assert.ok(existsSync(nested));
  });
});
