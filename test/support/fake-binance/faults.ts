/**
 * Fault injection and the request log: queued failures (429 with Retry-After, 418, 5xx,
 * any Binance error body), added latency, a sliding-window request limit that answers 429
 * like Binance does, and a record of every HTTP request for assertions on client behaviour.
 */
import { defaultFaultBody } from "./errors";
import type { FailOptions, FailRule, RequestLogEntry } from "./types";

export interface FaultAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

function pathMatches(rule: FailRule, path: string): boolean {
  if (rule.path === undefined) return true;
  return typeof rule.path === "string" ? rule.path === path : rule.path.test(path);
}

export class Faults {
  private rules: FailRule[] = [];
  private log: RequestLogEntry[] = [];
  latencyMs = 0;
  private limit: { max: number; windowMs: number; retryAfter: number } | undefined;
  private recent: number[] = [];

  failNext(n: number, status: number, body?: unknown, options: FailOptions = {}): void {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if ((status === 429 || status === 418) && headers["Retry-After"] === undefined) {
      headers["Retry-After"] = String(options.retryAfter ?? 1);
    }
    const retryAfterSec = Number(headers["Retry-After"] ?? 1);
    this.rules.push({
      remaining: n,
      status,
      body: body === undefined ? defaultFaultBody(status, Date.now() + retryAfterSec * 1000) : body,
      headers,
      path: options.path,
      method: options.method?.toUpperCase(),
    });
  }

  clearFailures(): void {
    this.rules = [];
  }

  /** Binance-like limit: more than `max` requests within `windowMs` → 429 -1003 with Retry-After. */
  setRequestLimit(max: number | undefined, windowMs = 60_000, retryAfterSec = 1): void {
    this.limit = max === undefined ? undefined : { max, windowMs, retryAfter: retryAfterSec };
    this.recent = [];
  }

  /** Called once per request: the fault to answer with, if any. */
  check(method: string, path: string, now: number): FaultAnswer | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && pathMatches(r, path) && (r.method === undefined || r.method === method));
    if (rule) {
      rule.remaining -= 1;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return { status: rule.status, body: rule.body, headers: rule.headers };
    }
    if (this.limit) {
      const from = now - this.limit.windowMs;
      this.recent = this.recent.filter((t) => t > from);
      this.recent.push(now);
      if (this.recent.length > this.limit.max) {
        const retryAfter = this.limit.retryAfter;
        return {
          status: 429,
          body: defaultFaultBody(429, now + retryAfter * 1000),
          headers: { "Retry-After": String(retryAfter) },
        };
      }
    }
    return undefined;
  }

  /** Requests in the last minute, for the X-MBX-USED-WEIGHT-1M header. */
  usedWeight(now: number): number {
    let n = 0;
    for (let i = this.log.length - 1; i >= 0 && this.log[i].time > now - 60_000; i--) n++;
    return n;
  }

  record(entry: RequestLogEntry): RequestLogEntry {
    this.log.push(entry);
    return entry;
  }

  requests(filter?: { path?: string | RegExp; method?: string }): RequestLogEntry[] {
    return this.log.filter(
      (r) =>
        (filter?.method === undefined || r.method === filter.method.toUpperCase()) &&
        (filter?.path === undefined || (typeof filter.path === "string" ? r.path === filter.path : filter.path.test(r.path))),
    );
  }

  clearRequests(): void {
    this.log = [];
  }
}
