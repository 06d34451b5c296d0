/**
 * The cex and fee services on a live venue: ccxt.binance pointed at the fake Binance
 * (test/support/fake-binance) through the service's `exchangeOverrides` seam, credentials
 * from the keystore, a markets document naming the venue. Then the shared per-key rate
 * limit and 429 cooldown, on the memory backend and through Redis.
 */
import * as ccxt from "ccxt";
import { ServiceBroker } from "moleculer";
import { QueryTypes } from "sequelize";
import {
  ExchangeRateLimitedError,
  createExchangeClient,
  createMemoryRateLimitBackend,
  createRedisRateLimitBackend,
  installRateLimit,
  type WireFill,
  type WireOrder,
} from "../../lib/cex";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createFeeService from "../../services/fee.service";
import createKeysService from "../../services/keys.service";
import { sequelizeOf } from "../../mixins/db.mixin";
import { testEnv, uniqueName } from "../support/env";
import { startTcpLink } from "../support/tcp-link";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig, type FakeBinanceEndpoint } from "../support/fake-binance";

jest.setTimeout(30_000);

const SYMBOL = "BTC/USDT";
const ID = "BTCUSDT";
const BOOK = { bids: [[50000, 1], [49999, 2]] as [number, number][], asks: [[50001, 1], [50002, 3]] as [number, number][] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Failure = { code: number; type: string; message: string; retryable?: boolean; data: Record<string, unknown> };
const failure = (p: Promise<unknown>): Promise<Failure> =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err as Failure,
  );

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 8000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
};

