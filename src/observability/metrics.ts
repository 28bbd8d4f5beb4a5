import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

/**
 * prom-client's index also loads its push gateway, its cluster aggregator and, for the CPU
 * metric, @opentelemetry/api: about a hundred files, a sixth of a server's start-up. The three
 * classes used on every request are taken from their own files (the package has no exports map
 * and the lockfile pins it; the foundation and metrics-labels tests read /metrics), the default metrics
 * only when a server asks for them.
 */
const requireCjs = createRequire(import.meta.url);
const Registry = requireCjs('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = requireCjs('prom-client/lib/counter') as typeof Prom.Counter;
const Histogram = requireCjs('prom-client/lib/histogram') as typeof Prom.Histogram;
function collectDefaultMetrics(
  config: Prom.DefaultMetricsCollectorConfiguration<Prom.RegistryContentType>,
): void {
  (requireCjs('prom-client/lib/defaultMetrics') as typeof Prom.collectDefaultMetrics)(config);
}

/**
 * Label sets are bounded: the wire layer only passes actions the registry knows (others as one
 * value) and codes come from the closed error catalog, but a new label set past this many is
 * folded into one `other` series rather than grown, whatever a caller manages to send.
 */
export const MAX_LABEL_SETS = 2_000;
export const OTHER_LABEL = 'other';

/** Prometheus metrics: requests by action and outcome code, and a latency histogram. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'dshub_requests_total',
    help: 'API requests by action and outcome code (Success or the error Code).',
    labelNames: ['action', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'dshub_request_duration_seconds',
    help: 'API request latency, from the first byte read to the response written.',
    labelNames: ['action'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  // Failed-signature throttling (src/auth/failure-throttle.ts): the only label is the scope,
  // one of two fixed values; addresses and key ids go to the log, never into a label.
  private readonly lockouts = new Counter({
    name: 'dshub_auth_lockouts_total',
    help: 'Lockouts begun after repeated failed signatures, by scope (address, or key at an address).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  private readonly throttled = new Counter({
    name: 'dshub_auth_throttled_total',
    help: 'Requests refused because their address, or their AccessKey at that address, was locked out.',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaults?: boolean } = {}) {
    for (const scope of ['address', 'key'] as const) {
      this.lockouts.labels({ scope }).inc(0);
      this.throttled.labels({ scope }).inc(0);
    }
    if (opts.defaults !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'dshub_' });
  }

  // Labelled children are looked up once per (action, code): hashing labels on every request
  // is most of what an observation costs.
  // By action, then code: no key string is built per request.
  private readonly counters = new Map<string, Map<string, { inc(): void }>>();
  private counterCount = 0;
  private readonly timers = new Map<string, { observe(v: number): void }>();

  private counterFor(action: string, code: string): { inc(): void } {
    let byCode = this.counters.get(action);
    const hit = byCode?.get(code);
    if (hit) return hit;
    if (this.counterCount >= MAX_LABEL_SETS && !(action === OTHER_LABEL && code === OTHER_LABEL)) {
      // Folded into one series, created once (the one set allowed past the bound).
      return this.counterFor(OTHER_LABEL, OTHER_LABEL);
    }
    const counter = this.requests.labels({ action, code });
    if (!byCode) {
      byCode = new Map();
      this.counters.set(action, byCode);
    }
    byCode.set(code, counter);
    this.counterCount++;
    return counter;
  }

  observe(action: string, code: string, seconds: number): void {
    this.counterFor(action, code).inc();
    let timer = this.timers.get(action);
    if (!timer) {
      const full = this.timers.size >= MAX_LABEL_SETS;
      timer = full
        ? (this.timers.get(OTHER_LABEL) ?? this.latency.labels({ action: OTHER_LABEL }))
        : this.latency.labels({ action });
      this.timers.set(full ? OTHER_LABEL : action, timer);
    }
    timer.observe(seconds);
  }

  lockout(scope: 'address' | 'key'): void {
    this.lockouts.labels({ scope }).inc();
  }

  throttledRequest(scope: 'address' | 'key'): void {
    this.throttled.labels({ scope }).inc();
  }

  /** How many label sets the request counter holds (for tests and the bound above). */
  get labelSets(): number {
    return this.counterCount;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
