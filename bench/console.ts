/**
 * The console's budgets, measured in a real browser (Debian's chromium) against a real dshub:
 *   - the JavaScript of the first page (the data source list, signed in), gzipped: ≤ 300 KB;
 *   - a workspace with 10,000 data source records (5,000 names, Dev and Prod): the list's first
 *     page rendered < 500 ms after the API answered (performance marks set by the console:
 *     answered:ListDataSources → rendered:data-sources, median of several loads);
 *   - no request waterfall longer than 2 calls on any page (a call that starts only after
 *     another finished is one step deeper), counted on a cold load of every page, and for the
 *     connectivity view also for the calls its "Test connectivity" button makes.
 *   DSHUB_BENCH_CPU_SLOWDOWN=4 repeats the render measurement on a CPU slowed down that many
 *   times (Chrome DevTools' CPU throttling), to show the headroom on a slow laptop.
 *   npm run build && npx tsx bench/console.ts
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { WorkspaceGrant } from '../src/access/decisions.js';
import type { AuditRecorder } from '../src/audit/recorder.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { type RunningServer, sdkCall, startServer } from '../test/blackbox/support.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { createTestDatabase } from '../test/helpers/database.js';

const NAMES = 5_000;
const LOADS = Number(process.env.DSHUB_BENCH_RUNS ?? 7);
const SLOWDOWN = Number(process.env.DSHUB_BENCH_CPU_SLOWDOWN ?? 1);
const noAudit: AuditRecorder = { record: async () => {}, note: () => {} };

interface Call {
  action: string;
  start: number;
  end: number;
}

/** Longest chain of calls where each starts only after the previous one finished. */
function waterfall(calls: Call[]): number {
  const depth = new Map<Call, number>();
  for (const c of [...calls].sort((a, b) => a.start - b.start)) {
    const before = calls.filter((q) => q !== c && q.end <= c.start).map((q) => depth.get(q) ?? 1);
    depth.set(c, 1 + Math.max(0, ...before));
  }
  return Math.max(0, ...depth.values());
}

/**
 * DSHUB_BENCH_PROFILE=file.cpuprofile: one load of the list, profiled on the CPU slowed as asked,
 * written for DevTools, with the functions that took the most time printed.
 */