describe("cex service on the fake Binance", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  const env = testEnv({ SERVICES: "config,keys,cex,fee", MASTER_KEY: "master-key-for-cex-tests" });
  let broker: ServiceBroker;
  const fills: WireFill[] = [];
  let seq = 0;
  const cid = (tag: string) => `b-${tag}-${Date.now().toString(36)}-${seq++}`;

  const newBroker = () => {
    // The venue is pointed at the fake the way an operator does it: EXCHANGE_OVERRIDES (JSON) in the environment.
    const overrides = readEnv({ EXCHANGE_OVERRIDES: JSON.stringify({ binance: { ...fakeBinanceConfig(ep), rateLimit: 5 } }) }).exchangeOverrides;
    const nodeEnv = { ...env, exchangeOverrides: overrides };
    const b = new ServiceBroker({ ...createBrokerOptions(nodeEnv), logger: false });
    b.createService(createConfigService(nodeEnv));
    b.createService(createKeysService(nodeEnv));
    b.createService(createCexService(nodeEnv, { reconcileIntervalMs: 0 }));
    b.createService(createFeeService(env));
    b.createService({ name: "fill-listener", events: { "order.filled"(ctx: { params: WireFill }) { fills.push(ctx.params); } } });
    return b;
  };
  const rows = async (b: ServiceBroker, sql: string, replacements: unknown[]) =>
    (await sequelizeOf(b.getLocalService("cex")).query(sql, { replacements, type: QueryTypes.SELECT })) as Array<Record<string, unknown>>;
  const storeKey = async (secret: string) => {
    await broker.call("keys.add", { id: "binance-main", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret }, overwrite: true });
    // A new version of the markets document makes the cex service reopen its binance client.
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-main" }, comment: `key ${seq++}` });
  };

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook(ID, BOOK);
    broker = newBroker();
    await broker.start();
    await storeKey(DEFAULT_ACCOUNT.secret);
  });

  afterAll(async () => {
    await broker?.stop();
    await fake.stop();
    env.cleanup();
  });

  it("lists the venue and its markets, book and balance as decimal strings", async () => {
    expect(await broker.call("cex.exchanges")).toEqual(["binance", "paper"]);
    const markets = await broker.call<Array<Record<string, unknown>>, object>("cex.markets", { exchange: "binance" });
    expect(markets.find((m) => m.symbol === SYMBOL)).toMatchObject({ base: "BTC", quote: "USDT", precision: { price: "0.01", amount: "0.00001" }, limits: { amountMin: "0.00001", costMin: "5" } });
    const book = await broker.call<{ bids: string[][]; asks: string[][] }, object>("cex.orderBook", { exchange: "binance", base: "btc", quote: "usdt" });
    expect(book.bids[0]).toEqual(["50000", "1"]);
    expect(book.asks[0]).toEqual(["50001", "1"]);
    const balance = await broker.call<{ balances: Record<string, { free: string; used: string; total: string }> }, object>("cex.balance", { exchange: "binance" });
    expect(balance.balances.USDT).toEqual({ free: "1000000", used: "0", total: "1000000" });
    expect(balance.balances.BTC.total).toBe("10");
    // every request carried the stored key
    expect(fake.requests({ path: "/api/v3/account" }).every((r) => r.apiKey === DEFAULT_ACCOUNT.apiKey)).toBe(true);
  });

  it("gives fee rates from fetchTradingFees and estimates with the market's feeSide", async () => {
    const rates = await broker.call("fee.rates", { exchange: "binance", symbol: SYMBOL });
    expect(rates).toMatchObject({ exchange: "binance", symbol: SYMBOL, maker: "0.001", taker: "0.001", source: "tradingFees" });
    const estimate = await broker.call<Record<string, unknown>, object>("fee.estimate", { exchange: "binance", symbol: SYMBOL, side: "sell", amount: "0.5", price: "50000" });
    expect(estimate).toMatchObject({ feeCurrency: "quote", currency: "USDT", fee: "25", feeInQuote: "25", notional: "25000" });
  });

  it("places an order with a clientOrderId; a retry returns the stored order and sends nothing", async () => {
    fake.clearRequests();
    const clientOrderId = cid("idem");
    const req = { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "49000", clientOrderId };
    const first = await broker.call<WireOrder, object>("cex.createOrder", req);
    expect(first).toMatchObject({ exchange: "binance", clientOrderId, status: "open", price: "49000", amount: "0.01", filled: "0" });
    expect(fake.order(clientOrderId)).toMatchObject({ status: "NEW" });
    const retry = await broker.call<WireOrder, object>("cex.createOrder", req);
    expect(retry.id).toBe(first.id);
    expect(fake.requests({ method: "POST", path: "/api/v3/order" })).toHaveLength(1);

    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "binance", clientOrderId });
    expect(canceled).toMatchObject({ clientOrderId, status: "canceled" });
    expect(fake.order(clientOrderId)).toMatchObject({ status: "CANCELED" });
  });

  it("treats a cancel of an order that filled meanwhile as a fill: closed, fills persisted", async () => {
    const clientOrderId = cid("fill");
    await broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.02", price: "49500", clientOrderId });
    fake.fillOrder(clientOrderId);
    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "binance", clientOrderId });
    expect(canceled).toMatchObject({ clientOrderId, status: "closed", filled: "0.02", remaining: "0" });
    const stored = await rows(broker, "SELECT * FROM cex_fills WHERE client_order_id = ?", [clientOrderId]);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ exchange: "binance", symbol: SYMBOL, side: "buy", price: "49500", amount: "0.02", taker_or_maker: "maker", fee_currency: "BTC" });
    expect(fills.filter((f) => f.clientOrderId === clientOrderId)).toHaveLength(1);
  });

  it("replaceOrders: a cancel the exchange fails (503) skips every place; a filled order counts as gone", async () => {
    type Batch = {
      canceled: Array<{ clientOrderId: string; ok: boolean; gone?: boolean; order?: WireOrder; error?: { code: number; type: string; message: string } }>;
      placed: Array<{ clientOrderId: string; ok: boolean; order?: WireOrder; error?: { code: number; type: string } }>;
      placesSkipped: boolean;
    };
    const limit = { exchange: "binance", symbol: SYMBOL, type: "limit", amount: "0.01" };
    const resting = cid("rep-rest");
    const filled = cid("rep-fill");
    await broker.call("cex.createOrder", { ...limit, side: "buy", price: "48000", clientOrderId: resting });
    await broker.call("cex.createOrder", { ...limit, side: "buy", price: "48100", clientOrderId: filled });
    fake.fillOrder(filled);
    const next = cid("rep-next");
    const batch = { exchange: "binance", symbol: SYMBOL, cancel: [resting, filled], place: [{ clientOrderId: next, side: "buy", type: "limit", price: "48200", amount: "0.01" }] };

    fake.clearRequests();
    fake.failNext(1, 503, undefined, { path: "/api/v3/order", method: "DELETE" });
    const refused = await broker.call<Batch, object>("cex.replaceOrders", batch);
    expect(refused.placesSkipped).toBe(true);
    expect(refused.placed).toEqual([]);
    const failed = refused.canceled.filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatchObject({ code: 503, type: "EXCHANGE_UNAVAILABLE" });
    expect(fake.requests({ method: "POST", path: "/api/v3/order" })).toHaveLength(0); // nothing left for the venue
    expect(fake.order(next)).toBeUndefined();

    // Retried once the exchange answers: the resting order is cancelled, the filled one is gone (closed, its fill stored), the new one placed.
    const ok = await broker.call<Batch, object>("cex.replaceOrders", batch);
    expect(ok.placesSkipped).toBe(false);
    expect(ok.canceled).toEqual([
      { clientOrderId: resting, ok: true, order: expect.objectContaining({ status: "canceled" }) },
      { clientOrderId: filled, ok: true, order: expect.objectContaining({ status: "closed", filled: "0.01" }) },
    ]);
    expect(ok.placed).toEqual([{ clientOrderId: next, ok: true, ackedAt: expect.any(Number), order: expect.objectContaining({ clientOrderId: next, status: "open", price: "48200" }) }]);
    expect(fake.order(resting)).toMatchObject({ status: "CANCELED" });
    expect(fake.order(next)).toMatchObject({ status: "NEW" });
    expect(await rows(broker, "SELECT * FROM cex_fills WHERE client_order_id = ?", [filled])).toHaveLength(1);
    await broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId: next });
  });

  it("maps refusals: insufficient balance 422, exchange down 503 retryable", async () => {
    const poor = await failure(broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "100", price: "49000", clientOrderId: cid("poor") }));
    expect(poor).toMatchObject({ code: 422, type: "INSUFFICIENT_FUNDS" });
    expect(await rows(broker, "SELECT * FROM cex_orders WHERE status = 'pending'", [])).toHaveLength(0);

    const pong = await broker.call<{ serverTime: number; latencyMs: number }, object>("cex.ping", { exchange: "binance" });
    expect(Math.abs(pong.serverTime - Date.now())).toBeLessThan(5000);
    await fake.setDown(true, "503");
    try {
      const down = await failure(broker.call("cex.balance", { exchange: "binance" }));
      expect(down).toMatchObject({ code: 503, type: "EXCHANGE_UNAVAILABLE", retryable: true });
      // What the monitoring service's exchange probe (mmesh_server_up{server="exchange:binance"}) asks.
      expect(await failure(broker.call("cex.ping", { exchange: "binance" }, { retries: 0 }))).toMatchObject({ code: 503, type: "EXCHANGE_UNAVAILABLE" });
    } finally {
      await fake.setDown(false);
    }
    expect((await broker.call<{ balances: object }, object>("cex.balance", { exchange: "binance" })).balances).toHaveProperty("USDT");
    expect(await broker.call("cex.ping", { exchange: "binance" })).toMatchObject({ exchange: "binance" });
  });

  it("after a 429 with Retry-After: 1 refuses calls without reaching the exchange until the window has passed", async () => {
    fake.clearRequests();
    // The test's own calls only: the node's background calls (clock sync, user stream, reconcile)
    // must neither take the 429 nor count as calls that left during the cooldown.
    const ours = () => fake.requests({ path: /^\/api\/v3\/(depth|account)$/ });
    fake.failNext(1, 429, undefined, { retryAfter: 1, path: "/api/v3/depth" });
    // retries: 0 — the broker's retry policy would otherwise retry the retryable 503 (each retry refused locally too)
    const limited = await failure(broker.call("cex.orderBook", { exchange: "binance", symbol: SYMBOL }, { retries: 0 }));
    const at = ours()[0].time;
    expect(limited).toMatchObject({ code: 503, type: "EXCHANGE_RATE_LIMITED", retryable: true, data: { exchange: "binance", retryAfterMs: 1000 } });
    expect(ours().map((r) => r.status)).toEqual([429]);

    const refused = await failure(broker.call("cex.balance", { exchange: "binance" }, { retries: 0 }));
    expect(refused).toMatchObject({ code: 503, type: "EXCHANGE_RATE_LIMITED" });
    expect(refused.data.retryAfterMs).toBeGreaterThan(0);
    expect(refused.data.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(ours()).toHaveLength(1); // nothing left the process

    await sleep(Math.max(0, 1050 - (Date.now() - at)));
    const book = await broker.call<{ bids: string[][] }, object>("cex.orderBook", { exchange: "binance", symbol: SYMBOL });
    expect(book.bids[0]).toEqual(["50000", "1"]);
    expect(ours().map((r) => r.status)).toEqual([429, 200]);
  });

  it("reports refused credentials as 502 EXCHANGE_AUTH_FAILED without the secret", async () => {
    const wrong = "wrong-secret-value-123456";
    await storeKey(wrong);
    let auth: Failure | null = null;
    await until(async () => {
      auth = await failure(broker.call("cex.balance", { exchange: "binance" })).catch(() => null);
      return auth?.type === "EXCHANGE_AUTH_FAILED";
    });
    expect(auth).toMatchObject({ code: 502, type: "EXCHANGE_AUTH_FAILED" });
    const text = JSON.stringify(auth) + (auth as unknown as Failure).message;
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(DEFAULT_ACCOUNT.secret);
    expect(text).not.toContain(DEFAULT_ACCOUNT.apiKey);
    await storeKey(DEFAULT_ACCOUNT.secret);
    await until(async () => !!(await broker.call("cex.balance", { exchange: "binance" }).catch(() => null)));
  });

  it("reconciles after a restart: an order filled while the service was down is closed and its fill stored", async () => {
    const clientOrderId = cid("restart");
    await broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "sell", type: "limit", amount: "0.03", price: "51000", clientOrderId });
    await broker.stop();
    fake.fillOrder(clientOrderId);
    broker = newBroker();
    await broker.start();
    await until(async () => (await rows(broker, "SELECT status FROM cex_orders WHERE client_order_id = ?", [clientOrderId]))[0]?.status === "closed");
    const order = (await rows(broker, "SELECT * FROM cex_orders WHERE client_order_id = ?", [clientOrderId]))[0];
    expect(order).toMatchObject({ filled: "0.03", remaining: "0" });
    await until(async () => (await rows(broker, "SELECT * FROM cex_fills WHERE client_order_id = ?", [clientOrderId])).length === 1);
    const [fill] = await rows(broker, "SELECT * FROM cex_fills WHERE client_order_id = ?", [clientOrderId]);
    expect(fill).toMatchObject({ side: "sell", price: "51000", amount: "0.03", fee_currency: "USDT" });
  });
});

