import pino, { type Logger } from 'pino';

/**
 * The process logger. Request logs are built from an explicit list of fields and never include
 * parameters, headers or bodies, so no redaction pass is needed on the hot path.
 *
 * Lines are buffered up to 64 KiB and flushed at least every FLUSH_INTERVAL_MS: one write per
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

/**
 * Lines are handed to the writer this much at a time (and flushed at least every second): one
 * write per 64 KiB rather than per 4 KiB cost 1–2 µs less per request at 20,000 a second.
 */
export const WRITE_BYTES = 65536;

/** Batch buffers kept for reuse once sonic-boom has written them (more are made when needed). */
const SPARE_BUFFERS = 2;

/**
 * Lines are encoded into a buffer as they come and handed to sonic-boom (pino's file writer)
 * WRITE_BYTES at a time. Given lines one by one, sonic-boom appends each to its last buffered
 * string and measures that string's UTF-8 length again; while a write is in flight the string
 * grows to 16 KiB, so every line paid a pass over it: about 5.5 µs per line on top of pino's
 * 2.5 µs of formatting (bench/log-lines.ts). Encoded at once, a line's string is garbage before
 * the next scavenge: kept as strings until the batch was full (about 15 ms of traffic, half a
 * scavenge interval under load), the lines were most of what each scavenge had to copy, and
 * some of them were promoted. sonic-boom still does the writing: partial writes, EAGAIN,
 * flushing synchronously at exit.
 */
export class LineBatch {
  private buf: Buffer;
  private used = 0;
  /** Bytes handed to sonic-boom, and bytes it has reported written ('write' events). */
  private handed = 0;
  private written = 0;
  /** Buffers handed over, each with the byte count (of `handed`) at which it is all written. */
  private readonly inFlight: { end: number; buf: Buffer }[] = [];
  private readonly spare: Buffer[] = [];
  /** A flush was asked and not everything handed over is written yet. */
  private flushing = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly out: SonicBoomLike) {
    this.buf = Buffer.allocUnsafeSlow(WRITE_BYTES);
    out.on('write', (n: number) => {
      this.written += n;
      // A buffer is sonic-boom's until every byte of it is written (it may also have copied it
      // into a larger write; then it is free sooner, and waiting costs nothing).
      while (this.inFlight.length > 0 && this.inFlight[0]!.end <= this.written) {
        const done = this.inFlight.shift()!.buf;
        if (done.length === WRITE_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(done);
      }
    });
    // sonic-boom (4.2) ends a write with 'drain' and leaves what was handed over meanwhile
    // buffered when it is under `minLength`, even when a flush was asked during that write: a
    // flush is asked again here until every byte handed over is written. 'ready': a file opened
    // after the flush was asked.
    const onIdle = () => {
      if (this.flushing) this.flushUnwritten();
    };
    out.on('drain', onIdle);
    out.on('ready', onIdle);
  }

  write(line: string): void {
    const room = WRITE_BYTES - this.used;
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a line near the end of the buffer is
    // measured before it is written.
    if (line.length * 3 > room) {
      const bytes = Buffer.byteLength(line);
      if (bytes > room) {
        this.handOver();
        if (bytes > WRITE_BYTES) {
          this.hand(Buffer.from(line), bytes);
          return;
        }
      }
    }
    this.used += this.buf.write(line, this.used);
    if (this.used === WRITE_BYTES) this.handOver();
  }

  private handOver(): void {
    if (this.used === 0) return;
    const full = this.buf;
    const bytes = this.used;
    this.buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(WRITE_BYTES);
    this.used = 0;
    this.hand(full, bytes);
  }

  private hand(buf: Buffer, bytes: number): void {
    this.handed += bytes;
    this.inFlight.push({ end: this.handed, buf });
    this.out.write(bytes === buf.length ? buf : buf.subarray(0, bytes));
  }

  /** Hands over what is collected; `cb` once sonic-boom has written all of it. */
  flush(cb?: () => void): void {
    this.handOver();
    if (cb) this.waiting.push(cb);
    this.flushing = true;
    this.flushUnwritten();
  }

  private flushUnwritten(): void {
    if (this.written < this.handed) {
      this.out.flush();
      return;
    }
    this.flushing = false;
    for (const cb of this.waiting.splice(0)) cb();
  }

  flushSync(): void {
    this.handOver();
    this.out.flushSync();
  }
}

/** The part of sonic-boom used here, in its 'buffer' content mode (its types declare strings). */
interface SonicBoomLike {
  write(data: Buffer): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
  on(event: 'write', listener: (n: number) => void): unknown;
  on(event: 'drain' | 'ready', listener: () => void): unknown;
}

const openBatches = new Set<LineBatch>();

/** The server's log stream: stdout, or `dest`; buffered as described above. */
export function logDestination(dest?: string | number): LineBatch {
  // sonic-boom writes at most maxWrite at once and wants minLength below it.
  const batch = new LineBatch(
    pino.destination({
      dest,
      sync: false,
      minLength: WRITE_BYTES - 1,
      maxWrite: 2 * WRITE_BYTES,
      contentMode: 'buffer',
    }) as unknown as SonicBoomLike,
  );
  // pino writes out its own destination at exit; the lines still collected here go first.
  if (openBatches.size === 0) process.once('exit', flushAllAtExit);
  openBatches.add(batch);
  return batch;
}

function flushAllAtExit(): void {
  for (const batch of openBatches) {
    try {
      batch.flushSync();
    } catch {
      // A write in progress, or the stream is already closed.
    }
  }
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dshub' }, timestamp: isoTimeCached() };
  if (destination || level === 'silent') return pino(options, destination);
  const stream = logDestination();
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
