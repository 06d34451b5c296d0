/**
 * CacheFirst in the broker's own configuration (moleculer.config.ts): a cache hit is answered
 * before the fault-tolerance wrappers, yet is still counted, and everything that is not a hit
 * goes through validation, timeouts and the cacher exactly as before.
 */
import { Errors, ServiceBroker, type Context } from "moleculer";
import { createBrokerOptions } from "../../../moleculer.config";
import { testEnv } from "../../support/env";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("CacheFirst middleware", () => {
  const env = testEnv();
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false, metrics: { enabled: true, reporter: [] } });
  const runs: Record<string, number> = { cached: 0, shortLived: 0, slow: 0 };
  broker.createService({
    name: "s",
    actions: {
      cached: {
        cache: { keys: ["k"] },
        params: { k: "string" },
        handler: (ctx: Context<{ k: string }>) => ({ k: ctx.params.k, run: ++runs.cached }),
      },
      shortLived: { cache: { keys: ["k"], ttl: 1 }, handler: () => ({ run: ++runs.shortLived }) },
      slow: {
        cache: { keys: ["k"] },
        retryPolicy: { enabled: false },
        async handler() {
          runs.slow++;
          await sleep(200);
          return { late: true };
        },
      },
    },
  });

  const requests = (action: string) =>
    (broker.metrics.getMetric("moleculer.request.total")!.snapshot() as Array<{ labels: { action?: string }; value: number }>)
      .filter((v) => v.labels.action === action)
      .reduce((sum, v) => sum + v.value, 0);
  const cacherCount = (name: string) => (broker.metrics.getMetric(name)!.snapshot() as Array<{ value: number }>).reduce((sum, v) => sum + v.value, 0);

  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.stop();
    env.cleanup();
  });

  it("sits just inside tracing and metrics, outside the breaker, timeout and retries", () => {
    const names = (broker.middlewares as unknown as { list: Array<{ name?: string }> }).list.map((m) => m.name);
    expect(names.slice(names.indexOf("Cacher"))).toEqual(["Cacher", "ContextTracker", "CircuitBreaker", "Timeout", "RemoteContextTracker", "Retry", "RetrySafety", "Fallback", "ErrorHandler", "CacheFirst", "Tracing", "Metrics", "Debounce", "Throttle", "StopOrder"]);
  });

  it("answers a repeated call from the cache without running the handler, and still counts it", async () => {
    const first = await broker.call("s.cached", { k: "a" });
    const foundBefore = cacherCount("moleculer.cacher.found.total");
    const second = await broker.call("s.cached", { k: "a" });
    expect(second).toBe(first);
    expect(runs.cached).toBe(1);
    expect(requests("s.cached")).toBe(2);
    expect(cacherCount("moleculer.cacher.found.total")).toBe(foundBefore + 1);
    expect(await broker.call("s.cached", { k: "b" })).toEqual({ k: "b", run: 2 });
  });

  it("runs the handler when the caller opts out, after the cache is cleaned and once the entry expired", async () => {
    const before = runs.cached;
    await broker.call("s.cached", { k: "c" });
    await broker.call("s.cached", { k: "c" }, { meta: { $cache: false } });
    expect(runs.cached).toBe(before + 2);
    await broker.cacher!.clean();
    await broker.call("s.cached", { k: "c" });
    expect(runs.cached).toBe(before + 3);

    await broker.call("s.shortLived", { k: "x" });
    await broker.call("s.shortLived", { k: "x" });
    expect(runs.shortLived).toBe(1);
    await sleep(1100);
    expect(await broker.call("s.shortLived", { k: "x" })).toEqual({ run: 2 });
  });

  it("leaves misses to validation and timeouts, and caches nothing that failed", async () => {
    await expect(broker.call("s.cached", {})).rejects.toBeInstanceOf(Errors.ValidationError);
    await expect(broker.call("s.slow", { k: "z" }, { timeout: 50 })).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await expect(broker.call("s.slow", { k: "z" }, { timeout: 50 })).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    expect(runs.slow).toBe(2);
  });
});
