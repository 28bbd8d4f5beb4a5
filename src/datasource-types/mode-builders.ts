/**
 * Schema builders for the shapes DataWorks repeats across types: the JDBC-style connection
 * string mode (`address` + database + credentials), the Alibaba Cloud instance mode
 * (`regionId` + `instanceId` ...), and the permissive schema of types dshub knows only by name.
 */
import type { JsonObject } from './json.js';
import {
  address,
  connectionSchema,
  database,
  driverProperties,
  endpoint,
  instanceId,
  MODE_INSTANCE,
  password,
  type Requirement,
  regionId,
  text,
  untypedSecret,
  username,
} from './schema-blocks.js';
import type { Category, ProbeFamily, TypeDefinition } from './types.js';

export interface JdbcUrlModeOptions {
  engine: string;
  defaultPort: number;
  /** DataWorks' JDBC types take exactly one host/port pair; some engines take a list. */
  maxAddresses?: number;
  database?: Requirement;
  credentials?: Requirement;
  /** Extra fields, appended after the common ones. */
  properties?: JsonObject;
  required?: readonly string[];
  conditions?: readonly JsonObject[];
  example: JsonObject;
}

export function jdbcUrlMode(options: JdbcUrlModeOptions): JsonObject {
  const required = ['address'];
  if ((options.database ?? 'required') === 'required') required.push('database');
  if ((options.credentials ?? 'required') === 'required') required.push('username', 'password');
  return connectionSchema({
    title: `${options.engine} — connection string mode`,
    description: `Connects to a ${options.engine} server by network address, like a JDBC URL.`,
    required: [...required, ...(options.required ?? [])],
    properties: {
      address: address({ defaultPort: options.defaultPort, maxItems: options.maxAddresses ?? 1 }),
      database: database(options.engine),
      username: username(),
      password: password(),
      properties: driverProperties(),
      ...options.properties,
    },
    conditions: options.conditions ?? [],
    example: options.example,
  });
}

export interface InstanceModeOptions {
  engine: string;
  instanceIdExample: string;
  database?: Requirement | 'none';
  credentials?: Requirement | 'none';
  /** Cross-account access through a RAM role of the instance owner (DataWorks: most types). */
  crossAccount?: boolean;
  properties?: JsonObject;
  required?: readonly string[];
  conditions?: readonly JsonObject[];
  example: JsonObject;
}

export function instanceMode(options: InstanceModeOptions): JsonObject {
  const databaseMode = options.database ?? 'required';
  const credentials = options.credentials ?? 'required';
  const required = ['regionId', 'instanceId'];
  const properties: JsonObject = {
    regionId: regionId(),
    instanceId: instanceId(options.engine, options.instanceIdExample),
  };
  if (databaseMode !== 'none') {
    properties.database = database(options.engine);
    if (databaseMode === 'required') required.push('database');
  }
  if (credentials !== 'none') {
    properties.username = username();
    properties.password = password();
    if (credentials === 'required') required.push('username', 'password');
  }
  const crossAccount = options.crossAccount ?? true;
  if (crossAccount) {
    properties.crossAccountOwnerId = text(
      'Owner account (cross-account)',
      'Alibaba Cloud account id that owns the instance, when it belongs to another account.',
      { pattern: '^[0-9]+$' },
    );
    properties.crossAccountRoleName = text(
      'RAM role (cross-account)',
      'RAM role of the owner account that DataWorks assumes to reach the instance.',
    );
  }
  return connectionSchema({
    title: `${options.engine} — Alibaba Cloud instance mode`,
    description: `Connects to an Alibaba Cloud ${options.engine} instance by region and instance id.`,
    required: [...required, ...(options.required ?? [])],
    properties: { ...properties, ...options.properties },
    dependencies: crossAccount
      ? {
          crossAccountOwnerId: ['crossAccountRoleName'],
          crossAccountRoleName: ['crossAccountOwnerId'],
        }
      : {},
    conditions: options.conditions ?? [],
    example: options.example,
  });
}

