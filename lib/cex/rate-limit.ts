/**
 * One request budget per exchange API key, however many ccxt instances and cex nodes use
 * it, and a cooldown after the exchange says "too many requests" (HTTP 429 / 418).
 *
 * - The budget: every REST request costs what ccxt's API table says for its endpoint
 *   (`calculateRateLimiterCost`: the `cost` of the endpoint, or its `byLimit` / `noSymbol`
 *   variant; Binance: 0.2 per unit of Binance request weight, so an order costs 0.2 and an
 *   account read 4), and a key may spend `weight` cost units per `intervalMs` (RateBudget).
 *   The default budget is ccxt's own pace, 1000 / rateLimit units per second (Binance:
 *   20 units = 100 request weight per second, 6000 per minute); a venue's `rateBudget`
 *   setting replaces it, e.g. a smaller share of a key that another program uses too, or
 *   the exchange's per-minute quota. `installRateLimit` replaces the ccxt instance's
 *   `throttle(cost)` (which `fetch2` awaits before every REST request when
 *   `enableRateLimit` is on) with a wait for that many points from a rate-limiter-flexible
 *   limiter keyed by a hash of the API key: RateLimiterRedis when the broker's cacher is
 *   Redis (shared by every node), else one RateLimiterMemory per key in this process.
 * - The cooldown: a 429/418 (ccxt's DDoSProtection / RateLimitExceeded) starts a cooldown
 *   for the key until the response's Retry-After has passed, or for the next delay of an
 *   exponential Backoff when there is none. While it runs every request of that key is
 *   refused before it leaves the process with ExchangeRateLimitedError (→ 503
 *   EXCHANGE_RATE_LIMITED, retryable, `retryAfterMs` in data). Shared through Redis too.
 *
 * The API key itself never appears in a limiter key, a Redis key or an error.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import Redis from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { Backoff, type BackoffOptions } from "../feeds/backoff";

/** Request costs are fractional in ccxt (e.g. 0.1); limiter points are integers. */
const COST_SCALE = 100;
const DEFAULT_INTERVAL_MS = 1000;

/** A key's request budget: `weight` ccxt cost units per `intervalMs`. */
export interface RateBudget {
  weight: number;
  intervalMs: number;
}

/** ccxt's own pace for an exchange: 1000 / rateLimit cost units per second. */
export function defaultRateBudget(rateLimitMs: number): RateBudget {
  const ms = Number.isFinite(rateLimitMs) && rateLimitMs > 0 ? rateLimitMs : 50;
  return { weight: DEFAULT_INTERVAL_MS / ms, intervalMs: DEFAULT_INTERVAL_MS };
}

/** A budget's limiter points per interval. */
export function budgetPoints(budget: RateBudget): number {
  return Math.max(1, Math.floor(budget.weight * COST_SCALE));
}

/** Refused locally: the key is cooling down after the exchange rate-limited it. */
export class ExchangeRateLimitedError extends Error {
  override name = "ExchangeRateLimitedError";
  constructor(readonly exchange: string, readonly retryAfterMs: number, readonly status?: number) {
    super(`${exchange}: rate limited by the exchange${status ? ` (HTTP ${status})` : ""}; retry in ${retryAfterMs} ms`);
  }
}

/** Stable, non-reversible id of an API key (per exchange); "public" clients share one per exchange. */
export function apiKeyHash(exchange: string, apiKey?: string | null): string {
  return createHash("sha256").update(`${exchange}\0${apiKey ?? "<public>"}`).digest("hex").slice(0, 32);
}

/** ccxt's rateLimit (ms per cost unit) → limiter points per second (the default budget). */
export function pointsPerWindow(rateLimitMs: number): number {
  return budgetPoints(defaultRateBudget(rateLimitMs));
}

export function costPoints(cost: number | undefined, budget: number): number {
  const c = typeof cost === "number" && Number.isFinite(cost) && cost > 0 ? cost : 1;
  return Math.min(budget, Math.max(1, Math.ceil(c * COST_SCALE)));
}

/** Where cooldowns live: this process, or Redis for every node. Times are epoch ms. */
export interface CooldownStore {
  until(key: string): Promise<number>;
  extend(key: string, untilMs: number): Promise<void>;
}

