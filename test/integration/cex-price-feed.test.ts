/**
 * The cex-price-feed service end to end: the paper venue's default markets, then a binance
 * market added through the config service and watched live through the real ccxt.pro client
 * against the fake Binance (websocket diff stream + REST snapshots): top of book events, the
 * latest in the cacher, reconnect after dropped connections, resync after a sequence gap,
 * stale/fresh episodes, status counters, and the gateway routes.
 */
import { ServiceBroker, type Context } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createApiService from "../../services/api.service";
import createAuthService from "../../services/auth.service";
import createConfigService from "../../services/config.service";
import createCexPriceFeedService from "../../services/cex-price-feed.service";
import { currentPaperVenue } from "../../lib/cex";
import type { CexPriceUpdate } from "../../lib/price-feed";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { FakeBinance, fakeBinanceConfig, type FakeBinanceEndpoint } from "../support/fake-binance";
import { gatewayUrl, http, waitForRoute } from "../support/http";

jest.setTimeout(30_000);

const ID = "BTCUSDT";
const SYMBOL = "BTC/USDT";
const STALE_MS = 400;
const ALIVE_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Event = { name: string; params: any };

async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("cex-price-feed service", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  const events: Event[] = [];

  const since = (mark: number, name: string, filter: (p: any) => boolean = () => true) => events.slice(mark).filter((e) => e.name === name && filter(e.params));
  const status = async () => (await broker.call("cex-price-feed.status")) as { markets: Array<Record<string, any>>; failed: unknown[] };
  const market = async (exchange: string, symbol: string) => (await status()).markets.find((m) => m.exchange === exchange && m.symbol === symbol);
  const binance = (p: CexPriceUpdate) => p.exchange === "binance" && p.symbol === SYMBOL;

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook(ID, { bids: [[50000, 1], [49999, 2]], asks: [[50001, 1.5], [50002, 3]] });
    env = testEnv({ SERVICES: "api,auth,config,cex-price-feed", RATE_LIMIT_PER_MINUTE: "10000" });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createApiService(env));
    broker.createService(createAuthService(env));
    broker.createService(createConfigService(env));
    broker.createService(
      createCexPriceFeedService(env, {
        staleThresholdMs: STALE_MS,
        staleCheckIntervalMs: 50,
        aliveIntervalMs: ALIVE_MS,
        backoff: { initialMs: 50, maxMs: 200 },
        exchangeOverrides: { binance: { ...fakeBinanceConfig(ep, { ws: { backoff: { base: 50 } } }), rateLimit: 1 } },
      }),
    );
    broker.createService({
      name: "collector",
      events: {
        "price.cex.*"(ctx: Context<unknown>) {
          events.push({ name: ctx.eventName ?? "", params: ctx.params });
        },
      },
    });
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    await fake.stop();
    env?.cleanup();
  });

  it("with no markets configured, watches the paper venue's BTC/USDT and ETH/USDT from its event stream", async () => {
    const { markets } = await status();
    expect(markets.map((m) => `${m.exchange}:${m.symbol}:${m.mode}`).sort()).toEqual(["paper:BTC/USDT:paper", "paper:ETH/USDT:paper"]);
    const update = await until("a paper price event", () => since(0, "price.cex.updated", (p) => p.exchange === "paper")[0]);
    expect(update.params).toEqual({
      exchange: "paper",
      symbol: expect.stringMatching(/^(BTC|ETH)\/USDT$/),
      bid: expect.stringMatching(/^\d+(\.\d+)?$/),
      ask: expect.stringMatching(/^\d+(\.\d+)?$/),
      mid: expect.stringMatching(/^\d+(\.\d+)?$/),
      bidSize: expect.stringMatching(/^\d+(\.\d+)?$/),
      askSize: expect.stringMatching(/^\d+(\.\d+)?$/),
      ts: expect.any(Number),
      receivedAt: expect.any(Number),
      bids: expect.any(Array),
      asks: expect.any(Array),
    });
    // the depth: the top first, best first
    expect(update.params.bids[0]).toEqual([update.params.bid, update.params.bidSize]);
    expect(update.params.asks[0]).toEqual([update.params.ask, update.params.askSize]);
    expect(Number(update.params.bid)).toBeLessThan(Number(update.params.ask));
    const latest = await broker.call("cex-price-feed.latest", { exchange: "paper", symbol: update.params.symbol });
    expect(latest).toMatchObject({ exchange: "paper", symbol: update.params.symbol });
  });

  it("a binance market added with config.set is watched live over ccxt.pro (and replaces the defaults)", async () => {
    const mark = events.length;
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, enabled: true } });
    const first = await until("the first binance event", () => since(mark, "price.cex.updated", binance)[0]);
    expect(first.params).toMatchObject({ bid: "50000", ask: "50001", mid: "50000.5", bidSize: "1", askSize: "1.5" });
    expect([first.params.bids, first.params.asks]).toEqual([[["50000", "1"], ["49999", "2"]], [["50001", "1.5"], ["50002", "3"]]]);
    const { markets } = await status();
    expect(markets.map((m) => `${m.exchange}:${m.symbol}:${m.mode}`)).toEqual(["binance:BTC/USDT:ws"]);
    expect(currentPaperVenue()).toBeNull(); // the paper venue was released with its last market
  });

  it("pushBookUpdate: price.cex.updated with the new top of book; the latest is in the cacher and behind the latest action", async () => {
    const mark = events.length;
    fake.pushBookUpdate(ID, [[50000.5, 0.25]], [[50001, 0]]);
    const event = await until("the update", () => since(mark, "price.cex.updated", (p) => binance(p) && p.bid === "50000.5")[0]);
    expect(event.params).toMatchObject({ bid: "50000.5", bidSize: "0.25", ask: "50002", askSize: "3", mid: "50001.25" });
    expect(event.params.receivedAt).toBeGreaterThanOrEqual(event.params.ts - 1000);
    expect(await broker.cacher!.get("price.cex.binance.BTC/USDT")).toEqual(event.params);
    expect(await broker.call("cex-price-feed.latest", { exchange: "binance", base: "btc", quote: "usdt" })).toEqual(event.params);
    await expect(broker.call("cex-price-feed.latest", { exchange: "binance", symbol: "ETH/BTC" })).rejects.toMatchObject({ code: 404, type: "NOT_FOUND" });
    await expect(broker.call("cex-price-feed.latest", { exchange: "binance" })).rejects.toMatchObject({ code: 422 });
  });

  it("dropConnections: the watcher backs off, reconnects (counted) and events resume", async () => {
    const before = (await market("binance", SYMBOL))!;
    fake.dropConnections();
    await until("a reconnect", async () => {
      const m = await market("binance", SYMBOL);
      return m && m.reconnects > before.reconnects && m.state === "live" && m;
    });
    expect((await market("binance", SYMBOL))!.lastError).toMatchObject({ kind: "network", type: "NetworkError" });
    const mark = events.length;
    fake.pushBookUpdate(ID, [[50000.75, 1]], []);
    const event = await until("an event after the reconnect", () => since(mark, "price.cex.updated", (p) => binance(p) && p.bid === "50000.75")[0]);
    expect(event.params).toMatchObject({ bidSize: "1", ask: "50002" });
    expect(fake.wsClientCount()).toBe(1);
  });

  it("skipSequence: the gap is counted as a resync and the book is right afterwards", async () => {
    const before = (await market("binance", SYMBOL))!;
    fake.skipSequence(ID, 5); // missing diffs that moved the best ask to 50001.5
    fake.pushBookUpdate(ID, [], [[50001.5, 2]]);
    await until("a resync", async () => {
      const m = await market("binance", SYMBOL);
      return m && m.resyncs > before.resyncs && m.state === "live" && m;
    });
    expect((await market("binance", SYMBOL))!.lastError).toMatchObject({ kind: "gap", type: "ChecksumError" });
    const mark = events.length;
    fake.pushBookUpdate(ID, [[50001, 0.5]], []);
    const event = await until("an event after the resync", () => since(mark, "price.cex.updated", (p) => binance(p) && p.bid === "50001")[0]);
    const truth = fake.book(ID, 1);
    expect(event.params).toMatchObject({ bid: "50001", bidSize: "0.5", ask: "50001.5", askSize: "2" });
    expect([Number(event.params.bid), Number(event.params.ask)]).toEqual([Number(truth.bids[0][0]), Number(truth.asks[0][0])]);
  });

  it("price.cex.stale once when updates stop for longer than the threshold, price.cex.fresh when they resume", async () => {
    const mark = events.length;
    const stale = await until("stale", () => since(mark, "price.cex.stale", binance)[0], STALE_MS * 5);
    expect(stale.params).toMatchObject({ exchange: "binance", symbol: SYMBOL, lastUpdate: expect.any(Number) });
    expect(stale.params.ageMs).toBeGreaterThan(STALE_MS);
    expect((await market("binance", SYMBOL))!.stale).toBe(true);
    await sleep(200);
    expect(since(mark, "price.cex.stale", binance)).toHaveLength(1); // once per episode
    fake.pushBookUpdate(ID, [[49000, 1]], []);
    const fresh = await until("fresh", () => since(mark, "price.cex.fresh", binance)[0]);
    expect(fresh.params).toMatchObject({ exchange: "binance", symbol: SYMBOL, lastUpdate: expect.any(Number), silentForMs: expect.any(Number) });
    expect((await market("binance", SYMBOL))!.stale).toBe(false);
  });

  it("depth diffs that leave the top as it was: price.cex.alive (no price.cex.updated); a silent socket: none", async () => {
    const mark = events.length;
    const top = fake.book(ID, 1);
    for (let i = 0; i < 4; i++) {
      fake.pushBookUpdate(ID, [[49990 - i, 1 + i]], []); // below the best bid
      await sleep(ALIVE_MS * 1.5);
    }
    const alive = since(mark, "price.cex.alive", binance);
    expect(alive.length).toBeGreaterThanOrEqual(2);
    expect(alive.length).toBeLessThanOrEqual(4);
    expect(alive[0].params).toEqual({ exchange: "binance", symbol: SYMBOL, receivedAt: expect.any(Number) });
    const times = alive.map((e) => e.params.receivedAt);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    expect(since(mark, "price.cex.updated", binance)).toEqual([]);
    expect([fake.book(ID, 1).bids, fake.book(ID, 1).asks]).toEqual([top.bids, top.asks]);
    // nothing arrives any more: no liveness either
    await sleep(ALIVE_MS * 2);
    const quiet = events.length;
    await sleep(ALIVE_MS * 4);
    expect(since(quiet, "price.cex.alive", binance)).toEqual([]);
  });

  it("a second market added live on the same client; a disabled one is dropped", async () => {
    fake.setBook("ETHUSDT", { bids: [[3000, 2]], asks: [[3000.5, 4]] });
    const mark = events.length;
    await broker.call("config.set", { kind: "markets", name: "binance-eth", body: { venue: "binance", kind: "cex", symbol: "ETH/USDT" } });
    const eth = await until("ETH event", () => since(mark, "price.cex.updated", (p) => p.symbol === "ETH/USDT" && p.exchange === "binance")[0]);
    expect(eth.params).toMatchObject({ bid: "3000", ask: "3000.5", mid: "3000.25" });
    await broker.call("config.set", { kind: "markets", name: "binance-eth", body: { venue: "binance", kind: "cex", symbol: "ETH/USDT", enabled: false } });
    await until("ETH removed", async () => !(await market("binance", "ETH/USDT")));
    expect((await status()).markets.map((m) => m.symbol)).toEqual([SYMBOL]);
  });

  it("gateway: GET /api/v1/cex-price-feed/status and /latest/:exchange/:base/:quote for a viewer", async () => {
    const base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/auth/login");
    const admin = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } })).body.accessToken;
    await http(base, "POST", "/api/v1/auth/users", { token: admin, body: { username: "vera", password: "viewer-password-1", role: "viewer" } });
    const token = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "vera", password: "viewer-password-1" } })).body.accessToken;
    expect((await http(base, "GET", "/api/v1/cex-price-feed/status")).status).toBe(401);
    const st = await http(base, "GET", "/api/v1/cex-price-feed/status", { token });
    expect(st.status).toBe(200);
    expect(st.body.markets[0]).toMatchObject({ exchange: "binance", symbol: SYMBOL, mode: "ws", updates: expect.any(Number), reconnects: expect.any(Number), resyncs: expect.any(Number) });
    const latest = await http(base, "GET", "/api/v1/cex-price-feed/latest/binance/BTC/USDT", { token });
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ exchange: "binance", symbol: SYMBOL, bid: "50001", ask: "50001.5" });
    const missing = await http(base, "GET", "/api/v1/cex-price-feed/latest/binance/DOGE/USDT", { token });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
  });
});

