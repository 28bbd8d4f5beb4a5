import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Envelope } from '../../src/crypto/envelope.js';
import { Keyring, loadKeyring, prepareNextKey, promoteNextKey } from '../../src/crypto/keyring.js';

describe('envelope encryption', () => {
  it('seals with a fresh data key each time and opens only for the same purpose', () => {
    const env = new Envelope(new Keyring(randomBytes(32)));
    const a = env.seal('s3cret', 'ds:1');
    const b = env.seal('s3cret', 'ds:1');
    assert.notEqual(a, b);
    assert.ok(!a.includes('s3cret'));
    assert.equal(env.open(a, 'ds:1'), 's3cret');
    assert.throws(() => env.open(a, 'ds:2'));
    const tampered = `${a.slice(0, -4)}AAA=`;
    assert.throws(() => env.open(tampered, 'ds:1'));
  });

  it('re-wraps under a new master key without touching the ciphertext', () => {
    const oldKey = randomBytes(32);
    const ring = new Keyring(oldKey);
    const env = new Envelope(ring);
    const sealed = env.seal('value', 'p');
    ring.promote(randomBytes(32));
    const rewrapped = env.rewrap(sealed, 'p');
    assert.notEqual(env.keyIdOf(rewrapped), env.keyIdOf(sealed));
    assert.equal(rewrapped.split(':')[3], sealed.split(':')[3]);
    assert.equal(env.open(rewrapped, 'p'), 'value');
    assert.equal(new Envelope(new Keyring(ring.current().key)).open(rewrapped, 'p'), 'value');
    assert.throws(
      () => new Envelope(new Keyring(randomBytes(32))).open(rewrapped, 'p'),
      /not loaded/,
    );
  });

  it('creates the key file with mode 0600 and keeps old keys loadable through a rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dshub-key-'));
    const first = loadKeyring({ masterKey: undefined, dataDir: dir });
    assert.equal(first.created, true);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
    const sealed = new Envelope(first.keyring).seal('x', 'p');
    prepareNextKey(dir);
    const during = loadKeyring({ masterKey: undefined, dataDir: dir });
    assert.equal(during.keyring.ids().length, 2);
    promoteNextKey(dir);
    const after = loadKeyring({ masterKey: undefined, dataDir: dir });
    assert.notEqual(after.keyring.current().id, first.keyring.current().id);
    assert.equal(new Envelope(after.keyring).open(sealed, 'p'), 'x', 'retired keys stay loadable');
    assert.equal(statSync(join(dir, 'master.key.retired')).mode & 0o777, 0o600);
  });
});