async function profileOneLoad(
  client: import('playwright-core').CDPSession,
  page: import('playwright-core').Page,
  url: string,
): Promise<void> {
  await client.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
  await client.send('Profiler.enable');
  await client.send('Profiler.setSamplingInterval', { interval: 200 });
  await client.send('Profiler.start');
  await page.goto(url);
  await page.waitForFunction(
    () => performance.getEntriesByName('rendered:data-sources').length > 0,
  );
  const { profile } = (await client.send('Profiler.stop')) as unknown as {
    profile: {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
      timeDeltas: number[];
    };
  };
  await client.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  writeFileSync(process.env.DSHUB_BENCH_PROFILE!, JSON.stringify(profile));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byName = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stdout.write(
    `profile (self time, ms):\n${top.map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(7)}  ${k}`).join('\n')}\n`,
  );
}

async function main(): Promise<void> {
  // SQLite has one owner at a time: the workspace is made through the API, the server stopped,
  // the records seeded through the service, then the server started again on the same store.
  const database = await createTestDatabase('sqlite');
  const accessKey = {
    id: `LTAIbench${randomBytes(6).toString('hex')}`,
    secret: randomBytes(15).toString('hex'),
  };
  let server: RunningServer = await startServer({
    database,
    accessKey,
    env: { DSHUB_LOG_LEVEL: 'warn' },
  });
  const { context, close } = await launchBrowser();
  try {
    const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
    const created = await sdkCall(server, 'CreateProject', {
      method: 'POST',
      body: {
        Name: `bench_${randomBytes(3).toString('hex')}`,
        DisplayName: 'bench',
        DevEnvironmentEnabled: true,
      },
    });
    const pid = Number(created.Id);
    await server.stop();

    // Seeding through the service on the server's own store (the API would take minutes).
    const services = await createServices(
      loadConfig({ DSHUB_DATA_DIR: server.dataDir, DSHUB_LOG_LEVEL: 'silent' }),
      { logger: createLogger('silent'), defaultMetrics: false },
    );
    const seeded = Date.now();
    for (let i = 0; i < NAMES; i++) {
      for (const env of ['Dev', 'Prod'] as const) {
        await services.dataSources.create(
          // A bench fixture stands in for an allowed decision (only src/access makes real grants).
          { userId: String(me.UserId), tenantId: '', projectId: pid } as unknown as WorkspaceGrant,
          {
            name: `ds_${String(i).padStart(5, '0')}`,
            type: i % 2 ? 'postgresql' : 'mysql',
            mode: 'UrlMode',
            properties: {
              envType: env,
              address: [{ host: `db-${i % 50}.internal`, port: i % 2 ? 5432 : 3306 }],
              database: `db_${i}`,
              username: 'app',
              password: `secret-${i}`,
            },
          },
          noAudit,
        );
      }
    }
    // One record the connectivity view can test without leaving this machine: the local
    // MariaDB with a login it refuses (the seeded ones name hosts that would need DNS).
    const local = await services.dataSources.create(
      { userId: String(me.UserId), tenantId: '', projectId: pid } as unknown as WorkspaceGrant,
      {
        name: 'local_mariadb',
        type: 'mysql',
        mode: 'UrlMode',
        properties: {
          envType: 'Prod',
          address: [{ host: '127.0.0.1', port: 3306 }],
          database: 'bench',
          username: `nobody_${randomBytes(3).toString('hex')}`,
          password: 'not-a-password',
        },
      },
      noAudit,
    );
    await services.close();
    server = await startServer({ database, accessKey, env: { DSHUB_LOG_LEVEL: 'warn' } });
    const base = `http://${server.endpoint}`;
    process.stdout.write(
      `seeded ${NAMES * 2} records in ${((Date.now() - seeded) / 1000).toFixed(1)} s\n`,
    );

    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel(/^AccessKey ID/).fill(server.accessKeyId);
    await page.locator('input[name=accessKeySecret]').fill(server.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // 1. First page JavaScript: a cold load of the list (cache off), what the server sent.
    const client = await context.newCDPSession(page);
    await client.send('Network.setCacheDisabled', { cacheDisabled: true });
    let jsBytes = 0;
    let cssBytes = 0;
    const onResponse = async (r: import('playwright-core').Response) => {
      const size = Number((await r.allHeaders())['content-length'] ?? 0);
      if (r.url().endsWith('.js')) jsBytes += size;
      if (r.url().endsWith('.css')) cssBytes += size;
    };
    page.on('response', onResponse);
    await page.goto(`${base}/console/w/${pid}/data-sources`);
    await page.getByTestId('data-source-table').waitFor();
    await page.waitForLoadState('networkidle');
    page.off('response', onResponse);
    await client.send('Network.setCacheDisabled', { cacheDisabled: false });

    // 2. Render time of the first page of 10,000 records after the answer (and from the start
    // of the page load), at full speed and, when asked, on a slowed-down CPU.
    const measure = async (slowdown: number) => {
      await client.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
      const after: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        await page.goto(`${base}/console/w/${pid}/data-sources`);
        await page.getByTestId('data-source-table').waitFor();
        await page.waitForFunction(
          () => performance.getEntriesByName('rendered:data-sources').length > 0,
        );
        const [a, t] = await page.evaluate(() => {
          const rendered = performance.getEntriesByName('rendered:data-sources')[0]!.startTime;
          const answered = performance
            .getEntriesByName('answered:ListDataSources')
            .map((e) => e.startTime)
            .filter((x) => x <= rendered);
          return [rendered - Math.max(...answered), rendered] as const;
        });
        after.push(a);
        total.push(t);
      }
      await client.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      after.sort((x, y) => x - y);
      total.sort((x, y) => x - y);
      return { slowdown, after, total };
    };
    const renderRuns = [await measure(1), ...(SLOWDOWN > 1 ? [await measure(SLOWDOWN)] : [])];
    if (process.env.DSHUB_BENCH_PROFILE)
      await profileOneLoad(client, page, `${base}/console/w/${pid}/data-sources`);
    const total = await page.getByTestId('list-total').textContent();

    // 3. Waterfalls, page by page (cold loads: TanStack Query's cache starts empty).
    const ds = await sdkCall(server, 'ListDataSources', {
      method: 'GET',
      query: { ProjectId: pid, PageSize: 1 },
    });
    const first = (ds.PagingInfo as { DataSources: { DataSource: { Id: number }[] }[] })
      .DataSources[0]!.DataSource[0]!.Id;
    const pages: (string | [string, () => Promise<void>])[] = [
      `/w/${pid}/data-sources`,
      `/w/${pid}/data-sources/${first}`,
      `/w/${pid}/data-sources/${local}?tab=connectivity`,
      [
        `/w/${pid}/data-sources/${local}?tab=connectivity → Test`,
        async () => {
          await page.getByTestId('test-connectivity').click();
          await page.getByTestId('connect-state').waitFor({ timeout: 30_000 });
        },
      ],
      `/w/${pid}/data-sources/${first}?tab=sharing`,
      `/w/${pid}/data-sources/${first}?tab=history`,
      `/w/${pid}/data-sources/${first}/edit`,
      `/w/${pid}/data-sources/new`,
      `/w/${pid}/shared`,
      `/w/${pid}/members`,
      `/w/${pid}/settings`,
      '/workspaces',
      '/audit',
      '/me',
      '/explorer/ListDataSources',
    ];
    const chains: [string, number, string][] = [];
    for (const entry of pages) {
      const [path, action] = typeof entry === 'string' ? [entry, undefined] : entry;
      // An action's calls are counted from a page already loaded: the user's click starts them.
      if (action) {
        await page.goto(`${base}/console${path.split(' ')[0]}`);
        await page.waitForLoadState('networkidle');
      }
      const calls: Call[] = [];
      const started = new Map<object, Call>();
      // Synchronous: an async listener could miss a fast call's end.
      const onRequest = (r: import('playwright-core').Request) => {
        if (new URL(r.url()).pathname !== '/' && !r.url().endsWith('/openapi.json')) return;
        const action = r.headers()['x-acs-action'] ?? 'openapi.json';
        started.set(r, { action, start: performance.now(), end: Number.POSITIVE_INFINITY });
      };
      const onDone = (r: import('playwright-core').Request) => {
        const c = started.get(r);
        if (c) {
          c.end = performance.now();
          calls.push(c);
        }
      };
      page.on('request', onRequest);
      page.on('requestfinished', onDone);
      if (action) await action();
      else await page.goto(`${base}/console${path}`);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      page.off('request', onRequest);
      page.off('requestfinished', onDone);
      chains.push([path, waterfall(calls), calls.map((c) => c.action).join(', ')]);
    }
    await page.close();

    const med = (xs: number[]) => xs[Math.floor(xs.length / 2)]!.toFixed(1);
    process.stdout.write(
      [
        '',
        `first page JavaScript (gzipped, as served): ${(jsBytes / 1024).toFixed(1)} KB  (budget 300 KB); CSS ${(cssBytes / 1024).toFixed(1)} KB`,
        `list of ${NAMES * 2} records (${total}), median of ${LOADS} loads (budget 500 ms after the answer):`,
        ...renderRuns.map(
          (r) =>
            `  CPU ${r.slowdown === 1 ? 'full speed' : `slowed ${r.slowdown}×`}: rendered ${med(r.after)} ms after the answer (min ${r.after[0]!.toFixed(1)}, max ${r.after.at(-1)!.toFixed(1)}); ${med(r.total)} ms from the start of the page load`,
        ),
        'longest request waterfall per page (budget 2):',
        ...chains.map(([p, n, a]) => `  ${String(n).padStart(2)}  ${p.padEnd(44)} ${a}`),
        '',
      ].join('\n'),
    );
  } finally {
    await close();
    await server.stop();
    await database.drop();
  }
}

await main();
