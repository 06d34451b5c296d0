/**
 * Keeps a lease: acquires it, renews it every ttl/3, and answers `held()` from the
 * local monotonic clock so that it turns false BEFORE the lease can expire on the
 * store and be taken elsewhere:
 *
 *   held ⇔ now < start of the last successful acquire/renew request + ttl − safetyMargin
 *
 * The store sets the expiry when it handles the request, which is after it was
 * sent, so the store's lease outlives our `held()` by at least the safety margin
 * (which absorbs clock-rate differences). A store error counts as "not renewed";
 * nothing ever throws out of the timers.
 *
 * The first attempt (start) is the keeper's own; after it the keeper joins the renewal
 * round of its store, owner, ttl and period (round.ts): keepers of one node renew in one
 * store call per period, each still told on its own when its lease is acquired or lost.
 *
 * `onAcquired` fires whenever held() turns true: at the first acquire, and again when a lease
 * that had lapsed (an answer that came too late to count) is held once more, so a holder that
 * found held() false when it acted on the first call gets another. `onLost` fires only after
 * an `onAcquired`.
 */
import { performance } from "node:perf_hooks";
import { roundFor, type LeaseRound, type RoundMember } from "./round";
import type { Lease, LeaseStore } from "./types";

export interface LeaseKeeperOptions {
  store: LeaseStore;
  key: string;
  owner: string;
  ttlMs: number;
  /** held() ends this long before the lease can expire; default max(ttl/10, 20 ms), below ttl/2. */
  safetyMarginMs?: number;
  /** Acquire/renew period; default ttl/3. */
  intervalMs?: number;
  onAcquired?(lease: Lease): void;
  onLost?(reason: string): void;
  /** A failed store call (the keeper keeps trying). */
  onError?(err: Error): void;
}

export class LeaseKeeper {
  readonly key: string;
  readonly owner: string;
  readonly ttlMs: number;
  readonly safetyMarginMs: number;
  readonly intervalMs: number;
  private readonly store: LeaseStore;
  private current: Lease | null = null;
  /** performance.now() until which the lease is ours for sure; 0 when not held. */
  private validUntil = 0;
  private round: LeaseRound | null = null;
  private readonly member: RoundMember;
  private expiryTimer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private running = false;
  /** onAcquired was told and onLost not yet since. */
  private announced = false;

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.store = opts.store;
    this.key = opts.key;
    this.owner = opts.owner;
    this.ttlMs = opts.ttlMs;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${this.ttlMs}`);
    this.safetyMarginMs = opts.safetyMarginMs ?? Math.max(Math.round(this.ttlMs / 10), 20);
    if (this.safetyMarginMs < 0 || this.safetyMarginMs >= this.ttlMs / 2) throw new RangeError(`safetyMarginMs must be in [0, ttl/2), got ${this.safetyMarginMs}`);
    this.intervalMs = opts.intervalMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    this.member = {
      key: this.key,
      ready: () => this.running && this.inFlight === null,
      held: () => this.held(),
      settle: (renewing, sentAt, outcome) => this.settle(renewing, sentAt, outcome),
      track: (work) => this.track(work),
    };
  }

  /** True only while the lease is certainly ours (see the module comment). */
  held(): boolean {
    return this.current !== null && performance.now() < this.validUntil;
  }

  /** The lease as last acquired/renewed while held, else null. */
  lease(): Lease | null {
    return this.held() ? this.current : null;
  }

  /** Starts acquiring/renewing; the first attempt runs now. Resolves after that attempt. */
  start(): Promise<void> {
    if (this.running) return this.inFlight ?? Promise.resolve();
    this.running = true;
    const first = this.attempt();
    this.track(first);
    return first.then(() => {
      if (!this.running || this.round) return;
      this.round = roundFor(this.store, this.owner, this.ttlMs, this.intervalMs);
      this.round.join(this.member);
    });
  }

  /**
   * Stops the timers and, unless `release: false` (a crash stand-in), releases the
   * lease so another node can take it at once. Never throws.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    this.round?.leave(this.member);
    this.round = null;
    await this.inFlight;
    const lease = this.current;
    this.lose();
    if (lease && options.release !== false) {
      try {
        await this.store.release(this.key, this.owner);
      } catch (err) {
        this.error(err);
      }
    }
    this.notifyLost("stopped");
  }

  private track(work: Promise<void>): void {
    this.inFlight = work;
    void work.finally(() => {
      if (this.inFlight === work) this.inFlight = null;
    });
  }

  /** The keeper's own attempt (the first one, at start): acquire, or renew while held. */
  private async attempt(): Promise<void> {
    const renewing = this.held();
    const sentAt = performance.now();
    let outcome: Lease | null | Error;
    try {
      outcome = renewing ? await this.store.renew(this.key, this.owner, this.ttlMs) : await this.store.acquire(this.key, this.owner, this.ttlMs);
    } catch (err) {
      outcome = err instanceof Error ? err : new Error(String(err));
    }
    this.settle(renewing, sentAt, outcome);
  }

  /** The answer to an acquire/renew request sent at `sentAt` (its own or its round's). */
  private settle(renewing: boolean, sentAt: number, outcome: Lease | null | Error): void {
    if (outcome instanceof Error) {
      // Not renewed: held() runs out on its own at validUntil (the expiry timer reports it).
      this.error(outcome);
      return;
    }
    const lease = outcome;
    if (!this.running) {
      // stop() raced this attempt: keep what we got so stop() can release it.
      if (lease && lease.owner === this.owner) this.current = lease;
      return;
    }
    if (!lease || lease.owner !== this.owner) {
      if (renewing || this.current) {
        this.lose();
        this.notifyLost(renewing ? "renew refused: the lease was taken or released" : "lease held by another owner");
      }
      return;
    }
    const wasHeld = this.held();
    this.current = lease;
    this.validUntil = sentAt + this.ttlMs - this.safetyMarginMs;
    this.scheduleExpiry();
    if (!wasHeld && this.held()) {
      this.announced = true;
      this.safely(() => this.opts.onAcquired?.(lease));
    }
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    // Timers run on a millisecond clock that can be up to 1 ms behind performance.now().
    this.expiryTimer = setTimeout(() => this.expire(), Math.ceil(Math.max(0, this.validUntil - performance.now())) + 2);
  }

  private expire(): void {
    this.expiryTimer = null;
    if (!this.current) return;
    if (this.held()) {
      this.scheduleExpiry(); // fired a little early
      return;
    }
    this.lose();
    this.notifyLost("not renewed in time");
  }

  private lose(): void {
    this.current = null;
    this.validUntil = 0;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  private notifyLost(reason: string): void {
    if (!this.announced) return;
    this.announced = false;
    this.safely(() => this.opts.onLost?.(reason));
  }

  private error(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.safely(() => this.opts.onError?.(e));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch {
      // A callback's failure must not stop the keeper.
    }
  }
}
