/**
 * ccxt errors → mmesh's Moleculer errors with stable types. Messages never carry
 * credentials: any secret the caller knows of is masked before the text leaves.
 */
import { Errors } from "moleculer";
import { CCXT_ERRORS_MODULE } from "../paper/ccxt-errors";
import { ExchangeRateLimitedError } from "./rate-limit";
import { ExchangeCircuitOpenError } from "./venue-breaker";
import { VenueConfigError } from "./venue-settings";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ccxtErrors = require(CCXT_ERRORS_MODULE) as Record<string, new (...args: unknown[]) => Error>;

const { MoleculerClientError, MoleculerRetryableError, MoleculerError } = Errors;

export type ExchangeErrorType =
  | "INSUFFICIENT_FUNDS"
  | "INVALID_ORDER"
  | "UNKNOWN_SYMBOL"
  | "EXCHANGE_AUTH_FAILED"
  | "EXCHANGE_UNAVAILABLE"
  | "EXCHANGE_RATE_LIMITED"
  | "EXCHANGE_CIRCUIT_OPEN"
  | "EXCHANGE_CLOCK_SKEW"
  | "EXCHANGE_MISCONFIGURED"
  | "EXCHANGE_ORDER_UNKNOWN"
  | "ORDER_NOT_FOUND"
  | "EXCHANGE_ERROR";

function is(err: unknown, className: string): boolean {
  const cls = ccxtErrors[className];
  if (cls && err instanceof cls) return true;
  // Errors from another copy of ccxt (a live exchange's bundle) are matched by name along the chain.
  let proto = err && typeof err === "object" ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    if (proto.constructor?.name === className) return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

export function redact(text: string, secrets: Array<string | undefined | null> = []): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join("***");
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

/** Whether `err` is ccxt's OrderNotFound, raw or as mapExchangeError made it (404 ORDER_NOT_FOUND). */
export function isOrderNotFound(err: unknown): boolean {
  return is(err, "OrderNotFound") || (err as { type?: unknown } | null)?.type === "ORDER_NOT_FOUND";
}

/**
 * A create whose answer was lost and whose lookup failed too: the order may exist (even filled).
 * Not retryable by the broker: an immediate retry knows no more; reconcile settles the row.
 */
export function orderOutcomeUnknown(exchange: string, clientOrderId: string): Error {
  return new MoleculerError(
    `${exchange} order ${clientOrderId}: the outcome is not known yet (the exchange did not answer); it is settled by reconcile, retry later`,
    503,
    "EXCHANGE_ORDER_UNKNOWN",
    { exchange, clientOrderId },
  );
}

export function mapExchangeError(err: unknown, exchange: string, secrets: Array<string | undefined | null> = []): Error {
  if (err instanceof MoleculerError) return err;
  if (err instanceof ExchangeRateLimitedError) {
    // Refused before it left (cooldown) or answered 429/418: retry after retryAfterMs.
    return new MoleculerRetryableError(redact(err.message, secrets), 503, "EXCHANGE_RATE_LIMITED", { exchange, retryAfterMs: err.retryAfterMs });
  }
  if (err instanceof ExchangeCircuitOpenError) {
    // Not retryable by the broker: a retry within the open time is refused the same way.
    return new MoleculerError(redact(err.message, secrets), 503, "EXCHANGE_CIRCUIT_OPEN", { exchange, retryAfterMs: err.retryAfterMs });
  }
  if (err instanceof VenueConfigError) {
    // The operator's venue configuration (EXCHANGE_OVERRIDES + markets document) cannot be used as it is.
    return new MoleculerError(redact(err.message, secrets), 503, "EXCHANGE_MISCONFIGURED", { exchange });
  }
  const raw = err instanceof Error ? err.message : String(err);
  const message = redact(`${exchange}: ${raw}`, secrets);
  const data = { exchange };
  if (is(err, "InsufficientFunds")) return new MoleculerClientError(message, 422, "INSUFFICIENT_FUNDS", data);
  if (is(err, "BadSymbol")) return new MoleculerClientError(message, 404, "UNKNOWN_SYMBOL", data);
  if (is(err, "OrderNotFound")) return new MoleculerClientError(message, 404, "ORDER_NOT_FOUND", data);
  if (is(err, "InvalidOrder")) return new MoleculerClientError(message, 422, "INVALID_ORDER", data);
  // 502, not 401: the exchange refused our stored credentials, the caller's own token is fine.
  if (is(err, "AuthenticationError") || is(err, "PermissionDenied") || is(err, "AccountSuspended")) {
    return new MoleculerError(redact(`${exchange}: the exchange refused the stored API credentials`, secrets), 502, "EXCHANGE_AUTH_FAILED", data);
  }
  // -1021 and kin, still refused after the clock resync and one retry (exchange-clock.ts).
  if (is(err, "InvalidNonce")) return new MoleculerRetryableError(`${message} (clock offset to ${exchange} is being resynchronized)`, 503, "EXCHANGE_CLOCK_SKEW", data);
  if (["NetworkError", "ExchangeNotAvailable", "RequestTimeout", "DDoSProtection", "RateLimitExceeded", "OnMaintenance"].some((c) => is(err, c))) {
    return new MoleculerRetryableError(message, 503, "EXCHANGE_UNAVAILABLE", data);
  }
  if (is(err, "BadRequest") || is(err, "ArgumentsRequired")) return new MoleculerClientError(message, 422, "INVALID_ORDER", data);
  return new MoleculerError(message, 502, "EXCHANGE_ERROR", data);
}