describe("shared rate limit on ccxt.binance against the fake", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  const client = (apiKey = DEFAULT_ACCOUNT.apiKey, rateLimit = 1) =>
    createExchangeClient("binance", { apiKey, secret: DEFAULT_ACCOUNT.secret }, { ...fakeBinanceConfig(ep), rateLimit }) as unknown as ccxt.binance;

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook(ID, BOOK);
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("two instances with the same key on the memory limiter share one budget", async () => {
    const key = uniqueName("key");
    fake.addAccount({ apiKey: key, secret: DEFAULT_ACCOUNT.secret, balances: { USDT: "1" } });
    const backend = createMemoryRateLimitBackend();
    const [a, b] = [client(key, 200), client(key, 200)]; // 200 ms per cost unit: 5 depth requests per second
    for (const c of [a, b]) {
      installRateLimit(c, { exchange: "binance", apiKey: key, backend });
      const template = client();
      await template.loadMarkets();
      Object.assign(c, { markets: template.markets, markets_by_id: template.markets_by_id, symbols: template.symbols });
    }
    fake.clearRequests();
    await Promise.all([a, a, a, b, b, b].map((c) => c.fetchOrderBook(SYMBOL)));
    const times = fake.requests({ path: "/api/v3/depth" }).map((r) => r.time).sort((x, y) => x - y);
    expect(times).toHaveLength(6);
    expect(times[4] - times[0]).toBeLessThan(400);
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(600); // the sixth waited for the next window
  });

  it("with Redis unreachable, calls go on at once on the memory insurance (no wait for Redis)", async () => {
    const link = await startTcpLink(6379);
    const backend = createRedisRateLimitBackend(`redis://127.0.0.1:${link.port}`, uniqueName("cex-rl-down"));
    try {
      const c = client();
      installRateLimit(c, { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, backend });
      await c.loadMarkets();
      await link.cut();
      await sleep(200);
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        expect((await c.fetchOrderBook(SYMBOL)).bids[0]).toEqual([50000, 1]);
        expect(Date.now() - started).toBeLessThan(500);
      }
    } finally {
      await link.restore();
      await backend.close();
      await link.close();
    }
  });

  it("through Redis, a 429 seen by one node cools the key down on another", async () => {
    const prefix = uniqueName("cex-rl-test");
    const [nodeA, nodeB] = [createRedisRateLimitBackend("redis://127.0.0.1:6379", prefix), createRedisRateLimitBackend("redis://127.0.0.1:6379", prefix)];
    try {
      expect(await nodeA.connected(5000)).toBe(true);
      expect(await nodeB.connected(5000)).toBe(true);
      const [a, b] = [client(), client()];
      installRateLimit(a, { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, backend: nodeA });
      installRateLimit(b, { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, backend: nodeB });
      await a.loadMarkets();
      await b.loadMarkets();
      fake.clearRequests();
      fake.failNext(1, 418, undefined, { retryAfter: 1 });
      const banned = await a.fetchTicker(SYMBOL).catch((e: unknown) => e);
      expect(banned).toBeInstanceOf(ExchangeRateLimitedError);
      expect(banned).toMatchObject({ retryAfterMs: 1000, status: 418 });
      const refused = await b.fetchOrderBook(SYMBOL).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ExchangeRateLimitedError);
      expect(fake.requests()).toHaveLength(1);
      await sleep(1050);
      expect((await b.fetchOrderBook(SYMBOL)).bids[0]).toEqual([50000, 1]);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });
});
