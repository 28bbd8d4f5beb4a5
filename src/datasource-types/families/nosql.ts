/** NoSQL stores, search engines and the types that fit no other family. */
import type { JsonObject } from '../json.js';
import { instanceMode, permissiveType } from '../mode-builders.js';
import {
  address,
  choice,
  connectionSchema,
  database,
  httpUrl,
  integerLike,
  MODE_CDH,
  MODE_INSTANCE,
  MODE_URL,
  password,
  text,
  username,
} from '../schema-blocks.js';
import type { TypeDefinition } from '../types.js';

const EXAMPLE_PASSWORD = 'Example-Passw0rd';

function redisDatabase(): JsonObject {
  return integerLike(
    'Database index',
    'Logical database number (SELECT n); 0 when omitted. A numeric string is accepted.',
    { minimum: 0, maximum: 65535 },
  );
}

const redis: TypeDefinition = {
  name: 'redis',
  displayName: 'Redis',
  category: 'nosql',
  probe: 'redis',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'Redis — address mode',
      description: 'A Redis server (one address) or cluster (several node addresses).',
      required: ['address'],
      properties: {
        address: address({
          description: 'One host/port pair for a standalone server; up to 64 cluster nodes.',
          maxItems: 64,
          defaultPort: 6379,
        }),
        deployMode: choice('Deployment', 'Standalone or Cluster.', ['Standalone', 'Cluster']),
        database: redisDatabase(),
        username: { ...username(), description: 'ACL user (Redis 6+); omit for the default user.' },
        password: password(),
      },
      example: {
        envType: 'Dev',
        address: [{ host: '192.168.0.20', port: 6379 }],
        database: 0,
        password: EXAMPLE_PASSWORD,
      },
    }),
    [MODE_INSTANCE]: instanceMode({
      engine: 'Tair (Redis OSS-compatible)',
      instanceIdExample: 'r-bp1xxxxxxxxxxxxx',
      database: 'none',
      credentials: 'optional',
      properties: { database: redisDatabase() },
      example: {
        envType: 'Prod',
        regionId: 'cn-hangzhou',
        instanceId: 'r-bp1xxxxxxxxxxxxx',
        password: EXAMPLE_PASSWORD,
      },
    }),
  },
};

function authDb(): JsonObject {
  return text('Authentication database', 'Database holding the user; defaults to database.', {
    examples: ['admin'],
  });
}

const mongodb: TypeDefinition = {
  name: 'mongodb',
  displayName: 'MongoDB',
  category: 'nosql',
  probe: 'tcp',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'MongoDB — address mode',
      description: 'A MongoDB server or replica set, reached by member addresses.',
      required: ['address', 'database'],
      properties: {
        address: address({
          description: 'One host/port pair, or up to 64 replica set members.',
          maxItems: 64,
          defaultPort: 27017,
        }),
        database: database('MongoDB'),
        username: username(),
        password: password(),
        authDb: authDb(),
      },
      dependencies: { username: ['password'] },
      example: {
        envType: 'Prod',
        address: [
          { host: '192.168.0.30', port: 27017 },
          { host: '192.168.0.31', port: 27017 },
        ],
        database: 'events',
        username: 'etl_reader',
        password: EXAMPLE_PASSWORD,
        authDb: 'admin',
      },
    }),
    [MODE_INSTANCE]: instanceMode({
      engine: 'ApsaraDB for MongoDB',
      instanceIdExample: 'dds-bp1xxxxxxxxxxxxx',
      properties: { authDb: authDb() },
      example: {
        envType: 'Prod',
        regionId: 'cn-hangzhou',
        instanceId: 'dds-bp1xxxxxxxxxxxxx',
        database: 'events',
        username: 'etl_reader',
        password: EXAMPLE_PASSWORD,
      },
    }),
  },
};

/** Elasticsearch and OpenSearch share the REST endpoint + basic auth shape. */
function searchEndpointMode(engine: string, example: string): JsonObject {
  return connectionSchema({
    title: `${engine} — endpoint mode`,
    description: `A ${engine} cluster, reached through its REST endpoint.`,
    required: ['endpoint'],
    properties: {
      endpoint: httpUrl('Endpoint', `${engine} REST endpoint (http or https URL).`, example),
      username: username(),
      password: password(),
    },
    dependencies: { username: ['password'] },
    example: {
      envType: 'Prod',
      endpoint: example,
      username: 'elastic',
      password: EXAMPLE_PASSWORD,
    },
  });
}

const elasticsearch: TypeDefinition = {
  name: 'elasticsearch',
  displayName: 'Elasticsearch',
  category: 'nosql',
  probe: 'http',
  schemas: {
    [MODE_URL]: searchEndpointMode(
      'Elasticsearch',
      'http://es-cn-xxxxxxxx.elasticsearch.aliyuncs.com:9200',
    ),
    [MODE_INSTANCE]: instanceMode({
      engine: 'Alibaba Cloud Elasticsearch',
      instanceIdExample: 'es-cn-xxxxxxxxxxxxxxx',
      database: 'none',
      example: {
        envType: 'Prod',
        regionId: 'cn-hangzhou',
        instanceId: 'es-cn-xxxxxxxxxxxxxxx',
        username: 'elastic',
        password: EXAMPLE_PASSWORD,
      },
    }),
  },
};

const opensearch: TypeDefinition = {
  name: 'opensearch',
  displayName: 'OpenSearch',
  category: 'nosql',
  probe: 'http',
  schemas: { [MODE_URL]: searchEndpointMode('OpenSearch', 'https://192.168.0.40:9200') },
};

export const nosqlTypes: readonly TypeDefinition[] = [
  redis,
  mongodb,
  elasticsearch,
  opensearch,
  permissiveType({
    name: 'hbase',
    displayName: 'HBase',
    category: 'nosql',
    probe: 'tcp',
    modes: [MODE_URL, MODE_INSTANCE, MODE_CDH],
    defaultPort: 2181,
  }),
  permissiveType({
    name: 'lindorm',
    displayName: 'Lindorm',
    category: 'nosql',
    probe: 'tcp',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 30020,
  }),
  permissiveType({
    name: 'cassandra',
    displayName: 'Cassandra',
    category: 'nosql',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 9042,
  }),
  permissiveType({
    name: 'tablestore',
    displayName: 'Tablestore',
    category: 'nosql',
    probe: 'http',
    modes: [MODE_URL, MODE_INSTANCE],
    endpoint: true,
  }),
  permissiveType({
    name: 'memcache',
    displayName: 'Memcache',
    category: 'nosql',
    probe: 'tcp',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 11211,
  }),
  permissiveType({
    name: 'graph_database',
    displayName: 'Graph Database (GDB)',
    category: 'nosql',
    probe: 'tcp',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 8182,
  }),
  permissiveType({
    name: 'milvus',
    displayName: 'Milvus',
    category: 'other',
    probe: 'tcp',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 19530,
  }),
];
