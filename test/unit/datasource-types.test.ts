import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileAllSchemas,
  findDataSourceType,
  getTypeSchema,
  isSecretKeyName,
  type JsonObject,
  type JsonValue,
  joinSecrets,
  listDataSourceTypes,
  MASK,
  maskSecrets,
  mergeForUpdate,
  qualifiedName,
  secretPaths,
  splitSecrets,
  type ValidationResult,
  validateConnectionProperties,
} from '../../src/datasource-types/index.js';

/** DataWorks' documented type names (docs/WIRE.md §6). */
const DATAWORKS_TYPES = [
  'maxcompute',
  'hive',
  'hologres',
  'lightning',
  'clickhouse',
  'starrocks',
  'selectdb',
  'analyticdb_for_mysql',
  'ads',
  'analyticdb_for_postgresql',
  'hybriddb_for_mysql',
  'maxgraph',
  'dla',
  'redshift',
  'doris',
  'bigquery',
  'phoenix',
  'cdh',
  'flink',
  'emr',
  'blink',
  'mysql',
  'sqlserver',
  'polardb',
  'oracle',
  'postgresql',
  'apsaradb_for_oceanbase',
  'drds',
  'dm',
  'vertica',
  'saphana',
  'gbase8a',
  'db2',
  'kingbasees',
  'mariadb',
  'polardbo',
  'polardbx20',
  'oss',
  'ftp',
  'hdfs',
  's3',
  'azureblob',
  'oss_hdfs',
  'loghub',
  'datahub',
  'kafka',
  'elasticsearch',
  'hbase',
  'cassandra',
  'mongodb',
  'tablestore',
  'redis',
  'memcache',
  'graph_database',
  'milvus',
];

const COMMON_TYPES = [
  'mysql',
  'mariadb',
  'postgresql',
  'hologres',
  'maxcompute',
  'sqlserver',
  'oracle',
  'polardb',
  'analyticdb_for_mysql',
  'analyticdb_for_postgresql',
  'clickhouse',
  'starrocks',
  'doris',
  'hive',
  'kafka',
  'redis',
  'mongodb',
  'elasticsearch',
  'oss',
  's3',
];

const SECRET = 'S3cr3t-Value!42';

function ok(result: ValidationResult): JsonObject {
  if (!result.ok)
    assert.fail(`expected valid, got ${result.path} ${result.rule}: ${result.message}`);
  return result.value;
}

function failure(result: ValidationResult) {
  if (result.ok) assert.fail('expected a validation failure');
  return result;
}

function schemaOf(type: string, mode: string): JsonObject {
  const schema = getTypeSchema(type, mode);
  assert.ok(schema, `${type}/${mode} has a schema`);
  return schema;
}

function exampleOf(type: string, mode: string): JsonObject {
  const examples = schemaOf(type, mode).examples;
  assert.ok(Array.isArray(examples) && examples.length > 0, `${type}/${mode} has an example`);
  return structuredClone(examples[0]) as JsonObject;
}

function properties(schema: JsonObject): JsonObject {
  return (schema.properties ?? {}) as JsonObject;
}

function modesOf(type: string): string[] {
  const info = findDataSourceType(type);
  assert.ok(info, `${type} is known`);
  return info.modes;
}

/** Every property of every object schema, with where it is, recursively. */
function* allProperties(schema: JsonValue, where: string): Generator<[string, JsonObject]> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const props = schema.properties;
  if (props && typeof props === 'object' && !Array.isArray(props)) {
    for (const [key, sub] of Object.entries(props)) {
      yield [`${where}.${key}`, sub as JsonObject];
      yield* allProperties(sub, `${where}.${key}`);
    }
  }
  if (schema.items) yield* allProperties(schema.items, `${where}[]`);
}

function mysqlUrl(overrides: JsonObject = {}): JsonObject {
  return {
    envType: 'Dev',
    address: [{ host: '127.0.0.1', port: 3306 }],
    database: 'acc_db',
    username: 'acc_user',
    password: SECRET,
    properties: { useSSL: 'false' },
    ...overrides,
  };
}

