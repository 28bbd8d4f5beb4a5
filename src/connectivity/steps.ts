/**
 * Runs the steps of one test: times each one, bounds it by its own timeout and by what is left
 * of the whole test's budget, and records it as a DetailLog. A step that fails ends the test;
 * its state and message become the result's.
 */
import type { DetailLog, FailureState, StepCode } from './types.js';

/** A step's known outcome when it fails. Work functions throw it; anything else is unexpected. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
  constructor(
    readonly state: FailureState,
    message: string,
  ) {
    super(message);
  }
}

/** What a step tells the person reading the logs when it passes. */
export interface StepOk<T> {
  value: T;
  message: string;
}

export type StepWork<T> = (signal: AbortSignal) => Promise<StepOk<T>>;

/** What each step was waiting for when it timed out, so the message says what to look at. */
const TIMEOUT_HINTS: Record<StepCode, string> = {
  validate_input_parameters: 'validation did not finish',
  resolve_host: 'the DNS server did not answer',
  check_network_policy: 'the network policy check did not finish',
  tcp_connect: 'no answer to the connection attempt (a firewall may be dropping packets)',
  tls_handshake: 'the server did not complete the TLS handshake (is TLS enabled on that port?)',
  authenticate:
    'the server accepted the connection but did not complete the login (is this the right port for this data source type?)',
  run_test_query: 'the server did not answer the test query',
};

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** True for errors of the network itself (refused, reset, unreachable), whoever raised them. */
export function isNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && NETWORK_ERROR_CODES.has(code);
}

/** `message (CODE)`, the form every driver error takes in a DetailLog. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  const text = message.trim() || (err instanceof Error ? err.name : 'unknown error');
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

export class StepRunner {
  readonly logs: DetailLog[] = [];
  private readonly deadline: number;

  constructor(
    private readonly stepTimeoutMs: number,
    private readonly totalTimeoutMs: number,
    /** Applied to every message before it is recorded, so no secret reaches a log. */
    private readonly redact: (text: string) => string,
  ) {
    this.deadline = Date.now() + totalTimeoutMs;
  }

  /** Records a step that needed no work (e.g. refused before anything ran). */
  fail(code: StepCode, state: FailureState, message: string): never {
    const now = Date.now();
    const failure = new StepFailure(state, this.redact(message));
    this.logs.push({ Code: code, Message: failure.message, StartTime: now, EndTime: now });
    throw failure;
  }

  /**
   * Runs one step. Errors that are not a StepFailure are classified by `fallback` (the step's
   * usual failure state), or as Unreachable when they are network errors.
   */
  async run<T>(code: StepCode, fallback: FailureState, work: StepWork<T>): Promise<T> {
    const start = Date.now();
    const left = this.deadline - start;
    const bound = Math.max(0, Math.min(this.stepTimeoutMs, left));
    // With the defaults (step bound = whole budget) every timeout is the budget running out.
    const cutByTotal = left <= this.stepTimeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (bound === 0) throw this.timeoutFailure(code, 0, true);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(this.timeoutFailure(code, bound, cutByTotal));
        }, bound);
      });
      const pending = work(controller.signal);
      // The work may settle after the step gave up on it; its late rejection means nothing.
      pending.catch(() => {});
      const outcome = await Promise.race([pending, timeout]);
      this.logs.push({
        Code: code,
        Message: this.redact(outcome.message),
        StartTime: start,
        EndTime: Date.now(),
      });
      return outcome.value;
    } catch (err) {
      const failure =
        err instanceof StepFailure
          ? err
          : new StepFailure(isNetworkError(err) ? 'Unreachable' : fallback, describeError(err));
      const redacted = new StepFailure(failure.state, this.redact(failure.message));
      this.logs.push({
        Code: code,
        Message: redacted.message,
        StartTime: start,
        EndTime: Date.now(),
      });
      throw redacted;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  private timeoutFailure(code: StepCode, bound: number, cutByTotal: boolean): StepFailure {
    const budget = cutByTotal
      ? ` (the time budget of the whole test, ${this.totalTimeoutMs} ms, ran out)`
      : '';
    return new StepFailure(
      'Unreachable',
      `timed out after ${bound} ms${budget}: ${TIMEOUT_HINTS[code]}`,
    );
  }
}

/** Replaces every secret value in a text with ******. */
export function redactor(secrets: string[]): (text: string) => string {
  const sorted = [...new Set(secrets.filter((s) => s.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  if (sorted.length === 0) return (text) => text;
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A very short secret would also match inside ordinary words; replace it as a whole token only,
  // long ones wherever they appear (a driver may embed one in a longer string).
  const pattern = new RegExp(
    sorted
      .map((s) => (s.length >= 4 ? escapeRegExp(s) : `(?<![\\w])${escapeRegExp(s)}(?![\\w])`))
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, '******');
}
