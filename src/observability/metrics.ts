import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'dshub_' });
  }

  // Labelled children are looked up once per (action, code): hashing labels on every request
  // is most of what an observation costs.
  private readonly counters = new Map<string, { inc(): void }>();
  private readonly timers = new Map<string, { observe(v: number): void }>();

  observe(action: string, code: string, seconds: number): void {
    const key = `${action}\n${code}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = this.requests.labels({ action, code });
      // Unknown actions are caller-chosen: keep the maps bounded.
      if (this.counters.size < 10_000) this.counters.set(key, counter);
    }
    counter.inc();
    let timer = this.timers.get(action);
    if (!timer) {
      timer = this.latency.labels({ action });
      if (this.timers.size < 10_000) this.timers.set(action, timer);
    }
    timer.observe(seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
