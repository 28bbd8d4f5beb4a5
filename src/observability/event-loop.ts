import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A benchmark-only diagnostic, off unless DSHUB_BENCH_EVENT_LOOP=1 (the benchmark sets it; a
 * production server never does): the event loop's delay is sampled every millisecond, and each
 * SIGUSR2 prints the p50, p99 and max since the previous one on stdout, then starts over. The
 * benchmark signals before and after a timed run, so the line covers that run alone. It is how
 * the p99 tails are told apart: a stall of the loop (GC, a synchronous write, a long task)
 * shows here, a queue in front of a busy but flowing loop does not.
 */
export function watchEventLoopForBenchmark(env: NodeJS.ProcessEnv = process.env): void {
  if (env.DSHUB_BENCH_EVENT_LOOP !== '1') return;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  process.on('SIGUSR2', () => {
    process.stdout.write(
      `event-loop delay p50 ${ms(histogram.percentile(50))} ms p99 ${ms(histogram.percentile(99))} ms max ${ms(histogram.max)} ms\n`,
    );
    histogram.reset();
  });
}
