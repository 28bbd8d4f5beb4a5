/**
 * The OpenAPI 3 document, generated from the registry. Alibaba's RPC style serves every action
 * at "/", selected by the x-acs-action header (or the Action parameter); OpenAPI paths must be
 * unique, so each action is documented under the path `/?Action=<name>`, and an action of
 * another version than DataWorks' under `/?Action=<name>&Version=<version>` (RAM's 2015-05-01).
 */
import { roleLabel } from '../access/roles.js';
import { OPERATIONS } from './index.js';
import { API_VERSION, declaredRoles, productOf } from './operation.js';
import { requestIdSchema } from './schema.js';

const errorSchema = {
  type: 'object',
  properties: {
    RequestId: { type: 'string' },
    HostId: { type: 'string' },
    Code: { type: 'string' },
    Message: { type: 'string' },
    Recommend: { type: 'string' },
  },
  required: ['RequestId', 'HostId', 'Code', 'Message'],
};

/**
 * What one running server adds to the registry's description. `timeBudgetsMs` becomes the
 * operation's `x-dshub-time-budget-ms`: the longest this server lets it run (from its settings,
 * e.g. DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS), so a client such as the console can show progress
 * against it. Without it the document describes the registry alone (docs/openapi.json).
 */
export interface ServerSettings {
  timeBudgetsMs?: Readonly<Record<string, number>>;
}

export function buildOpenApiDocument(server: ServerSettings = {}): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const op of [...OPERATIONS].sort(
    (a, b) => a.action.localeCompare(b.action) || a.version.localeCompare(b.version),
  )) {
    const parameters = Object.entries(op.params).map(([name, spec]) => ({
      name,
      in: 'query',
      required: spec.required,
      description: spec.description,
      schema: spec.openapi,
      ...(spec.placement ? { 'x-sdk-placement': spec.placement } : {}),
    }));
    const roles = declaredRoles(op);
    const who =
      op.access === 'any-caller'
        ? 'Any authenticated caller.'
        : `Roles: ${roles.map(roleLabel).join(', ')}.`;
    const path =
      op.version === API_VERSION
        ? `/?Action=${op.action}`
        : `/?Action=${op.action}&Version=${op.version}`;
    paths[path] = {
      [op.method.toLowerCase()]: {
        operationId: op.action,
        summary: op.summary,
        description: [
          op.description,
          who,
          op.ram ? `RAM action: ${op.ram}.` : 'No RAM policy needed.',
        ]
          .filter(Boolean)
          .join('\n\n'),
        tags: [op.extension ? 'dshub extensions' : productOf(op.version)],
        'x-acs-action': op.action,
        'x-acs-version': op.version,
        'x-ram-action': op.ram,
        'x-roles': op.access === 'any-caller' ? 'any-caller' : roles,
        'x-audited': op.audit,
        ...(server.timeBudgetsMs?.[op.action] !== undefined
          ? { 'x-dshub-time-budget-ms': server.timeBudgetsMs[op.action] }
          : {}),
        parameters,
        responses: {
          '200': {
            description: 'Success',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { RequestId: requestIdSchema, ...op.response },
                  required: [
                    'RequestId',
                    ...Object.keys(op.response).filter(
                      (k) => !(op.optionalResponse ?? []).includes(k),
                    ),
                  ],
                },
              },
            },
          },
          default: {
            description: 'Error in Alibaba Cloud’s envelope',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title:
        'dshub — DataWorks OpenAPI (2024-05-18) data sources, sharing, workspaces and members; RAM (2015-05-01) users, AccessKeys and policies',
      version: API_VERSION,
      description:
        'Every call goes to "/" (GET or POST), signed with ACS3-HMAC-SHA256 or RPC HMAC-SHA1, with the action in the x-acs-action header (or the Action parameter) and the version in x-acs-version (or the Version parameter): 2024-05-18 for DataWorks operations, 2015-05-01 for RAM operations (each operation’s x-acs-version says which). Parameters may be sent in the URL query or an application/x-www-form-urlencoded body.',
    },
    servers: [{ url: '/' }],
    tags: [
      {
        name: 'DataWorks',
        description: 'Operations of the DataWorks OpenAPI, as DataWorks names them.',
      },
      {
        name: 'RAM',
        description:
          'Users, AccessKeys and policies with the names and answers of Alibaba’s RAM API, version 2015-05-01.',
      },
      { name: 'dshub extensions', description: 'Operations DataWorks does not have.' },
    ],
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        ACS3: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'ACS3-HMAC-SHA256',
        },
        RPC: {
          type: 'apiKey',
          in: 'query',
          name: 'Signature',
          description: 'RPC HMAC-SHA1 (SignatureVersion 1.0)',
        },
      },
    },
    security: [{ ACS3: [] }, { RPC: [] }],
    paths,
  };
}
