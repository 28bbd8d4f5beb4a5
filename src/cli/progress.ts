/**
 * Progress for long work (apply of many records, --all-pages, connectivity tests): one line on
 * stderr, rewritten in place, only when stderr is a terminal. Piped or redirected runs stay
 * quiet, so logs and scripts see only the result.
 */
export interface Progress {
  update(text: string): void;
  done(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let text = '';
  let frame = 0;
  let shown = false;
  const draw = () => {
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
    shown = true;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(t) {
      text = t;
      draw();
    },
    done() {
      clearInterval(timer);
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

/** Shows `text` with a spinner while `work` runs (a no-op when not on a terminal). */
export async function withProgress<T>(text: string, work: (p: Progress) => Promise<T>): Promise<T> {
  const p = createProgress();
  p.update(text);
  try {
    return await work(p);
  } finally {
    p.done();
  }
}
