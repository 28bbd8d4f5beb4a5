/**
 * Black-box support: starts the real server (the `dshub serve` command, in a child process, on
 * a free port and a fresh store) and drives it with Alibaba's own clients, exactly as the
 * DataWorks SDK does. Nothing here imports src/: these tests see only HTTP and the CLI.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenApiClient, { $OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import * as $dara from '@darabonba/typescript';
import {
  createTestDatabase,
  selectedDialects,
  skipDialect,
  type TestDatabase,
} from '../helpers/database.js';
import { responseChecker } from './response-schema.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The built command, as installed: `npm test` builds before it runs the tests. Starting from
 * dist also keeps start-up fast (no transpiling), which matters when many CLIs run at once.
 */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

export interface RunningServer {
  endpoint: string;
  port: number;
  accessKeyId: string;
  accessKeySecret: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Everything the server printed on stdout/stderr (for assertions on logs). */
  output(): string;
  /** The output once the server's buffered log lines are out (it flushes every second). */
  flushedOutput(): Promise<string>;
  /** Sends the server process a signal (e.g. SIGHUP to reload its certificate). */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  dialect?: 'sqlite' | 'postgres';
  env?: Record<string, string>;
  /** Reuse a database (e.g. two servers on one PostgreSQL). */
  database?: TestDatabase;
  accessKey?: { id: string; secret: string };
}

/** Runs the CLI (`dshub ...`) with the given environment; resolves with its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `dshub admin ...` on the server's own store; resolves with the JSON it printed. */
export function adminCli(
  server: RunningServer,
): (...args: string[]) => Promise<Record<string, string>> {
  const env = {
    DSHUB_DATA_DIR: server.dataDir,
    ...(server.databaseUrl ? { DSHUB_DATABASE_URL: server.databaseUrl } : {}),
  };
  return async (...args) => {
    const r = await runCli(args, env);
    if (r.code !== 0) throw new Error(`dshub ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, string>) : {};
  };
}

/** A user of the tenant with AliyunDataWorksFullAccess and one AccessKey, made with the CLI. */
export async function createUserWithCli(
  server: RunningServer,
  tenantId: string,
  name: string,
): Promise<Credentials & { userId: string }> {
  const cli = adminCli(server);
  const user = await cli('admin', 'user', 'create', name, '-t', tenantId);
  const key = await cli('admin', 'key', 'create', user.userId!);
  await cli('admin', 'policy', 'attach', user.userId!, 'AliyunDataWorksFullAccess');
  return {
    userId: user.userId!,
    accessKeyId: key.accessKeyId!,
    accessKeySecret: key.accessKeySecret!,
  };
}

/** One store's run of a suite: its dialect and the server the suite drives. */
export interface Store {
  dialect: 'sqlite' | 'postgres';
  /**
   * The suite's server, started on a fresh store of the dialect before the suite's own `before`
   * hooks and stopped after its tests. Read it in hooks and tests, not while declaring them.
   */
  server: RunningServer;
}

export interface StoreSuiteOptions {
  /** The server's environment, beyond startServer's own. */
  env?: Record<string, string>;
  /** false: the suite starts its servers itself (e.g. on a restored store). Default true. */
  server?: boolean;
}

/**
 * Declares a black-box suite once per selected store (DSHUB_TEST_DIALECTS; SQLite and
 * PostgreSQL by default), titled `black box (<dialect>): <title>`. PostgreSQL's run is skipped,
 * with the reason, when it cannot be reached outside CI (test/helpers/database.ts).
 */
export function forEachStore(title: string, suite: (store: Store) => void): void;
export function forEachStore(
  title: string,
  opts: StoreSuiteOptions,
  suite: (store: Store) => void,
): void;
export function forEachStore(
  title: string,
  ...args: [(store: Store) => void] | [StoreSuiteOptions, (store: Store) => void]
): void {
  const [opts, suite] = args.length === 1 ? [{} as StoreSuiteOptions, args[0]] : args;
  for (const dialect of selectedDialects()) {
    describe(`black box (${dialect}): ${title}`, async () => {
      const skip = await skipDialect(dialect);
      if (skip) {
        it.skip(skip);
        return;
      }
      let running: RunningServer | undefined;
      if (opts.server !== false) {
        before(async () => {
          running = await startServer({ dialect, ...(opts.env ? { env: opts.env } : {}) });
        });
        after(async () => {
          await running?.stop();
        });
      }
      const server = () => {
        if (running) return running;
        throw new Error(
          opts.server === false
            ? `${title}: this suite starts its own servers`
            : `${title}: the server starts in the suite's first before hook`,
        );
      };
      suite({ dialect, server: forwardingServer(server) });
    });
  }
}

