import { AsyncResource } from 'node:async_hooks';

/**
 * Keeps the maps of Node 20's tick objects alive for the life of the process, so that
 * `process.nextTick` stays on V8's fast path whatever collections run.
 *
 * On Node 20 every `process.nextTick` builds its tick object with the literal
 * `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`. V8 records those
 * keyed stores with no polymorphic state: once a map they saw is gone, the next tick sends them
 * megamorphic for good, and optimized code then adds three of the four keys by a runtime call
 * (about 3 µs of a signed call, through node:http's nine ticks a request; docs/PERFORMANCE.md,
 * rounds 15 and 17). The feedback holds those maps weakly, so they die in any full collection
 * that finds no tick object alive: the server's own idle collection, or V8's memory reducer
 * in an idle spell, which keeps no unused map at all.
 *
 * An object made here by the same literal, with the same two symbols (an AsyncResource carries
 * both; nothing else public does), starts from the same map and takes the same transitions, so
 * it has the tick object's final map and holds the chain before it. Node 26 builds tick objects
 * with a class, whose instances never change map: the object kept there does nothing.
 */
let kept: object | undefined;

/** The object kept; undefined where an AsyncResource does not carry both symbols. */
export function keepTickObjectMaps(): object | undefined {
  if (kept !== undefined) return kept;
  const resource = new AsyncResource('dshub.tick-maps', { requireManualDestroy: true });
  const symbols = Object.getOwnPropertySymbols(resource);
  const asyncId = symbols.find((s) => s.description === 'async_id_symbol');
  const triggerId = symbols.find((s) => s.description === 'trigger_async_id_symbol');
  if (asyncId === undefined || triggerId === undefined) return undefined;
  // The values are the kinds a tick stores (small integers, a function, undefined), so that the
  // fields keep their representation and no map of the chain is deprecated.
  kept = {
    [asyncId]: resource.asyncId(),
    [triggerId]: resource.triggerAsyncId(),
    callback: keepTickObjectMaps,
    args: undefined,
  };
  return kept;
}
