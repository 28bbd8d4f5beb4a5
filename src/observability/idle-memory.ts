import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';

/**
 * Memory handed back once the server is idle.
 *
 * After a burst of requests V8 keeps its heap at the burst's size: the young generation stays at
 * its maximum (32 MB on Node 20) and the old generation keeps the pages it grew into, until the
 * next collection. On an idle server nothing allocates, so that collection never comes: RSS
 * stayed 30 MB above what the server holds for as long as it was watched (docs/PERFORMANCE.md,
 * "Round 7"). So once no request has arrived for a while and the heap has slack worth
 * returning, the server runs one full collection itself.
 *
 * V8 shrinks the young generation in a full collection only when the allocation rate it
 * measured since the collections of the last 5 s is low; a collection less than 5 s after another
 * (V8's own, during the burst or after it) still sees the burst and frees garbage without
 * shrinking. Hence a second collection, RATE_WINDOW_MS after the first, and no more in one idle
 * spell. Each costs 20–60 ms of the core (measured), paid only when no request has come for the
 * whole idle time.
 */
export const MAX_COLLECTIONS_PER_SPELL = 2;
export const RATE_WINDOW_MS = 6_000;

/** Slack below these is not worth a full collection. */
export const YOUNG_SLACK_BYTES = 8 * 1024 * 1024;
export const FREE_SLACK_BYTES = 24 * 1024 * 1024;

export interface HeapSlack {
  /** The young generation's reserved size: V8 keeps it at its peak until it shrinks it. */
  youngBytes: number;
  /** Heap reserved but not in use (old generation space grown into and not given back). */
  freeBytes: number;
}

export function heapSlack(): HeapSlack {
  let youngBytes = 0;
  let total = 0;
  let used = 0;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') youngBytes = s.space_size;
    total += s.space_size;
    used += s.space_used_size;
  }
  return { youngBytes, freeBytes: total - used };
}

export function worthCollecting(slack: HeapSlack): boolean {
  return slack.youngBytes >= YOUNG_SLACK_BYTES || slack.freeBytes >= FREE_SLACK_BYTES;
}

/**
 * V8's full collection (`gc()`), without starting node with --expose-gc: the flag is set only
 * while one new context is made, so that no other context (nor the main one) gets `gc`.
 */
export function fullCollection(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export type IdleTick = 'busy' | 'waiting' | 'lean' | 'collected' | 'done';

/** The decision, one check at a time; the clock, the timer and V8 are given. */
export class IdleMemoryRelease {
  private requests = 0;
  private seen = 0;
  private lastRequestAt: number;
  private lastCollectionAt = Number.NEGATIVE_INFINITY;
  private collections = 0;

  constructor(
    private readonly idleMs: number,
    private readonly collect: () => void,
    now: number,
    private readonly slack: () => HeapSlack = heapSlack,
  ) {
    this.lastRequestAt = now;
  }

  /** One request arrived: called by the HTTP server for every request, so it only counts. */
  onRequest(): void {
    this.requests++;
  }

  /** A check at `now` (ms): requests since the last check date the idle spell's start. */
  tick(now: number): IdleTick {
    if (this.requests !== this.seen) {
      this.seen = this.requests;
      this.lastRequestAt = now;
      this.collections = 0;
      return 'busy';
    }
    if (this.collections >= MAX_COLLECTIONS_PER_SPELL) return 'done';
    if (now - this.lastRequestAt < this.idleMs || now - this.lastCollectionAt < RATE_WINDOW_MS) {
      return 'waiting';
    }
    if (!worthCollecting(this.slack())) return 'lean';
    this.collections++;
    this.collect();
    this.lastCollectionAt = now;
    return 'collected';
  }
}

/**
 * Collects as IdleMemoryRelease decides once no request has arrived for `idleMs` (0: never),
 * looking every second (or every `idleMs` if shorter); each collection is logged at debug level
 * (its length, the RSS before, the heap's reserved size before and after). The timer does not
 * keep the process alive. Returns the counter to call per request and a stop.
 */
export function startIdleMemoryRelease(
  idleMs: number,
  logger: Pick<Logger, 'debug'>,
): { onRequest(): void; stop(): void } {
  if (idleMs <= 0) return { onRequest: () => {}, stop: () => {} };
  const gc = fullCollection();
  const mb = (n: number) => Math.round(n / 104857.6) / 10;
  const release = new IdleMemoryRelease(
    idleMs,
    () => {
      const before = process.memoryUsage();
      const started = performance.now();
      gc();
      const ms = Math.round(performance.now() - started);
      // The RSS falls over the next moments (V8 unmaps freed pages from a background task): the
      // line gives the heap's reserved size, which changes at once.
      logger.debug(
        {
          ms,
          rssMb: mb(before.rss),
          heapMb: mb(before.heapTotal),
          heapAfterMb: mb(process.memoryUsage().heapTotal),
        },
        'idle: heap collected',
      );
    },
    performance.now(),
  );
  const timer = setInterval(() => release.tick(performance.now()), Math.min(1_000, idleMs));
  timer.unref();
  return { onRequest: () => release.onRequest(), stop: () => clearInterval(timer) };
}
