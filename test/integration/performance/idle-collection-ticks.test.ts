/**
 * The idle collection leaves process.nextTick on its fast path (collectWithTickPending in
 * src/observability/idle-memory.ts). A child process makes ticks, then runs full collections
 * with no tick of its own pending, three at a time as an idle spell would, makes ticks again and
 * prints V8's feedback for nextTick's tick-object literal. Through the idle collection's way
 * (a tick pending), no store of the literal has gone megamorphic; through a bare `gc()`, on a
 * Node whose tick objects are built by that literal (Node 20), they have: the control shows
 * that the test reproduces what the collection avoids. A check of V8's own state, not a timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../../src/observability/idle-memory.ts', import.meta.url));

const CHILD = `
(async () => {
  const { fullCollection, collectWithTickPending } = await import(${JSON.stringify(MODULE)});
  const gc = fullCollection();
  const collect = process.argv[1] === 'pending' ? () => collectWithTickPending(gc) : gc;
  const noop = () => {};
  const ticks = (n) => new Promise((done) => {
    for (let i = 0; i < n; i++) process.nextTick(noop, i);
    process.nextTick(done);
  });
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 200; k++) await ticks(50);
    await new Promise((r) => setTimeout(r, 5));
    collect(); collect(); collect();
  }
  for (let k = 0; k < 10; k++) await ticks(2);
  eval('%DebugPrint(process.nextTick)');
})();
`;

function literalSlots(mode: 'pending' | 'bare'): string[] {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--allow-natives-syntax', '-e', CHILD, mode],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.match(/DefineKeyedOwnPropertyInLiteral \w+/g) ?? [];
}

const megamorphic = (slot: string) => slot.endsWith('MEGAMORPHIC');

test('the idle collection leaves nextTick monomorphic; a bare gc() does not', () => {
  const pending = literalSlots('pending');
  assert.deepEqual(pending.filter(megamorphic), [], pending.join(', '));
  // The control. On a busy machine V8's own collections can age nextTick's bytecode until it is
  // flushed with its feedback, which then shows no slots or fresh ones: such a run is tried
  // again.
  let bare = literalSlots('bare');
  for (let i = 0; i < 3 && !bare.some(megamorphic) && bare.length + pending.length > 0; i++) {
    bare = literalSlots('bare');
  }
  // Neither shows the literal's stores: this Node builds tick objects otherwise (Node 26).
  if (bare.length + pending.length === 0) return;
  assert.ok(
    bare.some(megamorphic),
    `a bare gc() sends the literal's stores megamorphic: ${bare.join(', ')}`,
  );
});
