/**
 * Big data and analytics engines. MaxCompute, Hologres and
 * Hive follow DataWorks' per-type pages; Doris follows DataWorks' Doris page (address + loadAddress).
 */
import type { JsonObject } from '../json.js';
import { instanceMode, jdbcUrlMode, permissiveType } from '../mode-builders.js';
import {
  address,
  choice,
  connectionSchema,
  database,
  driverProperties,
  httpUrl,
  MODE_CDH,
  MODE_INSTANCE,
  MODE_URL,
  password,
  regionId,
  requiredWhen,
  secret,
  text,
  username,
} from '../schema-blocks.js';
import type { TypeDefinition } from '../types.js';
import { instanceExample, mysqlFamily, postgresFamily, urlExample } from './relational.js';

function crossAccountFields(): JsonObject {
  return {
    crossAccountOwnerId: text(
      'Owner account (cross-account)',
      'Alibaba Cloud account id that owns the resource, when it belongs to another account.',
      { pattern: '^[0-9]+$' },
    ),
    crossAccountRoleName: text(
      'RAM role (cross-account)',
      'RAM role of the owner account that DataWorks assumes to reach the resource.',
    ),
  };
}

const CROSS_ACCOUNT_DEPENDENCIES = {
  crossAccountOwnerId: ['crossAccountRoleName'],
  crossAccountRoleName: ['crossAccountOwnerId'],
} as const;

const maxcompute: TypeDefinition = {
  name: 'maxcompute',
  displayName: 'MaxCompute',
  category: 'analytics',
  probe: 'http',
  qualifiedNameAlias: 'odps',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'MaxCompute — project mode',
      description: 'A MaxCompute project, reached through its region endpoint or a custom one.',
      required: ['project', 'regionId'],
      properties: {
        project: text(
          'Project',
          'MaxCompute project name: a letter, then letters, digits or _, 3-28 characters.',
          { pattern: '^[A-Za-z][A-Za-z0-9_]{2,27}$', examples: ['sales_dw'] },
        ),
        regionId: regionId(),
        endpointMode: choice(
          'Endpoint mode',
          'SelfAdaption: the endpoint is derived from the region; Custom: use endpoint below.',
          ['SelfAdaption', 'Custom'],
          { default: 'SelfAdaption' },
        ),
        endpoint: httpUrl(
          'Endpoint',
          'MaxCompute service endpoint (required when endpointMode is Custom).',
          'http://service.cn-shanghai.maxcompute.aliyun-inc.com/api',
        ),
        tunnelServer: httpUrl(
          'Tunnel endpoint',
          'MaxCompute Tunnel endpoint, for bulk upload and download.',
          'http://dt.cn-shanghai.maxcompute.aliyun-inc.com',
        ),
        authType: choice(
          'Access identity',
          'Identity that accesses the project. Ak needs accessId and accessKey. Accepted in any ' +
            'letter case.',
          ['Executor', 'TaskOwner', 'PrimaryAccount', 'SubAccount', 'RamRole', 'HadoopUser', 'Ak'],
        ),
        authIdentity: text('Access account', 'Account id or RAM role for the identity above.'),
        accessId: text('AccessKey ID', 'AccessKey ID, when authType is Ak.'),
        accessKey: secret('AccessKey secret', 'AccessKey secret, when authType is Ak.'),
        ...crossAccountFields(),
      },
      dependencies: CROSS_ACCOUNT_DEPENDENCIES,
      conditions: [
        requiredWhen('endpointMode', 'Custom', ['endpoint']),
        requiredWhen('authType', 'Ak', ['accessId', 'accessKey']),
      ],
      example: {
        envType: 'Prod',
        project: 'sales_dw',
        regionId: 'cn-shanghai',
        endpointMode: 'Custom',
        endpoint: 'http://service.cn-shanghai.maxcompute.aliyun-inc.com/api',
        authType: 'Executor',
      },
    }),
  },
};