describe('type catalog', () => {
  it('knows every type DataWorks documents (docs/WIRE.md §6), plus a few more, sorted and unique', () => {
    const names = listDataSourceTypes().map((t) => t.name);
    for (const type of DATAWORKS_TYPES) assert.ok(names.includes(type), `${type} is listed`);
    for (const extra of ['sftp', 'tidb', 'opensearch', 'lindorm']) assert.ok(names.includes(extra));
    assert.deepEqual(names, [...names].sort());
    assert.equal(new Set(names).size, names.length);
  });

  it('describes each type with a display name, category, modes and probe family', () => {
    const categories = ['relational', 'analytics', 'storage', 'messaging', 'nosql', 'other'];
    const probes = ['mysql', 'postgres', 'redis', 'http', 'kafka', 'tcp', 'none'];
    for (const info of listDataSourceTypes()) {
      assert.match(info.name, /^[a-z0-9_]+$/);
      assert.ok(info.displayName.length > 0);
      assert.ok(categories.includes(info.category), `${info.name} category`);
      assert.ok(probes.includes(info.probe), `${info.name} probe`);
      assert.ok(info.modes.length > 0, `${info.name} has modes`);
      for (const mode of info.modes) assert.match(mode, /^(UrlMode|InstanceMode|CdhMode)$/);
    }
  });

  it('looks types up by exact lower-case name', () => {
    assert.equal(findDataSourceType('mysql')?.displayName, 'MySQL');
    assert.equal(findDataSourceType('MySQL'), undefined);
    assert.equal(findDataSourceType('odps'), undefined);
    assert.equal(findDataSourceType('constructor'), undefined);
    assert.deepEqual(findDataSourceType('mysql')?.modes, ['UrlMode', 'InstanceMode']);
    assert.deepEqual(findDataSourceType('hologres')?.modes, ['InstanceMode']);
    assert.deepEqual(findDataSourceType('maxcompute')?.modes, ['UrlMode']);
    assert.deepEqual(findDataSourceType('hive')?.modes, ['UrlMode', 'CdhMode']);
  });

  it('assigns probe families by wire protocol', () => {
    const expected: Record<string, string> = {
      mysql: 'mysql',
      mariadb: 'mysql',
      polardb: 'mysql',
      analyticdb_for_mysql: 'mysql',
      doris: 'mysql',
      starrocks: 'mysql',
      selectdb: 'mysql',
      drds: 'mysql',
      polardbx20: 'mysql',
      apsaradb_for_oceanbase: 'mysql',
      tidb: 'mysql',
      postgresql: 'postgres',
      hologres: 'postgres',
      analyticdb_for_postgresql: 'postgres',
      redshift: 'postgres',
      kingbasees: 'postgres',
      redis: 'redis',
      elasticsearch: 'http',
      opensearch: 'http',
      clickhouse: 'http',
      kafka: 'kafka',
      oracle: 'tcp',
      mongodb: 'tcp',
      bigquery: 'none',
    };
    for (const [type, probe] of Object.entries(expected)) {
      assert.equal(findDataSourceType(type)?.probe, probe, type);
    }
  });

  it('returns undefined schemas for unknown types and modes', () => {
    assert.equal(getTypeSchema('nosuchtype', 'UrlMode'), undefined);
    assert.equal(getTypeSchema('hologres', 'UrlMode'), undefined);
    assert.equal(getTypeSchema('mysql', 'urlmode'), undefined);
    assert.equal(getTypeSchema('mysql', 'constructor'), undefined);
    assert.equal(getTypeSchema('mysql', 'toString'), undefined);
  });

  it('hands out copies of schemas', () => {
    const schema = schemaOf('mysql', 'UrlMode');
    (schema.required as string[]).push('nonsense');
    schema.title = 'changed';
    assert.ok(!(schemaOf('mysql', 'UrlMode').required as string[]).includes('nonsense'));
    ok(validateConnectionProperties('mysql', 'UrlMode', mysqlUrl()));
  });

  it('every schema is draft-07, requires envType, describes every property and accepts its example', () => {
    let schemas = 0;
    for (const info of listDataSourceTypes()) {
      for (const mode of info.modes) {
        const schema = schemaOf(info.name, mode);
        schemas += 1;
        assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
        assert.equal(schema.type, 'object');
        assert.ok((schema.required as string[]).includes('envType'), `${info.name}/${mode}`);
        assert.equal(typeof schema.description, 'string');
        for (const [where, property] of allProperties(schema, `${info.name}/${mode}`)) {
          assert.equal(typeof property.description, 'string', `${where} has a description`);
          assert.ok((property.description as string).length > 0, `${where} description`);
        }
        const result = validateConnectionProperties(info.name, mode, exampleOf(info.name, mode));
        assert.ok(result.ok, `${info.name}/${mode} accepts its example: ${JSON.stringify(result)}`);
      }
    }
    assert.ok(schemas >= 90, `${schemas} schemas`);
  });

  it('compiles every schema up front', () => {
    const modes = listDataSourceTypes().reduce((n, t) => n + t.modes.length, 0);
    assert.equal(compileAllSchemas(), modes);
  });

  it('marks secret fields in the published schemas, also in permissive ones', () => {
    const mysql = properties(schemaOf('mysql', 'InstanceMode'));
    assert.equal((mysql.password as JsonObject)['x-secret'], true);
    assert.equal((mysql.keystorePassword as JsonObject)['x-secret'], true);
    assert.equal((mysql.username as JsonObject)['x-secret'], undefined);
    const kafkaSasl = properties(properties(schemaOf('kafka', 'UrlMode')).sasl as JsonObject);
    assert.equal((kafkaSasl.jaasConfig as JsonObject)['x-secret'], true);
    const permissive = properties(schemaOf('cassandra', 'UrlMode'));
    for (const key of [
      'password',
      'accessKey',
      'secretKey',
      'accessKeySecret',
      'secretAccessKey',
      'token',
    ]) {
      assert.equal((permissive[key] as JsonObject)['x-secret'], true, key);
    }
  });

  it('gives the common types real schemas (more than envType required)', () => {
    for (const type of COMMON_TYPES) {
      for (const mode of modesOf(type)) {
        const required = schemaOf(type, mode).required as string[];
        assert.ok(required.length >= 2, `${type}/${mode} requires ${required.join(',')}`);
      }
    }
  });
});

