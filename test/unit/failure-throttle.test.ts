import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, FailureThrottle, type Lockout } from '../../src/auth/failure-throttle.js';
import { loadConfig } from '../../src/config.js';
import { hostAllowed, tokenMatches } from '../../src/server/app.js';

function throttle(over: Partial<ConstructorParameters<typeof FailureThrottle>[0]> = {}) {
  let now = 1_000_000;
  const lockouts: Lockout[] = [];
  const t = new FailureThrottle({
    windowMs: 60_000,
    maxPerKey: 3,
    maxPerAddress: 5,
    lockoutMs: 300_000,
    tracked: 100,
    now: () => now,
    onLockout: (l) => lockouts.push(l),
    ...over,
  });
  return { t, lockouts, advance: (ms: number) => (now += ms) };
}

describe('failed-signature throttle', () => {
  it('locks a key out from the failing address only, once, for the lockout time', () => {
    const { t, lockouts, advance } = throttle();
    for (let i = 0; i < 3; i++) {
      assert.equal(t.checkKey('K', '10.0.0.1'), undefined);
      t.badSignature('K', '10.0.0.1');
    }
    assert.equal(t.checkKey('K', '10.0.0.1')?.scope, 'key');
    assert.equal(t.checkKey('K', '10.0.0.1')?.retryAfterSeconds, 300);
    // The victim, elsewhere, is not locked out by an attacker who knows the key id.
    assert.equal(t.checkKey('K', '10.0.0.2'), undefined);
    assert.equal(t.checkAddress('10.0.0.1'), undefined, 'the address has 3 of 5');
    assert.deepEqual(
      lockouts.map((l) => [l.scope, l.accessKeyId, l.address, l.failures]),
      [['key', 'K', '10.0.0.1', 3]],
    );
    advance(299_000);
    assert.equal(t.checkKey('K', '10.0.0.1')?.retryAfterSeconds, 1);
    advance(1_000);
    assert.equal(t.checkKey('K', '10.0.0.1'), undefined, 'the lockout ends');
    t.badSignature('K', '10.0.0.1');
    assert.equal(t.checkKey('K', '10.0.0.1'), undefined, 'counting starts again');
  });

  it('counts within a window: failures spread wider than it never lock', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 10; i++) {
      t.badSignature('K', '10.0.0.1');
      t.badSignature('K', '10.0.0.1');
      advance(61_000);
    }
    assert.equal(t.checkKey('K', '10.0.0.1'), undefined);
  });

  it('a verified signature forgets the key-at-address count, not the address count', () => {
    const { t } = throttle();
    t.badSignature('K', '10.0.0.1');
    t.badSignature('K', '10.0.0.1');
    t.succeeded('K', '10.0.0.1');
    t.badSignature('K', '10.0.0.1');
    t.badSignature('K', '10.0.0.1');
    assert.equal(t.checkKey('K', '10.0.0.1'), undefined);
    t.unknownKey('10.0.0.1');
    assert.equal(t.checkAddress('10.0.0.1')?.scope, 'address', '4 + 1 failures: 5 of 5');
  });

  it('unknown AccessKey ids count per address, and IPv6 addresses by their /64', () => {
    const { t, lockouts } = throttle();
    for (let i = 1; i <= 5; i++) t.unknownKey(`2001:db8:1:2::${i}`);
    assert.equal(t.checkAddress('2001:db8:1:2::ffff')?.scope, 'address');
    assert.equal(t.checkAddress('2001:db8:1:3::1'), undefined);
    assert.equal(lockouts.length, 1);
    assert.equal(lockouts[0]!.address, '2001:db8:1:2::/64');
    assert.equal(addressKey('::ffff:127.0.0.1'), '127.0.0.1');
  });

  it('holds at most `tracked` entries per table under a flood of random ids and addresses', () => {
    const { t } = throttle({ tracked: 50 });
    for (let i = 0; i < 20_000; i++) {
      t.badSignature(`LTAI${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      t.unknownKey(`fd00:${i.toString(16)}::1`);
    }
    assert.deepEqual(t.tracked, { address: 50, key: 50 });
  });

  it('a flood of one-off failures from other addresses does not erase a lockout', () => {
    const { t } = throttle({ tracked: 8 });
    for (let i = 0; i < 5; i++) t.unknownKey('10.0.0.1');
    assert.equal(t.checkAddress('10.0.0.1')?.scope, 'address');
    for (let i = 0; i < 1_000; i++) t.unknownKey(`10.1.${i >> 8}.${i & 255}`);
    assert.equal(t.tracked.address, 8);
    assert.equal(t.checkAddress('10.0.0.1')?.scope, 'address', 'still locked out');
  });

  it('a limit of 0 turns a scope off', () => {
    const { t } = throttle({ maxPerKey: 0, maxPerAddress: 0 });
    for (let i = 0; i < 100; i++) t.badSignature('K', '10.0.0.1');
    assert.equal(t.checkKey('K', '10.0.0.1'), undefined);
    assert.equal(t.checkAddress('10.0.0.1'), undefined);
    assert.deepEqual(t.tracked, { address: 0, key: 0 });
  });
});

describe('public hosts and the metrics token', () => {
  it('matches Host headers against DSHUB_PUBLIC_HOSTS', () => {
    const allowed = loadConfig({
      DSHUB_PUBLIC_HOSTS: 'DSHub.example.com, api.example.com:8443,[::1]',
    }).publicHosts!;
    assert.deepEqual(allowed, ['dshub.example.com', 'api.example.com:8443', '[::1]']);
    assert.ok(hostAllowed('dshub.example.com', allowed));
    assert.ok(hostAllowed('DSHUB.example.com:443', allowed), 'no port: any port');
    assert.ok(hostAllowed('dshub.example.com.', allowed), 'a trailing dot is the same name');
    assert.ok(hostAllowed('api.example.com:8443', allowed));
    assert.ok(!hostAllowed('api.example.com', allowed), 'a port: only that port');
    assert.ok(!hostAllowed('api.example.com:8444', allowed));
    assert.ok(hostAllowed('[::1]:8080', allowed));
    assert.ok(!hostAllowed('evil.example.com', allowed));
    assert.ok(!hostAllowed('dshub.example.com.evil.example', allowed));
    assert.ok(!hostAllowed(undefined, allowed));
    assert.equal(loadConfig({}).publicHosts, undefined);
    assert.throws(() => loadConfig({ DSHUB_PUBLIC_HOSTS: 'https://x.example' }), /PUBLIC_HOSTS/);
    assert.throws(() => loadConfig({ DSHUB_PUBLIC_HOSTS: 'a b' }), /PUBLIC_HOSTS/);
  });

  it('compares bearer tokens whatever their lengths, and refuses short configured tokens', () => {
    assert.ok(tokenMatches('0123456789abcdef', '0123456789abcdef'));
    assert.ok(!tokenMatches('0123456789abcdeF', '0123456789abcdef'));
    assert.ok(!tokenMatches('', '0123456789abcdef'));
    assert.ok(!tokenMatches('0123456789abcdef0', '0123456789abcdef'));
    assert.throws(() => loadConfig({ DSHUB_METRICS_TOKEN: 'short' }), /DSHUB_METRICS_TOKEN/);
  });

  it('reads the throttle settings', () => {
    const c = loadConfig({
      DSHUB_AUTH_MAX_FAILURES_PER_KEY: '0',
      DSHUB_AUTH_LOCKOUT_SECONDS: '30',
    }).authFailures;
    assert.deepEqual(c, {
      windowMs: 60_000,
      maxPerKey: 0,
      maxPerAddress: 100,
      lockoutMs: 30_000,
      tracked: 10_000,
    });
  });
});
