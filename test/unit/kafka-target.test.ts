/**
 * How a Kafka data source's SASL settings are read for a connectivity test: the published
 * schema's nested `sasl` object, a JAAS line's credentials, the older flat spellings, and the
 * errors for what is missing or cannot be tested.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepFailure } from '../../src/connectivity/steps.js';
import { jaasCredentials, parseTarget } from '../../src/connectivity/target.js';

const kafka = (props: Record<string, unknown>) =>
  parseTarget('kafka', 'kafka', { bootstrapServers: 'b1:9092', ...props });

function refused(props: Record<string, unknown>): StepFailure {
  try {
    kafka(props);
  } catch (e) {
    assert.ok(e instanceof StepFailure);
    return e;
  }
  assert.fail('expected a StepFailure');
}

describe('Kafka SASL settings', () => {
  it('reads the published schema: sasl.mechanism, sasl.username, sasl.password', () => {
    for (const [mechanism, expected] of [
      ['PLAIN', 'plain'],
      ['SCRAM-SHA-256', 'scram-sha-256'],
      ['scram-sha-512', 'scram-sha-512'],
    ]) {
      const t = kafka({
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism, username: 'alice', password: 's3cret' },
      });
      assert.deepEqual(t.kafkaSasl, { mechanism: expected, username: 'alice', password: 's3cret' });
      assert.equal(t.tls, undefined);
    }
    const overTls = kafka({
      securityProtocol: 'sasl_ssl',
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 's3cret' },
    });
    assert.deepEqual(overTls.tls, { verify: true });
    assert.equal(overTls.kafkaSasl?.username, 'alice');
  });

  it('takes the credentials of a JAAS line when username and password are absent', () => {
    const t = kafka({
      securityProtocol: 'SASL_SSL',
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        jaasConfig:
          'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p\\"w";',
      },
    });
    assert.deepEqual(t.kafkaSasl, { mechanism: 'scram-sha-512', username: 'svc', password: 'p"w' });
    assert.deepEqual(jaasCredentials('com.sun.security.auth.module.Krb5LoginModule required;'), {});
  });

  it('still reads the flat spellings, and no SASL without a SASL protocol or mechanism', () => {
    const flat = kafka({ saslMechanism: 'PLAIN', saslUsername: 'u', saslPassword: 'p' });
    assert.deepEqual(flat.kafkaSasl, { mechanism: 'plain', username: 'u', password: 'p' });
    const topLevel = kafka({ securityProtocol: 'SASL_PLAINTEXT', username: 'u', password: 'p' });
    assert.equal(topLevel.kafkaSasl?.mechanism, 'plain');
    assert.equal(kafka({ securityProtocol: 'PLAINTEXT' }).kafkaSasl, undefined);
  });

  it('names what is missing (ConfigError) and what cannot be tested (Unsupport)', () => {
    const noPassword = refused({
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: 'u' },
    });
    assert.equal(noPassword.state, 'ConfigError');
    assert.match(noPassword.message, /sasl\.password is required for SASL PLAIN/);
    const noUser = refused({ securityProtocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN' } });
    assert.match(noUser.message, /sasl\.username is required/);
    assert.match(refused({ sasl: 'PLAIN' }).message, /sasl must be an object/);
    const gssapi = refused({
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'GSSAPI', jaasConfig: 'x' },
    });
    assert.equal(gssapi.state, 'Unsupport');
    assert.match(gssapi.message, /GSSAPI/);
  });
});
