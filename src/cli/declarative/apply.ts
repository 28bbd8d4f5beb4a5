/**
 * Plan and apply of a declarative file through the API (what `dshub plan`, `dshub apply` and
 * `serve --ephemeral --seed` run), and the three commands' actions, loaded when one runs.
 */
import { writeFileSync } from 'node:fs';
import { UsageError } from '../call-params.js';
import type { ApiClient } from '../client/api-client.js';
import { type ClientFlags, clientFrom } from '../client/connect.js';
import { createProgress } from '../progress.js';
import { exportFile, renderFile } from './export.js';
import { type HubFile, readHubFile } from './format.js';
import { makePlan, type Plan, renderPlan } from './plan.js';
import { type LiveState, readLiveState, resolveUserNames } from './state.js';

export interface ApplyOptions {
  prune?: boolean;
  updateSecrets?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Users known beyond what the API shows (a seed's freshly created users). */
  extraUsers?: ReadonlyMap<string, string>;
}

export async function planFile(
  client: ApiClient,
  file: HubFile,
  opts: ApplyOptions,
): Promise<{ plan: Plan; live: LiveState }> {
  const progress = createProgress();
  try {
    const live = await readLiveState(
      client,
      file.workspaces.map((w) => w.name),
      (t) => progress.update(t),
    );
    for (const [name, id] of opts.extraUsers ?? []) {
      live.userIds.set(name, id);
      live.userNames.set(id, name);
    }
    await resolveUserNames(client, namedUsers(file), live);
    const plan = makePlan(file, live, {
      prune: opts.prune ?? false,
      updateSecrets: opts.updateSecrets ?? false,
      env: opts.env ?? process.env,
    });
    return { plan, live };
  } finally {
    progress.done();
  }
}

/** Every user name the file's members and sharing rules use. */
function namedUsers(file: HubFile): string[] {
  const names: string[] = [];
  for (const w of file.workspaces) {
    for (const m of w.members ?? []) names.push(m.user);
    for (const d of w.dataSources ?? []) {
      for (const s of d.shares ?? []) if (s.user) names.push(s.user);
    }
  }
  return names;
}

/** Runs a plan's changes in order; stops at the first failure, saying what was done. */
export async function applyFile(
  client: ApiClient,
  file: HubFile,
  opts: ApplyOptions,
  log: (line: string) => void,
): Promise<Plan> {
  const { plan, live } = await planFile(client, file, opts);
  const ctx = {
    client,
    env: opts.env ?? process.env,
    workspaceIds: new Map(live.workspaceIds),
    recordIds: new Map<string, number>(),
    userIds: new Map(live.userIds),
  };
  // Every secret variable is checked before the first call, so a missing one changes nothing.
  for (const c of plan.changes) c.check?.(ctx.env);
  const progress = createProgress();
  let done = 0;
  try {
    for (const c of plan.changes) {
      progress.update(`${done + 1}/${plan.changes.length}: ${c.action} ${c.resource}`);
      try {
        await c.run(ctx);
      } catch (e) {
        progress.done();
        log(
          `failed: ${c.action} ${c.resource} (${done} of ${plan.changes.length} change(s) done before it)`,
        );
        throw e;
      }
      done++;
      log(
        `${c.action === 'create' ? 'created' : c.action === 'update' ? 'changed' : 'deleted'} ${c.resource}`,
      );
    }
  } finally {
    progress.done();
  }
  return plan;
}

function summary(plan: Plan): string {
  const count = (a: string) => plan.changes.filter((c) => c.action === a).length;
  if (plan.changes.length === 0) {
    return `No changes: the server already matches the file.${plan.skippedDeletes.length ? ` ${plan.skippedDeletes.length} deletion(s) need --prune.` : ''}`;
  }
  return `Applied: ${count('create')} created, ${count('update')} changed, ${count('delete')} deleted.${plan.skippedDeletes.length ? ` ${plan.skippedDeletes.length} deletion(s) skipped without --prune.` : ''}`;
}

export interface ExportFlags extends ClientFlags {
  workspace?: string[];
  out?: string;
}

export interface PlanFlags extends ClientFlags {
  file: string;
  prune?: boolean;
  updateSecrets?: boolean;
}

/** `dshub export`. */
export async function runExport(o: ExportFlags): Promise<void> {
  const client = clientFrom(o);
  const progress = createProgress();
  let live: LiveState;
  try {
    live = await readLiveState(client, o.workspace, (t) => progress.update(t));
  } finally {
    progress.done();
  }
  for (const name of o.workspace ?? []) {
    if (!live.workspaces.has(name))
      throw new UsageError(`no workspace named ${name} (or you cannot see it)`);
  }
  const text = renderFile(exportFile(live, (m) => process.stderr.write(`dshub: warning: ${m}\n`)));
  if (o.out) {
    writeFileSync(o.out, text);
    process.stderr.write(`wrote ${o.out}\n`);
  } else process.stdout.write(text);
}

/** `dshub plan -f`. */
export async function runPlan(o: PlanFlags): Promise<void> {
  const file = readHubFile(o.file);
  const { plan } = await planFile(clientFrom(o), file, o);
  process.stdout.write(`${renderPlan(plan)}\n`);
}

/** `dshub apply -f`. */
export async function runApply(o: PlanFlags): Promise<void> {
  const file = readHubFile(o.file);
  if (file.users?.length) {
    process.stderr.write(
      'dshub: warning: users: are created only by dshub serve --ephemeral --seed (elsewhere: dshub call CreateUser); ignored here\n',
    );
  }
  const plan = await applyFile(clientFrom(o), file, o, (l) => process.stdout.write(`${l}\n`));
  process.stdout.write(`${summary(plan)}\n`);
}
