/**
 * The declarative file of `dshub export`, `plan -f`, `apply -f` and `serve --ephemeral --seed`:
 * workspaces with their members (by user name), data sources (Dev and/or Prod records) and
 * sharing rules, plus, for seeds only, users and their AccessKeys. Declared once here with zod;
 * docs/dshub-file.schema.json is generated from it for editors.
 *
 * Secrets come from the environment as `${VAR}` and are substituted only when a request is
 * built, so nothing the tool writes (plans, exports, errors) ever contains their values.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { WORKSPACE_ROLES } from '../../access/roles.js';
import { UsageError } from '../call-params.js';

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const env = z.enum(['Dev', 'Prod']);
const properties = z
  .record(z.string(), z.unknown())
  .describe(
    'ConnectionProperties without envType (added per environment). Fields depend on type and mode (GetDataSourceTypeSchema). Secrets as $' +
      '{VAR} references to environment variables.',
  );

const share = z
  .object({
    from: env
      .default('Prod')
      .describe('Which record of this data source is shared (default Prod).'),
    workspace: z.string().describe('The target workspace, by name.'),
    env: env.default('Prod').describe('The environment in the target workspace (default Prod).'),
    user: z
      .string()
      .optional()
      .describe('Share only to this user (by user name), a member of the target workspace.'),
  })
  .strict();

const dataSource = z
  .object({
    name: z
      .string()
      .regex(NAME)
      .describe('Data source name, unique per workspace and environment.'),
    type: z.string().min(1).describe('The type, e.g. mysql, postgresql (ListDataSourceTypes).'),
    mode: z.string().min(1).describe('ConnectionPropertiesMode of both records, e.g. UrlMode.'),
    devMode: z.string().min(1).optional().describe('Mode of the Dev record when it differs.'),
    description: z.string().max(3000).optional(),
    dev: properties.optional().describe('The Dev record; omitted: no Dev record.'),
    prod: properties.optional().describe('The Prod record; omitted: no Prod record.'),
    shares: z.array(share).optional().describe('Sharing rules of this data source.'),
  })
  .strict();

const member = z
  .object({
    user: z.string().min(1).describe('The user name (as in dshub admin user list).'),
    roles: z.array(z.enum(WORKSPACE_ROLES)).min(1).describe('Workspace role codes.'),
  })
  .strict();

const workspace = z
  .object({
    name: z
      .string()
      .regex(NAME)
      .min(3)
      .max(28)
      .describe('Workspace name, unique in the tenant; it identifies the workspace.'),
    displayName: z.string().max(128).optional().describe('Default: the name.'),
    description: z.string().max(1024).optional(),
    devEnvironmentEnabled: z
      .boolean()
      .optional()
      .describe('true: standard mode (Dev and Prod). Can be turned on later, never off.'),
    members: z.array(member).optional().describe('Members besides the workspace owner.'),
    dataSources: z.array(dataSource).optional(),
  })
  .strict();

const user = z
  .object({
    name: z.string().min(1).describe('User name in the tenant.'),
    tenantRoles: z.array(z.literal('TenantAdmin')).optional(),
    policies: z
      .array(z.string())
      .optional()
      .describe('e.g. AliyunDataWorksFullAccess or AliyunDataWorksReadOnlyAccess.'),
    accessKeys: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^[A-Za-z0-9_-]{4,64}$/)
              .describe(
                'A fixed AccessKey id; omitted: RAM CreateAccessKey makes id and secret, both printed.',
              )
              .optional(),
            secret: z
              .string()
              .min(1)
              .describe('Usually $' + '{VAR}; omitted: generated and printed. Needs id.')
              .optional(),
          })
          .strict()
          .refine((k) => k.secret === undefined || k.id !== undefined, {
            message: 'a key given a secret needs its id too',
          }),
      )
      .optional(),
  })
  .strict();

export const fileSchema = z
  .object({
    version: z.literal(1).describe('The file format version.'),
    users: z
      .array(user)
      .optional()
      .describe('Seed files only (dshub serve --ephemeral --seed): users and their AccessKeys.'),
    workspaces: z.array(workspace).default([]),
  })
  .strict();

export type HubFile = z.infer<typeof fileSchema>;
export type WorkspaceSpec = z.infer<typeof workspace>;
export type DataSourceSpec = z.infer<typeof dataSource>;
export type MemberSpec = z.infer<typeof member>;
export type ShareSpec = z.infer<typeof share>;
export type UserSpec = z.infer<typeof user>;
export type EnvType = z.infer<typeof env>;

export function fileJsonSchema(): Record<string, unknown> {
  return {
    title: 'dshub declarative file (export, plan, apply, seed)',
    ...z.toJSONSchema(fileSchema, { io: 'input' }),
  };
}

function duplicates(names: string[]): string | undefined {
  return names.find((n, i) => names.indexOf(n) !== i);
}

/** Parses and checks a file; every problem is a UsageError naming the place in the file. */
export function parseHubFile(text: string, source: string): HubFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new UsageError(`${source}: ${doc.errors[0]!.message}`);
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new UsageError(`${source} is not a valid dshub file:\n${lines.join('\n')}`);
  }
  const file = parsed.data;
  const dupWs = duplicates(file.workspaces.map((w) => w.name));
  if (dupWs) throw new UsageError(`${source}: workspace ${dupWs} is declared twice`);
  for (const w of file.workspaces) {
    const dupDs = duplicates((w.dataSources ?? []).map((d) => d.name));
    if (dupDs) throw new UsageError(`${source}: data source ${w.name}/${dupDs} is declared twice`);
    const dupM = duplicates((w.members ?? []).map((m) => m.user));
    if (dupM) throw new UsageError(`${source}: member ${w.name}/${dupM} is declared twice`);
    for (const d of w.dataSources ?? []) {
      if (!d.dev && !d.prod)
        throw new UsageError(`${source}: data source ${w.name}/${d.name} needs dev or prod`);
      for (const props of [d.dev, d.prod]) {
        if (props && 'envType' in props) {
          throw new UsageError(
            `${source}: ${w.name}/${d.name}: leave envType out; dev: and prod: set it`,
          );
        }
      }
    }
  }
  return file;
}

export function readHubFile(path: string): HubFile {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseHubFile(text, path === '-' ? 'stdin' : path);
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** True when the value is (or contains) a `${VAR}` reference. */
export function isReference(v: unknown): boolean {
  return typeof v === 'string' && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(v);
}

/** Replaces every `${VAR}` in strings, deeply; an unset variable is an error naming it. */
export function substitute(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new UsageError(`${where} needs the environment variable ${name}`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, env, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, where)]),
    );
  }
  return value;
}
