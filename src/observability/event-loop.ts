import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * A benchmark-only diagnostic, off unless DSHUB_BENCH_EVENT_LOOP=1 (the benchmark sets it; a
 * production server never does): the event loop's delay is sampled every millisecond, and each
 * SIGUSR2 prints the p50, p99 and max since the previous one on stdout, then starts over. The
 * benchmark signals before and after a timed run, so the line covers that run alone. It is how
 * the p99 tails are told apart: a stall of the loop (GC, a synchronous write, a long task)
 * shows here, a queue in front of a busy but flowing loop does not.
 * Each SIGUSR2 also prints where the memory is (`memoryLine`): the benchmark reports it next to
 * the RSS, so a memory figure says whether it is the V8 heap, buffers or native (SQLite, Node).
 */
export function watchEventLoopForBenchmark(env: NodeJS.ProcessEnv = process.env): void {
  if (env.DSHUB_BENCH_EVENT_LOOP !== '1') return;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  process.on('SIGUSR2', () => {
    process.stdout.write(
      `event-loop delay p50 ${ms(histogram.percentile(50))} ms p99 ${ms(histogram.percentile(99))} ms max ${ms(histogram.max)} ms\n${memoryLine()}\n`,
    );
    histogram.reset();
  });
}

/**
 * `memory rss … heap … external … new-space …` in MB: the V8 heap used of its total, memory
 * held outside the heap for JS objects (Buffers), the young generation's reserved size, and
 * what is left of the RSS: native memory (SQLite's page cache, Node and V8 internals, code).
 */
export function memoryLine(): string {
  const m = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const native = m.rss - m.heapTotal - m.external;
  return `memory rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} new-space ${mb(newSpace?.space_size ?? 0)} native ${mb(native)} MB`;
}
