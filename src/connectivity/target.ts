/**
 * Turns decrypted ConnectionProperties into what a probe needs: where to connect, whether to use
 * TLS, how to log in. Anything missing or malformed is a ConfigError naming the property, so the
 * person editing the data source knows what to fix. Nothing here touches the network.
 */
import net from 'node:net';
import type { TlsSettings } from './scope.js';
import { StepFailure } from './steps.js';
import type { ProbeFamily } from './types.js';

export type ActiveFamily = Exclude<ProbeFamily, 'none'>;

export interface Endpoint {
  host: string;
  port: number;
}

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface Target {
  family: ActiveFamily;
  endpoints: Endpoint[];
  tls: TlsSettings | undefined;
  username: string | undefined;
  /** Secret: only ever handed to a driver. */
  password: string | undefined;
  database: string | undefined;
  redisDb: number | undefined;
  /** Path and query of the HTTP test request. */
  httpPath: string;
  kafkaSasl: KafkaSasl | undefined;
  /** What will be tested, without secrets, for the validate step's message. */
  summary: string;
}

const DEFAULT_PORTS: Partial<Record<ActiveFamily, number>> = {
  mysql: 3306,
  postgres: 5432,
  redis: 6379,
  kafka: 9092,
};

const FAMILY_NAMES: Record<ActiveFamily, string> = {
  mysql: 'MySQL',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  http: 'HTTP',
  kafka: 'Kafka',
  tcp: 'TCP',
};

export function familyName(family: ActiveFamily): string {
  return FAMILY_NAMES[family];
}

function invalid(message: string): StepFailure {
  return new StepFailure('ConfigError', `ConnectionProperties.${message}`);
}

type Props = Record<string, unknown>;

