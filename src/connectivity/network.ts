/**
 * The network half of a test, shared by every protocol: name resolution, the allow/deny policy
 * on resolved addresses, the TCP connection and a TLS handshake. Drivers only ever receive
 * addresses that passed the policy here, so a DNS answer that changes between the check and the
 * connection (rebinding) cannot steer a test somewhere it may not go.
 */
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import ipaddr, { type IPv4, type IPv6 } from 'ipaddr.js';
import {
  type Candidate,
  candidateLabel,
  type Scope,
  serverName,
  type TlsSettings,
} from './scope.js';
import { describeError, errorCode, isNetworkError, StepFailure } from './steps.js';

// ---------------------------------------------------------------------------------------------
// Network policy

interface NetworkRule {
  cidr: string;
  range: [IPv4 | IPv6, number];
}

// Refusals name the environment variable an operator would change.
const ALLOW_SETTING = 'DSHUB_CONNECTIVITY_ALLOW_NETWORKS';
const DENY_SETTING = 'DSHUB_CONNECTIVITY_DENY_NETWORKS';

function ipv4From(parts: number[]): IPv4 {
  const hi = parts[6] ?? 0;
  const lo = parts[7] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * The IPv4 address an IPv6 spelling stands for, when it stands for one: IPv4-mapped
 * (::ffff:a.b.c.d, however written: ::ffff:7f00:1, 0:0:0:0:0:ffff:7f00:1, ::FFFF:7F00:0001),
 * IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d, except :: and ::1) and the
 * well-known NAT64 prefix (64:ff9b::a.b.c.d, which a NAT64 gateway forwards to a.b.c.d).
 */
export function embeddedIPv4(address: IPv6): IPv4 | undefined {
  const p = address.parts;
  const zero = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && p[5] === 0xffff) return ipv4From(p);
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return ipv4From(p);
  if (zero(0, 6) && !(p[6] === 0 && (p[7] ?? 0) <= 1)) return ipv4From(p);
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(2, 6)) return ipv4From(p);
  return undefined;
}

/**
 * Parses an IP address and rewrites an IPv6 spelling of an IPv4 address as that IPv4 address,
 * so one rule covers every way of writing it. Undefined when the text is not an IP address.
 */
export function normalizeAddress(text: string): IPv4 | IPv6 | undefined {
  if (net.isIP(text) === 0) return undefined;
  let address: IPv4 | IPv6;
  try {
    address = ipaddr.parse(text);
  } catch {
    return undefined;
  }
  if (address.kind() === 'ipv6') return embeddedIPv4(address as IPv6) ?? address;
  return address;
}

function parseRule(text: string, setting: string): NetworkRule {
  const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const raw = match?.[1] ?? '';
  const parsed = net.isIP(raw) === 0 ? undefined : ipaddr.parse(raw);
  const max = parsed?.kind() === 'ipv4' ? 32 : 128;
  const prefix = match?.[2] === undefined ? max : Number(match[2]);
  if (!match || parsed === undefined || prefix > max) {
    throw new RangeError(`${setting}: '${text}' is not a network like 10.0.0.0/8 or fd00::/8`);
  }
  // A rule written as an IPv4-mapped network (::ffff:10.0.0.0/104) is the IPv4 network.
  const v4 = parsed.kind() === 'ipv6' && prefix >= 96 ? embeddedIPv4(parsed as IPv6) : undefined;
  const range: [IPv4 | IPv6, number] = v4 ? [v4, prefix - 96] : [parsed, prefix];
  return { cidr: `${range[0].toString()}/${range[1]}`, range };
}

export class NetworkPolicy {
  private readonly allow: NetworkRule[] | undefined;
  private readonly deny: NetworkRule[];

  /** Throws RangeError naming the setting when a network is malformed. */
  constructor(allow: string[] | undefined, deny: string[] | undefined) {
    this.allow = allow?.map((n) => parseRule(n, 'allowNetworks'));
    this.deny = (deny ?? []).map((n) => parseRule(n, 'denyNetworks'));
  }