describe('validation of the common types', () => {
  for (const type of COMMON_TYPES) {
    for (const mode of modesOf(type)) {
      describe(`${type} ${mode}`, () => {
        const schema = schemaOf(type, mode);
        const required = (schema.required as string[]).filter((k) => k !== 'envType');

        it('accepts a realistic example and reports its environment', () => {
          const example = exampleOf(type, mode);
          const result = validateConnectionProperties(type, mode, example);
          ok(result);
          assert.equal(result.ok && result.envType, example.envType);
        });

        it('rejects each missing required field at its path', () => {
          for (const key of ['envType', ...required]) {
            const props = exampleOf(type, mode);
            delete props[key];
            const result = failure(validateConnectionProperties(type, mode, props));
            assert.equal(result.rule, 'required', key);
            assert.equal(result.path, `$.${key}`);
            assert.equal(result.message, `$.${key} is required`);
          }
        });

        const hasAddress = properties(schema).address !== undefined;
        if (hasAddress) {
          it('rejects port 70000 at the port path', () => {
            const props = exampleOf(type, mode);
            (props.address as JsonObject[])[0] = { host: '192.168.0.10', port: 70000 };
            const result = failure(validateConnectionProperties(type, mode, props));
            assert.equal(result.path, '$.address[0].port');
            assert.equal(result.rule, 'maximum');
            assert.equal(result.message, '$.address[0].port must be <= 65535');
          });
        }

        it('rejects a field of the wrong type', () => {
          const key = required.find((k) => {
            const t = (properties(schema)[k] as JsonObject | undefined)?.type;
            return t === 'string' || t === 'array';
          });
          assert.ok(key, 'a required string or array field');
          const props = exampleOf(type, mode);
          props[key] = 12345;
          const result = failure(validateConnectionProperties(type, mode, props));
          assert.equal(result.path, `$.${key}`);
          assert.equal(result.rule, 'type');
        });

        it('rejects anything but an object at $', () => {
          for (const value of [null, [], 'text', 42, true, undefined, [exampleOf(type, mode)]]) {
            const result = failure(validateConnectionProperties(type, mode, value));
            assert.deepEqual([result.path, result.rule], ['$', 'type']);
          }
        });

        it('rejects an unknown environment', () => {
          const props = { ...exampleOf(type, mode), envType: 'Staging' };
          const result = failure(validateConnectionProperties(type, mode, props));
          assert.deepEqual([result.path, result.rule], ['$.envType', 'enum']);
          assert.equal(result.message, '$.envType must be one of: "Dev", "Prod"');
        });
      });
    }
  }
});

