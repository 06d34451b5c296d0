/**
 * One circuit breaker per exchange. Moleculer's breaker keys on the action's endpoint
 * (`cex.createOrder` on a node), so one venue's outage opened it for every venue, paper
 * included, and callers got 404 SERVICE_NOT_AVAILABLE. Errors the venue layer owns (the
 * exchange's 5xx, network failures, 429/418 — see `isVenueError`) are kept out of
 * Moleculer's breaker (moleculer.config.ts) and counted here, per exchange: after
 * `minFailures` such failures making at least `threshold` of the exchange's requests in
 * `windowMs`, or after `consecutiveFailures` in a row (an outage right after a busy calm, whose
 * successes would keep the share low for a whole window), requests to that exchange alone are refused for `openMs`
 * (ExchangeCircuitOpenError → 503 EXCHANGE_CIRCUIT_OPEN naming it, with retryAfterMs); then
 * one trial request is let through, and its outcome closes or reopens the breaker.
 * Rate limits (429/418) are refused by the rate limiter's cooldown instead (rate-limit.ts).
 */

/** Refused locally: the exchange's breaker is open after repeated failures. */
export class ExchangeCircuitOpenError extends Error {
  override name = "ExchangeCircuitOpenError";
  constructor(readonly exchange: string, readonly retryAfterMs: number) {
    super(`${exchange}: circuit open after repeated exchange failures; calls to ${exchange} are refused for ${retryAfterMs} ms (other venues are unaffected)`);
  }
}

/** Error types (lib/cex/errors.ts) of failures that belong to one exchange, not to the cex service. */
export const VENUE_ERROR_TYPES: ReadonlySet<string> = new Set([
  "EXCHANGE_UNAVAILABLE",
  "EXCHANGE_RATE_LIMITED",
  "EXCHANGE_CIRCUIT_OPEN",
  "EXCHANGE_ERROR",
  "EXCHANGE_AUTH_FAILED",
  "EXCHANGE_CLOCK_SKEW",
  "EXCHANGE_MISCONFIGURED",
]);

/** Whether a Moleculer error is one exchange's trouble (and must not open the action's breaker for every venue). */
export function isVenueError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === "string" && VENUE_ERROR_TYPES.has(type);
}

export interface VenueBreakerOptions {
  /** Failures needed in the window before the breaker may open. */
  minFailures: number;
  /** Share of the window's requests that failed, 0..1. */
  threshold: number;
  windowMs: number;
  /** Failures in a row, with no success between, that open it whatever the window's share. */
  consecutiveFailures: number;
  /** How long an open breaker refuses before a trial request. */
  openMs: number;
}

export const DEFAULT_VENUE_BREAKER: VenueBreakerOptions = { minFailures: 5, threshold: 0.5, windowMs: 30_000, consecutiveFailures: 10, openMs: 10_000 };

type State = { kind: "closed" } | { kind: "open"; until: number } | { kind: "trial" };

interface Outcome {
  at: number;
  failed: boolean;
}

export class VenueBreaker {
  private state: State = { kind: "closed" };
  private outcomes: Outcome[] = [];
  private streak = 0;

  constructor(readonly exchange: string, private readonly options: VenueBreakerOptions = DEFAULT_VENUE_BREAKER, private readonly now: () => number = Date.now) {}

  /** Throws ExchangeCircuitOpenError when the request must not leave; lets one trial through after openMs. */
  admit(): void {
    const now = this.now();
    if (this.state.kind === "open") {
      if (now < this.state.until) throw new ExchangeCircuitOpenError(this.exchange, this.state.until - now);
      this.state = { kind: "trial" };
      return;
    }
    if (this.state.kind === "trial") throw new ExchangeCircuitOpenError(this.exchange, this.options.openMs);
  }

  success(): void {
    if (this.state.kind === "trial") {
      this.state = { kind: "closed" };
      this.outcomes = [];
      this.streak = 0;
      return;
    }
    this.streak = 0;
    this.record(false);
  }

  failure(): void {
    if (this.state.kind === "trial") {
      this.open();
      return;
    }
    this.record(true);
    this.streak += 1;
    const failures = this.outcomes.filter((o) => o.failed).length;
    if (this.streak >= this.options.consecutiveFailures || (failures >= this.options.minFailures && failures / this.outcomes.length >= this.options.threshold)) this.open();
  }

  /** A request that ended neither way for the exchange (e.g. refused as a bad order): frees a trial slot. */
  neutral(): void {
    if (this.state.kind === "trial") this.state = { kind: "closed" };
  }

  get isOpen(): boolean {
    return this.state.kind !== "closed";
  }

  private open(): void {
    this.state = { kind: "open", until: this.now() + this.options.openMs };
    this.outcomes = [];
    this.streak = 0;
  }

  private record(failed: boolean): void {
    const now = this.now();
    this.outcomes.push({ at: now, failed });
    const from = now - this.options.windowMs;
    while (this.outcomes.length > 0 && this.outcomes[0].at < from) this.outcomes.shift();
  }
}

/** Names of ccxt errors that mean "this exchange is failing" (not the request, not a rate limit). */
const EXCHANGE_FAILURES = ["NetworkError", "ExchangeNotAvailable", "RequestTimeout", "OnMaintenance"];
/** NetworkError subclasses that are not the exchange failing: rate limits (the cooldown's) and clock skew (exchange-clock.ts). */
const NOT_FAILURES = ["DDoSProtection", "RateLimitExceeded", "InvalidNonce"];

function classNames(err: unknown): string[] {
  const names: string[] = [];
  let proto = err && typeof err === "object" ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    if (proto.constructor?.name) names.push(proto.constructor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/** A ccxt error that counts against the exchange's breaker: 5xx, network, timeout, maintenance; not 429/418 nor -1021. */
export function isExchangeFailure(err: unknown): boolean {
  const names = classNames(err);
  if (names.some((n) => NOT_FAILURES.includes(n))) return false;
  return names.some((n) => EXCHANGE_FAILURES.includes(n));
}

interface Fetching {
  fetch2(...args: unknown[]): Promise<unknown>;
}

/** Puts every REST request of a ccxt instance (in place) behind the exchange's breaker. */
export function installVenueBreaker(client: unknown, breaker: VenueBreaker): void {
  const ex = client as Fetching;
  const fetch2 = ex.fetch2.bind(ex);
  ex.fetch2 = async (...args: unknown[]) => {
    breaker.admit();
    try {
      const result = await fetch2(...args);
      breaker.success();
      return result;
    } catch (err) {
      if (isExchangeFailure(err)) breaker.failure();
      else breaker.neutral();
      throw err;
    }
  };
}