  /** Why an address may or may not be connected to, in words an operator can act on. */
  check(address: string): { allowed: boolean; reason: string } {
    const parsed = normalizeAddress(address);
    if (parsed === undefined) {
      return { allowed: false, reason: `${address} is not an IP address` };
    }
    const normal = parsed.toString();
    // Say which address was checked when the caller wrote it another way.
    const ip = normal === address.toLowerCase() ? address : `${address} (${normal})`;
    const inside = (r: NetworkRule) => r.range[0].kind() === parsed.kind() && parsed.match(r.range);
    const denied = this.deny.find(inside);
    if (denied) {
      return {
        allowed: false,
        reason: `${ip} is inside denied network ${denied.cidr} (${DENY_SETTING})`,
      };
    }
    if (this.allow) {
      const allowed = this.allow.find(inside);
      if (!allowed) {
        const list = this.allow.map((r) => r.cidr).join(', ') || 'empty';
        return {
          allowed: false,
          reason: `${ip} is not inside any allowed network (${ALLOW_SETTING}: ${list})`,
        };
      }
      return { allowed: true, reason: `${ip} is inside allowed network ${allowed.cidr}` };
    }
    return {
      allowed: true,
      reason:
        this.deny.length > 0
          ? `${ip} is outside every denied network`
          : `${ip} allowed (no allowed or denied networks configured)`,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Name resolution

/** Checks the servers once, at start-up, so a typo fails there and not in every test. */
export function validateDnsServers(servers: string[] | undefined): void {
  if (servers === undefined) return;
  try {
    new dns.Resolver().setServers(servers);
  } catch (err) {
    throw new RangeError(`connectivity.dnsServers: ${describeError(err)}`);
  }
}

const DNS_ERRORS: Record<string, string> = {
  ENOTFOUND: 'the name does not exist (NXDOMAIN)',
  ENODATA: 'the name has no address (no A or AAAA record)',
  ETIMEOUT: 'the DNS server did not answer',
  ECONNREFUSED: 'the DNS server refused the query',
  ESERVFAIL: 'the DNS server failed to answer (SERVFAIL)',
  EREFUSED: 'the DNS server refused the query (REFUSED)',
  EAI_AGAIN: 'the DNS lookup failed temporarily',
  ECANCELLED: 'the lookup was cancelled',
};

function dnsFailure(host: string, err: unknown): StepFailure {
  const code = errorCode(err);
  const why = (code && DNS_ERRORS[code]) ?? describeError(err);
  return new StepFailure(
    'Unreachable',
    `${host} could not be resolved: ${why}${code ? ` (${code})` : ''}`,
  );
}

/**
 * Addresses of `host`: from the configured DNS servers when there are any (so operators, and
 * tests, decide who answers), from the system resolver otherwise.
 */
export async function resolveHost(
  host: string,
  servers: string[] | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string[]> {
  if (servers === undefined) {
    // getaddrinfo cannot be cancelled; the step's timeout stops waiting for it.
    try {
      const found = await dns.promises.lookup(host, { all: true, verbatim: true });
      return [...new Set(found.map((a) => a.address))];
    } catch (err) {
      throw dnsFailure(host, err);
    }
  }
  const resolver = new dns.promises.Resolver({ timeout: Math.max(1, timeoutMs), tries: 1 });
  resolver.setServers(servers);
  const cancel = () => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (addresses.length > 0) return addresses;
    // NXDOMAIN on either family says more than "no AAAA record" on the other.
    const reasons = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    const worst = reasons.find((r) => errorCode(r) !== 'ENODATA') ?? reasons[0];
    throw dnsFailure(host, worst ?? new Error('no address'));
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

// ---------------------------------------------------------------------------------------------
// TCP and TLS

function tcpFailureText(c: Candidate, err: unknown): string {
  const where = candidateLabel(c);
  switch (errorCode(err)) {
    case 'ECONNREFUSED':
      return `connection to ${where} refused (ECONNREFUSED): nothing is listening on that port, or a firewall rejects the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where} (${errorCode(err)}): the network is not reachable from this server`;
    case 'ECONNRESET':
      return `connection to ${where} was reset (ECONNRESET)`;
    default:
      return `connection to ${where} failed: ${describeError(err)}`;
  }
}

/** Resolves once `socket` emits `event`; rejects on its error, its close or the step's abort. */
function settle(
  socket: net.Socket,
  event: 'connect' | 'secureConnect',
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      socket.off(event, onOk);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onOk = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () =>
      done(Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' }));
    const onAbort = () => {
      socket.destroy();
      done(new Error('aborted'));
    };
    socket.once(event, onOk);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Connects to the candidates in order; the first that answers wins. */
export async function connectFirst(
  scope: Scope,
  candidates: Candidate[],
  signal: AbortSignal,
): Promise<{ candidate: Candidate; socket: net.Socket; message: string }> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    const socket = scope.dial(candidate);
    try {
      await settle(socket, 'connect', signal);
      const before = failures.length > 0 ? ` (after: ${failures.join('; ')})` : '';
      return { candidate, socket, message: `connected to ${candidateLabel(candidate)}${before}` };
    } catch (err) {
      socket.destroy();
      if (signal.aborted) throw err;
      failures.push(tcpFailureText(candidate, err));
    }
  }
  throw new StepFailure('Unreachable', failures.join('; '));
}

function isCertificateError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_/.test(code);
}

/** The state and words for a TLS failure, whether our own handshake or a driver's. */
export function tlsFailure(c: Candidate, err: unknown): StepFailure {
  const code = errorCode(err);
  const where = candidateLabel(c);
  if (isCertificateError(code)) {
    return new StepFailure(
      'ConfigError',
      `the TLS certificate of ${where} was rejected: ${describeError(err)}; use a certificate this server trusts, or turn off certificate verification for this data source`,
    );
  }
  if (isNetworkError(err)) {
    return new StepFailure(
      'Unreachable',
      `TLS handshake with ${where} failed: ${describeError(err)}`,
    );
  }
  return new StepFailure(
    'ConfigError',
    `TLS handshake with ${where} failed: ${describeError(err)}; check that the server has TLS enabled on that port`,
  );
}

export function tlsSuccessText(c: Candidate, socket: tls.TLSSocket, verify: boolean): string {
  const protocol = socket.getProtocol() ?? 'TLS';
  const check = verify
    ? 'certificate verified'
    : 'certificate not verified (verification is turned off for this data source)';
  return `${protocol} established with ${candidateLabel(c)}; ${check}`;
}

/** A TLS handshake over an open connection, with SNI set to the configured host name. */
export async function tlsHandshake(
  scope: Scope,
  socket: net.Socket,
  c: Candidate,
  settings: TlsSettings,
  signal: AbortSignal,
): Promise<{ socket: tls.TLSSocket; message: string }> {
  const servername = serverName(c);
  const secure = scope.track(
    tls.connect({
      socket,
      host: c.host,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: settings.verify,
    }),
  );
  try {
    await settle(secure, 'secureConnect', signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw tlsFailure(c, err);
  }
  return { socket: secure, message: tlsSuccessText(c, secure, settings.verify) };
}