describe('normalisation', () => {
  it('accepts envType in any case and stores Dev or Prod', () => {
    for (const [input, expected] of [
      ['dev', 'Dev'],
      ['DEV', 'Dev'],
      ['Dev', 'Dev'],
      ['prod', 'Prod'],
      ['PROD', 'Prod'],
      ['pRoD', 'Prod'],
    ] as const) {
      const result = validateConnectionProperties('mysql', 'UrlMode', mysqlUrl({ envType: input }));
      assert.equal(ok(result).envType, expected);
      assert.equal(result.ok && result.envType, expected);
    }
  });

  it('stores numeric-string ports as integers and rejects non-numeric ones', () => {
    const value = ok(
      validateConnectionProperties(
        'mysql',
        'UrlMode',
        mysqlUrl({ address: [{ host: '127.0.0.1', port: '3306' }] }),
      ),
    );
    assert.deepEqual(value.address, [{ host: '127.0.0.1', port: 3306 }]);

    const cases: [JsonValue, string, string][] = [
      ['70000', 'maximum', '$.address[0].port must be <= 65535'],
      [0, 'minimum', '$.address[0].port must be >= 1'],
      ['0', 'minimum', '$.address[0].port must be >= 1'],
      ['33a', 'pattern', '$.address[0].port must be an integer'],
      ['', 'pattern', '$.address[0].port must be an integer'],
      [3306.5, 'type', '$.address[0].port must be an integer'],
      [true, 'type', '$.address[0].port must be an integer'],
      ['99999999999999999999999', 'maximum', '$.address[0].port must be <= 65535'],
    ];
    for (const [port, rule, message] of cases) {
      const props = mysqlUrl({ address: [{ host: '127.0.0.1', port }] });
      const result = failure(validateConnectionProperties('mysql', 'UrlMode', props));
      assert.deepEqual(
        [result.path, result.rule, result.message],
        ['$.address[0].port', rule, message],
      );
    }
  });

  it('accepts the official examples that spell ports as strings', () => {
    const doris = ok(
      validateConnectionProperties('doris', 'UrlMode', {
        envType: 'Prod',
        address: [{ host: '127.0.0.1', port: '3306' }],
        loadAddress: [{ host: '127.0.0.2', port: '8031' }],
        database: 'my_database',
        username: 'my_username',
        password: 'my_password',
        properties: { socketTimeout: '2000' },
      }),
    );
    assert.deepEqual(doris.loadAddress, [{ host: '127.0.0.2', port: 8031 }]);
    const hive = ok(validateConnectionProperties('hive', 'UrlMode', exampleOf('hive', 'UrlMode')));
    assert.deepEqual(hive.address, [{ host: '127.0.0.1', port: 1234 }]);
  });

  it('fills defaults, canonicalises enum spelling and keeps unknown keys', () => {
    const value = ok(
      validateConnectionProperties('mysql', 'UrlMode', mysqlUrl({ futureKey: { nested: [1, 2] } })),
    );
    assert.equal(value.securityProtocol, 'authTypeNone');
    assert.deepEqual(value.futureKey, { nested: [1, 2] });
    assert.deepEqual(value.properties, { useSSL: 'false' });

    const ssl = ok(
      validateConnectionProperties(
        'mysql',
        'UrlMode',
        mysqlUrl({ securityProtocol: 'AUTHTYPESSL' }),
      ),
    );
    assert.equal(ssl.securityProtocol, 'authTypeSsl');

    const pg = ok(
      validateConnectionProperties('postgresql', 'UrlMode', exampleOf('postgresql', 'UrlMode')),
    );
    assert.equal(pg.securityProtocol, 'AuthTypeNone');

    const kafka = ok(
      validateConnectionProperties('kafka', 'UrlMode', {
        envType: 'prod',
        address: [{ host: 'broker-1', port: '9092' }],
      }),
    );
    assert.equal(kafka.securityProtocol, 'PLAINTEXT');
  });

  it('does not modify its input', () => {
    const input = mysqlUrl({ envType: 'dev', address: [{ host: '127.0.0.1', port: '3306' }] });
    const before = structuredClone(input);
    ok(validateConnectionProperties('mysql', 'UrlMode', input));
    assert.deepEqual(input, before);
  });

  it('checks hosts and URLs', () => {
    for (const host of [
      '127.0.0.1',
      'db.internal',
      'my_db',
      'DB-1.Example.COM',
      '::1',
      'fe80::1',
    ]) {
      ok(
        validateConnectionProperties(
          'mysql',
          'UrlMode',
          mysqlUrl({ address: [{ host, port: 1 }] }),
        ),
      );
    }
    for (const host of ['bad host', '', 'a/b', 'http://x', '-x']) {
      const props = mysqlUrl({ address: [{ host, port: 1 }] });
      const result = failure(validateConnectionProperties('mysql', 'UrlMode', props));
      assert.equal(result.path, '$.address[0].host', host);
    }
    const es = exampleOf('elasticsearch', 'UrlMode');
    const badEs = failure(
      validateConnectionProperties('elasticsearch', 'UrlMode', { ...es, endpoint: 'ftp://es:21' }),
    );
    assert.deepEqual([badEs.path, badEs.rule], ['$.endpoint', 'format']);
    assert.equal(badEs.message, '$.endpoint must be a valid http(s) URL');
    const oss = exampleOf('oss', 'UrlMode');
    ok(
      validateConnectionProperties('oss', 'UrlMode', {
        ...oss,
        endpoint: 'oss-cn-hangzhou.aliyuncs.com',
      }),
    );
  });

  it('enforces address counts', () => {
    const two = mysqlUrl({
      address: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    });
    const result = failure(validateConnectionProperties('mysql', 'UrlMode', two));
    assert.deepEqual([result.path, result.rule], ['$.address', 'maxItems']);
    const none = failure(
      validateConnectionProperties('mysql', 'UrlMode', mysqlUrl({ address: [] })),
    );
    assert.deepEqual([none.path, none.rule], ['$.address', 'minItems']);
    const missingHost = failure(
      validateConnectionProperties('mysql', 'UrlMode', mysqlUrl({ address: [{ port: 3306 }] })),
    );
    assert.deepEqual([missingHost.path, missingHost.rule], ['$.address[0].host', 'required']);
  });

  it('applies cross-field rules to the normalised value', () => {
    const mc = exampleOf('maxcompute', 'UrlMode');
    delete mc.endpoint;
    const custom = failure(validateConnectionProperties('maxcompute', 'UrlMode', mc));
    assert.deepEqual([custom.path, custom.rule], ['$.endpoint', 'required']);
    ok(
      validateConnectionProperties('maxcompute', 'UrlMode', {
        ...mc,
        endpointMode: 'selfadaption',
      }),
    );

    const ak = failure(
      validateConnectionProperties('maxcompute', 'UrlMode', {
        envType: 'Dev',
        project: 'sales_dw',
        regionId: 'cn-shanghai',
        authType: 'ak',
      }),
    );
    assert.deepEqual([ak.path, ak.rule], ['$.accessId', 'required']);

    const oracle = exampleOf('oracle', 'UrlMode');
    const ssl = failure(
      validateConnectionProperties('oracle', 'UrlMode', {
        ...oracle,
        securityProtocol: 'authtypessl',
      }),
    );
    assert.deepEqual([ssl.path, ssl.rule], ['$.truststoreFile', 'required']);

    const kafka = exampleOf('kafka', 'UrlMode');
    delete kafka.sasl;
    const sasl = failure(validateConnectionProperties('kafka', 'UrlMode', kafka));
    assert.deepEqual([sasl.path, sasl.rule], ['$.sasl', 'required']);
    const nested = failure(
      validateConnectionProperties('kafka', 'UrlMode', {
        ...kafka,
        sasl: { mechanism: 'scram-sha-256', username: 'etl' },
      }),
    );
    assert.deepEqual([nested.path, nested.rule], ['$.sasl.password', 'required']);

    const cross = failure(
      validateConnectionProperties('mysql', 'InstanceMode', {
        ...exampleOf('mysql', 'InstanceMode'),
        crossAccountOwnerId: '1234567890',
      }),
    );
    assert.deepEqual([cross.path, cross.rule], ['$.crossAccountRoleName', 'required']);
    assert.equal(
      cross.message,
      '$.crossAccountRoleName is required when $.crossAccountOwnerId is set',
    );
  });

  it('accepts the Hologres example of the SDK documentation', () => {
    const value = ok(
      validateConnectionProperties(
        'hologres',
        'InstanceMode',
        JSON.parse(
          '{"envType":"Prod","regionId":"cn-beijing","instanceId":"hgprecn-cn-x0r3oun4k001",' +
            '"database":"testdb","securityProtocol":"authTypeNone","authType":"Executor",' +
            '"authIdentity":"1107550004253538"}',
        ),
      ),
    );
    assert.equal(value.instanceId, 'hgprecn-cn-x0r3oun4k001');
  });

  it('is permissive for types it does not model, but still requires envType', () => {
    const bigquery = ok(
      validateConnectionProperties('bigquery', 'UrlMode', {
        envType: 'prod',
        project: 'p',
        anything: { goes: [1, 'two', null] },
        password: 1234,
      }),
    );
    assert.equal(bigquery.envType, 'Prod');
    assert.deepEqual(bigquery.anything, { goes: [1, 'two', null] });
    const missing = failure(validateConnectionProperties('bigquery', 'UrlMode', { project: 'p' }));
    assert.deepEqual([missing.path, missing.rule], ['$.envType', 'required']);
    const ftp = failure(
      validateConnectionProperties('ftp', 'UrlMode', {
        envType: 'Dev',
        address: [{ host: 'ftp.local', port: '70000' }],
      }),
    );
    assert.equal(ftp.path, '$.address[0].port');
  });

  it('reports unknown types and modes without throwing', () => {
    const type = failure(validateConnectionProperties('nosuch', 'UrlMode', { envType: 'Dev' }));
    assert.deepEqual([type.path, type.rule], ['$', 'dataSourceType']);
    const mode = failure(validateConnectionProperties('hologres', 'UrlMode', { envType: 'Dev' }));
    assert.deepEqual([mode.path, mode.rule], ['$', 'mode']);
  });

  it('validates 10k requests quickly (schemas compiled once)', (t) => {
    const props = mysqlUrl({ envType: 'prod', address: [{ host: '127.0.0.1', port: '3306' }] });
    const started = performance.now();
    for (let i = 0; i < 10_000; i += 1) {
      assert.ok(validateConnectionProperties('mysql', 'UrlMode', props).ok);
    }
    t.diagnostic(`10k validations in ${(performance.now() - started).toFixed(1)} ms`);
  });
});

