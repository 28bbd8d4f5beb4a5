import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has defaults that start on the embedded store', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.database.kind, 'sqlite');
    assert.equal(c.timestampWindowMs, 15 * 60_000);
  });

  it('denies link-local (cloud metadata) targets unless told otherwise', () => {
    assert.deepEqual(loadConfig({}).connectivity.denyNetworks, ['169.254.0.0/16', 'fe80::/10']);
    assert.deepEqual(
      loadConfig({ DSHUB_CONNECTIVITY_DENY_NETWORKS: 'none' }).connectivity.denyNetworks,
      [],
    );
    assert.deepEqual(
      loadConfig({ DSHUB_CONNECTIVITY_DENY_NETWORKS: '10.0.0.0/8' }).connectivity.denyNetworks,
      ['10.0.0.0/8'],
    );
  });

  it('uses PostgreSQL when DSHUB_DATABASE_URL is set', () => {
    const c = loadConfig({ DSHUB_DATABASE_URL: 'postgres://u@h/db' });
    assert.equal(c.database.kind, 'postgres');
  });

  it('names the variable when a value is bad', () => {
    assert.throws(
      () => loadConfig({ DSHUB_PORT: 'eighty' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /DSHUB_PORT/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ DSHUB_DATABASE_URL: 'mysql://x' }), /DSHUB_DATABASE_URL/);
    assert.throws(() => loadConfig({ DSHUB_MASTER_KEY: 'short' }), /DSHUB_MASTER_KEY/);
    assert.throws(() => loadConfig({ DSHUB_ROOT_ACCESS_KEY_ID: 'abcd' }), /set together/);
    assert.throws(
      () => loadConfig({ DSHUB_CONNECTIVITY_DENY_NETWORKS: '10.0.0.0' }),
      /DSHUB_CONNECTIVITY_DENY_NETWORKS/,
    );
  });
});
