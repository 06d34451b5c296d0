/**
 * Where rate-limiter-flexible keeps its counters: this process's memory, or Redis when the
 * broker's cacher is Redis, so every gateway and auth node counts against the same budget.
 * The Redis store falls back to a memory limiter of the same shape while Redis is away
 * (rate-limiter-flexible's insurance limiter): counters are then this node's own.
 */
import Redis from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RuntimeEnv } from "./env";

export interface LimiterOptions {
  /** Scopes the keys of one limiter (e.g. "login-fails-account"). */
  name: string;
  points: number;
  /** Window in seconds. */
  duration: number;
}

export interface LimiterStore {
  readonly kind: "memory" | "redis";
  limiter(options: LimiterOptions): RateLimiterAbstract;
  close(): Promise<void>;
}

export function createMemoryLimiterStore(prefix: string): LimiterStore {
  return {
    kind: "memory",
    limiter: ({ name, points, duration }) => new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration }),
    close: async () => undefined,
  };
}

export function createRedisLimiterStore(url: string, prefix: string): LimiterStore {
  // No offline queue: while Redis is away a command fails at once and the insurance limiter answers.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on("error", () => undefined); // reported through failed commands; the insurance limiter takes over
  return {
    kind: "redis",
    limiter: ({ name, points, duration }) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}:${name}:insurance`, points, duration }),
      }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The store matching the broker's cacher; `prefix` should carry the namespace so meshes do not share counters. */
export function createLimiterStore(cacher: RuntimeEnv["cacher"], prefix: string): LimiterStore {
  return cacher.type === "Redis" ? createRedisLimiterStore(cacher.url, prefix) : createMemoryLimiterStore(prefix);
}