describe('secrets', () => {
  it('recognises secret key names (case-sensitive suffix)', () => {
    for (const key of [
      'password',
      'truststorePassword',
      'clientPassword',
      'Password',
      'accessKey',
      'secretKey',
      'accessKeySecret',
      'secretAccessKey',
      'token',
    ]) {
      assert.ok(isSecretKeyName(key), key);
    }
    for (const key of [
      'PASSWORD',
      'passwords',
      'passwordHint',
      'accessId',
      'accessKeyId',
      'tokenType',
      'username',
    ]) {
      assert.ok(!isSecretKeyName(key), key);
    }
  });

  it('finds secrets at the top level and nested, in objects and arrays', () => {
    const props = mysqlUrl({
      truststorePassword: 'ts',
      properties: { useSSL: 'true', sslPassword: 'nested' },
      address: [{ host: 'h', port: 1, password: 'per-host' }],
      token: { kind: 'object secrets are secrets too' },
    });
    assert.deepEqual(secretPaths('mysql', 'UrlMode', props), [
      ['address', '0', 'password'],
      ['password'],
      ['properties', 'sslPassword'],
      ['truststorePassword'],
      ['token'],
    ]);
  });

  it('finds secrets the schema marks, including nested ones', () => {
    const kafka: JsonObject = {
      envType: 'Prod',
      address: [{ host: 'k', port: 9092 }],
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p', jaasConfig: 'org...required;' },
      ssl: { truststoreFile: '12', keyPassword: 'kp' },
    };
    assert.deepEqual(secretPaths('kafka', 'UrlMode', kafka), [
      ['sasl', 'password'],
      ['sasl', 'jaasConfig'],
      ['ssl', 'keyPassword'],
    ]);
    assert.deepEqual(secretPaths('bigquery', 'UrlMode', { envType: 'Dev', credentials: '{}' }), [
      ['credentials'],
    ]);
    assert.deepEqual(secretPaths('azureblob', 'UrlMode', { envType: 'Dev', sasToken: 'sv=1' }), [
      ['sasToken'],
    ]);
    // Unknown type or mode: names still protect the usual keys.
    assert.deepEqual(secretPaths('nosuch', 'UrlMode', { password: 'x', jaasConfig: 'y' }), [
      ['password'],
    ]);
  });

  it('ignores empty secrets', () => {
    assert.deepEqual(secretPaths('mysql', 'UrlMode', mysqlUrl({ password: '' })), []);
    assert.deepEqual(secretPaths('mysql', 'UrlMode', mysqlUrl({ password: null })), []);
  });

  it('masks every secret in a copy', () => {
    const props = mysqlUrl({ properties: { sslPassword: 'nested' } });
    const masked = maskSecrets('mysql', 'UrlMode', props);
    assert.equal(masked.password, MASK);
    assert.deepEqual(masked.properties, { sslPassword: MASK });
    assert.equal(masked.username, 'acc_user');
    assert.equal(props.password, SECRET, 'input untouched');
    assert.ok(!JSON.stringify(masked).includes(SECRET));
    assert.ok(!JSON.stringify(masked).includes('nested'));
  });

  it('splits secrets out and joins them back', () => {
    const props = ok(
      validateConnectionProperties('kafka', 'UrlMode', {
        ...exampleOf('kafka', 'UrlMode'),
        sasl: { mechanism: 'PLAIN', username: 'u', password: SECRET, jaasConfig: 'jaas' },
        ssl: { keystorePassword: 'ks' },
      }),
    );
    const { publicProps, secrets } = splitSecrets('kafka', 'UrlMode', props);
    assert.deepEqual(
      secrets.map((s) => s.path),
      [
        ['sasl', 'password'],
        ['sasl', 'jaasConfig'],
        ['ssl', 'keystorePassword'],
      ],
    );
    assert.deepEqual(publicProps.sasl, { mechanism: 'PLAIN', username: 'u' });
    assert.deepEqual(publicProps.ssl, {});
    assert.ok(!JSON.stringify(publicProps).includes(SECRET));
    assert.deepEqual(secretPaths('kafka', 'UrlMode', publicProps), []);
    const joined = joinSecrets(publicProps, secrets);
    assert.deepEqual(joined, props);
    // A JSON round trip of the stored parts (what a database holds) loses nothing.
    const stored = JSON.parse(JSON.stringify({ publicProps, secrets }));
    assert.deepEqual(joinSecrets(stored.publicProps, stored.secrets), props);
  });

  it('keeps a "__proto__" key a plain key through split and join', () => {
    const props = JSON.parse('{"envType":"Dev","__proto__":{"password":"pp","x":1}}') as JsonObject;
    const { publicProps, secrets } = splitSecrets('ftp', 'UrlMode', props);
    assert.deepEqual(secrets, [{ path: ['__proto__', 'password'], value: 'pp' }]);
    const joined = joinSecrets(JSON.parse(JSON.stringify(publicProps)), secrets);
    assert.equal(Object.getPrototypeOf(joined), Object.prototype);
    assert.ok(Object.hasOwn(joined, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(joined, '__proto__')?.value, {
      x: 1,
      password: 'pp',
    });
    assert.equal(({} as JsonObject).password, undefined);
  });

  it('round-trips secrets inside arrays', () => {
    const props: JsonObject = {
      envType: 'Dev',
      address: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2, password: 'pb' },
      ],
    };
    const { publicProps, secrets } = splitSecrets('ftp', 'UrlMode', props);
    assert.deepEqual(secrets, [{ path: ['address', '1', 'password'], value: 'pb' }]);
    assert.deepEqual(joinSecrets(publicProps, secrets), props);
  });
});

