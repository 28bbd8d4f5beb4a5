/**
 * QualifiedName, DataWorks' "unique business key" of a data source (docs/WIRE.md §6):
 *   instance mode  tenant:region:typeAlias:instanceId:database   (hologres → holo)
 *   MaxCompute     tenant:region:odps:project
 *   CDH mode       tenant:region:type:clusterIdentifier:database
 *   other modes    tenant:region:type:host:port:database          (first address, else the
 *                                                                  endpoint / JDBC URL)
 * Empty parts are left out. The name depends only on these fields, normalised (host in lower
 * case, port as a plain integer), so it is stable across updates that keep the address.
 */
import { canonicalHost, isValidHost } from './host.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { typeDefinition } from './registry.js';
import { MODE_CDH, MODE_INSTANCE } from './schema-blocks.js';

export interface QualifiedNameInput {
  tenantId: string;
  /** The server's region; `props.regionId` wins when present. */
  regionId: string;
  type: string;
  mode: string;
  props: JsonObject;
}

function part(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function portPart(value: JsonValue | undefined): string | undefined {
  const text = part(value);
  return text !== undefined && /^[0-9]+$/.test(text) ? String(Number(text)) : undefined;
}

interface Server {
  host: string;
  port?: string | undefined;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

function fromUrl(text: string): Server | undefined {
  try {
    const url = new URL(text);
    if (url.hostname === '') return undefined;
    return { host: canonicalHost(url.hostname), port: url.port || DEFAULT_PORTS[url.protocol] };
  } catch {
    return undefined;
  }
}

/** host:port out of a JDBC URL: jdbc:x://h:p/..., jdbc:oracle:thin:@h:p:SID, ...@//h:p/svc. */
function fromJdbcUrl(text: string): Server | undefined {
  const match = /^jdbc:[^@/]*(?:@\/\/|@|\/\/)(\[[^\]]+\]|[^/:;?@[\]]+)(?::([0-9]+))?/i.exec(text);
  if (!match?.[1] || !isValidHost(match[1])) return undefined;
  return { host: canonicalHost(match[1]), port: portPart(match[2]) };
}

function fromText(text: string): Server | undefined {
  if (/^jdbc:/i.test(text)) return fromJdbcUrl(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return fromUrl(text);
  const match = /^(.+?)(?::([0-9]{1,5}))?$/.exec(text.trim());
  if (!match?.[1] || !isValidHost(match[1])) return undefined;
  return { host: canonicalHost(match[1]), port: portPart(match[2]) };
}

function serverOf(props: JsonObject): Server | undefined {
  const address = props.address;
  if (Array.isArray(address) && isJsonObject(address[0])) {
    const host = part(address[0].host);
    if (host !== undefined) return { host: canonicalHost(host), port: portPart(address[0].port) };
  }
  for (const key of ['endpoint', 'jdbcUrl', 'url']) {
    const value = props[key];
    const server = typeof value === 'string' ? fromText(value) : undefined;
    if (server) return server;
  }
  const host = part(props.host);
  return host === undefined ? undefined : { host: canonicalHost(host), port: portPart(props.port) };
}

function join(parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join(':');
}

export function qualifiedName(input: QualifiedNameInput): string {
  const { props } = input;
  const region = part(props.regionId) ?? part(input.regionId);
  const typeAlias = typeDefinition(input.type)?.qualifiedNameAlias ?? input.type;
  const head = [part(input.tenantId), region, typeAlias];
  if (input.type === 'maxcompute') return join([...head, part(props.project)]);
  if (input.mode === MODE_INSTANCE) {
    return join([...head, part(props.instanceId), part(props.database)]);
  }
  if (input.mode === MODE_CDH) {
    return join([...head, part(props.clusterIdentifier), part(props.database)]);
  }
  const server = serverOf(props);
  // Object stores have a bucket where databases have a database; both name "what inside".
  const inside = part(props.database) ?? part(props.bucket);
  return join([...head, server?.host, server?.port, inside]);
}
