/**
 * Regression (issue: the deny list was bypassed by IPv4-mapped IPv6 spellings): the address
 * policy as a unit. No socket is opened here: the link-local metadata address is only ever
 * checked, never dialled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DENY_NETWORKS } from '../../src/config.js';
import { NetworkPolicy, normalizeAddress } from '../../src/connectivity/network.js';

describe('IPv6 spellings of IPv4 addresses are checked as the IPv4 address', () => {
  const loopbackDenied = new NetworkPolicy(undefined, ['127.0.0.0/8']);
  for (const spelling of [
    '127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '::FFFF:7F00:0001',
    '0000:0000:0000:0000:0000:FFFF:7F00:0001',
    '::ffff:0:7f00:1',
    '::7f00:1',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
  ]) {
    it(`${spelling} is inside 127.0.0.0/8`, () => {
      const v = loopbackDenied.check(spelling);
      assert.equal(v.allowed, false, v.reason);
      assert.match(v.reason, /127\.0\.0\.1\)? is inside denied network 127\.0\.0\.0\/8/);
    });
  }

  it('the default deny list refuses ::ffff:a9fe:a9fe (169.254.169.254, metadata)', () => {
    const policy = new NetworkPolicy(undefined, DEFAULT_DENY_NETWORKS);
    for (const spelling of [
      '169.254.169.254',
      '::ffff:a9fe:a9fe',
      '::ffff:169.254.169.254',
      '0:0:0:0:0:FFFF:A9FE:A9FE',
      '::a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      'fe80::1',
    ]) {
      const v = policy.check(spelling);
      assert.equal(v.allowed, false, `${spelling}: ${v.reason}`);
    }
    assert.equal(policy.check('127.0.0.1').allowed, true);
    assert.equal(policy.check('::1').allowed, true);
  });

  it('an allow list of 127.0.0.0/8 admits the mapped spelling and nothing outside', () => {
    const policy = new NetworkPolicy(['127.0.0.0/8'], []);
    assert.equal(policy.check('::ffff:7f00:1').allowed, true);
    assert.equal(policy.check('::ffff:a00:1').allowed, false);
    assert.equal(policy.check('::1').allowed, false, 'IPv6 loopback is not 127.0.0.0/8');
  });

  it('a rule written as an IPv4-mapped network is the IPv4 network', () => {
    const policy = new NetworkPolicy(undefined, ['::ffff:127.0.0.0/104']);
    assert.equal(policy.check('127.1.2.3').allowed, false);
    assert.equal(policy.check('128.0.0.1').allowed, true);
  });

  it(':: and ::1 stay IPv6; text that is not an address is refused', () => {
    assert.equal(normalizeAddress('::')?.kind(), 'ipv6');
    assert.equal(normalizeAddress('::1')?.kind(), 'ipv6');
    assert.equal(normalizeAddress('db.example.com'), undefined);
    assert.equal(new NetworkPolicy(undefined, []).check('0x7f.1').allowed, false);
  });
});
