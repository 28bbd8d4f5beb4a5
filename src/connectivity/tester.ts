/**
 * The connectivity tester behind TestDataSourceConnectivity. A test runs these steps, stopping at
 * the first that fails:
 *
 *   validate_input_parameters → resolve_host → check_network_policy → tcp_connect
 *   → tls_handshake (when the configuration asks for TLS) → authenticate → run_test_query
 *
 * tcp_connect (and tls_handshake for protocols that start TLS at once: HTTP, Redis, Kafka) use a
 * probe connection of their own, closed before the driver logs in over a fresh one to the same
 * checked address. MySQL and PostgreSQL negotiate TLS inside their protocol, so for them the
 * driver performs tls_handshake and it is timed from inside its login.
 */
import net from 'node:net';
import {
  connectFirst,
  NetworkPolicy,
  resolveHost,
  tlsHandshake,
  validateDnsServers,
} from './network.js';
import type { Probe } from './probes/probe.js';
import { type Candidate, Scope } from './scope.js';
import { redactor, StepFailure, type StepOk, StepRunner } from './steps.js';
import {
  type ActiveFamily,
  collectSecrets,
  type Endpoint,
  parseTarget,
  type Target,
} from './target.js';
import {
  ConnectivityBusyError,
  type ConnectivityInput,
  type ConnectivityOptions,
  type ConnectivityResult,
  DEFAULT_CONNECTIVITY_OPTIONS,
  type ProbeFamily,
} from './types.js';

/**
 * Each probe (and its driver: mysql2, pg, ioredis, kafkajs) is loaded on the first test of its
 * family: a server that never tests a Kafka source never loads kafkajs, and start-up loads none.
 */
const PROBES: Record<ActiveFamily, () => Promise<Probe>> = {
  mysql: async () => (await import('./probes/mysql.js')).mysqlProbe,
  postgres: async () => (await import('./probes/postgres.js')).postgresProbe,
  redis: async () => (await import('./probes/redis.js')).redisProbe,
  http: async () => (await import('./probes/http.js')).httpProbe,
  kafka: async () => (await import('./probes/kafka.js')).kafkaProbe,
  tcp: async () => async () => {},
};

const FAMILIES = new Set<ProbeFamily>([
  'mysql',
  'postgres',
  'redis',
  'http',
  'kafka',
  'tcp',
  'none',
]);

/** Protocols whose TLS starts right after the TCP connection, so dshub can check it itself. */
const DIRECT_TLS = new Set<ActiveFamily>(['redis', 'http', 'kafka', 'tcp']);

/** A name with many addresses (or a long bootstrap list) is tried this far, no further. */
const MAX_CANDIDATES = 8;

interface Resolved {
  endpoint: Endpoint;
  addresses: string[];
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`connectivity.${name} must be a positive integer (got ${value})`);
  }
  return value;
}

export class ConnectivityTester {
  private readonly stepTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly dnsServers: string[] | undefined;
  private readonly policy: NetworkPolicy;
  private running = 0;

  /** Throws RangeError naming the option when one is invalid, so a bad setting stops start-up. */
  constructor(options: Partial<ConnectivityOptions> = {}) {
    this.stepTimeoutMs = positiveInt(
      options.stepTimeoutMs ?? DEFAULT_CONNECTIVITY_OPTIONS.stepTimeoutMs,
      'stepTimeoutMs',
    );
    this.totalTimeoutMs = positiveInt(
      options.totalTimeoutMs ?? DEFAULT_CONNECTIVITY_OPTIONS.totalTimeoutMs,
      'totalTimeoutMs',
    );
    this.maxConcurrent = positiveInt(
      options.maxConcurrent ?? DEFAULT_CONNECTIVITY_OPTIONS.maxConcurrent,
      'maxConcurrent',
    );
    this.policy = new NetworkPolicy(options.allowNetworks, options.denyNetworks);
    validateDnsServers(options.dnsServers);
    this.dnsServers = options.dnsServers?.length ? [...options.dnsServers] : undefined;
  }

  /** Tests running now. */
  get active(): number {
    return this.running;
  }

  /**
   * Tests one data source configuration. Always resolves with a result, whatever the target
   * does; rejects only with ConnectivityBusyError when maxConcurrent tests are running (the
   * caller answers Throttling.User), before anything was attempted.
   */
  async test(input: ConnectivityInput): Promise<ConnectivityResult> {
    // Checked and counted before the first await, so a burst of calls cannot overshoot the limit.
    if (this.running >= this.maxConcurrent) throw new ConnectivityBusyError(this.maxConcurrent);
    this.running++;
    try {
      return await this.run(input);
    } finally {
      this.running--;
    }
  }

