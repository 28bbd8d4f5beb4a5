/**
 * SQLite WAL checkpoints off the request thread. better-sqlite3 runs on the event loop's
 * thread, and SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL
 * pages: that commit copies the pages into the database file and syncs both files while every
 * request waits (the worst loop stalls of a write load, docs/PERFORMANCE.md "Memory and tails").
 * Here a worker thread with its own connection runs a PASSIVE checkpoint every `intervalMs`
 * (PASSIVE never waits for, nor blocks, the server's readers and writer), and again at once
 * while the WAL is longer than SQLite's default threshold (1,000 pages). The server's own
 * connection keeps an automatic checkpoint only as a backstop, at `BACKSTOP_PAGES`, for a WAL
 * the worker cannot keep up with. Durability is unchanged: commits are synced as the configured
 * `synchronous` says, and a checkpoint syncs the WAL before copying it, whichever thread runs it.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** SQLite's own default, restored whenever the worker is not running. */
export const INLINE_CHECKPOINT_PAGES = 1000;
/** The server connection's automatic checkpoint while the worker runs (≈ 40 MB of WAL). */
export const BACKSTOP_PAGES = 10_000;

export interface CheckpointResult {
  /** The checkpoint could not take its lock (another checkpoint was running). */
  busy: boolean;
  /** Pages in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

export interface CheckpointerOptions {
  file: string;
  synchronous: 'NORMAL' | 'FULL';
  intervalMs: number;
  /** The worker failed or stopped unexpectedly: checkpoints are inline again. */
  onProblem?: (err: unknown) => void;
  /** Each checkpoint the worker ran (tests, diagnostics). */
  onCheckpoint?: (r: CheckpointResult) => void;
  /** The driver module the worker loads (tests give a broken one). */
  driver?: string;
}

export interface Checkpointer {
  /** Resolves once the worker has opened its connection (or failed to). */
  readonly ready: Promise<boolean>;
  stop(): Promise<void>;
}

// CommonJS source for an eval'd worker: no file of its own to build or to resolve under tsx.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
let timer;
const tick = () => {
  let r;
  try {
    r = db.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (e) {
    // SQLITE_BUSY: the server's backstop checkpoint holds the lock; try at the next tick.
    r = { busy: 1, log: -1, checkpointed: -1 };
  }
  parentPort.postMessage({ busy: r.busy === 1, log: r.log, checkpointed: r.checkpointed });
  // Behind a sustained write load, go again at once while the WAL is longer than SQLite's own
  // threshold: it starts over only once a checkpoint has reached its end between two commits.
  const behind = r.busy !== 1 && r.log >= workerData.restartPages;
  timer = setTimeout(tick, behind ? 0 : workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
timer = setTimeout(tick, workerData.intervalMs);
`;

const requireCjs = createRequire(import.meta.url);

/**
 * Starts the worker; until it has opened its connection (and again if it fails) the server's
 * connection checkpoints inline as SQLite does by default.
 */
export function startCheckpointer(
  server: SQLite.Database,
  opts: CheckpointerOptions,
): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: opts.driver ?? requireCjs.resolve('better-sqlite3'),
      file: opts.file,
      synchronous: opts.synchronous,
      intervalMs: opts.intervalMs,
      restartPages: INLINE_CHECKPOINT_PAGES,
    },
    // It holds one connection and a timer: a small heap keeps its memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  let resolveReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => (resolveReady = r));
  const inline = () => {
    if (server.open) server.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
  };
  let stopping = false;
  let failed = false;
  const fail = (err: unknown) => {
    inline();
    resolveReady(false);
    if (stopping || failed) return;
    failed = true;
    opts.onProblem?.(err);
  };
  worker.on('message', (m: 'ready' | CheckpointResult) => {
    if (m === 'ready') {
      if (!stopping) server.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      resolveReady(true);
    } else opts.onCheckpoint?.(m);
  });
  worker.on('error', fail);
  const exited = new Promise<void>((r) =>
    worker.once('exit', (code) => {
      fail(new Error(`checkpoint worker exited (code ${code})`));
      r();
    }),
  );
  return {
    ready,
    async stop() {
      if (stopping) return exited;
      stopping = true;
      inline();
      worker.postMessage('stop');
      // A worker stuck in a checkpoint is not waited for long: the server's close checkpoints.
      const force = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}
