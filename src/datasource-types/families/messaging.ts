/** Message queues. */
import type { JsonObject } from '../json.js';
import { instanceMode, permissiveType } from '../mode-builders.js';
import {
  address,
  choice,
  connectionSchema,
  driverProperties,
  MODE_INSTANCE,
  MODE_URL,
  password,
  requiredWhen,
  secret,
  text,
  username,
} from '../schema-blocks.js';
import type { TypeDefinition } from '../types.js';

const SASL_PROTOCOLS = ['SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** Client security settings shared by self-managed Kafka and ApsaraMQ for Kafka instances. */
function kafkaSecurity(): JsonObject {
  return {
    securityProtocol: choice(
      'Security protocol',
      'PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL (Kafka security.protocol). SASL protocols need ' +
        'the sasl settings. Accepted in any letter case.',
      ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL'],
      { default: 'PLAINTEXT' },
    ),
    sasl: {
      type: 'object',
      title: 'SASL',
      description: 'SASL authentication, for the SASL_* security protocols.',
      required: ['mechanism'],
      properties: {
        mechanism: choice(
          'Mechanism',
          'PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 need username and password; GSSAPI is ' +
            'Kerberos.',
          ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'GSSAPI'],
        ),
        username: username(),
        password: password(),
        jaasConfig: secret(
          'JAAS configuration',
          'Full sasl.jaas.config line; it embeds credentials, so it is stored encrypted.',
        ),
      },
      allOf: [
        requiredWhen(
          'mechanism',
          ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
          ['username', 'password'],
        ),
      ],
      additionalProperties: true,
    },
    ssl: {
      type: 'object',
      title: 'TLS',
      description: 'TLS material, for the SSL and SASL_SSL security protocols.',
      properties: {
        truststoreFile: text('Truststore file', 'ID of the uploaded truststore file.'),
        truststorePassword: secret('Truststore password', 'Password of the truststore.'),
        keystoreFile: text('Keystore file', 'ID of the uploaded keystore file.'),
        keystorePassword: secret('Keystore password', 'Password of the keystore.'),
        keyPassword: secret('Key password', 'Password of the private key in the keystore.'),
      },
      additionalProperties: true,
    },
    properties: {
      ...driverProperties(),
      title: 'Client properties',
      description:
        'Extra Kafka client properties as key/value pairs, e.g. {"request.timeout.ms": "30000"}.',
    },
  };
}

const KAFKA_CONDITIONS = [requiredWhen('securityProtocol', SASL_PROTOCOLS, ['sasl'])];

const kafka: TypeDefinition = {
  name: 'kafka',
  displayName: 'Kafka',
  category: 'messaging',
  probe: 'kafka',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'Kafka — broker list mode',
      description: 'A Kafka cluster, reached through its bootstrap brokers.',
      required: ['address'],
      properties: {
        address: address({
          title: 'Bootstrap brokers',
          description: 'Bootstrap brokers: 1 to 64 host/port pairs.',
          maxItems: 64,
          defaultPort: 9092,
        }),
        version: text('Kafka version', 'Version of the Kafka cluster, e.g. 2.2.0.', {
          examples: ['2.2.0'],
        }),
        ...kafkaSecurity(),
      },
      conditions: KAFKA_CONDITIONS,
      example: {
        envType: 'Prod',
        address: [
          { host: '192.168.0.11', port: 9092 },
          { host: '192.168.0.12', port: '9092' },
        ],
        version: '2.2.0',
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'PLAIN', username: 'etl', password: 'Example-Passw0rd' },
      },
    }),
    [MODE_INSTANCE]: instanceMode({
      engine: 'ApsaraMQ for Kafka',
      instanceIdExample: 'alikafka_post-cn-7pp2xxxxxxxx',
      database: 'none',
      credentials: 'none',
      properties: kafkaSecurity(),
      conditions: KAFKA_CONDITIONS,
      example: {
        envType: 'Prod',
        regionId: 'cn-hangzhou',
        instanceId: 'alikafka_post-cn-7pp2xxxxxxxx',
        securityProtocol: 'PLAINTEXT',
      },
    }),
  },
};

export const messagingTypes: readonly TypeDefinition[] = [
  kafka,
  permissiveType({
    name: 'loghub',
    displayName: 'Simple Log Service (LogHub)',
    category: 'messaging',
    probe: 'http',
    modes: [MODE_URL, MODE_INSTANCE],
    endpoint: true,
  }),
  permissiveType({
    name: 'datahub',
    displayName: 'DataHub',
    category: 'messaging',
    probe: 'http',
    modes: [MODE_URL, MODE_INSTANCE],
    endpoint: true,
  }),
];