  private async run(input: ConnectivityInput): Promise<ConnectivityResult> {
    const runner = new StepRunner(
      this.stepTimeoutMs,
      this.totalTimeoutMs,
      redactor(collectSecrets(input.properties)),
    );
    const scope = new Scope();
    let passed = false;
    try {
      const target = await runner.run('validate_input_parameters', 'ConfigError', async () =>
        this.validate(input),
      );
      // Loaded before the network steps, so a first load is not timed as part of one of them.
      const probe = await PROBES[target.family]();
      const resolved = await runner.run('resolve_host', 'Unreachable', (signal) =>
        this.resolve(target, signal),
      );
      const candidates = await runner.run('check_network_policy', 'ConfigError', async () =>
        this.checkPolicy(resolved),
      );
      const connected = await runner.run('tcp_connect', 'Unreachable', async (signal) => {
        const result = await connectFirst(scope, candidates, signal);
        return { value: result, message: result.message };
      });
      const { candidate } = connected;
      const tls = target.tls;
      if (tls && DIRECT_TLS.has(target.family)) {
        await runner.run('tls_handshake', 'ConfigError', async (signal) => {
          const result = await tlsHandshake(scope, connected.socket, candidate, tls, signal);
          result.socket.destroy();
          return { value: undefined, message: result.message };
        });
      }
      // The probe connection has answered what it was for; the driver dials its own.
      connected.socket.destroy();
      await probe({
        target,
        candidate,
        scope,
        runner,
        stepTimeoutMs: this.stepTimeoutMs,
      });
      passed = true;
      return { ConnectState: 'Connectable', ConnectMessage: '', DetailLogs: runner.logs };
    } catch (err) {
      if (err instanceof StepFailure) {
        return { ConnectState: err.state, ConnectMessage: err.message, DetailLogs: runner.logs };
      }
      throw err;
    } finally {
      await scope.close(passed);
    }
  }

  private validate(input: ConnectivityInput): StepOk<Target> {
    const type = String(input.type);
    if (input.mode === 'InstanceMode') {
      const id = input.properties?.instanceId;
      const which = typeof id === 'string' && id !== '' ? ` (${id})` : '';
      throw new StepFailure(
        'Unsupport',
        `${type} in InstanceMode names an Alibaba Cloud instance${which} by id; an Alibaba Cloud instance id cannot be reached from a self-hosted resource group. To test it from dshub, configure it in UrlMode with the instance's host and port`,
      );
    }
    if (!FAMILIES.has(input.probe) || input.probe === 'none') {
      throw new StepFailure(
        'Unsupport',
        `dshub has no connectivity probe for data source type '${type}' (${input.mode}); nothing was tested`,
      );
    }
    const props = input.properties;
    if (typeof props !== 'object' || props === null || Array.isArray(props)) {
      throw new StepFailure('ConfigError', 'ConnectionProperties must be a JSON object');
    }
    const target = parseTarget(type, input.probe, props);
    return { value: target, message: `parameters valid: ${target.summary}` };
  }

  private async resolve(target: Target, signal: AbortSignal): Promise<StepOk<Resolved[]>> {
    const hosts = [...new Set(target.endpoints.map((e) => e.host))];
    const lookups = await Promise.allSettled(
      hosts.map(async (host) =>
        net.isIP(host) !== 0
          ? [host]
          : // The resolver's own timeout sits above the step's, so the step reports it.
            resolveHost(host, this.dnsServers, this.stepTimeoutMs + 1000, signal),
      ),
    );
    const found = new Map<string, string[]>();
    const notes: string[] = [];
    const failures: StepFailure[] = [];
    hosts.forEach((host, i) => {
      const lookup = lookups[i];
      if (lookup?.status === 'fulfilled') {
        found.set(host, lookup.value);
        notes.push(
          net.isIP(host) !== 0
            ? `${host} is an IP address; no DNS lookup needed`
            : `${host} resolved to ${lookup.value.join(', ')}`,
        );
      } else {
        const reason: unknown = lookup?.reason;
        const failure =
          reason instanceof StepFailure
            ? reason
            : new StepFailure('Unreachable', `${host} could not be resolved: ${String(reason)}`);
        failures.push(failure);
        notes.push(failure.message);
      }
    });
    if (found.size === 0) {
      throw new StepFailure('Unreachable', failures.map((f) => f.message).join('; '));
    }
    const via = hosts.some((h) => net.isIP(h) === 0)
      ? this.dnsServers
        ? ` (DNS servers ${this.dnsServers.join(', ')})`
        : ' (system resolver)'
      : '';
    const resolved = target.endpoints.flatMap((endpoint) => {
      const addresses = found.get(endpoint.host);
      return addresses ? [{ endpoint, addresses }] : [];
    });
    return { value: resolved, message: `${notes.join('; ')}${via}` };
  }

  private checkPolicy(resolved: Resolved[]): StepOk<Candidate[]> {
    const allowed: Candidate[] = [];
    const reasons = new Set<string>();
    const refusals = new Set<string>();
    for (const { endpoint, addresses } of resolved) {
      for (const ip of addresses) {
        const verdict = this.policy.check(ip);
        const from = endpoint.host === ip ? '' : `; resolved from ${endpoint.host}`;
        if (verdict.allowed) {
          allowed.push({ host: endpoint.host, ip, port: endpoint.port });
          reasons.add(verdict.reason);
        } else {
          refusals.add(`${verdict.reason}${from}`);
        }
      }
    }
    if (allowed.length === 0) {
      throw new StepFailure(
        'ConfigError',
        `${[...refusals].join('; ')}. dshub does not connect there; ask its administrator if it should`,
      );
    }
    const skipped = refusals.size > 0 ? `; skipped: ${[...refusals].join('; ')}` : '';
    return {
      value: allowed.slice(0, MAX_CANDIDATES),
      message: `${[...reasons].join('; ')}${skipped}`,
    };
  }
}
