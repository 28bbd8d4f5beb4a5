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

  it('checkpoints SQLite in a worker every 250 ms unless told otherwise (0: inside commits)', () => {
    const at = (env: Record<string, string>) => {
      const d = loadConfig(env).database;
      return d.kind === 'sqlite' ? d.checkpointMs : undefined;
    };
    assert.equal(at({}), 250);
    assert.equal(at({ DSHUB_SQLITE_CHECKPOINT_MS: '0' }), 0);
    assert.equal(at({ DSHUB_SQLITE_CHECKPOINT_MS: '250' }), 250);
    for (const bad of ['-1', '1.5', 'soon', '60001']) {
      assert.throws(
        () => loadConfig({ DSHUB_SQLITE_CHECKPOINT_MS: bad }),
        /DSHUB_SQLITE_CHECKPOINT_MS/,
        bad,
      );
    }
  });

  it("caps SQLite's page cache at 8 MiB unless told otherwise", () => {
    const at = (env: Record<string, string>) => {
      const d = loadConfig(env).database;
      return d.kind === 'sqlite' ? d.cacheMb : undefined;
    };
    assert.equal(at({}), 8);
    assert.equal(at({ DSHUB_SQLITE_CACHE_MB: '32' }), 32);
    for (const bad of ['0', '-8', '2.5', 'big', '4097']) {
      assert.throws(() => loadConfig({ DSHUB_SQLITE_CACHE_MB: bad }), /DSHUB_SQLITE_CACHE_MB/, bad);
    }
  });

  it('releases idle memory after 5 s without a request unless told otherwise (0: never)', () => {
    assert.equal(loadConfig({}).idleGcMs, 5_000);
    assert.equal(loadConfig({ DSHUB_IDLE_GC_MS: '0' }).idleGcMs, 0);
    assert.equal(loadConfig({ DSHUB_IDLE_GC_MS: '30000' }).idleGcMs, 30_000);
    for (const bad of ['-1', '0.5', 'later', '3600001']) {
      assert.throws(() => loadConfig({ DSHUB_IDLE_GC_MS: bad }), /DSHUB_IDLE_GC_MS/, bad);
    }
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

describe('configuration: operating settings', () => {
  it('names the variable and the bad item of a network list, not a path into it', () => {
    assert.throws(
      () => loadConfig({ DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '10.0.0.0/33' }),
      /DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '10\.0\.0\.0\/33' is not a network/,
    );
    assert.throws(
      () => loadConfig({ DSHUB_CONNECTIVITY_DENY_NETWORKS: '127.0.0.0/8,fe80::/129' }),
      (e: unknown) => {
        assert.match(String(e), /DSHUB_CONNECTIVITY_DENY_NETWORKS: 'fe80::\/129'/);
        assert.doesNotMatch(String(e), /NETWORKS\.\d/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ DSHUB_CONNECTIVITY_DNS_SERVERS: 'not-an-ip' }),
      /DSHUB_CONNECTIVITY_DNS_SERVERS/,
    );
    assert.throws(
      () => loadConfig({ DSHUB_TRUSTED_PROXIES: 'proxy.local' }),
      /DSHUB_TRUSTED_PROXIES/,
    );
    assert.throws(() => loadConfig({ DSHUB_PUBLIC_URL: 'dshub.example' }), /DSHUB_PUBLIC_URL/);
    assert.throws(
      () => loadConfig({ DSHUB_TLS_CERT: 'c.pem' }),
      /DSHUB_TLS_KEY must be set together/,
    );
  });

  it("fits connectivity tests inside the clients' 3 s default and reads the operating settings", () => {
    const d = loadConfig({});
    assert.equal(d.connectivity.totalTimeoutMs, 2500);
    assert.ok(d.connectivity.stepTimeoutMs <= d.connectivity.totalTimeoutMs);
    assert.equal(d.databaseWaitMs, 60_000);
    assert.deepEqual(d.trustedProxies, []);
    const c = loadConfig({
      DSHUB_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
      DSHUB_PUBLIC_URL: 'https://dshub.example.com/',
      DSHUB_DATABASE_WAIT_SECONDS: '5',
      DSHUB_SHUTDOWN_DRAIN_MS: '2000',
    });
    assert.deepEqual(c.trustedProxies, ['127.0.0.1', '10.0.0.0/8']);
    assert.equal(c.publicUrl, 'https://dshub.example.com');
    assert.equal(c.databaseWaitMs, 5000);
    assert.equal(c.shutdown.drainMs, 2000);
  });
});
