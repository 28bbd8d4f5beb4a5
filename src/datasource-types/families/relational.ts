/**
 * Relational databases, and the two wire families (MySQL, PostgreSQL) that analytics engines
 * reuse. Field names follow DataWorks' per-type ConnectionProperties pages.
 */
import type { JsonObject } from '../json.js';
import { instanceMode, jdbcUrlMode, permissiveType } from '../mode-builders.js';
import {
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
import type { Category, ProbeFamily, TypeDefinition } from '../types.js';

export const EXAMPLE_PASSWORD = 'Example-Passw0rd';

function fileRef(title: string, what: string): JsonObject {
  return text(title, `ID of the uploaded ${what} file (a reference, not the file content).`);
}

/** SSL options of MySQL-protocol types (lower-case `authType...` values on DataWorks' pages). */
function mysqlSslFields(): JsonObject {
  return {
    securityProtocol: choice(
      'Security protocol',
      'authTypeNone: plain connection; authTypeSsl: TLS with the truststore/keystore below.',
      ['authTypeNone', 'authTypeSsl'],
      { default: 'authTypeNone' },
    ),
    truststoreFile: fileRef('Truststore file', 'truststore'),
    truststorePassword: secret('Truststore password', 'Password of the truststore.'),
    keystoreFile: fileRef('Keystore file', 'keystore'),
    keystorePassword: secret('Keystore password', 'Password of the keystore.'),
  };
}

/** SSL options of PostgreSQL-protocol types (capitalised `AuthType...` on DataWorks' page). */
function postgresSslFields(): JsonObject {
  return {
    securityProtocol: choice(
      'Security protocol',
      'AuthTypeNone: plain connection; AuthTypeSsl: TLS with the files below.',
      ['AuthTypeNone', 'AuthTypeSsl'],
      { default: 'AuthTypeNone' },
    ),
    truststoreFile: fileRef('Truststore file', 'CA certificate'),
    keystoreFile: fileRef('Keystore file', 'client certificate'),
    keyFile: fileRef('Key file', 'client private key'),
    clientPassword: secret('Client key password', 'Password of the client private key.'),
  };
}

function readOnlyInstance(): JsonObject {
  return text(
    'Read-only instance',
    'ID of a read-only replica to read from instead of the primary instance.',
  );
}

export interface WireFamilyOptions {
  name: string;
  displayName: string;
  category: Category;
  defaultPort?: number;
  /** Instance id example; omit for types without an Alibaba Cloud instance mode. */
  instanceIdExample?: string;
  probe?: ProbeFamily;
  qualifiedNameAlias?: string;
  urlProperties?: JsonObject;
  urlRequired?: readonly string[];
  urlExample?: JsonObject;
  instanceProperties?: JsonObject;
}

export function urlExample(defaultPort: number, extra: JsonObject = {}): JsonObject {
  return {
    envType: 'Prod',
    address: [{ host: '192.168.0.10', port: defaultPort }],
    database: 'orders',
    username: 'etl_reader',
    password: EXAMPLE_PASSWORD,
    properties: { connectTimeout: '5000' },
    ...extra,
  };
}

export function instanceExample(instanceIdExample: string, extra: JsonObject = {}): JsonObject {
  return {
    envType: 'Prod',
    regionId: 'cn-hangzhou',
    instanceId: instanceIdExample,
    database: 'orders',
    username: 'etl_reader',
    password: EXAMPLE_PASSWORD,
    ...extra,
  };
}

function wireFamily(options: WireFamilyOptions, ssl: JsonObject, probe: ProbeFamily) {
  const defaultPort = options.defaultPort ?? (probe === 'postgres' ? 5432 : 3306);
  const schemas: Record<string, JsonObject> = {
    [MODE_URL]: jdbcUrlMode({
      engine: options.displayName,
      defaultPort,
      properties: { ...ssl, ...options.urlProperties },
      required: options.urlRequired ?? [],
      example: options.urlExample ?? urlExample(defaultPort),
    }),
  };
  if (options.instanceIdExample !== undefined) {
    schemas[MODE_INSTANCE] = instanceMode({
      engine: options.displayName,
      instanceIdExample: options.instanceIdExample,
      properties: { ...ssl, readOnlyDBInstance: readOnlyInstance(), ...options.instanceProperties },
      example: instanceExample(options.instanceIdExample),
    });
  }
  const definition: TypeDefinition = {
    name: options.name,
    displayName: options.displayName,
    category: options.category,
    probe: options.probe ?? probe,
    qualifiedNameAlias: options.qualifiedNameAlias,
    schemas,
  };
  return definition;
}

/** MySQL wire protocol: MySQL, MariaDB, PolarDB, AnalyticDB for MySQL, TiDB, ... */
export function mysqlFamily(options: WireFamilyOptions): TypeDefinition {
  return wireFamily(options, mysqlSslFields(), 'mysql');
}

/** PostgreSQL wire protocol: PostgreSQL, AnalyticDB for PostgreSQL, ... */
export function postgresFamily(options: WireFamilyOptions): TypeDefinition {
  return wireFamily(options, postgresSslFields(), 'postgres');
}

function mysqlDriverVersion(): JsonObject {
  return choice(
    'Driver version',
    'MySQL JDBC driver version; empty selects the default driver.',
    ['', '8.2.0', '5.1.49', '5.1.46'],
    { caseSensitive: true },
  );
}

const mysql = mysqlFamily({
  name: 'mysql',
  displayName: 'MySQL',
  category: 'relational',
  instanceIdExample: 'rm-bp1z69dodhh85z9qa',
  urlProperties: { driverVersion: mysqlDriverVersion() },
  instanceProperties: {
    driverVersion: mysqlDriverVersion(),
    authType: choice(
      'Binlog access identity',
      'Identity used to read binlogs archived in OSS (only for OSS binlog reading).',
      ['PrimaryAccount', 'SubAccount', 'RamRole'],
    ),
    authIdentity: text('Binlog access account', 'Account id or RAM role for the identity above.'),
  },
});

const sqlserver: TypeDefinition = {
  name: 'sqlserver',
  displayName: 'SQL Server',
  category: 'relational',
  probe: 'tcp',
  schemas: {
    [MODE_URL]: jdbcUrlMode({
      engine: 'SQL Server',
      defaultPort: 1433,
      example: urlExample(1433),
    }),
    [MODE_INSTANCE]: instanceMode({
      engine: 'RDS SQL Server',
      instanceIdExample: 'rm-uf6wjk5xxxxxxx',
      example: instanceExample('rm-uf6wjk5xxxxxxx'),
    }),
  },
};

/** Oracle's page documents a JDBC URL rather than an address (spec: developer-reference/oracle). */
const oracle: TypeDefinition = {
  name: 'oracle',
  displayName: 'Oracle',
  category: 'relational',
  probe: 'tcp',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'Oracle — connection string mode',
      description: 'Connects to an Oracle database through a thin-driver JDBC URL.',
      required: ['jdbcUrl', 'username', 'password'],
      properties: {
        jdbcUrl: text(
          'JDBC URL',
          'Oracle thin JDBC URL: jdbc:oracle:thin:@host:port:SID or ' +
            'jdbc:oracle:thin:@//host:port/service_name.',
          { pattern: '^jdbc:oracle:', examples: ['jdbc:oracle:thin:@192.168.0.10:1521:ORCL'] },
        ),
        username: username(),
        password: password(),
        securityProtocol: choice(
          'Security protocol',
          'authTypeNone: plain connection; authTypeSsl: TLS, which needs a truststore file.',
          ['authTypeNone', 'authTypeSsl'],
          { default: 'authTypeNone' },
        ),
        truststoreFile: fileRef('Truststore file', 'truststore'),
        truststorePassword: secret('Truststore password', 'Password of the truststore.'),
        properties: driverProperties(),
      },
      conditions: [requiredWhen('securityProtocol', 'authTypeSsl', ['truststoreFile'])],
      example: {
        envType: 'Dev',
        jdbcUrl: 'jdbc:oracle:thin:@192.168.0.10:1521:ORCL',
        username: 'etl_reader',
        password: EXAMPLE_PASSWORD,
        securityProtocol: 'authTypeNone',
      },
    }),
  },
};