function isObject(value: unknown): value is Props {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(props: Props, key: string): string | undefined {
  const value = props[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && key !== 'password') return String(value);
  throw invalid(`${key} must be a string`);
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false');
}

function parsePort(value: unknown, where: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const port = /^\s*\d{1,5}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(`${where} must be a port number from 1 to 65535 (got ${JSON.stringify(value)})`);
  }
  return port;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

function parseHost(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${where} is required`);
  const text = value.trim();
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (net.isIP(bare) !== 0 || HOST_NAME.test(bare)) return bare;
  throw invalid(`${where} is not a host name or IP address (got ${JSON.stringify(value)})`);
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
function parseHostPort(text: string, where: string, defaultPort: number | undefined): Endpoint {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
  } else if (net.isIP(t) === 6) {
    host = t;
  } else {
    const colon = t.lastIndexOf(':');
    host = colon === -1 ? t : t.slice(0, colon);
    port = colon === -1 ? undefined : t.slice(colon + 1);
  }
  return {
    host: parseHost(host, `${where} host`),
    port:
      port === undefined ? requireDefault(defaultPort, where) : parsePort(port, `${where} port`),
  };
}

function requireDefault(port: number | undefined, where: string): number {
  if (port === undefined) throw invalid(`${where} has no port`);
  return port;
}

/**
 * `address` as DataWorks stores it (an array of {host, port}), or a "h:p,h:p" string, or a JSON
 * string of the array (a client that stringified twice).
 */
function parseAddressList(
  value: unknown,
  key: string,
  defaultPort: number | undefined,
): Endpoint[] {
  let list: unknown = value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('[') && t.includes('{')) {
      try {
        list = JSON.parse(t);
      } catch {
        throw invalid(`${key} is not valid JSON`);
      }
    } else {
      list = t.split(',').filter((s) => s.trim() !== '');
    }
  }
  if (!Array.isArray(list)) throw invalid(`${key} must be a list of {host, port}`);
  return list.map((entry, i) => {
    const where = `${key}[${i}]`;
    if (typeof entry === 'string') return parseHostPort(entry, where, defaultPort);
    if (!isObject(entry)) throw invalid(`${where} must be an object {host, port}`);
    const host = parseHost(entry.host, `${where}.host`);
    const port =
      entry.port === undefined || entry.port === null || entry.port === ''
        ? requireDefault(defaultPort, `${where}`)
        : parsePort(entry.port, `${where}.port`);
    return { host, port };
  });
}

function endpointsOf(props: Props, family: ActiveFamily): Endpoint[] {
  const defaultPort = DEFAULT_PORTS[family];
  if (family === 'kafka' && props.bootstrapServers !== undefined) {
    return parseAddressList(props.bootstrapServers, 'bootstrapServers', defaultPort);
  }
  if (props.address !== undefined && props.address !== null && props.address !== '') {
    return parseAddressList(props.address, 'address', defaultPort);
  }
  if (props.host !== undefined && props.host !== null && props.host !== '') {
    const host = parseHost(props.host, 'host');
    const port =
      props.port === undefined || props.port === null || props.port === ''
        ? requireDefault(defaultPort, 'host')
        : parsePort(props.port, 'port');
    return [{ host, port }];
  }
  return [];
}

function tlsMode(props: Props): { driver: Props; mode: string } {
  const driver = isObject(props.properties) ? props.properties : {};
  const value = driver.sslmode ?? driver.sslMode ?? props.sslMode ?? props.sslmode;
  const mode = typeof value === 'string' ? value.toLowerCase().replace(/_/g, '-') : '';
  return { driver, mode };
}

/**
 * Whether the certificate is to be verified: yes, unless a mode that means "encrypt only" says
 * otherwise (sslmode=require, sslMode=REQUIRED, verifyServerCertificate=false).
 */
function tlsVerify(props: Props): boolean {
  const { driver, mode } = tlsMode(props);
  return !(mode === 'require' || mode === 'required' || isFalse(driver.verifyServerCertificate));
}

/**
 * Whether the configuration asks for TLS. The driver-property spellings are the JDBC ones
 * DataWorks users already write (useSSL, sslmode…); "prefer" modes do not count, since the
 * driver would not insist on TLS either.
 */
function tlsOf(props: Props): TlsSettings | undefined {
  const { driver, mode } = tlsMode(props);
  const protocol = String(props.securityProtocol ?? '').toLowerCase();
  const requested =
    protocol === 'authtypessl' ||
    protocol === 'ssl' ||
    protocol === 'sasl_ssl' ||
    isTrue(props.ssl) ||
    isTrue(props.tls) ||
    isTrue(driver.useSSL) ||
    isTrue(driver.requireSSL) ||
    isTrue(driver.ssl) ||
    ['require', 'required', 'verify-ca', 'verify-full', 'verify-identity'].includes(mode);
  return requested ? { verify: tlsVerify(props) } : undefined;
}

/**
 * The credentials of a Kafka `sasl.jaas.config` line (PlainLoginModule, ScramLoginModule):
 * `username="…"` and `password="…"`, backslash escapes allowed. Other modules give none.
 */
export function jaasCredentials(line: string | undefined): {
  username?: string;
  password?: string;
} {
  if (line === undefined) return {};
  const value = (key: string) => {
    const m = new RegExp(`\\b${key}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(line);
    return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
  };
  const username = value('username');
  const password = value('password');
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * SASL as the published kafka schema writes it: `sasl: {mechanism, username, password,
 * jaasConfig}` (the credentials of a PLAIN/SCRAM JAAS line count when username/password are
 * absent). The flat spellings earlier dshub versions read (`saslMechanism`, `saslUsername`,
 * `saslPassword`, then the top-level `username`/`password`) are still understood.
 */
function kafkaSaslOf(props: Props): KafkaSasl | undefined {
  const protocol = String(props.securityProtocol ?? '').toUpperCase();
  const nested = props.sasl;
  if (
    nested !== undefined &&
    nested !== null &&
    (typeof nested !== 'object' || Array.isArray(nested))
  ) {
    throw invalid('sasl must be an object: {"mechanism": "PLAIN", "username": …, "password": …}');
  }
  const sasl = (nested ?? {}) as Props;
  const mechanismText = optionalString(sasl, 'mechanism') ?? optionalString(props, 'saslMechanism');
  if (!protocol.startsWith('SASL_') && mechanismText === undefined) return undefined;
  const mechanism = (mechanismText ?? 'PLAIN').toLowerCase();
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new StepFailure(
      'Unsupport',
      `SASL mechanism ${mechanismText} cannot be tested by dshub (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 can)`,
    );
  }
  const jaas = jaasCredentials(optionalString(sasl, 'jaasConfig'));
  const username =
    optionalString(sasl, 'username') ??
    jaas.username ??
    optionalString(props, 'saslUsername') ??
    optionalString(props, 'username');
  const password =
    optionalString(sasl, 'password') ??
    jaas.password ??
    optionalString(props, 'saslPassword') ??
    optionalString(props, 'password');
  const label = mechanism.toUpperCase();
  if (username === undefined) throw invalid(`sasl.username is required for SASL ${label}`);
  if (password === undefined) throw invalid(`sasl.password is required for SASL ${label}`);
  return { mechanism, username, password };
}

