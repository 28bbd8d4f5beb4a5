import pino, { type Logger } from 'pino';

/**
 * The process logger. Request logs are built from an explicit list of fields and never include
 * parameters, headers or bodies, so no redaction pass is needed on the hot path.
 *
 * Lines are buffered up to 4 KiB and flushed at least every second: one write per request was
 * the largest single cost of a request in the benchmarks. `flushLogger` runs at shutdown.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  if (destination || level === 'silent') {
    return pino(
      { level, base: { service: 'dshub' }, timestamp: pino.stdTimeFunctions.isoTime },
      destination,
    );
  }
  const stream = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => stream.flush(), 1000).unref();
  return pino(
    { level, base: { service: 'dshub' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
}

/** Writes out buffered lines; call before the process exits. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Nothing to flush, or the stream is already closed.
  }
}

export type { Logger };
