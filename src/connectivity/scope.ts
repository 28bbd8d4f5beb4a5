/**
 * Everything one test opens is owned by its scope: every socket (drivers get theirs from the
 * scope's dial functions), every driver client (through a cleanup). Closing the scope destroys
 * all of it and waits until the sockets are really closed, so nothing outlives a test however it
 * ended: passed, failed, timed out or cut short in the middle of a driver's handshake.
 */
import net from 'node:net';
import tls from 'node:tls';
import { errorCode } from './steps.js';

/** A resolved, policy-checked address and the host name it came from. */
export interface Candidate {
  /** As configured: a host name or an IP literal. */
  host: string;
  /** The checked address every connection goes to (never re-resolved). */
  ip: string;
  port: number;
}

export interface TlsSettings {
  /** Verify the certificate chain and that it names the host. */
  verify: boolean;
}

/** How long closing may take before sockets are given up on (they are destroyed already). */
const CLOSE_GRACE_MS = 1000;

export type Cleanup = (graceful: boolean) => void | Promise<void>;

export function candidateLabel(c: Candidate): string {
  const address = c.ip.includes(':') ? `[${c.ip}]:${c.port}` : `${c.ip}:${c.port}`;
  return c.host === c.ip ? address : `${address} (${c.host})`;
}

/** Server name for SNI and certificate checks: the configured host, never an IP (RFC 6066 §3). */
export function serverName(c: Candidate): string | undefined {
  return net.isIP(c.host) === 0 ? c.host : undefined;
}

export class Scope {
  private closed = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly cleanups: Cleanup[] = [];
  /** Set when a server closed a connection on us; lets a driver's vague error be classified. */
  peerClosed = false;

  /** Takes ownership of a socket; one created after the scope closed is destroyed at once. */
  track<S extends net.Socket>(socket: S): S {
    this.sockets.add(socket);
    // Besides noting a server hanging up (a FIN, or a reset), this listener keeps an error that
    // comes after a step gave up from being an uncaught exception.
    socket.on('error', (err) => {
      const code = errorCode(err);
      if (!this.closed && (code === 'ECONNRESET' || code === 'EPIPE')) this.peerClosed = true;
    });
    socket.once('end', () => {
      if (!this.closed) this.peerClosed = true;
    });
    socket.once('close', () => this.sockets.delete(socket));
    if (this.closed) socket.destroy();
    return socket;
  }

  /** Registers work that closes a driver client; run in reverse order when the scope closes. */
  defer(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** An unconnected socket, for drivers that insist on calling connect() themselves (pg). */
  newSocket(): net.Socket {
    return this.track(new net.Socket());
  }

  /** A connection to the checked address; TLS (with SNI = configured host) when asked. */
  dial(c: Candidate, tlsSettings?: TlsSettings): net.Socket {
    // After close, hand out a socket that is already destroyed rather than dial anything.
    if (this.closed) return this.track(new net.Socket());
    if (tlsSettings) {
      const servername = serverName(c);
      return this.track(
        tls.connect({
          host: c.ip,
          port: c.port,
          ...(servername ? { servername } : {}),
          rejectUnauthorized: tlsSettings.verify,
        }),
      );
    }
    return this.track(net.connect({ host: c.ip, port: c.port }));
  }

  /**
   * Ends everything the test opened. A passed test lets the drivers say goodbye first; otherwise
   * the sockets die first, with an error, because a driver waiting on a request only notices an
   * error (not a quiet close) and would keep its timers until its own timeout. Then whatever is
   * left is destroyed, and closing waits until every socket has really closed.
   */
  async close(graceful: boolean): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    try {
      const closing = [...this.sockets].map(
        (s) => new Promise<void>((resolve) => s.once('close', () => resolve())),
      );
      if (!graceful) this.destroyAll();
      const runCleanups = (async () => {
        for (const cleanup of this.cleanups.reverse()) {
          try {
            await cleanup(graceful);
          } catch {
            // A client that fails to close is destroyed below anyway.
          }
        }
      })();
      await Promise.race([runCleanups, grace]);
      // Cleanups may have dialled nothing (the scope is closed) but drivers keep sockets of
      // their own making in the set; destroy every one still open.
      for (const s of this.sockets) {
        closing.push(new Promise<void>((resolve) => s.once('close', () => resolve())));
      }
      this.destroyAll();
      await Promise.race([Promise.all(closing), grace]);
    } finally {
      clearTimeout(timer);
    }
  }

  private destroyAll(): void {
    for (const s of this.sockets) {
      if (!s.destroyed)
        s.destroy(Object.assign(new Error('connectivity test finished'), { code: 'ECONNABORTED' }));
    }
  }
}

/** Waits for `promise` at most `ms`, then gives up quietly; leaves no timer behind. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise.then(
        () => {},
        () => {},
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
