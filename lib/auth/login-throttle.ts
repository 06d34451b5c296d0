/**
 * Throttles password guessing, per account and per client address (the socket address the
 * gateway saw, never a header), with counters in a LimiterStore (Redis: shared by every auth node).
 *
 * - Failures are counted per account and per address over a day. The ACCOUNT_FREE_FAILURES-th
 *   failure of an account (ADDRESS_FREE_FAILURES-th of an address) and each one after it locks
 *   it for a back-off that doubles from FIRST_LOCK_SECONDS up to MAX_LOCK_SECONDS:
 *   the delay is bounded, so nobody is locked out for good, and `unlock` (auth.unlock) ends it at once.
 * - A locked try is refused before any password hashing: a refused try costs a counter read.
 * - An address that logged into an account in the last KNOWN_ADDRESS_DAYS is not held by that
 *   account's lock (only by its own address lock): an attacker elsewhere who keeps failing on the
 *   admin account does not keep the admin, at the address it uses, out.
 * - A success clears the account's failures (the address's stay: a success on one's own account
 *   must not buy more guesses at others).
 */
import { createHash } from "node:crypto";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { LimiterStore } from "../runtime/limiter-store";

export const ACCOUNT_FREE_FAILURES = 5;
export const ADDRESS_FREE_FAILURES = 20;
export const FIRST_LOCK_SECONDS = 30;
export const MAX_LOCK_SECONDS = 15 * 60;
const FAILURE_WINDOW_SECONDS = 24 * 3600;
// Under 24.8 days: the memory store's expiry is a timer, and a longer one overflows.
const KNOWN_ADDRESS_DAYS = 20;

/** Lock length after the n-th failure in a row, given the free tries: 0 while free. */
export function lockSeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** Math.min(30, failures - free));
}

export interface LoginThrottled {
  /** What is locked: the account, or the client's address. */
  scope: "account" | "address";
  retryAfterMs: number;
}

const hashed = (kind: string, value: string) => `${kind}:${createHash("sha256").update(value).digest("hex").slice(0, 32)}`;

export class LoginThrottle {
  private readonly fails: RateLimiterAbstract;
  private readonly locks: RateLimiterAbstract;
  private readonly known: RateLimiterAbstract;

  constructor(store: LimiterStore) {
    // Counters only: `points` is never consumed against, so they never refuse by themselves.
    this.fails = store.limiter({ name: "login-fails", points: 1_000_000, duration: FAILURE_WINDOW_SECONDS });
    this.locks = store.limiter({ name: "login-locks", points: 1, duration: MAX_LOCK_SECONDS });
    this.known = store.limiter({ name: "login-known", points: 1_000_000, duration: KNOWN_ADDRESS_DAYS * 86_400 });
  }

  /** Null when a try may go on to the password check; else why and for how long it is refused. */
  async check(username: string, address: string | null): Promise<LoginThrottled | null> {
    const account = hashed("u", username);
    if (address !== null) {
      const addressLock = await this.locked(hashed("a", address));
      if (addressLock > 0) return { scope: "address", retryAfterMs: addressLock };
      if (await this.known.get(hashed("k", `${username}\0${address}`))) return null;
    }
    const accountLock = await this.locked(account);
    return accountLock > 0 ? { scope: "account", retryAfterMs: accountLock } : null;
  }

  /** Counts a failure; answers the locks it started (seconds, 0: none), for the log. */
  async failed(username: string, address: string | null): Promise<{ accountLockSeconds: number; addressLockSeconds: number }> {
    const accountLockSeconds = await this.count(hashed("u", username), ACCOUNT_FREE_FAILURES);
    const addressLockSeconds = address !== null ? await this.count(hashed("a", address), ADDRESS_FREE_FAILURES) : 0;
    return { accountLockSeconds, addressLockSeconds };
  }

  async succeeded(username: string, address: string | null): Promise<void> {
    const account = hashed("u", username);
    await Promise.all([this.fails.delete(account), this.locks.delete(account)]);
    if (address !== null) await this.known.set(hashed("k", `${username}\0${address}`), 1, KNOWN_ADDRESS_DAYS * 86_400);
  }

  /** Ends the locks and failure counts of an account and/or an address (auth.unlock). */
  async unlock(target: { username?: string; address?: string }): Promise<void> {
    const keys = [target.username !== undefined ? hashed("u", target.username) : null, target.address !== undefined ? hashed("a", target.address) : null];
    for (const key of keys) if (key) await Promise.all([this.fails.delete(key), this.locks.delete(key)]);
  }

  /** Milliseconds the key stays locked (0: not locked). */
  private async locked(key: string): Promise<number> {
    const res = await this.locks.get(key);
    return res && res.consumedPoints > 0 && res.msBeforeNext > 0 ? res.msBeforeNext : 0;
  }

  private async count(key: string, free: number): Promise<number> {
    const res = await this.fails.penalty(key, 1);
    const seconds = lockSeconds(res.consumedPoints, free);
    if (seconds > 0) await this.locks.set(key, 1, seconds);
    return seconds;
  }
}