describe("cex-price-feed service stopped while ccxt.pro re-snapshots after a gap", () => {
  it("stop right after a sequence gap closes the client cleanly (no unhandled 'WebSocket is not open')", async () => {
    const fake = new FakeBinance();
    const ep = await fake.start();
    fake.setBook(ID, { bids: [[50000, 1]], asks: [[50001, 1]] });
    const env = testEnv({ SERVICES: "cex-price-feed" });
    const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(
      createCexPriceFeedService(env, {
        configWaitMs: 50,
        defaultMarkets: [{ exchange: "binance", symbol: SYMBOL }],
        exchangeOverrides: { binance: { ...fakeBinanceConfig(ep), rateLimit: 1 } },
      }),
    );
    const unhandled: unknown[] = [];
    const spy = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", spy);
    try {
      await broker.start();
      const live = async () => ((await broker.call("cex-price-feed.status")) as { markets: Array<{ state: string; updates: number; resyncs: number }> }).markets[0];
      await until("live", async () => (await live())?.updates > 0);
      await fake.waitForSubscription("btcusdt@depth@100ms");
      fake.setLatency(300); // the re-snapshot after the gap takes a while: stop lands in the middle of it
      fake.skipSequence(ID, 3);
      await until("the gap", async () => (await live()).resyncs > 0);
      expect((await live()).state).toBe("resyncing");
      const t0 = Date.now();
      await broker.stop();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // waited for the re-snapshot before closing
      await sleep(300);
      expect(unhandled.filter((r) => !String((r as Error)?.message).startsWith("WebSocket is not open"))).toEqual([]);
      expect(process.listenerCount("unhandledRejection")).toBeGreaterThanOrEqual(1);
    } finally {
      process.off("unhandledRejection", spy);
      await fake.stop();
      env.cleanup();
    }
  });
});
