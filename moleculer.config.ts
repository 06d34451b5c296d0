/**
 * The one broker configuration, driven by environment variables (see lib/runtime/env.ts).
 * Fault tolerance (circuit breaker, retries, timeouts, bulkhead) and load balancing are
 * set here for every service, not written into services.
 */
import type { BrokerOptions, Middleware, TransporterConfig } from "moleculer";
import type { RuntimeEnv } from "./lib/runtime/env";
import { brokerMiddlewares } from "./lib/runtime/middlewares";
import { SharedMemoryCacher } from "./lib/runtime/memory-cacher";
import { createDurableBus } from "./mixins/durable-bus";

function transporterConfig(url: string | null): TransporterConfig | null {
  if (url === null) return null;
  const type = url.startsWith("nats") ? "NATS" : "AMQP";
  return { type, options: { url } };
}

/** ioredis options from a redis:// URL (the cacher takes options, not a URL). */
function redisOptions(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === "rediss:" ? {} : undefined,
    // Keep quoting when Redis is down: fail cache calls fast instead of queueing them.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  };
}

export function createBrokerOptions(env: RuntimeEnv, middlewares: Middleware[] = []): BrokerOptions {
  // Fills, alerts and notifications go over the durable bus: RabbitMQ when AMQP_URL is set, in memory otherwise.
  const durableBus = createDurableBus({ url: env.amqpUrl, prefix: env.namespace });
  return {
    namespace: env.namespace,
    nodeID: env.nodeID,
    logger: { type: "Console", options: { level: env.logLevel, formatter: "short", colors: process.stdout.isTTY } },
    transporter: transporterConfig(env.transporter),
    serializer: "JSON",
    cacher: env.cacher.type === "Redis"
      ? { type: "Redis", options: { redis: redisOptions(env.cacher.url), ttl: 300, maxParamsLength: 120, prefix: `${env.namespace}-` } }
      : new SharedMemoryCacher({ ttl: 300, maxParamsLength: 120 }),

    requestTimeout: 10_000,
    retryPolicy: {
      enabled: true,
      retries: 3,
      delay: 100,
      maxDelay: 2_000,
      factor: 2,
      // Only errors marked retryable (timeouts, unavailable venues) are retried.
      check: (err: Error) => Boolean((err as { retryable?: boolean }).retryable),
    },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 60,
      halfOpenTime: 10_000,
      // A user's bad request is not the service's fault.
      check: (err: Error) => ((err as { code?: number }).code ?? 500) >= 500,
    },
    bulkhead: { enabled: true, concurrency: 50, maxQueueSize: 500 },
    registry: { strategy: "RoundRobin", preferLocal: true },
    heartbeatInterval: 5,
    heartbeatTimeout: 15,
    tracking: { enabled: true, shutdownTimeout: 5_000 },

    validator: true,
    metrics: {
      enabled: env.metricsPort !== null,
      reporter: env.metricsPort === null ? [] : [{ type: "Prometheus", options: { port: env.metricsPort, path: "/metrics", defaultLabels: () => ({ namespace: env.namespace, nodeID: env.nodeID }) } }],
    },
    // Moleculer's internal middlewares are listed here, not added by the broker, so that a cache hit
    // is answered before the fault-tolerance wrappers and a timed-out remote call is no longer
    // tracked (lib/runtime/middlewares.ts).
    internalMiddlewares: false,
    middlewares: [durableBus, ...middlewares, ...(brokerMiddlewares() as Middleware[])],
    replOptions: { delimiter: "mmesh $" },
  };
}

