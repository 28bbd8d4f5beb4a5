/**
 * `dshub export`: the live state of workspaces as a declarative file. Secrets come back masked
 * from the server and are written as `${VAR}` references (DS_<WORKSPACE>_<NAME>_<ENV>_<FIELD>),
 * so the file can be committed and applied elsewhere with the values in the environment.
 */
import { stringify } from 'yaml';
import type { EnvType, HubFile, MemberSpec, ShareSpec, WorkspaceSpec } from './format.js';
import { MASK } from './plan.js';
import type { LiveRecord, LiveState } from './state.js';

export function secretVariable(ws: string, ds: string, env: EnvType, field: string): string {
  return `DS_${ws}_${ds}_${env}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function props(ws: string, ds: string, rec: LiveRecord): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rec.properties).map(([k, v]) => [
      k,
      v === MASK ? `\${${secretVariable(ws, ds, rec.envType, k)}}` : v,
    ]),
  );
}

export function exportFile(live: LiveState, warn: (msg: string) => void): HubFile {
  const workspaces: WorkspaceSpec[] = [];
  for (const w of live.workspaces.values()) {
    // The owner is a member by creating the workspace; only roles it holds besides are declared.
    const members = w.members
      .map((m) => ({
        user: m.userName,
        roles: (m.userId === w.ownerId
          ? m.roles.filter((r) => r !== 'role_project_owner')
          : m.roles) as MemberSpec['roles'],
      }))
      .filter((m) => m.roles.length > 0);
    const dataSources = w.dataSources.map((d) => {
      const dev = d.records.Dev;
      const prod = d.records.Prod;
      const mode = (prod ?? dev)!.mode;
      const shares: ShareSpec[] = [];
      for (const s of d.shares) {
        const target = live.workspaceNames.get(s.targetWorkspaceId);
        if (!target) {
          warn(
            `${w.name}/${d.name}: a share to workspace ${s.targetWorkspaceId}, which you cannot see, is left out`,
          );
          continue;
        }
        const user = s.sharedUser ? live.userNames.get(s.sharedUser) : undefined;
        if (s.sharedUser && !user) {
          warn(
            `${w.name}/${d.name}: a share to user ${s.sharedUser}, whose name is unknown, is left out`,
          );
          continue;
        }
        shares.push({ from: s.from, workspace: target, env: s.env, ...(user ? { user } : {}) });
      }
      const description = (prod ?? dev)!.description;
      return {
        name: d.name,
        type: d.type,
        mode,
        ...(dev && prod && dev.mode !== prod.mode ? { devMode: dev.mode } : {}),
        ...(description ? { description } : {}),
        ...(dev ? { dev: props(w.name, d.name, dev) } : {}),
        ...(prod ? { prod: props(w.name, d.name, prod) } : {}),
        ...(shares.length ? { shares } : {}),
      };
    });
    workspaces.push({
      name: w.name,
      displayName: w.displayName,
      ...(w.description ? { description: w.description } : {}),
      devEnvironmentEnabled: w.devEnvironmentEnabled,
      ...(members.length ? { members } : {}),
      ...(dataSources.length ? { dataSources } : {}),
    });
  }
  return { version: 1, workspaces };
}

export function renderFile(file: HubFile): string {
  return `# dshub declarative file: dshub plan -f <file>, dshub apply -f <file>
# Schema: docs/dshub-file.schema.json. Secrets are \${VAR} references to environment variables.
${stringify(file, { lineWidth: 0 })}`;
}
