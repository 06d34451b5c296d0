/**
 * The one broker configuration, driven by environment variables (see lib/runtime/env.ts).
 * Fault tolerance (circuit breaker, retries, timeouts, bulkhead) and load balancing are
 * set here for every service, not written into services.
 */
import type { BrokerOptions, Middleware, TransporterConfig } from "moleculer";
import { isVenueError } from "./lib/cex/venue-breaker";
import type { RuntimeEnv } from "./lib/runtime/env";
import { brokerMiddlewares } from "./lib/runtime/middlewares";
import { jsonAnswersMiddleware } from "./lib/runtime/json-answers";
import { SharedMemoryCacher } from "./lib/runtime/memory-cacher";
import { redactingLogger } from "./lib/runtime/redacting-logger";
import { redactionMiddleware } from "./lib/runtime/redact-middleware";
import { stopOrderMiddleware } from "./lib/runtime/stop-order";
import { registerEnvSecrets } from "./lib/runtime/env-secrets";
import { MetricsReporter } from "./lib/monitoring/metrics-reporter";
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
  registerEnvSecrets(env);
  return {
    namespace: env.namespace,
    nodeID: env.nodeID,
    // Every log call, at every level, goes through the redactor (lib/runtime/redact.ts).
    logger: redactingLogger({ type: "Console", options: { level: env.logLevel, formatter: "short", colors: process.stdout.isTTY } }) as unknown as BrokerOptions["logger"],
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
      // Only errors marked retryable (timeouts, unavailable venues) are retried, and only calls
      // safe to repeat: reads and writes carrying an idempotency key (lib/runtime/retry-safety.ts).
      check: (err: Error) => Boolean((err as { retryable?: boolean }).retryable),
    },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 60,
      halfOpenTime: 10_000,
      // A user's bad request is not the service's fault, and neither is one exchange's trouble nor
      // back pressure (a 503 carrying retryAfter, see lib/errors overloaded): this breaker keys on
      // the action, so it would refuse every venue (paper too) with 404. Exchange failures open
      // that exchange's own breaker in lib/cex (venue-breaker.ts).
      check: (err: Error) => {
        const e = err as { code?: number; data?: { retryAfter?: unknown } };
        return (e.code ?? 500) >= 500 && !isVenueError(err) && typeof e.data?.retryAfter !== "number";
      },
    },
    bulkhead: { enabled: true, concurrency: 50, maxQueueSize: 500 },
    registry: { strategy: "RoundRobin", preferLocal: true },
    heartbeatInterval: 5,
    heartbeatTimeout: 15,
    tracking: { enabled: true, shutdownTimeout: 5_000 },

    validator: true,
    metrics: {
      enabled: env.metricsPort !== null,
      // Moleculer's Prometheus reporter on METRICS_HOST, behind METRICS_TOKEN (lib/monitoring/metrics-reporter.ts).
      reporter: env.metricsPort === null ? [] : [new MetricsReporter({ port: env.metricsPort, host: env.metricsHost, token: env.metricsToken, defaultLabels: () => ({ namespace: env.namespace, nodeID: env.nodeID }) }) as never],
    },
    // Moleculer's internal middlewares are listed here, not added by the broker, so that a cache hit
    // is answered before the fault-tolerance wrappers and a timed-out remote call is no longer
    // tracked (lib/runtime/middlewares.ts).
    internalMiddlewares: false,
    // StopOrder is last: its `stopping` hook runs first (hooks run in reverse), so the traders
    // stop before the context tracker waits for the calls still in flight.
    // JsonAnswers before Redaction: the innermost `call` hook, it sees the called context (lib/runtime/json-stream.ts).
    middlewares: [durableBus, jsonAnswersMiddleware(), redactionMiddleware(), ...middlewares, ...(brokerMiddlewares() as Middleware[]), stopOrderMiddleware()],
    replOptions: { delimiter: "mmesh $" },
  };
}

