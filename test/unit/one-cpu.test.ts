import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneCpuAdvice, SINGLE_THREADED_GC } from '../../src/observability/one-cpu.js';

test('one CPU without the flag: the server says how to start node', () => {
  const advice = oneCpuAdvice(1, []);
  assert.ok(advice?.includes(SINGLE_THREADED_GC), advice);
});

test('nothing to say with the flag, or with two CPUs or more', () => {
  assert.equal(oneCpuAdvice(1, [SINGLE_THREADED_GC]), undefined);
  assert.equal(oneCpuAdvice(2, []), undefined);
  assert.equal(oneCpuAdvice(16, ['--trace-gc']), undefined);
});