/** A RunningServer that reads every field from the one `get` returns when it is used. */
function forwardingServer(get: () => RunningServer): RunningServer {
  return {
    get endpoint() {
      return get().endpoint;
    },
    get port() {
      return get().port;
    },
    get accessKeyId() {
      return get().accessKeyId;
    },
    get accessKeySecret() {
      return get().accessKeySecret;
    },
    get dataDir() {
      return get().dataDir;
    },
    get databaseUrl() {
      return get().databaseUrl;
    },
    output: () => get().output(),
    flushedOutput: () => get().flushedOutput(),
    signal: (signal) => get().signal(signal),
    stop: () => get().stop(),
  };
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const database = opts.database ?? (await createTestDatabase(opts.dialect ?? 'sqlite'));
  const ownsDatabase = !opts.database;
  const accessKey = opts.accessKey ?? {
    id: `LTAIbb${randomBytes(8).toString('hex')}`,
    secret: randomBytes(15).toString('hex'),
  };
  const env: Record<string, string> = {
    ...process.env,
    DSHUB_HOST: '127.0.0.1',
    DSHUB_PORT: '0',
    DSHUB_DATA_DIR: database.dataDir,
    DSHUB_ROOT_ACCESS_KEY_ID: accessKey.id,
    DSHUB_ROOT_ACCESS_KEY_SECRET: accessKey.secret,
    DSHUB_LOG_LEVEL: 'info',
    ...(database.url ? { DSHUB_DATABASE_URL: database.url } : {}),
    ...opts.env,
  } as Record<string, string>;
  assertBuilt();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    accessKeyId: accessKey.id,
    accessKeySecret: accessKey.secret,
    dataDir: database.dataDir,
    databaseUrl: database.url,
    output: () => output,
    flushedOutput: async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return output;
    },
    signal: (signal) => {
      child.kill(signal);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownsDatabase) await database.drop();
    },
  };
}

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface SdkCallOptions {
  /** 'v2' signs with RPC HMAC-SHA1 like the older clients; default ACS3-HMAC-SHA256. */
  signatureAlgorithm?: 'v2';
  credentials?: Credentials;
  /** Call over HTTPS, trusting this CA (PEM). */
  https?: { ca: string };
  /** The API version; DataWorks' 2024-05-18 unless given (RAM: 2015-05-01). */
  version?: string;
}

export interface SdkRequest {
  method: 'GET' | 'POST';
  query?: Record<string, string | number | boolean>;
  body?: Record<string, string | number | boolean>;
}

/** The error the SDK throws: `code`, `statusCode` and the whole body in `data`. */
export interface SdkError extends Error {
  code: string;
  statusCode: number;
  data: Record<string, unknown>;
}

function stringify(
  o: Record<string, string | number | boolean> | undefined,
): Record<string, string> | undefined {
  return o && Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}

