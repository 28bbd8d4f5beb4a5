import { availableParallelism } from 'node:os';

/** The node flag `npm start` adds on one CPU (scripts/start.sh). */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * What to tell an operator whose server runs on one CPU with V8's default collector: its
 * background threads (concurrent marking, sweeping, parallel scavenges) then share that CPU with
 * the event loop, and the scheduler hands them whole time slices: 10–40 ms stalls under load,
 * where `--single-threaded-gc` keeps the longest near 12 ms (docs/PERFORMANCE.md, round 18). The
 * flag can only be given on node's command line (V8 aborts when it is set at run time, and
 * NODE_OPTIONS refuses it), so the server can only say so. Undefined when there is nothing to say.
 */
export function oneCpuAdvice(
  cpus: number = availableParallelism(),
  execArgv: readonly string[] = process.execArgv,
): string | undefined {
  if (cpus !== 1 || execArgv.includes(SINGLE_THREADED_GC)) return undefined;
  return `this process may use one CPU only: V8's background collector threads share it with the event loop and stall it under load; start node with ${SINGLE_THREADED_GC} (npm start does)`;
}