class MemoryCooldowns implements CooldownStore {
  constructor(private readonly map: Map<string, number>) {}
  async until(key: string): Promise<number> {
    return this.map.get(key) ?? 0;
  }
  async extend(key: string, untilMs: number): Promise<void> {
    if ((this.map.get(key) ?? 0) < untilMs) this.map.set(key, untilMs);
  }
}

class RedisCooldowns implements CooldownStore {
  private readonly local = new Map<string, number>();
  constructor(private readonly redis: Redis, private readonly prefix: string) {}
  async until(key: string): Promise<number> {
    const local = this.local.get(key) ?? 0;
    if (local > Date.now()) return local;
    try {
      const raw = await this.redis.get(`${this.prefix}:cooldown:${key}`);
      return Math.max(local, raw ? Number(raw) : 0);
    } catch {
      return local; // Redis away: this node's own view still protects the exchange
    }
  }
  async extend(key: string, untilMs: number): Promise<void> {
    if ((this.local.get(key) ?? 0) < untilMs) this.local.set(key, untilMs);
    const ttl = Math.max(1, untilMs - Date.now());
    try {
      const current = Number((await this.redis.get(`${this.prefix}:cooldown:${key}`)) ?? 0);
      if (current < untilMs) await this.redis.set(`${this.prefix}:cooldown:${key}`, String(untilMs), "PX", ttl);
    } catch {
      /* kept locally */
    }
  }
}

