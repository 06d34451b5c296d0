/**
 * The gateway's per-client request budget (RATE_LIMIT_PER_MINUTE), counted in a LimiterStore
 * (Redis when CACHER is Redis: every gateway node spends from the same budget).
 *
 * The key is the VERIFIED principal (`u:<user id>`) once a token has been checked, else the
 * socket address (`a:<address>`): an unchecked bearer or a header such as X-Forwarded-For is
 * chosen by the client, and a fresh one per request would be a fresh budget per request.
 */
import type { IncomingMessage } from "node:http";
import { Errors } from "moleculer";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Principal } from "../auth/access-tokens";
import type { LimiterStore } from "../runtime/limiter-store";

const WINDOW_SECONDS = 60;

/** The socket's peer address, an IPv4-mapped IPv6 one written as plain IPv4 (as an admin would type it for auth.unlock). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

export function rateLimitKey(principal: Principal | null, address: string): string {
  return principal ? `u:${principal.userId}` : `a:${address}`;
}

export interface ResponseHeaders {
  setHeader(name: string, value: string | number): unknown;
}

export class RequestLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(store: LimiterStore, readonly perMinute: number) {
    this.limiter = store.limiter({ name: "api-requests", points: perMinute, duration: WINDOW_SECONDS });
  }

  /** Spends one request of the key's budget; throws 429 RATE_LIMITED (with Retry-After) when it is spent. */
  async take(key: string, res?: ResponseHeaders): Promise<void> {
    let outcome: RateLimiterRes;
    let refused = false;
    try {
      outcome = await this.limiter.consume(key, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      outcome = err;
      refused = true;
    }
    if (res) {
      res.setHeader("X-Rate-Limit-Limit", this.perMinute);
      res.setHeader("X-Rate-Limit-Remaining", outcome.remainingPoints);
      res.setHeader("X-Rate-Limit-Reset", Date.now() + outcome.msBeforeNext);
      if (refused) res.setHeader("Retry-After", Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
    }
    if (refused) {
      throw new Errors.MoleculerClientError("Rate limit exceeded", 429, "RATE_LIMITED", { retryAfterMs: outcome.msBeforeNext });
    }
  }
}