const hologres: TypeDefinition = {
  name: 'hologres',
  displayName: 'Hologres',
  category: 'analytics',
  probe: 'postgres',
  qualifiedNameAlias: 'holo',
  schemas: {
    [MODE_INSTANCE]: instanceMode({
      engine: 'Hologres',
      instanceIdExample: 'hgprecn-cn-x0r3oun4k001',
      credentials: 'none',
      properties: {
        warehouseName: text('Compute group', 'Virtual warehouse (compute group) to run in.'),
        authType: choice(
          'Access identity',
          'Executor (development environment only), PrimaryAccount, SubAccount or RamRole. ' +
            'Cross-account access uses RamRole.',
          ['Executor', 'PrimaryAccount', 'SubAccount', 'RamRole'],
        ),
        authIdentity: text('Access account', 'Account id for the identity above.'),
        securityProtocol: choice(
          'Security protocol',
          'authTypeNone: plain connection; authTypeSsl: TLS.',
          ['authTypeNone', 'authTypeSsl'],
          { default: 'authTypeNone' },
        ),
        sslMode: text('SSL mode', 'PostgreSQL sslmode when TLS is on, e.g. require.', {
          examples: ['require'],
        }),
      },
      example: {
        envType: 'Prod',
        regionId: 'cn-beijing',
        instanceId: 'hgprecn-cn-x0r3oun4k001',
        database: 'testdb',
        securityProtocol: 'authTypeNone',
        authType: 'Executor',
        authIdentity: '1107550004253538',
      },
    }),
  },
};

function hiveLogin(): JsonObject {
  return {
    loginMode: choice('Login mode', 'Anonymous, LDAP (needs username and password) or Kerberos.', [
      'Anonymous',
      'LDAP',
      'Kerberos',
    ]),
    securityProtocol: text(
      'Security protocol',
      'Authentication option of the cluster, e.g. authTypeNone.',
      { examples: ['authTypeNone'] },
    ),
    username: username(),
    password: password(),
  };
}

const hive: TypeDefinition = {
  name: 'hive',
  displayName: 'Hive',
  category: 'analytics',
  probe: 'tcp',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'Hive — connection string mode',
      description: 'HiveServer2 by address, with its metastore.',
      required: ['address', 'database'],
      properties: {
        address: address({ defaultPort: 10000, description: 'HiveServer2: one host/port pair.' }),
        database: database('Hive'),
        metaType: choice(
          'Metadata type',
          'Where table metadata lives: HiveMetastore or DLF (Data Lake Formation).',
          ['HiveMetastore', 'DLF'],
        ),
        metastoreUris: text(
          'Metastore URIs',
          'Hive metastore URIs, comma-separated: thrift://host:port[,thrift://host:port].',
          { pattern: '^thrift://', examples: ['thrift://192.168.0.10:9083'] },
        ),
        version: text('Hive version', 'Version of Hive, e.g. 2.3.9.', { examples: ['2.3.9'] }),
        ...hiveLogin(),
        properties: driverProperties(),
      },
      conditions: [requiredWhen('loginMode', 'LDAP', ['username', 'password'])],
      example: {
        envType: 'Prod',
        address: [{ host: '127.0.0.1', port: '1234' }],
        database: 'hive_database',
        metaType: 'HiveMetastore',
        metastoreUris: 'thrift://123:123',
        version: '2.3.9',
        loginMode: 'Anonymous',
        securityProtocol: 'authTypeNone',
        properties: { key1: 'value1' },
      },
    }),
    [MODE_CDH]: connectionSchema({
      title: 'Hive — CDH cluster mode',
      description: 'Hive of a CDH cluster registered in DataWorks.',
      required: ['clusterIdentifier', 'database'],
      properties: {
        clusterIdentifier: text('CDH cluster', 'Identifier of the registered CDH cluster.'),
        database: database('Hive'),
        ...hiveLogin(),
      },
      conditions: [requiredWhen('loginMode', 'LDAP', ['username', 'password'])],
      example: {
        envType: 'Prod',
        clusterIdentifier: 'cdh_cluster',
        database: 'hive_database',
        loginMode: 'Anonymous',
        securityProtocol: 'authTypeNone',
      },
    }),
  },
};

function loadAddress(required: boolean): JsonObject {
  return address({
    title: 'Load address',
    description: `FE HTTP endpoints used for Stream Load: 1 to 16 host/port pairs${
      required ? '' : ' (optional)'
    }.`,
    maxItems: 16,
    defaultPort: 8030,
  });
}

function dorisLike(displayName: string, loadRequired: boolean) {
  return jdbcUrlMode({
    engine: displayName,
    defaultPort: 9030,
    properties: { loadAddress: loadAddress(loadRequired) },
    required: loadRequired ? ['loadAddress'] : [],
    example: urlExample(9030, { loadAddress: [{ host: '192.168.0.10', port: 8030 }] }),
  });
}

