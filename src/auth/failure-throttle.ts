/**
 * Throttling of repeated authentication failures (docs/SECURITY.md, "Failed signatures").
 *
 * Two counters, each in a table of bounded size:
 * - per address: every failed signature and every unknown AccessKey id from one client address
 *   (IPv6 grouped by /64, which one host usually owns whole). Stops one address guessing keys.
 * - per AccessKey *at* an address: failed signatures of one existing key from one address. A
 *   lockout here refuses that key only from that address, so someone who knows a victim's
 *   AccessKey id and sends bad signatures with it locks out themselves, not the victim.
 *
 * Counting is a fixed window per entry; reaching the limit locks the entry for the lockout time,
 * during which the request is refused before the key is looked up. The tables live in the
 * process (each replica counts its own), hold at most `tracked` entries each and forget the
 * least recently failed first: a flood of random key ids or addresses cannot grow memory.
 */
import ipaddr from 'ipaddr.js';

export interface FailureThrottleOptions {
  windowMs: number;
  /** 0 disables the per-key lockout. */
  maxPerKey: number;
  /** 0 disables the per-address lockout. */
  maxPerAddress: number;
  lockoutMs: number;
  tracked: number;
  now?: () => number;
  /** Called once when a lockout begins (log it, count it). */
  onLockout?: (lockout: Lockout) => void;
}

export type ThrottleScope = 'address' | 'key';

export interface Lockout {
  scope: ThrottleScope;
  /** The client address (or its /64) as counted. */
  address: string;
  /** Only for scope `key`: an AccessKey that exists (unknown ids are never counted per key). */
  accessKeyId?: string;
  failures: number;
  lockedUntil: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

/** Locked entries passed over when making room, before the oldest is dropped regardless. */
const EVICTION_SCAN = 16;

/** A map of at most `capacity` entries, in least-recently-failed order. */
class FailureTable {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly lockoutMs: number,
  ) {}

  /** When the entry is locked, the time the lock ends; else 0. */
  lockedUntil(id: string, now: number): number {
    const e = this.entries.get(id);
    if (!e || e.lockedUntil <= now) return 0;
    return e.lockedUntil;
  }

  /** Counts one failure; returns the entry when this failure starts a lockout. */
  fail(id: string, now: number): Entry | undefined {
    if (this.limit === 0) return undefined;
    let e = this.entries.get(id);
    if (e) {
      this.entries.delete(id); // re-inserted below: most recently failed last
    } else {
      if (this.entries.size >= this.capacity) this.evict(now);
      e = { windowStart: now, failures: 0, lockedUntil: 0 };
    }
    this.entries.set(id, e);
    if (now - e.windowStart >= this.windowMs || (e.lockedUntil !== 0 && e.lockedUntil <= now)) {
      e.windowStart = now;
      e.failures = 0;
      e.lockedUntil = 0;
    }
    e.failures += 1;
    if (e.failures >= this.limit && e.lockedUntil === 0) {
      e.lockedUntil = now + this.lockoutMs;
      return e;
    }
    return undefined;
  }

  /**
   * Makes room: the least recently failed entry that is not locked out, among the oldest few (a
   * flood of one-off failures should not erase a lockout); past those, the oldest anyway.
   */
  private evict(now: number): void {
    let seen = 0;
    for (const [id, e] of this.entries) {
      if (e.lockedUntil <= now || ++seen > EVICTION_SCAN) {
        this.entries.delete(id);
        return;
      }
    }
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ThrottleVerdict {
  scope: ThrottleScope;
  retryAfterSeconds: number;
}

export class FailureThrottle {
  private readonly byAddress: FailureTable;
  private readonly byKey: FailureTable;

  constructor(private readonly opts: FailureThrottleOptions) {
    this.byAddress = new FailureTable(
      opts.tracked,
      opts.maxPerAddress,
      opts.windowMs,
      opts.lockoutMs,
    );
    this.byKey = new FailureTable(opts.tracked, opts.maxPerKey, opts.windowMs, opts.lockoutMs);
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Whether the address is locked out (checked before anything is read from the request). */
  checkAddress(address: string): ThrottleVerdict | undefined {
    if (this.byAddress.size === 0) return undefined; // nothing has failed: the usual case
    const now = this.now();
    const until = this.byAddress.lockedUntil(addressKey(address), now);
    return until
      ? { scope: 'address', retryAfterSeconds: Math.ceil((until - now) / 1000) }
      : undefined;
  }

  /** Whether this AccessKey is locked out from this address (checked before it is looked up). */
  checkKey(accessKeyId: string, address: string): ThrottleVerdict | undefined {
    if (this.byKey.size === 0) return undefined;
    const now = this.now();
    const until = this.byKey.lockedUntil(keyAtAddress(accessKeyId, address), now);
    return until ? { scope: 'key', retryAfterSeconds: Math.ceil((until - now) / 1000) } : undefined;
  }

  /** A signature that did not verify with an existing key's secret. */
  badSignature(accessKeyId: string, address: string): void {
    const now = this.now();
    const at = addressKey(address);
    const keyLock = this.byKey.fail(keyAtAddress(accessKeyId, address), now);
    if (keyLock) this.report('key', at, keyLock, accessKeyId);
    const addressLock = this.byAddress.fail(at, now);
    if (addressLock) this.report('address', at, addressLock);
  }

  /** An AccessKey id that does not exist: counted per address only (the id is caller-chosen). */
  unknownKey(address: string): void {
    const at = addressKey(address);
    const lock = this.byAddress.fail(at, this.now());
    if (lock) this.report('address', at, lock);
  }

  /**
   * A verified signature: the key's failures from this address are forgotten (only the key's
   * holder can get here). The address's count stays, so a holder of one key cannot reset the
   * count of its guesses at other keys.
   */
  succeeded(accessKeyId: string, address: string): void {
    if (this.byKey.size === 0) return;
    this.byKey.forget(keyAtAddress(accessKeyId, address));
  }

  /** Entries held (for tests of the bound). */
  get tracked(): { address: number; key: number } {
    return { address: this.byAddress.size, key: this.byKey.size };
  }

  private report(scope: ThrottleScope, address: string, e: Entry, accessKeyId?: string): void {
    this.opts.onLockout?.({
      scope,
      address,
      ...(accessKeyId !== undefined ? { accessKeyId } : {}),
      failures: e.failures,
      lockedUntil: e.lockedUntil,
    });
  }
}

/**
 * The counted form of an address: IPv4 (also when written IPv4-mapped) as is, IPv6 by its /64.
 * Anything unparsable is counted as written (bounded by the table anyway).
 */
export function addressKey(address: string): string {
  // The common case, checked without parsing (this runs on every signed request).
  if (DOTTED_QUAD.test(address)) return address;
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}

const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function keyAtAddress(accessKeyId: string, address: string): string {
  return `${accessKeyId}\n${addressKey(address)}`;
}
