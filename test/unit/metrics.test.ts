/**
 * The request metrics are counted in plain numbers and handed to prom-client's registry when
 * /metrics is read (src/observability/metrics.ts): their text must be what prom-client's own
 * Counter and Histogram give for the same observations.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type * as Prom from 'prom-client';
import { Metrics } from '../../src/observability/metrics.js';

const requireCjs = createRequire(import.meta.url);
const Registry = requireCjs('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = requireCjs('prom-client/lib/counter') as typeof Prom.Counter;
const Histogram = requireCjs('prom-client/lib/histogram') as typeof Prom.Histogram;

const OBSERVATIONS: [string, string, number][] = [
  ['GetDataSource', 'Success', 0.0007],
  ['GetDataSource', 'Success', 0.003],
  ['ListProjects', 'Success', 0.0001],
  ['GetDataSource', 'Forbidden.Access', 20],
  ['GetDataSource', 'Success', 0.0005],
  ['(unknown)', 'InvalidAction.NotFound', 0],
];

function reference(): Prom.Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: 'dshub_requests_total',
    help: 'API requests by action and outcome code (Success or the error Code).',
    labelNames: ['action', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'dshub_request_duration_seconds',
    help: 'API request latency, from the first byte read to the response written.',
    labelNames: ['action'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  for (const [action, code, seconds] of OBSERVATIONS) {
    requests.inc({ action, code });
    latency.observe({ action }, seconds);
  }
  return registry;
}

/** The request metrics' part of a /metrics text. */
function requestSections(text: string): string {
  return text
    .split('\n\n')
    .map((s) => s.trim())
    .filter((s) => /^# HELP dshub_request(s_total|_duration_seconds) /.test(s))
    .join('\n\n');
}

test("the request metrics read as prom-client's own Counter and Histogram", async () => {
  const m = new Metrics({ defaults: false });
  for (const [action, code, seconds] of OBSERVATIONS) m.observe(action, code, seconds);
  const expected = requestSections(await reference().metrics());
  assert.equal(requestSections((await m.render()).body), expected);
  // Read again, with nothing new: the counts are handed over once.
  assert.equal(requestSections((await m.render()).body), expected);
  const json = await m.registry.getMetricsAsJSON();
  assert.deepEqual(
    json.filter((x) => x.name.startsWith('dshub_request')),
    (await reference().getMetricsAsJSON()).filter((x) => x.name.startsWith('dshub_request')),
  );
});