describe('mergeForUpdate', () => {
  const stored = mysqlUrl({ password: 'old-secret', properties: { sslPassword: 'old-ssl' } });

  it('keeps the stored secret when the update sends the mask', () => {
    const incoming = mysqlUrl({
      password: MASK,
      database: 'new_db',
      properties: { sslPassword: MASK },
    });
    const merged = mergeForUpdate('mysql', 'UrlMode', incoming, stored);
    assert.equal(merged.password, 'old-secret');
    assert.deepEqual(merged.properties, { sslPassword: 'old-ssl' });
    assert.equal(merged.database, 'new_db');
    assert.equal(incoming.password, MASK, 'input untouched');
  });

  it('keeps the stored secret when the update omits it', () => {
    const incoming = mysqlUrl({ properties: { useSSL: 'true' } });
    delete incoming.password;
    const merged = mergeForUpdate('mysql', 'UrlMode', incoming, stored);
    assert.equal(merged.password, 'old-secret');
    assert.deepEqual(merged.properties, { useSSL: 'true', sslPassword: 'old-ssl' });
  });

  it('drops secrets whose containing object the update drops', () => {
    const incoming = mysqlUrl({ password: MASK });
    delete incoming.properties;
    const merged = mergeForUpdate('mysql', 'UrlMode', incoming, stored);
    assert.equal(merged.password, 'old-secret');
    assert.equal(merged.properties, undefined);
  });

  it('takes a new secret value, including an explicit empty one', () => {
    const merged = mergeForUpdate('mysql', 'UrlMode', mysqlUrl({ password: 'new-secret' }), stored);
    assert.equal(merged.password, 'new-secret');
    const cleared = mergeForUpdate('mysql', 'UrlMode', mysqlUrl({ password: '' }), stored);
    assert.equal(cleared.password, '');
  });

  it('never stores the mask', () => {
    const incoming = mysqlUrl({
      password: MASK,
      truststorePassword: MASK,
      properties: { xPassword: MASK },
    });
    const merged = mergeForUpdate('mysql', 'UrlMode', incoming, { envType: 'Dev' });
    assert.equal(merged.password, undefined);
    assert.equal(merged.truststorePassword, undefined);
    assert.deepEqual(merged.properties, {});
    assert.ok(!JSON.stringify(merged).includes(MASK));
    // Nor when the stored record itself (wrongly) held a mask.
    const fromMasked = mergeForUpdate('mysql', 'UrlMode', mysqlUrl({ password: MASK }), {
      envType: 'Dev',
      password: MASK,
    });
    assert.equal(fromMasked.password, undefined);
  });

  it('works for nested and schema-marked secrets', () => {
    const storedKafka: JsonObject = {
      envType: 'Prod',
      address: [{ host: 'k', port: 9092 }],
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'kafka-old', jaasConfig: 'jaas-old' },
    };
    const masked = maskSecrets('kafka', 'UrlMode', storedKafka);
    assert.deepEqual(mergeForUpdate('kafka', 'UrlMode', masked, storedKafka), storedKafka);
    const incoming = structuredClone(masked);
    delete (incoming.sasl as JsonObject).jaasConfig;
    (incoming.sasl as JsonObject).password = 'kafka-new';
    const merged = mergeForUpdate('kafka', 'UrlMode', incoming, storedKafka);
    assert.deepEqual(merged.sasl, {
      mechanism: 'PLAIN',
      username: 'u',
      password: 'kafka-new',
      jaasConfig: 'jaas-old',
    });
  });

  it('makes Get → edit → Update keep every secret', () => {
    const original = ok(
      validateConnectionProperties('mysql', 'InstanceMode', {
        ...exampleOf('mysql', 'InstanceMode'),
        securityProtocol: 'authTypeSsl',
        truststorePassword: 'ts-secret',
      }),
    );
    const edited = { ...maskSecrets('mysql', 'InstanceMode', original), database: 'other' };
    const merged = mergeForUpdate('mysql', 'InstanceMode', edited, original);
    assert.deepEqual(merged, { ...original, database: 'other' });
  });
});

