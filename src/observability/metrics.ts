import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

/**
 * prom-client's index also loads its push gateway, its cluster aggregator and, for the CPU
 * metric, @opentelemetry/api: about a hundred files, a sixth of a server's start-up. The two
 * classes used here are taken from their own files (the package has no exports map and the
 * lockfile pins it; the foundation and metrics-labels tests read /metrics), the default metrics
 * only when a server asks for them.
 */
const requireCjs = createRequire(import.meta.url);
const Registry = requireCjs('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = requireCjs('prom-client/lib/counter') as typeof Prom.Counter;
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

const LATENCY_BOUNDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** One (action, code) series of the request counter: counted per call, handed over per scrape. */
interface Count {
  labels: { action: string; code: string };
  n: number;
  reported: number;
}

/** One action's latency: the count of each bucket (the last past every bound), sum and count. */
interface Latency {
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * The latency histogram as prom-client's registry reads a Histogram (`getForPromString`, `get`),
 * from observations kept in plain numbers. prom-client's own Histogram validated the labels,
 * hashed them into a key and looked the series up on every observation, and its Counter did the
 * same: together about 2 % of a signed call's CPU. Observing here is an index and three adds.
 */
class LatencyHistogram {
  readonly name = 'dshub_request_duration_seconds';
  readonly help = 'API request latency, from the first byte read to the response written.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  /** By action; past MAX_LABEL_SETS actions, new ones are folded into one `other` series. */
  private readonly series = new Map<string, Latency>();

  observe(action: string, seconds: number): void {
    let latency = this.series.get(action);
    if (!latency) {
      const key = this.series.size >= MAX_LABEL_SETS ? OTHER_LABEL : action;
      latency = this.series.get(key);
      if (!latency) {
        latency = { buckets: new Float64Array(LATENCY_BOUNDS.length + 1), sum: 0, count: 0 };
        this.series.set(key, latency);
      }
    }
    let i = 0;
    while (i < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[i]!) i++;
    latency.buckets[i]!++;
    latency.sum += seconds;
    latency.count++;
  }

  /** The values prom-client's Histogram gives, series by series: the buckets, +Inf, sum, count. */
  getForPromString() {
    const values: object[] = [];
    const bucket = `${this.name}_bucket`;
    // prom-client's values carry an exemplar slot: null on buckets, undefined on sum and count.
    const exemplar = null;
    for (const [action, { buckets, sum, count }] of this.series) {
      const sharedLabels = { action };
      let below = 0;
      LATENCY_BOUNDS.forEach((le, i) => {
        below += buckets[i]!;
        values.push({ labels: { le }, sharedLabels, value: below, metricName: bucket, exemplar });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: count, metricName: bucket, exemplar },
        {
          labels: {},
          sharedLabels,
          value: sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels,
          value: count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      );
    }
    const { name, help, type, aggregator } = this;
    return { name, help, type, aggregator, values };
  }

  /** The same, with each value's labels in one object (prom-client's JSON form). */
  get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map((v) => {
        const { labels, sharedLabels, ...rest } = v as {
          labels: object;
          sharedLabels: object;
        };
        return { ...rest, labels: { ...labels, ...sharedLabels } };
      }),
    };
  }

  reset(): void {
    this.series.clear();
  }
}

function registered<M extends object>(registry: Prom.Registry, metric: M): M {
  registry.registerMetric(metric as unknown as Prom.Metric);
  return metric;
}

/** Prometheus metrics: requests by action and outcome code, and a latency histogram. */
export class Metrics {
  readonly registry = new Registry();

  // By action, then code: no key string is built per request. The counts reach prom-client's
  // Counter when /metrics is read (its `collect`), not per request, in the order their series
  // were first counted (prom-client's own order).
  private readonly counters = new Map<string, Map<string, Count>>();
  private readonly counts: Count[] = [];

  private readonly requests = new Counter({
    name: 'dshub_requests_total',
    help: 'API requests by action and outcome code (Success or the error Code).',
    labelNames: ['action', 'code'] as const,
    registers: [this.registry],
    collect: () => {
      for (const count of this.counts) {
        this.requests.inc(count.labels, count.n - count.reported);
        count.reported = count.n;
      }
    },
  });
  // Registered here, between the two counters: the order /metrics has always had.
  private readonly latency = registered(this.registry, new LatencyHistogram());

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

  private countFor(action: string, code: string): Count {
    let byCode = this.counters.get(action);
    const hit = byCode?.get(code);
    if (hit) return hit;
    if (this.counts.length >= MAX_LABEL_SETS && !(action === OTHER_LABEL && code === OTHER_LABEL)) {
      // Folded into one series, created once (the one set allowed past the bound).
      return this.countFor(OTHER_LABEL, OTHER_LABEL);
    }
    if (!byCode) {
      byCode = new Map();
      this.counters.set(action, byCode);
    }
    const count = { labels: { action, code }, n: 0, reported: 0 };
    byCode.set(code, count);
    this.counts.push(count);
    return count;
  }

  observe(action: string, code: string, seconds: number): void {
    this.countFor(action, code).n++;
    this.latency.observe(action, seconds);
  }

  lockout(scope: 'address' | 'key'): void {
    this.lockouts.labels({ scope }).inc();
  }

  throttledRequest(scope: 'address' | 'key'): void {
    this.throttled.labels({ scope }).inc();
  }

  /** How many label sets the request counter holds (for tests and the bound above). */
  get labelSets(): number {
    return this.counts.length;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
