/**
 * Authenticates a request: reads the signature claim, checks the timestamp window, finds the
 * AccessKey, verifies the signature and claims the nonce — in that order, each failure with
 * its own Alibaba code. Credentials are cached briefly because every request needs one.
 */
import { errors } from '../errors.js';
import type { Credential, IdentityService } from '../identity/identity-service.js';
import type { Principal } from '../identity/principal.js';
import {
  readSignatureClaim,
  type SignableRequest,
  type SignatureClaim,
  verifySignature,
} from '../wire/signature/index.js';
import type { FailureThrottle, ThrottleVerdict } from './failure-throttle.js';
import { MAX_NONCE_LENGTH, type NonceStore } from './nonce-store.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
// Printable ASCII only: nothing a store cannot hold, nothing that grows an index row.
const NONCE = new RegExp(`^[\\x21-\\x7e]{1,${MAX_NONCE_LENGTH}}$`);
const ACCESS_KEY_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * A caller whose signature holds, and the claim of its nonce when that is still on its way to
 * the store (PostgreSQL's batched claim); undefined when the nonce was claimed at once (memory).
 * A pending claim rejects with SignatureNonceUsed (or the store's error). Nothing may be
 * written for the request, and nothing answered, before it settles: wire/handle.ts overlaps it
 * only with operations that write nothing, and answers only once it has succeeded.
 */
export interface Authenticated {
  principal: Principal;
  nonceClaim: Promise<void> | undefined;
}

interface CacheEntry {
  at: number;
  credential: Credential | undefined;
}

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly identity: IdentityService,
    private readonly nonces: NonceStore,
    private readonly opts: {
      windowMs: number;
      cacheTtlMs: number;
      now?: () => number;
      /** Locks out addresses and keys after repeated failures (docs/SECURITY.md). */
      throttle?: FailureThrottle;
      /** Sees every request refused by the throttle (metrics). */
      onThrottled?: (verdict: ThrottleVerdict) => void;
    },
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /**
   * `from` is the client address (after DSHUB_TRUSTED_PROXIES), for failure throttling. A
   * refusal is thrown, and the caller is returned, at once while its key is cached: a promise,
   * and a turn of the microtask queue to await it, only when the key must be loaded.
   */
  authenticate(req: SignableRequest, from?: string): Authenticated | Promise<Authenticated> {
    const throttle = from === undefined ? undefined : this.opts.throttle;
    // A locked-out address is refused before anything else is read or looked up.
    if (throttle) this.refuseIfLocked(throttle.checkAddress(from!));
    const claimed = readSignatureClaim(req);
    if (!claimed.ok) throw errors.incompleteSignature(claimed.message);
    const { claim } = claimed;

    if (!TIMESTAMP.test(claim.timestamp)) throw errors.timestampFormat(claim.timestamp);
    const now = this.now();
    const at = Date.parse(claim.timestamp);
    if (Number.isNaN(at)) throw errors.timestampFormat(claim.timestamp);
    if (Math.abs(now - at) > this.opts.windowMs) {
      throw errors.timestampExpired(claim.timestamp, Math.round(this.opts.windowMs / 60_000));
    }
    if (!claim.nonce) throw errors.incompleteSignature('The signature nonce is missing.');
    if (!NONCE.test(claim.nonce)) {
      throw errors.incompleteSignature(
        `The signature nonce must be 1 to ${MAX_NONCE_LENGTH} printable ASCII characters (Alibaba's clients send 32 hex digits); this one has ${claim.nonce.length}.`,
      );
    }
    // An id no key can have is not looked up (and never reaches a store that cannot hold it).
    if (!ACCESS_KEY_ID.test(claim.accessKeyId)) {
      throttle?.unknownKey(from!);
      throw errors.accessKeyNotFound();
    }
    if (throttle) this.refuseIfLocked(throttle.checkKey(claim.accessKeyId, from!));

    const cached = this.fresh(claim.accessKeyId, now);
    if (cached) return this.verify(req, claim, at, cached.credential, throttle, from);
    return this.credential(claim.accessKeyId, now).then((credential) =>
      this.verify(req, claim, at, credential, throttle, from),
    );
  }

  /** The signature checked with the key's secret, then the nonce claimed. */
  private verify(
    req: SignableRequest,
    claim: SignatureClaim,
    at: number,
    credential: Credential | undefined,
    throttle: FailureThrottle | undefined,
    from: string | undefined,
  ): Authenticated {
    if (!credential) {
      throttle?.unknownKey(from!);
      throw errors.accessKeyNotFound();
    }
    const verified = verifySignature(req, claim, credential.secret);
    if (!verified.ok) {
      if (verified.code === 'IncompleteSignature') {
        throw errors.incompleteSignature(verified.message);
      }
      throttle?.badSignature(claim.accessKeyId, from!);
      throw errors.signatureMismatch(verified.message);
    }
    throttle?.succeeded(claim.accessKeyId, from!);
    // Only a proven owner of the key learns whether the key is disabled.
    if (!credential.active) throw errors.accessKeyInactive();
    // The nonce must be remembered as long as its request could still pass the window check.
    const unused = this.nonces.claim(claim.accessKeyId, claim.nonce, at + this.opts.windowMs);
    if (typeof unused === 'boolean') {
      if (!unused) throw errors.nonceUsed();
      return { principal: credential.principal, nonceClaim: undefined };
    }
    const nonceClaim = unused.then((ok) => {
      if (!ok) throw errors.nonceUsed();
    });
    // Handled here as well as where it is awaited: a path that fails before awaiting it must
    // not turn a replay into an unhandled rejection.
    nonceClaim.catch(() => {});
    return { principal: credential.principal, nonceClaim };
  }

  private refuseIfLocked(verdict: ThrottleVerdict | undefined): void {
    if (!verdict) return;
    this.opts.onThrottled?.(verdict);
    throw errors.authLockedOut(verdict.scope, verdict.retryAfterSeconds);
  }

  /** The key's cache entry while it is fresh (an unknown key's too: its credential is undefined). */
  private fresh(accessKeyId: string, now: number): CacheEntry | undefined {
    const ttl = this.opts.cacheTtlMs;
    const hit = ttl > 0 ? this.cache.get(accessKeyId) : undefined;
    return hit && now - hit.at < ttl ? hit : undefined;
  }

  /** The key loaded from the store (no fresh entry in the cache), and cached. */
  private async credential(accessKeyId: string, now: number): Promise<Credential | undefined> {
    const ttl = this.opts.cacheTtlMs;
    const credential = await this.identity.loadCredential(accessKeyId);
    if (ttl > 0) {
      // Bounded: unknown ids are cached too (so a flood of bogus keys stays cheap), but the
      // cache is reset when it grows past what any real deployment has.
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(accessKeyId, { at: now, credential });
    }
    return credential;
  }

  /** Forgets cached credentials (after an admin change made in this process). */
  invalidate(accessKeyId?: string): void {
    if (accessKeyId) this.cache.delete(accessKeyId);
    else this.cache.clear();
  }
}