describe('error messages never reveal secrets', () => {
  it('for secrets of the wrong type or shape', () => {
    const cases: [string, string, JsonObject][] = [
      ['mysql', 'UrlMode', mysqlUrl({ password: 987654321 })],
      ['mysql', 'UrlMode', mysqlUrl({ password: [SECRET] })],
      ['mysql', 'UrlMode', mysqlUrl({ password: { value: SECRET } })],
      ['mysql', 'UrlMode', mysqlUrl({ truststorePassword: 12345678 })],
      ['mysql', 'UrlMode', mysqlUrl({ properties: { sslPassword: { v: SECRET } } })],
      ['mysql', 'UrlMode', mysqlUrl({ address: [{ host: SECRET, port: 1 }] })],
      ['mysql', 'UrlMode', mysqlUrl({ address: [{ host: 'h', port: SECRET }] })],
      ['mysql', 'UrlMode', mysqlUrl({ envType: SECRET })],
      ['mysql', 'UrlMode', mysqlUrl({ securityProtocol: SECRET })],
      ['oss', 'UrlMode', { ...exampleOf('oss', 'UrlMode'), accessKey: 424242424242 }],
      [
        'kafka',
        'UrlMode',
        {
          ...exampleOf('kafka', 'UrlMode'),
          sasl: { mechanism: 'PLAIN', username: 'u', password: 55555555, jaasConfig: SECRET },
        },
      ],
      ['maxcompute', 'UrlMode', { ...exampleOf('maxcompute', 'UrlMode'), project: SECRET }],
    ];
    for (const [type, mode, props] of cases) {
      const result = failure(validateConnectionProperties(type, mode, props));
      for (const value of [SECRET, '987654321', '12345678', '424242424242', '55555555']) {
        assert.ok(!result.message.includes(value), `${result.message} leaks ${value}`);
        assert.ok(!result.path.includes(value), `${result.path} leaks ${value}`);
      }
    }
  });
});

