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

  observe(action: string, code: string, seconds: number): void {
    this.requests.inc({ action, code });
    this.latency.observe({ action }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