export interface RateLimitBackend {
  readonly kind: "memory" | "redis";
  limiterFor(keyHash: string, points: number, intervalMs?: number): RateLimiterAbstract;
  readonly cooldowns: CooldownStore;
  /**
   * Resolves true once the shared store answers, false after `timeoutMs` without it. Until then
   * budgets and cooldowns are this node's own (the memory insurance): a 429 is not yet shared.
   */
  connected(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

// Process-wide: every cex service and ccxt instance of this process shares these.
const memoryLimiters = new Map<string, RateLimiterMemory>();
const memoryCooldowns = new Map<string, number>();

/** rate-limiter-flexible's duration is in seconds (fractions allowed: it works in ms inside). */
const seconds = (intervalMs: number) => intervalMs / 1000;

function memoryLimiter(points: number, intervalMs: number): RateLimiterMemory {
  const id = `${points}/${intervalMs}`;
  let limiter = memoryLimiters.get(id);
  if (!limiter) {
    limiter = new RateLimiterMemory({ keyPrefix: `cex-rl-${points}-${intervalMs}`, points, duration: seconds(intervalMs) });
    memoryLimiters.set(id, limiter);
  }
  return limiter;
}

export function createMemoryRateLimitBackend(): RateLimitBackend {
  return {
    kind: "memory",
    limiterFor: (_key, points, intervalMs = DEFAULT_INTERVAL_MS) => memoryLimiter(points, intervalMs),
    cooldowns: new MemoryCooldowns(memoryCooldowns),
    connected: async () => true,
    close: async () => undefined,
  };
}

/** Redis-backed budget and cooldowns under `keyPrefix` (its own ioredis connection, closed by close()). */
export function createRedisRateLimitBackend(url: string, keyPrefix: string): RateLimitBackend {
  // No offline queue: while Redis is away a command fails at once and the memory insurance
  // answers; queued, every exchange call waited through ioredis's reconnect attempts (seconds).
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on("error", () => undefined); // reported through failed commands; the memory insurance takes over
  const limiters = new Map<string, RateLimiterRedis>();
  return {
    kind: "redis",
    limiterFor(_key, points, intervalMs = DEFAULT_INTERVAL_MS) {
      const id = `${points}/${intervalMs}`;
      let limiter = limiters.get(id);
      if (!limiter) {
        limiter = new RateLimiterRedis({
          storeClient: redis,
          // The interval is part of the key: nodes configured alike share one counter.
          keyPrefix: intervalMs === DEFAULT_INTERVAL_MS ? `${keyPrefix}:budget` : `${keyPrefix}:budget-${intervalMs}`,
          points,
          duration: seconds(intervalMs),
          insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${keyPrefix}:insurance-${intervalMs}`, points, duration: seconds(intervalMs) }),
        });
        limiters.set(id, limiter);
      }
      return limiter;
    },
    cooldowns: new RedisCooldowns(redis, keyPrefix),
    async connected(timeoutMs) {
      if (redis.status === "ready") return true;
      return once(redis, "ready", { signal: AbortSignal.timeout(timeoutMs) }).then(() => true, () => false);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The backend matching the broker's cacher: Redis when it is Redis, else this process's memory. */
export function createRateLimitBackend(cacher: { type: "Memory" } | { type: "Redis"; url: string }, keyPrefix: string): RateLimitBackend {
  return cacher.type === "Redis" ? createRedisRateLimitBackend(cacher.url, keyPrefix) : createMemoryRateLimitBackend();
}

function retryAfterMs(headers: Record<string, unknown> | undefined): number | null {
  if (!headers) return null;
  const raw = headers["Retry-After"] ?? headers["retry-after"];
  if (raw === undefined || raw === null || raw === "") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(String(raw));
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

function isRateLimitError(err: unknown): boolean {
  let proto = err && typeof err === "object" ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    const name = proto.constructor?.name;
    if (name === "DDoSProtection" || name === "RateLimitExceeded") return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ThrottledExchange {
  rateLimit: number;
  enableRateLimit: boolean;
  throttle(cost?: number): Promise<unknown>;
  fetch2(...args: unknown[]): Promise<unknown>;
  handleErrors(code: number, reason: string, url: string, method: string, headers: Record<string, unknown>, ...rest: unknown[]): unknown;
}

export interface RateLimitOptions {
  exchange: string;
  apiKey?: string | null;
  backend: RateLimitBackend;
  /** Cooldown schedule when a 429/418 carries no Retry-After. */
  backoff?: BackoffOptions;
  /** The key's budget; default: ccxt's pace for the exchange (defaultRateBudget). */
  budget?: RateBudget;
}

export interface InstalledRateLimit {
  keyHash: string;
  pointsPerWindow: number;
  budget: RateBudget;
}

/**
 * Installs the shared budget and the cooldown on one ccxt instance (in place). ccxt's own
 * limiter stays switched on (`enableRateLimit`), so every REST request goes through here.
 */
export function installRateLimit(client: object, options: RateLimitOptions): InstalledRateLimit {
  const ex = client as ThrottledExchange;
  const keyHash = apiKeyHash(options.exchange, options.apiKey);
  const rateBudget = options.budget ?? defaultRateBudget(ex.rateLimit);
  const budget = budgetPoints(rateBudget);
  const limiter = options.backend.limiterFor(keyHash, budget, rateBudget.intervalMs);
  const cooldowns = options.backend.cooldowns;
  const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.2, ...options.backoff });
  let lastRetryAfter: { ms: number | null; status: number } | null = null;

  const refuseIfCooling = async () => {
    const until = await cooldowns.until(keyHash);
    const left = until - Date.now();
    if (left > 0) throw new ExchangeRateLimitedError(options.exchange, left);
  };

  ex.enableRateLimit = true;
  ex.throttle = async (cost?: number) => {
    const points = costPoints(cost, budget);
    for (;;) {
      await refuseIfCooling();
      try {
        await limiter.consume(keyHash, points);
        return;
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        await sleep(Math.max(1, res.msBeforeNext));
      }
    }
  };

  const handleErrors = ex.handleErrors.bind(ex);
  ex.handleErrors = (code, reason, url, method, headers, ...rest) => {
    if (code === 429 || code === 418) {
      const retry = { ms: retryAfterMs(headers), status: code };
      lastRetryAfter = retry;
      try {
        return handleErrors(code, reason, url, method, headers, ...rest);
      } catch (err) {
        if (err && typeof err === "object") Object.assign(err, { mmeshRetryAfter: retry });
        throw err;
      }
    }
    return handleErrors(code, reason, url, method, headers, ...rest);
  };

  const fetch2 = ex.fetch2.bind(ex);
  ex.fetch2 = async (...args: unknown[]) => {
    try {
      const result = await fetch2(...args);
      backoff.reset();
      return result;
    } catch (err) {
      if (!isRateLimitError(err)) throw err;
      const seen = (err as { mmeshRetryAfter?: { ms: number | null; status: number } }).mmeshRetryAfter ?? lastRetryAfter;
      lastRetryAfter = null;
      const ms = seen?.ms ?? backoff.next();
      await cooldowns.extend(keyHash, Date.now() + ms);
      throw Object.assign(new ExchangeRateLimitedError(options.exchange, ms, seen?.status), { cause: err });
    }
  };
  return { keyHash, pointsPerWindow: budget, budget: rateBudget };
}
