/**
 * The live state the declarative commands compare against, read through the API (never the
 * store), so plan/apply/export work against any dshub server the caller can reach. Secrets come
 * back masked ("******") and are never compared.
 */
import type { ApiClient } from '../client/api-client.js';
import type { EnvType } from './format.js';

export interface LiveRecord {
  id: number;
  envType: EnvType;
  mode: string;
  description: string;
  properties: Record<string, unknown>;
}

export interface LiveShare {
  id: number;
  recordId: number;
  from: EnvType;
  targetWorkspaceId: number;
  env: EnvType;
  /** '' = the whole target workspace. */
  sharedUser: string;
}

export interface LiveDataSource {
  name: string;
  type: string;
  records: Partial<Record<EnvType, LiveRecord>>;
  shares: LiveShare[];
}

export interface LiveMember {
  userId: string;
  userName: string;
  roles: string[];
}

export interface LiveWorkspace {
  id: number;
  name: string;
  displayName: string;
  description: string;
  devEnvironmentEnabled: boolean;
  ownerId: string;
  members: LiveMember[];
  dataSources: LiveDataSource[];
}

export interface LiveState {
  /** Every workspace the caller can see (names and ids), for share targets. */
  workspaceIds: Map<string, number>;
  workspaceNames: Map<number, string>;
  /** Full detail of the workspaces asked for. */
  workspaces: Map<string, LiveWorkspace>;
  /** User name → id, from every membership the caller can see and the caller itself. */
  userIds: Map<string, string>;
  userNames: Map<string, string>;
  /** Names RAM's GetUser did not resolve, with the reason (resolveUserNames). */
  unresolvedUsers: Map<string, string>;
  /** The caller, who becomes the owner of every workspace it creates. */
  caller: { userId: string; userName: string };
}

type Body = Record<string, unknown>;

async function pages(
  client: ApiClient,
  action: string,
  params: Record<string, string>,
  key: string,
): Promise<Body[]> {
  const out: Body[] = [];
  for (let page = 1; ; page++) {
    const body = await client.call(action, {
      ...params,
      PageNumber: String(page),
      PageSize: '100',
    });
    const info = (body.PagingInfo ?? {}) as Body;
    const items = (info[key] ?? []) as Body[];
    out.push(...items);
    if (items.length < 100 || out.length >= Number(info.TotalCount ?? 0)) return out;
  }
}

export async function readMembers(client: ApiClient, workspaceId: number): Promise<LiveMember[]> {
  const members = await pages(
    client,
    'ListProjectMembers',
    { ProjectId: String(workspaceId) },
    'ProjectMembers',
  );
  return members.map((m) => ({
    userId: String(m.UserId),
    userName: String(m.UserName),
    roles: ((m.Roles ?? []) as Body[]).map((r) => String(r.Code)),
  }));
}

async function readWorkspace(client: ApiClient, id: number): Promise<LiveWorkspace> {
  const workspace = (await client.call('GetProject', { Id: String(id) })).Project as Body;
  const members = await readMembers(client, id);
  const groups = await pages(
    client,
    'ListDataSources',
    { ProjectId: String(id), SortBy: 'Id', Order: 'Asc' },
    'DataSources',
  );
  const dataSources: LiveDataSource[] = [];
  for (const g of groups) {
    const ds: LiveDataSource = {
      name: String(g.Name),
      type: String(g.Type),
      records: {},
      shares: [],
    };
    for (const r of (g.DataSource ?? []) as Body[]) {
      const props = { ...(r.ConnectionProperties as Body) };
      const envType = props.envType === 'Dev' ? 'Dev' : 'Prod';
      delete props.envType;
      const rec: LiveRecord = {
        id: Number(r.Id),
        envType,
        mode: String(r.ConnectionPropertiesMode),
        description: String(r.Description ?? ''),
        properties: props,
      };
      ds.records[envType] = rec;
      const rules = (
        await client.call('ListDataSourceSharedRules', { DataSourceId: String(rec.id) })
      ).DataSourceSharedRules as Body[];
      for (const rule of rules ?? []) {
        ds.shares.push({
          id: Number(rule.Id),
          recordId: rec.id,
          from: envType,
          targetWorkspaceId: Number(rule.TargetProjectId),
          env: rule.EnvType === 'Dev' ? 'Dev' : 'Prod',
          sharedUser: String(rule.SharedUser ?? ''),
        });
      }
    }
    dataSources.push(ds);
  }
  return {
    id,
    name: String(workspace.Name),
    displayName: String(workspace.DisplayName ?? ''),
    description: String(workspace.Description ?? ''),
    devEnvironmentEnabled: workspace.DevEnvironmentEnabled === true,
    ownerId: String(workspace.Owner ?? ''),
    members,
    dataSources,
  };
}

/**
 * Reads the workspaces named in `names` (all visible ones when undefined) in full, and what
 * resolves names: every visible workspace and every user seen as a member of one.
 */
export async function readLiveState(
  client: ApiClient,
  names: readonly string[] | undefined,
  onProgress: (text: string) => void = () => {},
): Promise<LiveState> {
  const listed = await pages(client, 'ListProjects', {}, 'Projects');
  const state: LiveState = {
    workspaceIds: new Map(listed.map((p) => [String(p.Name), Number(p.Id)])),
    workspaceNames: new Map(listed.map((p) => [Number(p.Id), String(p.Name)])),
    workspaces: new Map(),
    userIds: new Map(),
    userNames: new Map(),
    unresolvedUsers: new Map(),
    caller: { userId: '', userName: '' },
  };
  const me = await client.call('GetCallerIdentity', {});
  state.caller = { userId: String(me.UserId), userName: String(me.UserName) };
  const addUser = (id: string, name: string) => {
    if (!state.userIds.has(name)) state.userIds.set(name, id);
    state.userNames.set(id, name);
  };
  addUser(String(me.UserId), String(me.UserName));
  const wanted = names ?? [...state.workspaceIds.keys()];
  let n = 0;
  for (const p of listed) {
    const name = String(p.Name);
    const id = Number(p.Id);
    if (wanted.includes(name)) {
      onProgress(`reading workspace ${name} (${++n}/${wanted.length})`);
      const ws = await readWorkspace(client, id);
      state.workspaces.set(name, ws);
      for (const m of ws.members) addUser(m.userId, m.userName);
    } else {
      for (const m of await readMembers(client, id)) addUser(m.userId, m.userName);
    }
  }
  return state;
}

/**
 * Names the file uses that no visible workspace showed: looked up by name with RAM's GetUser
 * (2015-05-01), so a user in no workspace yet can be added to one. A name RAM does not know
 * stays unknown (the plan says so); a caller RAM refuses (GetUser needs the Tenant Owner or a
 * Tenant Administrator) gets the same, with the reason kept for the message.
 */
export async function resolveUserNames(
  client: ApiClient,
  names: Iterable<string>,
  state: LiveState,
): Promise<void> {
  for (const name of new Set(names)) {
    if (state.userIds.has(name)) continue;
    try {
      const body = await client.call('GetUser', { UserName: name });
      const user = (body.User ?? {}) as Record<string, unknown>;
      const id = String(user.UserId ?? '');
      if (id) {
        state.userIds.set(name, id);
        state.userNames.set(id, name);
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (typeof code !== 'string') throw e;
      state.unresolvedUsers.set(
        name,
        code === 'EntityNotExist.User' ? 'RAM has no such user' : `RAM's GetUser answered ${code}`,
      );
    }
  }
}
