/**
 * Code that repeats an Explorer call: TypeScript with @alicloud/openapi-core, Python with
 * Alibaba's generic alibabacloud_tea_openapi client, and a `dshub call` shell line. Credentials
 * always come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, never inlined.
 * Parameters go where the official SDK puts them (query or form body).
 */
import type { OperationDecl } from './openapi';

export interface SnippetInput {
  op: OperationDecl;
  params: Record<string, string>;
  /** host:port of the dshub the console talks to. */
  endpoint: string;
  protocol: 'http' | 'https';
}

function split(input: SnippetInput): { query: [string, string][]; body: [string, string][] } {
  const query: [string, string][] = [];
  const body: [string, string][] = [];
  for (const [k, v] of Object.entries(input.params)) {
    const decl = input.op.params.find((p) => p.name === k);
    (decl?.placement === 'body' ? body : query).push([k, v]);
  }
  return { query, body };
}

/** JSON string literals are valid TypeScript and Python string literals. */
const lit = (s: string) => JSON.stringify(s);

function objectLiteral(pairs: [string, string][], indent: string, sep: string): string {
  if (pairs.length === 0) return '{}';
  const lines = pairs.map(([k, v]) => `${indent}  ${lit(k)}${sep} ${lit(v)},`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export function typescriptSnippet(input: SnippetInput): string {
  const { query, body } = split(input);
  const request: string[] = [];
  if (query.length) request.push(`  query: ${objectLiteral(query, '  ', ':')},`);
  if (body.length) request.push(`  body: ${objectLiteral(body, '  ', ':')},`);
  return `// npm install @alicloud/openapi-core @darabonba/typescript
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

const config = new $OpenApiUtil.Config({
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  endpoint: ${lit(input.endpoint)},
  protocol: ${lit(input.protocol)},
});
// The package is CommonJS: its client class is the module's \`default\` export.
const client = new OpenApi.default(config);

const params = new $OpenApiUtil.Params({
  action: ${lit(input.op.action)},
  version: ${lit(input.op.version)},
  protocol: ${lit(input.protocol.toUpperCase())},
  pathname: '/',
  method: ${lit(input.op.method)},
  authType: 'AK',
  style: 'RPC',
  reqBodyType: 'formData',
  bodyType: 'json',
});
const request = new $OpenApiUtil.OpenApiRequest({${request.length ? `\n${request.join('\n')}\n` : ''}});

const response = await client.callApi(params, request, new $dara.RuntimeOptions({}));
console.log(JSON.stringify(response.body, null, 2));
`;
}

export function pythonSnippet(input: SnippetInput): string {
  const { query, body } = split(input);
  const args: string[] = [];
  if (query.length) args.push(`    query=${objectLiteral(query, '    ', ':')},`);
  if (body.length) args.push(`    body=${objectLiteral(body, '    ', ':')},`);
  return `# pip install alibabacloud_tea_openapi
import json
import os

from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_util import models as util_models

config = open_api_models.Config(
    access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
    access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    endpoint=${lit(input.endpoint)},
    protocol=${lit(input.protocol)},
)
client = OpenApiClient(config)

params = open_api_models.Params(
    action=${lit(input.op.action)},
    version=${lit(input.op.version)},
    protocol=${lit(input.protocol.toUpperCase())},
    method=${lit(input.op.method)},
    auth_type="AK",
    style="RPC",
    pathname="/",
    req_body_type="formData",
    body_type="json",
)
request = open_api_models.OpenApiRequest(${args.length ? `\n${args.join('\n')}\n` : ''})
response = client.call_api(params, request, util_models.RuntimeOptions())
print(json.dumps(response["body"], indent=2))
`;
}

/** POSIX shell single-quoting, only where needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function cliSnippet(input: SnippetInput): string {
  const args = Object.entries(input.params).map(([k, v]) => ` --${k} ${shellQuote(v)}`);
  return `# The AccessKey comes from ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET.
DSHUB_ENDPOINT=${shellQuote(`${input.protocol}://${input.endpoint}`)} dshub call ${input.op.action}${args.join('')}
`;
}
