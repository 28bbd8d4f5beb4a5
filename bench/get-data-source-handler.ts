/**
 * CPU per call of GetDataSource's own work, without the signed pipeline: the handler (one
 * prepared statement, the access decision, the answer) and the JSON serialisation of its answer,
 * called in a loop on SQLite as the Tenant Owner and as a workspace member (Develop role).
 * Nothing else runs between calls, so caches stay warm: the figures are lower than the same
 * work inside a loaded server, and are meant for before/after comparisons of that work.
 *   npx tsx bench/get-data-source-handler.ts      (DSHUB_BENCH_CALLS, default 100,000 per caller)
 * Prints five figures per caller (µs per call, one per fifth of the calls, sorted): read the
 * lowest, the one least disturbed by other processes.
 */
import { RequestAccessGuard } from '../src/access/access-guard.js';
import type { Principal } from '../src/identity/principal.js';
import type { OperationContext } from '../src/operations/context.js';
import { getDataSource } from '../src/operations/data-sources.js';
import { declaredRoles, needsActiveWorkspace } from '../src/registry/operation.js';
import { createTestContext } from '../test/helpers/harness.js';
import { sampleRecord } from './sample-data-source.js';

const CALLS = Number(process.env.DSHUB_BENCH_CALLS ?? 100_000);
const t = await createTestContext('sqlite');
try {
  const { projectId, dataSourceId } = await sampleRecord(t, {
    project: { DevEnvironmentEnabled: 'true' },
    dataSource: { Tags: '["finance","env=prod"]' },
  });
  const member = await t.newUser();
  const added = await t.call(t.root, 'CreateProjectMember', {
    ProjectId: projectId,
    UserId: member.userId,
    RoleCodes: '["role_project_dev"]',
  });
  if (added.status !== 200) throw new Error('set-up failed');

  const principal = (
    k: { tenantId: string; userId: string; accessKeyId: string },
    isOwner: boolean,
  ): Principal => ({
    tenantId: k.tenantId,
    userId: k.userId,
    userName: 'bench',
    accessKeyId: k.accessKeyId,
    isOwner,
    tenantRoles: new Set(),
    policies: [],
  });
  const guarded = {
    action: getDataSource.action,
    roles: declaredRoles(getDataSource),
    activeWorkspace: needsActiveWorkspace(getDataSource),
  };
  const params = { Id: dataSourceId };
  const audit = { record: async () => {}, note: () => {} };
  const handler = getDataSource.handler as (
    ctx: OperationContext,
    q: typeof params,
  ) => Promise<unknown>;
  // As src/wire/handle.ts does per call: a guard, a context, the handler, the serialisation.
  const call = async (p: Principal) => {
    const access = new RequestAccessGuard(p, guarded, t.services.access);
    const ctx = {
      requestId: 'r',
      principal: p,
      services: t.services,
      access,
      sourceIp: '',
      audit,
      arrivedAt: process.hrtime.bigint(),
    };
    return JSON.stringify(await handler(ctx, params));
  };
  const owner = principal(t.root, true);
  const developer = principal(member, false);
  if ((await call(owner)) !== (await call(developer))) throw new Error('answers differ');

  for (const [label, p] of [
    ['owner', owner],
    ['member', developer],
  ] as const) {
    for (let i = 0; i < CALLS / 5; i++) await call(p); // warm-up
    const figures: number[] = [];
    for (let r = 0; r < 5; r++) {
      const before = process.cpuUsage();
      for (let i = 0; i < CALLS / 5; i++) await call(p);
      const used = process.cpuUsage(before);
      figures.push((used.user + used.system) / (CALLS / 5));
    }
    figures.sort((a, b) => a - b);
    process.stdout.write(
      `GetDataSource handler, ${label.padEnd(6)} ${figures.map((f) => f.toFixed(1)).join(' ')} µs CPU/call (SQLite, in process)\n`,
    );
  }
} finally {
  await t.close();
}
