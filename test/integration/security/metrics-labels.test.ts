/**
 * Regression (issue: unauthenticated requests grew /metrics without bound): unique action
 * names became labels. Only registry actions are labels now, and label sets are capped.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_LABEL_SETS, Metrics } from '../../../src/observability/metrics.js';
import { forEachDialect } from '../../helpers/harness.js';

forEachDialect('metrics labels are bounded', (t) => {
  it('unsigned requests with unique action names add no label', async () => {
    const c = t();
    const before = (await c.app.inject({ method: 'GET', url: '/metrics' })).body.length;
    for (let i = 0; i < 200; i++) {
      const action = `Evil${i}${'x'.repeat(2000)}`;
      const r = await c.app.inject({
        method: 'GET',
        url: `/?Action=${action}&Version=2024-05-18`,
        headers: { 'x-acs-action': action },
      });
      assert.equal(r.statusCode, 400);
    }
    const m = await c.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(m.statusCode, 200);
    assert.ok(!m.body.includes('Evil'), 'no caller-chosen action became a label');
    assert.ok(m.body.includes('action="(unknown)"'));
    assert.ok(m.body.length < before + 4000, `metrics grew by ${m.body.length - before} bytes`);
  });
});

it('Metrics folds label sets past the cap into one series', async () => {
  const m = new Metrics({ defaults: false });
  for (let i = 0; i < MAX_LABEL_SETS + 500; i++) m.observe(`A${i}`, 'Success', 0.001);
  assert.ok(m.labelSets <= MAX_LABEL_SETS + 1);
  const text = (await m.render()).body;
  assert.match(text, /action="other",code="other"\} 500/);
});
