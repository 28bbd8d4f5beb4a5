import pino, { type Logger } from 'pino';

/**
 * The process logger. Request logs are built from an explicit list of fields and never include
 * parameters, headers or bodies, so no redaction pass is needed on the hot path.
 *
 * Lines are buffered up to 4 KiB and flushed at least every FLUSH_INTERVAL_MS: one write per
 * request was the largest single cost of a request in the benchmarks. `flushLogger` writes out
 * what is buffered at shutdown (docs/OPERATING.md states the bound).
 */
export const FLUSH_INTERVAL_MS = 1000;

/**
 * pino's isoTime builds a Date and its ISO text for every line; at thousands of lines a second
 * most lines share their millisecond with the one before, so the text is kept per millisecond.
 * Same field, same format.
 */
function isoTimeCached(): () => string {
  let lastMs = 0;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dshub' }, timestamp: isoTimeCached() };
  if (destination || level === 'silent') return pino(options, destination);
  const stream = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => stream.flush(), FLUSH_INTERVAL_MS).unref();
  return pino(options, stream);
}

/**
 * Writes out buffered lines and waits until they are written (at most `timeoutMs`); call before
 * the process exits. A plain `flush()` only starts an asynchronous write, which an exit right
 * after it could cut short.
 */
export async function flushLogger(logger: Logger, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        try {
          logger.flush(() => resolve());
        } catch {
          // Nothing to flush, or the stream is already closed.
          resolve();
        }
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** For an exit that cannot wait: writes what is buffered synchronously, best effort. */
export function flushLoggerSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { flushSync?: () => void }
    | undefined;
  try {
    if (typeof stream?.flushSync === 'function') stream.flushSync();
    else logger.flush();
  } catch {
    // A write in progress, or the stream is already closed.
  }
}

export type { Logger };