describe('qualifiedName', () => {
  const hologres = exampleOf('hologres', 'InstanceMode');

  it('builds the Hologres QualifiedName of docs/WIRE.md §6 (holo, props.regionId wins)', () => {
    assert.equal(
      qualifiedName({
        tenantId: '1107550004253538',
        regionId: 'cn-hangzhou',
        type: 'hologres',
        mode: 'InstanceMode',
        props: hologres,
      }),
      '1107550004253538:cn-beijing:holo:hgprecn-cn-x0r3oun4k001:testdb',
    );
  });

  it('builds the MaxCompute QualifiedName (odps + project, docs/WIRE.md §6)', () => {
    assert.equal(
      qualifiedName({
        tenantId: '1648711121000',
        regionId: 'cn-beijing',
        type: 'maxcompute',
        mode: 'UrlMode',
        props: { envType: 'Prod', project: 'yongxunQA_beijing_standard' },
      }),
      '1648711121000:cn-beijing:odps:yongxunQA_beijing_standard',
    );
  });

  it('uses the server region for instances without regionId, and omits empty parts', () => {
    assert.equal(
      qualifiedName({
        tenantId: '1',
        regionId: 'cn-shanghai',
        type: 'redis',
        mode: 'InstanceMode',
        props: { envType: 'Dev', instanceId: 'r-abc', regionId: '' },
      }),
      '1:cn-shanghai:redis:r-abc',
    );
  });

  it('uses the first address in connection string mode', () => {
    const base = { tenantId: '10001', regionId: 'cn-hangzhou', type: 'mysql', mode: 'UrlMode' };
    const name = qualifiedName({ ...base, props: mysqlUrl() });
    assert.equal(name, '10001:cn-hangzhou:mysql:127.0.0.1:3306:acc_db');
    const spelled = mysqlUrl({ address: [{ host: '127.0.0.1', port: '03306' }] });
    assert.equal(qualifiedName({ ...base, props: spelled }), name);
    const noDb = mysqlUrl({ database: '' });
    assert.equal(qualifiedName({ ...base, props: noDb }), '10001:cn-hangzhou:mysql:127.0.0.1:3306');
    const upper = mysqlUrl({ address: [{ host: 'DB.Example.COM', port: 3306 }] });
    assert.equal(
      qualifiedName({ ...base, props: upper }),
      '10001:cn-hangzhou:mysql:db.example.com:3306:acc_db',
    );
    const v6 = mysqlUrl({ address: [{ host: '::1', port: 3306 }] });
    assert.equal(
      qualifiedName({ ...base, props: v6 }),
      '10001:cn-hangzhou:mysql:[::1]:3306:acc_db',
    );
    const kafka = exampleOf('kafka', 'UrlMode');
    assert.equal(
      qualifiedName({ ...base, type: 'kafka', props: kafka }),
      '10001:cn-hangzhou:kafka:192.168.0.11:9092',
    );
  });

  it('reads endpoint URLs and JDBC URLs when there is no address', () => {
    const base = { tenantId: 't', regionId: 'cn-hangzhou', mode: 'UrlMode' };
    assert.equal(
      qualifiedName({
        ...base,
        type: 'elasticsearch',
        props: { endpoint: 'https://es.example.com' },
      }),
      't:cn-hangzhou:elasticsearch:es.example.com:443',
    );
    assert.equal(
      qualifiedName({
        ...base,
        type: 'elasticsearch',
        props: exampleOf('elasticsearch', 'UrlMode'),
      }),
      't:cn-hangzhou:elasticsearch:es-cn-xxxxxxxx.elasticsearch.aliyuncs.com:9200',
    );
    assert.equal(
      qualifiedName({ ...base, type: 'oracle', props: exampleOf('oracle', 'UrlMode') }),
      't:cn-hangzhou:oracle:192.168.0.10:1521',
    );
    assert.equal(
      qualifiedName({
        ...base,
        type: 'oracle',
        props: { jdbcUrl: 'jdbc:oracle:thin:@//ora.local:1522/svc' },
      }),
      't:cn-hangzhou:oracle:ora.local:1522',
    );
    assert.equal(
      qualifiedName({ ...base, type: 'oss', props: exampleOf('oss', 'UrlMode') }),
      't:cn-hangzhou:oss:oss-cn-hangzhou.aliyuncs.com:80:sales-raw',
    );
    assert.equal(
      qualifiedName({ ...base, type: 'bigquery', props: { envType: 'Dev' } }),
      't:cn-hangzhou:bigquery',
    );
  });

  it('is stable across updates that keep the address', () => {
    const base = { tenantId: '10001', regionId: 'cn-hangzhou', type: 'mysql', mode: 'UrlMode' };
    const before = qualifiedName({ ...base, props: mysqlUrl() });
    const validated = ok(validateConnectionProperties('mysql', 'UrlMode', mysqlUrl()));
    const masked = maskSecrets('mysql', 'UrlMode', validated);
    for (const props of [
      validated,
      masked,
      mysqlUrl({ password: 'changed', username: 'other', envType: 'Prod' }),
      mysqlUrl({ properties: { connectTimeout: '1' } }),
    ]) {
      assert.equal(qualifiedName({ ...base, props }), before);
    }
    assert.notEqual(
      qualifiedName({ ...base, props: mysqlUrl({ address: [{ host: '127.0.0.2', port: 3306 }] }) }),
      before,
    );
    const instance = { ...base, type: 'hologres', mode: 'InstanceMode' };
    assert.equal(
      qualifiedName({ ...instance, props: { ...hologres, authType: 'SubAccount' } }),
      qualifiedName({ ...instance, props: hologres }),
    );
  });
});
