/**
 * ListDataSources on a workspace with 100,000 data sources, on a fresh SQLite and a fresh
 * PostgreSQL database: the service's list call for page 1, deep pages and name filters, with
 * p50/p99 per case. The target: any page, however deep, answers in under 10 ms at the p99 on both
 * stores.
 *   npx tsx bench/list-data-sources.ts        (DSHUB_BENCH_DIALECTS=sqlite, DSHUB_BENCH_RUNS=200)
 *   DSHUB_SQLITE_CACHE_MB=32 …                 (SQLite's page cache; default 8 MiB)
 *
 * Seeding: 98,000 records are written straight to the store in batches (masked JSON, sealed
 * secrets, QualifiedName, as the service writes them) and the list index is rebuilt from them;
 * the last 2,000 go through DataSourceService.create with random names, so incremental bucket
 * maintenance (inserts in the middle of the Name order, splits) is part of what is measured.
 * A "naive" row shows plain COUNT + LIMIT/OFFSET over the records for comparison. A Name
 * filter that every name matches cannot use the trigram index: that row is the worst case.
 * The bulk records carry three tags each, for the Tags filter rows (a tag every record has is
 * that filter's worst case).
 */
import { randomBytes } from 'node:crypto';
import { type Insertable, sql } from 'kysely';
import type { WorkspaceGrant } from '../src/access/decisions.js';
import type { AuditRecorder } from '../src/audit/recorder.js';
import { loadConfig } from '../src/config.js';
import { maskSecrets, qualifiedName, splitSecrets } from '../src/datasource-types/index.js';
import { rebuildIndex } from '../src/datasources/list-index.js';
import { sealSecrets } from '../src/datasources/secret-box.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices, type Services } from '../src/services.js';
import type { DialectName } from '../src/store/dialect.js';
import type { DataSourceTable } from '../src/store/schema.js';
import { createTestDatabase, skipDialect } from '../test/helpers/database.js';

/** DSHUB_BENCH_LIST_TOTAL: fewer records for a quicker look (page numbers shrink with it). */
const TOTAL = Number(process.env.DSHUB_BENCH_LIST_TOTAL ?? 100_000);
const BY_SERVICE = 2_000;
const DEV_SIBLINGS = Math.round(TOTAL / 20);
const RUNS = Number(process.env.DSHUB_BENCH_RUNS ?? 200);
const DIALECTS = (process.env.DSHUB_BENCH_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim()) as DialectName[];

const noAudit: AuditRecorder = { record: async () => {}, note: () => {} };

function props(i: number, env: 'Dev' | 'Prod') {
  return {
    envType: env,
    address: [{ host: `db-${i % 500}.example.internal`, port: 3306 }],
    database: `db_${i}`,
    username: 'app',
    password: `secret-${i}`,
    // Every Dev sibling drifts from its Prod record (its database name, expected; the driver
    // version of every second one, suspicious): 5,000 drifting names, 2,500 suspicious.
    ...(env === 'Dev'
      ? { database: `db_${i}_dev`, ...(i % 2 === 0 ? { driverVersion: '8.2.0' } : {}) }
      : {}),
  };
}

