/**
 * process.nextTick stays on V8's fast path through full collections that find no tick pending
 * (keepTickObjectMaps in src/observability/tick-maps.ts). A child process makes ticks, then runs
 * full collections with no tick pending, three at a time as an idle spell would, makes ticks
 * again and prints V8's feedback for nextTick's tick-object literal. With the tick maps kept, no
 * store of the literal has gone megamorphic; without, on a Node whose tick objects are built by
 * that literal (Node 20), they have: the control shows that the test reproduces what the keeping
 * avoids. A check of V8's own state, not a timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULES = {
  idle: fileURLToPath(new URL('../../../src/observability/idle-memory.ts', import.meta.url)),
  ticks: fileURLToPath(new URL('../../../src/observability/tick-maps.ts', import.meta.url)),
};

const CHILD = `
(async () => {
  const { fullCollection } = await import(${JSON.stringify(MODULES.idle)});
  const { keepTickObjectMaps } = await import(${JSON.stringify(MODULES.ticks)});
  const kept = process.argv[1] === 'kept' && keepTickObjectMaps() !== undefined;
  const gc = fullCollection();
  const noop = () => {};
  const ticks = (n) => new Promise((done) => {
    for (let i = 0; i < n; i++) process.nextTick(noop, i);
    process.nextTick(done);
  });
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 200; k++) await ticks(50);
    await new Promise((r) => setTimeout(r, 5));
    gc(); gc(); gc();
  }
  for (let k = 0; k < 10; k++) await ticks(2);
  console.log('kept: ' + kept);
  eval('%DebugPrint(process.nextTick)');
})();
`;

function literalSlots(mode: 'kept' | 'bare'): { kept: boolean; slots: string[] } {
  const r = spawnSync(
    process.execPath,
    // No bytecode flushing: under load V8's own collections could otherwise flush nextTick's
    // bytecode with its feedback, which then shows no slots or fresh ones.
    ['--import', 'tsx', '--allow-natives-syntax', '--no-flush-bytecode', '-e', CHILD, mode],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return {
    kept: r.stdout.includes('kept: true'),
    slots: r.stdout.match(/DefineKeyedOwnPropertyInLiteral \w+/g) ?? [],
  };
}

const megamorphic = (slot: string) => slot.endsWith('MEGAMORPHIC');

test('with the tick maps kept, collections leave nextTick monomorphic; without, they do not', (t) => {
  const kept = literalSlots('kept');
  assert.deepEqual(kept.slots.filter(megamorphic), [], kept.slots.join(', '));
  // The control, tried again if it shows no megamorphic store (it did not, once, under a full
  // CI run's load, before bytecode flushing was turned off in the child).
  let bare = literalSlots('bare');
  for (let i = 0; i < 3 && !bare.slots.some(megamorphic) && kept.slots.length > 0; i++) {
    bare = literalSlots('bare');
  }
  // Neither shows the literal's stores: this Node builds tick objects otherwise (Node 26).
  if (bare.slots.length + kept.slots.length === 0) return;
  assert.equal(kept.kept, true);
  // Every try of the control ended with no feedback for the literal at all: it neither shows nor
  // contradicts the megamorphic stores, so it says nothing; the kept run's check stands.
  if (bare.slots.length === 0) {
    t.diagnostic('the control had no feedback for the literal in four tries: not conclusive');
    return;
  }
  assert.ok(
    bare.slots.some(megamorphic),
    `a collection with no tick pending sends the literal's stores megamorphic: ${bare.slots.join(', ')}`,
  );
});

test("the kept object has the tick object's map", () => {
  const child = `
    (async () => {
      const { keepTickObjectMaps } = await import(${JSON.stringify(MODULES.ticks)});
      const { executionAsyncResource } = require('node:async_hooks');
      const kept = keepTickObjectMaps();
      // Enough ticks for nextTick to have its feedback, which tells how this Node builds them.
      for (let i = 0; i < 100; i++) await new Promise((done) => process.nextTick(done));
      // Within a tick's callback the tick object is the execution's resource.
      process.nextTick(() => console.log('same map: ' + %HaveSameMap(kept, executionAsyncResource())));
      process.nextTick((x) => console.log('with args: ' + %HaveSameMap(kept, executionAsyncResource())), 1);
      process.nextTick(() => eval('%DebugPrint(process.nextTick)'));
    })();
  `;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--allow-natives-syntax', '-e', child],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  // Node 26 builds its tick objects with a class, not the literal: nothing to match.
  if (!r.stdout.includes('DefineKeyedOwnPropertyInLiteral')) return;
  assert.match(r.stdout, /same map: true/);
  assert.match(r.stdout, /with args: true/);
});