/** The secret keys every schema knows by name (docs/ARCHITECTURE.md, "Secrets"). */
const COMMON_SECRETS: Readonly<Record<string, string>> = {
  password: 'Password. Stored encrypted; returned as ******.',
  accessKey: 'AccessKey secret. Stored encrypted; returned as ******.',
  secretKey: 'Secret key. Stored encrypted; returned as ******.',
  accessKeySecret: 'AccessKey secret. Stored encrypted; returned as ******.',
  secretAccessKey: 'Secret access key. Stored encrypted; returned as ******.',
  token: 'Access token. Stored encrypted; returned as ******.',
};

export interface PermissiveModeOptions {
  engine: string;
  mode: string;
  /** The type is reached at `address` (host/port pairs); enables the TCP-style probes. */
  defaultPort?: number;
  maxAddresses?: number;
  /** The type is reached at an `endpoint` URL. */
  endpoint?: boolean;
  /** Type-specific secret keys beyond the common ones (marked x-secret). */
  secrets?: Readonly<Record<string, string>>;
}

/**
 * For types whose fields dshub does not model: only envType is required and every key is
 * stored as given, but the address (when the type has one) is still checked, because the
 * connectivity probe and QualifiedName read it, and the secret keys are still known.
 */
export function permissiveMode(options: PermissiveModeOptions): JsonObject {
  const properties: JsonObject = {};
  const example: JsonObject = { envType: 'Prod' };
  if (options.mode === MODE_INSTANCE) {
    properties.regionId = text('Region', 'Alibaba Cloud region id of the instance.');
    properties.instanceId = text('Instance ID', `ID of the ${options.engine} instance.`);
    example.regionId = 'cn-hangzhou';
    example.instanceId = 'example-instance-id';
  } else if (options.defaultPort !== undefined) {
    properties.address = address({
      defaultPort: options.defaultPort,
      maxItems: options.maxAddresses ?? 16,
    });
    example.address = [{ host: '192.168.0.10', port: options.defaultPort }];
  }
  if (options.endpoint) {
    properties.endpoint = endpoint(
      'Endpoint',
      `Service endpoint of ${options.engine}: a URL or a host name.`,
      'https://example.aliyuncs.com',
    );
    if (options.mode !== MODE_INSTANCE) example.endpoint = 'https://example.aliyuncs.com';
  }
  for (const [key, description] of Object.entries({ ...COMMON_SECRETS, ...options.secrets })) {
    properties[key] = untypedSecret(key, description);
  }
  return connectionSchema({
    title: `${options.engine} — ${options.mode}`,
    description:
      `dshub does not model every ${options.engine} field: keys are stored as given and only ` +
      'envType is required. Known secret keys are encrypted and masked.',
    required: [],
    properties,
    example,
  });
}

export interface PermissiveTypeOptions {
  name: string;
  displayName: string;
  category: Category;
  probe: ProbeFamily;
  modes: readonly string[];
  defaultPort?: number;
  maxAddresses?: number;
  endpoint?: boolean;
  secrets?: Readonly<Record<string, string>>;
  qualifiedNameAlias?: string;
}

/** A whole type declared with permissive schemas for each of its modes. */
export function permissiveType(options: PermissiveTypeOptions): TypeDefinition {
  const schemas: Record<string, JsonObject> = {};
  for (const mode of options.modes) {
    schemas[mode] = permissiveMode({
      engine: options.displayName,
      mode,
      defaultPort: options.defaultPort,
      maxAddresses: options.maxAddresses,
      endpoint: options.endpoint,
      secrets: options.secrets,
    });
  }
  return {
    name: options.name,
    displayName: options.displayName,
    category: options.category,
    probe: options.probe,
    qualifiedNameAlias: options.qualifiedNameAlias,
    schemas,
  };
}