const doris: TypeDefinition = {
  name: 'doris',
  displayName: 'Doris',
  category: 'analytics',
  probe: 'mysql',
  schemas: { [MODE_URL]: dorisLike('Doris', true) },
};

const starrocks: TypeDefinition = {
  name: 'starrocks',
  displayName: 'StarRocks',
  category: 'analytics',
  probe: 'mysql',
  schemas: {
    [MODE_URL]: dorisLike('StarRocks', false),
    [MODE_INSTANCE]: instanceMode({
      engine: 'EMR Serverless StarRocks',
      instanceIdExample: 'c-9a3b2c1d0e8f7a6b',
      example: instanceExample('c-9a3b2c1d0e8f7a6b'),
    }),
  },
};

const clickhouse: TypeDefinition = {
  name: 'clickhouse',
  displayName: 'ClickHouse',
  category: 'analytics',
  // DataWorks reaches ClickHouse through its JDBC driver, which speaks the HTTP interface.
  probe: 'http',
  schemas: {
    [MODE_URL]: jdbcUrlMode({
      engine: 'ClickHouse',
      defaultPort: 8123,
      example: urlExample(8123),
    }),
    [MODE_INSTANCE]: instanceMode({
      engine: 'ApsaraDB for ClickHouse',
      instanceIdExample: 'cc-bp1xxxxxxxxxxxxx',
      example: instanceExample('cc-bp1xxxxxxxxxxxxx'),
    }),
  },
};

export const analyticsTypes: readonly TypeDefinition[] = [
  maxcompute,
  hologres,
  hive,
  clickhouse,
  starrocks,
  doris,
  mysqlFamily({
    name: 'analyticdb_for_mysql',
    displayName: 'AnalyticDB for MySQL 3.0',
    category: 'analytics',
    instanceIdExample: 'am-bp1xxxxxxxxxxxxx',
  }),
  postgresFamily({
    name: 'analyticdb_for_postgresql',
    displayName: 'AnalyticDB for PostgreSQL',
    category: 'analytics',
    instanceIdExample: 'gp-bp1xxxxxxxxxxxxx',
  }),
  permissiveType({
    name: 'selectdb',
    displayName: 'SelectDB',
    category: 'analytics',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 9030,
  }),
  permissiveType({
    name: 'ads',
    displayName: 'AnalyticDB for MySQL 2.0',
    category: 'analytics',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 3306,
  }),
  permissiveType({
    name: 'hybriddb_for_mysql',
    displayName: 'HybridDB for MySQL',
    category: 'analytics',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 3306,
  }),
  permissiveType({
    name: 'lightning',
    displayName: 'MaxCompute Lightning',
    category: 'analytics',
    // Lightning answers on the PostgreSQL protocol (port 443) in front of MaxCompute.
    probe: 'postgres',
    modes: [MODE_URL],
    defaultPort: 443,
  }),
  permissiveType({
    name: 'redshift',
    displayName: 'Amazon Redshift',
    category: 'analytics',
    probe: 'postgres',
    modes: [MODE_URL],
    defaultPort: 5439,
  }),
  permissiveType({
    name: 'dla',
    displayName: 'Data Lake Analytics',
    category: 'analytics',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 10000,
  }),
  permissiveType({
    name: 'maxgraph',
    displayName: 'MaxGraph',
    category: 'analytics',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 8182,
  }),
  permissiveType({
    name: 'phoenix',
    displayName: 'Phoenix',
    category: 'analytics',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 8765,
  }),
  permissiveType({
    name: 'bigquery',
    displayName: 'Google BigQuery',
    category: 'analytics',
    probe: 'none',
    modes: [MODE_URL],
    secrets: {
      credentials: 'Service account key (JSON). Stored encrypted; returned as ******.',
    },
  }),
  permissiveType({
    name: 'cdh',
    displayName: 'CDH',
    category: 'analytics',
    probe: 'none',
    modes: [MODE_CDH, MODE_URL],
  }),
  permissiveType({
    name: 'emr',
    displayName: 'E-MapReduce',
    category: 'analytics',
    probe: 'none',
    modes: [MODE_INSTANCE, MODE_URL],
  }),
  permissiveType({
    name: 'flink',
    displayName: 'Realtime Compute for Apache Flink',
    category: 'analytics',
    probe: 'none',
    modes: [MODE_INSTANCE, MODE_URL],
  }),
  permissiveType({
    name: 'blink',
    displayName: 'Blink',
    category: 'analytics',
    probe: 'none',
    modes: [MODE_INSTANCE, MODE_URL],
  }),
];