function formatEndpoint(e: Endpoint): string {
  return net.isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/**
 * Reads the target of a test. Throws StepFailure: ConfigError for missing or malformed
 * properties, Unsupport for what dshub cannot test at all.
 */
export function parseTarget(type: string, family: ActiveFamily, props: Props): Target {
  const target: Target = {
    family,
    endpoints: [],
    tls: tlsOf(props),
    username: optionalString(props, 'username'),
    // An empty password is no password (a Redis AUTH with '' would fail for nothing).
    password:
      typeof props.password === 'string' && props.password !== '' ? props.password : undefined,
    database: undefined,
    redisDb: undefined,
    httpPath: '/',
    kafkaSasl: undefined,
    summary: '',
  };
  if (
    props.password !== undefined &&
    props.password !== null &&
    typeof props.password !== 'string'
  ) {
    throw invalid('password must be a string');
  }

  if (family === 'http') readHttp(target, props);
  else target.endpoints = endpointsOf(props, family);

  if (target.endpoints.length === 0) {
    if (family === 'tcp') {
      throw new StepFailure(
        'Unsupport',
        `data source type '${type}' has no network address (address or host/port) in its ConnectionProperties, so there is nothing dshub can test`,
      );
    }
    throw invalid(
      family === 'kafka'
        ? 'bootstrapServers (or address) is required'
        : family === 'http'
          ? 'endpoint (or address) is required'
          : 'address is required: a list with one {host, port}',
    );
  }

  if (family === 'mysql' || family === 'postgres') {
    if (target.username === undefined) throw invalid('username is required');
    target.database = optionalString(props, 'database');
    if (target.database === undefined) throw invalid('database is required');
  }
  if (family === 'redis') target.redisDb = redisDbOf(props);
  if (family === 'kafka') target.kafkaSasl = kafkaSaslOf(props);
  target.summary = summarize(type, target);
  return target;
}

function readHttp(target: Target, props: Props): void {
  const endpoint = optionalString(props, 'endpoint') ?? optionalString(props, 'url');
  if (endpoint === undefined) {
    // Without a URL, securityProtocol alone decides between http and https (tlsOf).
    target.endpoints = endpointsOf(props, 'http');
    return;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint is not a URL like http://host:9200');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`endpoint must be an http:// or https:// URL (got ${url.protocol}//…)`);
  }
  // The URL's scheme decides, whatever securityProtocol says.
  target.tls = url.protocol === 'https:' ? { verify: tlsVerify(props) } : undefined;
  const host = parseHost(url.hostname, 'endpoint host');
  const port = url.port === '' ? (target.tls ? 443 : 80) : parsePort(url.port, 'endpoint port');
  target.endpoints = [{ host, port }];
  target.httpPath = `${url.pathname || '/'}${url.search}`;
  // Credentials in the URL count when the properties have none of their own.
  if (target.username === undefined && url.username !== '') {
    target.username = decodeURIComponent(url.username);
  }
  if (target.password === undefined && url.password !== '') {
    target.password = decodeURIComponent(url.password);
  }
}

function redisDbOf(props: Props): number | undefined {
  const value = props.database ?? props.db;
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const db = /^\s*\d{1,5}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(db)) {
    throw invalid(`database must be a Redis database number (got ${JSON.stringify(value)})`);
  }
  return db;
}

function summarize(type: string, t: Target): string {
  const parts = [
    `${type} (${familyName(t.family)} probe): ${t.endpoints.map(formatEndpoint).join(', ')}`,
  ];
  if (t.family === 'http') parts.push(`path ${t.httpPath.split('?')[0]}`);
  if (t.database !== undefined) parts.push(`database '${t.database}'`);
  if (t.redisDb !== undefined) parts.push(`database ${t.redisDb}`);
  if (t.kafkaSasl) parts.push(`SASL ${t.kafkaSasl.mechanism} as '${t.kafkaSasl.username}'`);
  else if (t.username !== undefined) parts.push(`user '${t.username}'`);
  parts.push(`password ${t.password ? 'set' : 'not set'}`);
  parts.push(
    t.tls
      ? `TLS on (${t.tls.verify ? 'certificate verified' : 'certificate not verified'})`
      : 'TLS off',
  );
  return parts.join(', ');
}

const SECRET_KEY = /password|secret|token|accesskey|credential|passphrase/i;

/** Every secret value in the properties, to be scrubbed from anything the test reports. */
export function collectSecrets(value: unknown, key = ''): string[] {
  if (typeof value === 'string') {
    const found = SECRET_KEY.test(key) ? [value] : [];
    // A URL may carry a password of its own (http://user:secret@host).
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) {
      try {
        const url = new URL(value);
        if (url.password) found.push(url.password, decodeURIComponent(url.password));
      } catch {
        // Not a URL after all; nothing to collect.
      }
    }
    return found;
  }
  if (Array.isArray(value)) return value.flatMap((v) => collectSecrets(v, key));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => collectSecrets(v, k));
  return [];
}