/** Calls an action the way the generated DataWorks SDK does: `callApi` with its exact Params. */
export async function sdkCall(
  server: RunningServer,
  action: string,
  request: SdkRequest,
  opts: SdkCallOptions = {},
): Promise<Record<string, unknown>> {
  const creds = opts.credentials ?? server;
  const config = new $OpenApiUtil.Config({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: server.endpoint,
    protocol: opts.https ? 'https' : 'http',
    ...(opts.https ? { ca: opts.https.ca } : {}),
    ...(opts.signatureAlgorithm ? { signatureAlgorithm: opts.signatureAlgorithm } : {}),
  });
  // A CommonJS module whose class is its `default` export.
  const client = new OpenApiClient.default(config);
  const params = new $OpenApiUtil.Params({
    action,
    version: opts.version ?? '2024-05-18',
    protocol: 'HTTPS',
    pathname: '/',
    method: request.method,
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const query = stringify(request.query);
  const body = stringify(request.body);
  const req = new $OpenApiUtil.OpenApiRequest({
    ...(query ? { query } : {}),
    ...(body ? { body } : {}),
  });
  let answer: Record<string, unknown>;
  try {
    answer = (await client.callApi(params, req, new $dara.RuntimeOptions({}))).body as Record<
      string,
      unknown
    >;
  } catch (e) {
    const data = (e as Partial<SdkError>).data;
    // An error the server answered (not a refused TLS handshake) follows the Error schema.
    if (data && typeof data === 'object' && 'Code' in data) {
      (await responseChecker(server.port, opts.https)).failure(action, data);
    }
    throw e;
  }
  (await responseChecker(server.port, opts.https)).success(action, answer, opts.version);
  return answer;
}

/** Calls an action through @alicloud/pop-core (RPC HMAC-SHA1), as the aliyun CLI style does. */
export async function popCall(
  server: RunningServer,
  action: string,
  params: Record<string, string | number | boolean>,
  opts: { method?: 'GET' | 'POST'; credentials?: Credentials; version?: string } = {},
): Promise<Record<string, unknown>> {
  const creds = opts.credentials ?? server;
  const client = new RPCClient({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: `http://${server.endpoint}`,
    apiVersion: opts.version ?? '2024-05-18',
  });
  const body = (await client.request(action, stringify(params) ?? {}, {
    method: opts.method ?? 'POST',
  })) as Record<string, unknown>;
  (await responseChecker(server.port)).success(action, body, opts.version);
  return body;
}

/**
 * Awaits a call the server must refuse and checks the refusal as the client meets it: its Code,
 * its HTTP status, the error class the client makes of it, a RequestId, and a Message that
 * says more than the Code. Returns the error, for checks particular to the call.
 * Works for @alicloud/openapi-core's clients (the DataWorks and RAM SDKs, `sdkCall`) and for
 * @alicloud/pop-core (`popCall`), which reports the status only on its `entry`.
 */
export async function rejectsWithCode(
  p: Promise<unknown>,
  code: string,
  status: number,
): Promise<SdkError> {
  const err = await sdkError(p);
  const data = err.data as Record<string, unknown> | undefined;
  assert.ok(data && typeof data === 'object', `not an answer of the server: ${err.stack}`);
  const said = `${err.message} ${JSON.stringify(data)}`;
  assert.equal(err.code, code, said);
  assert.equal(data.Code, code, said);
  const pop = (err as SdkError & { entry?: { response?: { statusCode?: number } } }).entry;
  assert.equal(pop ? pop.response?.statusCode : err.statusCode, status, said);
  const errorClass = pop
    ? `${code}Error`
    : code.includes('Throttling')
      ? 'ThrottlingError'
      : status < 500
        ? 'ClientError'
        : 'ServerError';
  assert.equal(err.name, errorClass, said);
  assert.equal(typeof data.RequestId, 'string', said);
  assert.ok(String(data.RequestId).length > 0, said);
  assert.equal(typeof data.Message, 'string', said);
  const message = String(data.Message).trim();
  assert.ok(message.length >= 12 && message !== code, `the Message does not help: ${said}`);
  return err;
}

/** Awaits a call expected to fail and returns the error, whatever made it (e.g. TLS). */
export async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail');
}

/**
 * Runs `fn` with the process clock shifted by `offsetMs`, as a client with a wrong clock would
 * be: the clients read `new Date()` when they sign.
 */
export async function withSkewedClock<T>(offsetMs: number, fn: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: ConstructorParameters<typeof Date> | []) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as ConstructorParameters<typeof Date>));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A pass-through proxy in front of the server that keeps the raw requests it forwards, so a
 * test can replay exactly what a real client sent.
 */
export async function recordingProxy(
  server: RunningServer,
): Promise<{ endpoint: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const http = await import('node:http');
  const requests: RecordedRequest[] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rec = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
      requests.push(rec);
      replay(server, rec).then(
        (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body),
        (e: Error) => res.writeHead(502).end(e.message),
      );
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as { port: number };
  return {
    endpoint: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => proxy.close(() => r())),
  };
}

/** Sends a recorded request again, byte for byte (Host header included: it is signed). */
export async function replay(
  server: RunningServer,
  rec: RecordedRequest,
): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const headers = { ...rec.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(rec.body.length);
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method: rec.method, path: rec.url, headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(rec.body);
  });
}