function jdbcOnly(name: string, displayName: string, port: number, probe: ProbeFamily) {
  const definition: TypeDefinition = {
    name,
    displayName,
    category: 'relational',
    probe,
    schemas: {
      [MODE_URL]: jdbcUrlMode({
        engine: displayName,
        defaultPort: port,
        example: urlExample(port),
      }),
    },
  };
  return definition;
}

export const relationalTypes: readonly TypeDefinition[] = [
  mysql,
  mysqlFamily({
    name: 'mariadb',
    displayName: 'MariaDB',
    category: 'relational',
    instanceIdExample: 'rm-2ze8xxxxxxxxxx',
  }),
  mysqlFamily({
    name: 'polardb',
    displayName: 'PolarDB for MySQL',
    category: 'relational',
    instanceIdExample: 'pc-bp1xxxxxxxxxxxx',
  }),
  mysqlFamily({ name: 'tidb', displayName: 'TiDB', category: 'relational', defaultPort: 4000 }),
  postgresFamily({
    name: 'postgresql',
    displayName: 'PostgreSQL',
    category: 'relational',
    instanceIdExample: 'pgm-bp1xxxxxxxxxxxx',
  }),
  sqlserver,
  oracle,
  jdbcOnly('db2', 'DB2', 50000, 'tcp'),
  jdbcOnly('dm', 'DM (Dameng)', 5236, 'tcp'),
  permissiveType({
    name: 'apsaradb_for_oceanbase',
    displayName: 'ApsaraDB for OceanBase',
    category: 'relational',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 2881,
  }),
  permissiveType({
    name: 'drds',
    displayName: 'PolarDB-X 1.0 (DRDS)',
    category: 'relational',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 3306,
  }),
  permissiveType({
    name: 'polardbx20',
    displayName: 'PolarDB-X 2.0',
    category: 'relational',
    probe: 'mysql',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 3306,
  }),
  permissiveType({
    name: 'polardbo',
    displayName: 'PolarDB for PostgreSQL (Compatible with Oracle)',
    category: 'relational',
    probe: 'postgres',
    modes: [MODE_URL, MODE_INSTANCE],
    defaultPort: 1521,
  }),
  permissiveType({
    name: 'kingbasees',
    displayName: 'KingbaseES',
    category: 'relational',
    probe: 'postgres',
    modes: [MODE_URL],
    defaultPort: 54321,
  }),
  permissiveType({
    name: 'vertica',
    displayName: 'Vertica',
    category: 'relational',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 5433,
  }),
  permissiveType({
    name: 'saphana',
    displayName: 'SAP HANA',
    category: 'relational',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 30015,
  }),
  permissiveType({
    name: 'gbase8a',
    displayName: 'GBase 8a',
    category: 'relational',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 5258,
  }),
];