async function seed(services: Services, workspaceId: number, tenantId: string): Promise<void> {
  const k = services.db.kysely;
  const bulk = TOTAL - BY_SERVICE;
  const prodNames = bulk - DEV_SIBLINGS;
  let rows: Insertable<DataSourceTable>[] = [];
  const flush = async () => {
    if (rows.length) await k.insertInto('data_sources').values(rows).execute();
    rows = [];
  };
  const at = Date.now() - TOTAL;
  for (let n = 0; n < bulk; n++) {
    // Records 0..prodNames-1 are Prod; the rest are Dev siblings of the first names.
    const i = n < prodNames ? n : n - prodNames;
    const env = n < prodNames ? 'Prod' : 'Dev';
    const type = i % 2 === 0 ? 'mysql' : 'postgresql';
    const value = props(i, env);
    const { secrets } = splitSecrets(type, 'UrlMode', value);
    const id = 1001 + n;
    rows.push({
      id,
      project_id: workspaceId,
      name: `ds_${String(i).padStart(6, '0')}`,
      env_type: env,
      type,
      mode: 'UrlMode',
      properties: JSON.stringify(maskSecrets(type, 'UrlMode', value)),
      secrets_sealed: sealSecrets(services.envelope, id, secrets),
      description: '',
      qualified_name: qualifiedName({
        tenantId,
        regionId: 'cn-hangzhou',
        type,
        mode: 'UrlMode',
        props: value,
      }),
      create_time: at + n,
      create_user: tenantId,
      modify_time: at + n,
      modify_user: tenantId,
    });
    if (rows.length === 500) await flush();
  }
  await flush();
  if (services.db.dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence('data_sources', 'id'), ${1001 + bulk}, false)`.execute(
      k,
    );
  } else {
    await sql`update sqlite_sequence set seq = ${1000 + bulk} where name = 'data_sources'`.execute(
      k,
    );
  }
  await k.transaction().execute((trx) => rebuildIndex(trx, workspaceId));
  // The Dev/Prod drift of the names with both records, as after migration 0011.
  while ((await services.dataSources.backfillDrift(500)) > 0) {}
  // Tags on the bulk records: every one has `all`, one of ten `mod10=…`, one of seven `mod7=…`.
  let tags: { data_source_id: number; project_id: number; tag: string }[] = [];
  for (let n = 0; n < bulk; n++) {
    const id = 1001 + n;
    for (const tag of ['all', `mod10=${n % 10}`, `mod7=${n % 7}`]) {
      tags.push({ data_source_id: id, project_id: workspaceId, tag });
    }
    if (tags.length >= 900 || n === bulk - 1) {
      await k.insertInto('data_source_tags').values(tags).execute();
      tags = [];
    }
  }

  const svc = services.dataSources;
  for (let n = 0; n < BY_SERVICE; n++) {
    await svc.create(
      // A bench fixture stands in for an allowed decision (only src/access makes real grants).
      { userId: tenantId, tenantId, workspaceId } as unknown as WorkspaceGrant,
      {
        name: `x${randomBytes(6).toString('hex')}`,
        type: 'mysql',
        mode: 'UrlMode',
        properties: props(bulk + n, 'Prod'),
      },
      noAudit,
    );
  }
  // What autovacuum does soon after a bulk load: planner statistics and the visibility map.
  if (services.db.dialect === 'postgres') await sql`vacuum analyze`.execute(k);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function time(label: string, fn: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 20; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return `  ${label.padEnd(58)} p50 ${percentile(ms, 0.5).toFixed(2).padStart(7)} ms   p99 ${percentile(ms, 0.99).toFixed(2).padStart(7)} ms`;
}

async function bench(dialect: DialectName): Promise<void> {
  const skip = await skipDialect(dialect);
  if (skip) {
    process.stdout.write(`${dialect}: skipped (${skip})\n`);
    return;
  }
  const database = await createTestDatabase(dialect);
  const services = await createServices(
    loadConfig({
      DSHUB_DATA_DIR: database.dataDir,
      DSHUB_MASTER_KEY: randomBytes(32).toString('base64'),
      DSHUB_LOG_LEVEL: 'silent',
      ...(database.url ? { DSHUB_DATABASE_URL: database.url } : {}),
      // The page cache's size is what this benchmark compares across settings (round 13).
      ...(process.env.DSHUB_SQLITE_CACHE_MB
        ? { DSHUB_SQLITE_CACHE_MB: process.env.DSHUB_SQLITE_CACHE_MB }
        : {}),
    }),
    { logger: createLogger('silent'), defaultMetrics: false },
  );
  try {
    const { tenant } = await services.identity.createTenant('bench');
    const project = await services.db.kysely
      .insertInto('projects')
      .values({
        tenant_id: tenant.id,
        name: 'bench_ws',
        display_name: 'bench',
        description: '',
        owner: tenant.id,
        status: 'Available',
        dev_environment_enabled: 1,
        dev_role_disabled: 0,
        pai_task_enabled: 0,
        aliyun_resource_group_id: '',
        aliyun_resource_tags: '[]',
        created_at: Date.now(),
        modified_at: Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const workspaceId = Number(project.id);
    const started = Date.now();
    await seed(services, workspaceId, tenant.id);
    const svc = services.dataSources;
    // The store's paging itself: `list` would serve repeated pages kept.
    const list = (q: Partial<Parameters<typeof svc.readPage>[0]>) => () =>
      svc.readPage({
        workspaceId,
        sortBy: 'CreateTime',
        order: 'Desc',
        pageNumber: 1,
        pageSize: 10,
        ...q,
      });
    const check = await list({ pageNumber: 9000 })();
    process.stdout.write(
      `${dialect}: ${TOTAL} data sources in ${check.total} name groups, seeded in ${((Date.now() - started) / 1000).toFixed(1)} s, ${RUNS} runs per case\n`,
    );
    const k = services.db.kysely;
    const lines = [
      await time('page 1 (CreateTime Desc, 10)', list({})),
      await time('page 9000 (CreateTime Desc, 10)', list({ pageNumber: 9000 })),
      await time('page 9000 (Id Asc, 10)', list({ sortBy: 'Id', order: 'Asc', pageNumber: 9000 })),
      await time(
        'page 9000 (Name Asc, 10)',
        list({ sortBy: 'Name', order: 'Asc', pageNumber: 9000 }),
      ),
      await time(
        'page 950 (Name Desc, 100)',
        list({ sortBy: 'Name', pageSize: 100, pageNumber: 950 }),
      ),
      await time('page 4000 Types=postgresql', list({ types: ['postgresql'], pageNumber: 4000 })),
      await time('page 400 EnvType=Dev', list({ envType: 'Dev', pageNumber: 400 })),
      await time('Name="ds_01234" page 1 (trigram index)', list({ nameContains: 'ds_01234' })),
      await time(
        'Name="ds_" page 9000 (matches all: scan)',
        list({ nameContains: 'ds_', pageNumber: 9000 }),
      ),
      await time(
        'Tags=["mod10=3"] page 900 (9,800 records match)',
        list({ tags: ['mod10=3'], pageNumber: 900 }),
      ),
      await time(
        'Tags=["mod10=3","mod7=2"] page 100 (1,400 match)',
        list({ tags: ['mod10=3', 'mod7=2'], pageNumber: 100 }),
      ),
      await time(
        'Tags=["all"] page 9000 (every bulk record matches)',
        list({ tags: ['all'], pageNumber: 9000 }),
      ),
      await time('Drift=Any page 1 (5,000 names drift)', list({ drift: 'Any' })),
      await time(
        'Drift=Any page 450 (CreateTime Desc, 10)',
        list({ drift: 'Any', pageNumber: 450 }),
      ),
      await time(
        'Drift=Suspicious page 240 (Name Asc, 10; 2,500)',
        list({ drift: 'Suspicious', sortBy: 'Name', order: 'Asc', pageNumber: 240 }),
      ),
      await time(
        'Drift=Any + Types=postgresql page 200',
        list({ drift: 'Any', types: ['postgresql'], pageNumber: 200 }),
      ),
      await time('naive: count(*) + LIMIT 10 OFFSET 89990 on records', async () => {
        await k
          .selectFrom('data_sources')
          .select(sql<number>`count(*)`.as('n'))
          .where('project_id', '=', workspaceId)
          .executeTakeFirst();
        await k
          .selectFrom('data_sources')
          .selectAll()
          .where('project_id', '=', workspaceId)
          .orderBy('create_time', 'desc')
          .limit(10)
          .offset(89_990)
          .execute();
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await services.close();
    await database.drop();
  }
}

for (const dialect of DIALECTS) await bench(dialect);
