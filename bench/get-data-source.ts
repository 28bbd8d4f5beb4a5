/**
 * Signed GetDataSource through the whole stack (signature, credential, nonce, parameters,
 * policy, role check, one read) on SQLite and on PostgreSQL, against a bare node:http hello in
 * the same run with the same load generator; with the server's RSS at the end of each run.
 *   npx tsx bench/get-data-source.ts     (after `npm run build`; DSHUB_BENCH_SECONDS, _CONNECTIONS)
 * Targets (see the performance notes): ≥ 0.5 × bare on SQLite, ≥ 0.3 × on PostgreSQL, p99 < 3 ms
 * at 16 concurrent, RSS < 150 MB.
 */
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '../test/helpers/database.js';
import { signRequest } from '../test/helpers/signer.js';
import {
  type DshubServer,
  fmt,
  load,
  pinGenerator,
  signPool,
  startBare,
  startDshub,
} from './lib.js';

const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 16);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

async function call(
  server: DshubServer,
  action: string,
  form: Record<string, string>,
  query: Record<string, string> = {},
) {
  const s = signRequest({
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
    action,
    method: 'POST',
    query,
    ...(Object.keys(form).length ? { form } : {}),
    host: `127.0.0.1:${server.port}`,
  });
  const res = await fetch(`http://127.0.0.1:${server.port}${s.url}`, {
    method: s.method,
    headers: s.headers,
    ...(s.payload ? { body: s.payload } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${action}: ${JSON.stringify(body)}`);
  return body;
}

async function measure(label: string, env: Record<string, string>) {
  const server = await startDshub(env);
  try {
    const project = await call(server, 'CreateProject', { Name: 'bench_ws', DisplayName: 'bench' });
    const props = {
      envType: 'Prod',
      address: [{ host: '127.0.0.1', port: 3306 }],
      database: 'orders',
      username: 'app',
      password: 'not-a-real-password',
      properties: { useSSL: 'false', connectTimeout: '3000' },
    };
    const ds = await call(
      server,
      'CreateDataSource',
      {},
      {
        ProjectId: String(project.Id),
        Name: 'orders_db',
        Type: 'mysql',
        ConnectionPropertiesMode: 'UrlMode',
        ConnectionProperties: JSON.stringify(props),
        Description: 'benchmark record',
      },
    );
    const opts = {
      accessKeyId: server.accessKeyId,
      accessKeySecret: server.accessKeySecret,
      action: 'GetDataSource',
      method: 'GET',
      query: { Id: String(ds.Id) },
    } as const;
    await load(server.port, { connections, seconds: 2, pool: signPool(60_000, opts, server.port) });
    const pool = signPool(Math.ceil(60_000 * seconds), opts, server.port);
    const r = await load(server.port, { connections, seconds, pool });
    return { label, r, rss: rssMb(server.child.pid!) };
  } finally {
    await server.stop();
  }
}

pinGenerator();
const bare = await startBare();
await load(bare.port, { connections, seconds: 2 });
const bareResult = await load(bare.port, { connections, seconds });
await bare.stop();

const results = [await measure('SQLite', {})];
const pg = await createTestDatabase('postgres').catch(() => undefined);
if (pg) {
  try {
    results.push(
      await measure('PostgreSQL', { DSHUB_DATABASE_URL: pg.url!, DSHUB_DATA_DIR: pg.dataDir }),
    );
  } finally {
    await pg.drop();
  }
} else {
  process.stdout.write('PostgreSQL unreachable: its case is skipped\n');
}

process.stdout.write(`concurrency ${connections}, ${seconds} s, keep-alive\n`);
process.stdout.write(`bare node:http hello              ${fmt(bareResult)}\n`);
for (const { label, r, rss } of results) {
  process.stdout.write(
    `signed GetDataSource, ${label.padEnd(10)} ${fmt(r)}  ratio ${(r.rps / bareResult.rps).toFixed(2)}  RSS ${rss} MB\n`,
  );
}
