/** Object storage and file systems. */
import type { JsonObject } from '../json.js';
import { permissiveType } from '../mode-builders.js';
import {
  choice,
  connectionSchema,
  endpoint,
  MODE_CDH,
  MODE_URL,
  requiredWhen,
  secret,
  text,
} from '../schema-blocks.js';
import type { TypeDefinition } from '../types.js';

function accessKeyPair(when: string): JsonObject {
  return {
    accessId: text('AccessKey ID', `AccessKey ID${when}.`),
    accessKey: secret('AccessKey secret', `AccessKey secret${when}. Stored encrypted.`),
  };
}

const oss: TypeDefinition = {
  name: 'oss',
  displayName: 'OSS',
  category: 'storage',
  probe: 'http',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'OSS — endpoint mode',
      description: 'An Object Storage Service bucket, reached through its endpoint.',
      required: ['endpoint', 'bucket'],
      properties: {
        endpoint: endpoint(
          'Endpoint',
          'OSS endpoint: a URL, or a host name such as oss-cn-hangzhou-internal.aliyuncs.com.',
          'http://oss-cn-hangzhou.aliyuncs.com',
        ),
        bucket: text('Bucket', 'Bucket name: 3-63 lower-case letters, digits or -.', {
          pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$',
        }),
        authType: choice(
          'Access mode',
          'Ak: an AccessKey pair (accessId and accessKey); RamRole: a RAM role authorised for ' +
            'DataWorks.',
          ['Ak', 'RamRole'],
          { default: 'Ak' },
        ),
        authIdentity: text('RAM role', 'RAM role to assume, when authType is RamRole.'),
        ...accessKeyPair(', when authType is Ak'),
      },
      conditions: [requiredWhen('authType', 'Ak', ['accessId', 'accessKey'])],
      example: {
        envType: 'Prod',
        endpoint: 'http://oss-cn-hangzhou.aliyuncs.com',
        bucket: 'sales-raw',
        accessId: 'LTAI5tExampleAccessId',
        accessKey: 'ExampleAccessKeySecret0123456789',
      },
    }),
  },
};

const s3: TypeDefinition = {
  name: 's3',
  displayName: 'Amazon S3',
  category: 'storage',
  probe: 'http',
  schemas: {
    [MODE_URL]: connectionSchema({
      title: 'Amazon S3 — endpoint mode',
      description: 'An S3 (or S3-compatible) bucket, reached through its endpoint.',
      required: ['endpoint', 'bucket', 'accessId', 'accessKey'],
      properties: {
        endpoint: endpoint(
          'Endpoint',
          'S3 endpoint: a URL, or a host name such as s3.us-west-2.amazonaws.com.',
          'https://s3.us-west-2.amazonaws.com',
        ),
        region: text('Region', 'AWS region of the bucket, e.g. us-west-2.', {
          examples: ['us-west-2'],
        }),
        bucket: text('Bucket', 'Bucket name: 3-63 lower-case letters, digits, . or -.', {
          pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
        }),
        ...accessKeyPair(''),
      },
      example: {
        envType: 'Dev',
        endpoint: 'https://s3.us-west-2.amazonaws.com',
        region: 'us-west-2',
        bucket: 'sales-raw',
        accessId: 'AKIAEXAMPLEACCESSID',
        accessKey: 'ExampleSecretAccessKey0123456789',
      },
    }),
  },
};

export const storageTypes: readonly TypeDefinition[] = [
  oss,
  s3,
  permissiveType({
    name: 'ftp',
    displayName: 'FTP',
    category: 'storage',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 21,
  }),
  permissiveType({
    name: 'sftp',
    displayName: 'SFTP',
    category: 'storage',
    probe: 'tcp',
    modes: [MODE_URL],
    defaultPort: 22,
    secrets: {
      privateKey: 'SSH private key. Stored encrypted; returned as ******.',
      passphrase: 'Passphrase of the private key. Stored encrypted; returned as ******.',
    },
  }),
  permissiveType({
    name: 'hdfs',
    displayName: 'HDFS',
    category: 'storage',
    probe: 'tcp',
    modes: [MODE_URL, MODE_CDH],
    defaultPort: 8020,
  }),
  permissiveType({
    name: 'oss_hdfs',
    displayName: 'OSS-HDFS',
    category: 'storage',
    probe: 'http',
    modes: [MODE_URL],
    endpoint: true,
  }),
  permissiveType({
    name: 'azureblob',
    displayName: 'Azure Blob Storage',
    category: 'storage',
    probe: 'http',
    modes: [MODE_URL],
    endpoint: true,
    secrets: {
      accountKey: 'Storage account key. Stored encrypted; returned as ******.',
      sasToken: 'Shared access signature. Stored encrypted; returned as ******.',
      connectionString:
        'Connection string (contains the account key). Stored encrypted; returned as ******.',
    },
  }),
];
