/**
 * The market maker's bots follow config even when a sync goes wrong: a sync whose config reads
 * fail is retried with back-off, and a `config.changed` the node never heard (a broadcast is
 * not redelivered) is caught up by the periodic sync.
 */
import { Errors, ServiceBroker, type Middleware } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createMarketMakerService, { type MarketMakerSettings } from "../../services/market-maker.service";
import { testEnv } from "../support/env";
import { until } from "../support/until";

jest.setTimeout(30_000);

interface BotRow { name: string; state: string; live?: unknown }

/** Faults switched on by the test: config reads answered with an error, the mm's config.changed dropped. */
const faults = { failConfigReads: false, configReadsFailed: 0, dropConfigChanged: false, configChangedDropped: 0 };
const faultMiddleware = {
  name: "ConfigSyncFaults",
  localAction(next: (ctx: unknown) => Promise<unknown>, action: { name: string }) {
    if (action.name !== "config.list") return next;
    return (ctx: unknown) => {
      if (!faults.failConfigReads) return next(ctx);
      faults.configReadsFailed += 1;
      return Promise.reject(new Errors.MoleculerError("config store unavailable (injected)", 503, "INJECTED"));
    };
  },
  localEvent(next: (ctx: unknown) => unknown, event: { name: string; service?: { name: string } }) {
    if (event.name !== "config.changed" || event.service?.name !== "mm") return next;
    return (ctx: unknown) => {
      if (!faults.dropConfigChanged) return next(ctx);
      faults.configChangedDropped += 1;
      return Promise.resolve();
    };
  },
} as unknown as Middleware;

describe("market-maker sync with config", () => {
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  const bot = async (name: string) => ((await broker.call("mm.status")) as { bots: BotRow[] }).bots.find((b) => b.name === name);
  const strategy = (name: string) =>
    broker.call("config.set", { kind: "strategies", name, body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001" } } });

  const start = async (settings: Partial<MarketMakerSettings>) => {
    env = testEnv({ SERVICES: "config,cex,market-maker" });
    broker = new ServiceBroker({ ...createBrokerOptions(env, [faultMiddleware]), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0 }));
    broker.createService(createMarketMakerService(env, { leaseTtlMs: 1000, ...settings }));
    await broker.start();
    await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
  };

  afterEach(async () => {
    Object.assign(faults, { failConfigReads: false, dropConfigChanged: false });
    await broker?.stop();
    env?.cleanup();
  });

  it("retries a sync whose config reads failed, and the bot starts once config answers", async () => {
    await start({ configRetryMs: 200, configResyncMs: 600_000 });
    faults.failConfigReads = true;
    await strategy("retried");
    await until("the sync tried and failed", async () => faults.configReadsFailed >= 3);
    // Failing for a while: the retries back off (200, 400, 800 ms …), they do not spin.
    const failedBefore = faults.configReadsFailed;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(faults.configReadsFailed - failedBefore).toBeLessThanOrEqual(2 * 3);
    expect(await bot("retried")).toBeUndefined();
    faults.failConfigReads = false;
    await until("the bot runs", async () => (await bot("retried"))?.live !== undefined, 10_000);
  });

  it("catches up a config.changed the node missed with the periodic sync", async () => {
    await start({ configResyncMs: 500 });
    // The node's first sync is behind it (it would pick the document up too).
    await strategy("heard");
    await until("a bot started from config.changed", async () => (await bot("heard"))?.live !== undefined, 10_000);
    faults.dropConfigChanged = true;
    await strategy("missed");
    expect(faults.configChangedDropped).toBeGreaterThan(0);
    await until("the bot runs", async () => (await bot("missed"))?.live !== undefined, 10_000);
  });
});
