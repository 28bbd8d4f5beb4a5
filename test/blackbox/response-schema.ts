/**
 * Every answer a black-box test receives is checked against the response schema the running
 * server declares for that action in its own /openapi.json (built from the registry). Objects
 * are closed for the check: a member the declaration does not name is a mismatch as much as a
 * required member that is missing. Error answers are checked against the Error schema.
 */
import { Ajv, type ValidateFunction } from 'ajv';

interface Document {
  paths: Record<
    string,
    Record<string, { 'x-acs-version'?: string; responses: Record<string, ResponseSpec> }>
  >;
  components: { schemas: Record<string, unknown> };
}
interface ResponseSpec {
  content?: { 'application/json'?: { schema?: unknown } };
}

type Schema = Record<string, unknown>;

const DATAWORKS = '2024-05-18';

/** A copy of the schema whose objects with declared properties admit nothing else. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (k.startsWith('x-') || k === 'description') continue;
    out[k] = k === 'properties' ? mapValues(v as Schema, closed) : closed(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function mapValues(o: Schema, f: (v: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

class Checker {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly byAction = new Map<string, ValidateFunction>();
  private readonly error: ValidateFunction;

  constructor(doc: Document) {
    for (const [path, item] of Object.entries(doc.paths)) {
      // `/?Action=X`, or `/?Action=X&Version=V` for another version than DataWorks' (RAM).
      const action = /^\/\?Action=(\w+)(?:&Version=[\d-]+)?$/.exec(path)?.[1];
      if (!action) continue;
      for (const op of Object.values(item)) {
        const schema = op.responses['200']?.content?.['application/json']?.schema;
        const key = `${op['x-acs-version'] ?? DATAWORKS} ${action}`;
        if (schema) this.byAction.set(key, this.ajv.compile(closed(schema) as Schema));
      }
    }
    this.error = this.ajv.compile(closed(doc.components.schemas.Error) as Schema);
  }

  success(action: string, body: unknown, version = DATAWORKS): void {
    const validate = this.byAction.get(`${version} ${action}`);
    if (!validate) throw new Error(`${action} answered but /openapi.json does not declare it`);
    if (!validate(body)) throw mismatch(action, validate, body);
  }

  failure(action: string, body: unknown): void {
    if (!this.error(body)) throw mismatch(`${action} (error)`, this.error, body);
  }
}

function mismatch(what: string, validate: ValidateFunction, body: unknown): Error {
  const errors = (validate.errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('; ');
  return new Error(
    `the answer to ${what} does not match its declared response schema: ${errors}\n${JSON.stringify(body).slice(0, 2000)}`,
  );
}

const checkers = new Map<string, Promise<Checker>>();

/**
 * The checker built from the document the server on this loopback port serves, fetched once
 * and directly (not through a test's recording proxy, whose request count tests assert).
 */
export function responseChecker(port: number, https?: { ca: string }): Promise<Checker> {
  const key = `${https ? 'https' : 'http'}:${port}`;
  let checker = checkers.get(key);
  if (!checker) {
    checker = fetchDocument(port, https).then((doc) => new Checker(doc));
    checkers.set(key, checker);
    checker.catch(() => checkers.delete(key));
  }
  return checker;
}

async function fetchDocument(port: number, https?: { ca: string }): Promise<Document> {
  const mod = https ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.get(
      { host: '127.0.0.1', port, path: '/openapi.json', ...(https ? { ca: https.ca } : {}) },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as Document);
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
  });
}
