/**
 * No fill lost on a live venue: the cex service on the fake Binance (real ccxt.binance,
 * myTrades as Binance documents it: 500 a page by default, 1000 at most, 24 h windows).
 * Long trade histories, orders that live for days, a placement answer lost while the order
 * filled at once, an order the exchange forgets; then the order path's smaller promises
 * (stored orders answered after the exchange forgot them, order details, zero balances,
 * minimum amount and notional, open-order counts for live venues).
 */
import { ServiceBroker } from "moleculer";
import { QueryTypes } from "sequelize";
import type { WireFill, WireOrder } from "../../lib/cex";
import { BusinessMetrics, METRIC, type MetricSink } from "../../lib/monitoring/business-metrics";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import { sequelizeOf } from "../../mixins/db.mixin";
import { testEnv } from "../support/env";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig, type FakeBinanceEndpoint } from "../support/fake-binance";
import { makeAccountTrades } from "../support/fake-binance-history";
import { until } from "../support/until";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";
const ID = "BTCUSDT";
const BOOK = { bids: [[50000, 1], [49999, 2]] as [number, number][], asks: [[50001, 1], [50002, 3]] as [number, number][] };
const HOUR = 3_600_000;

type Failure = { code: number; type: string; message: string; data: unknown };
const failure = (p: Promise<unknown>): Promise<Failure> =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err as Failure,
  );

/** A cex node on its own fake Binance; `venue` adds ccxt constructor fields for binance. */
function liveCex(tag: string, venue: Record<string, unknown> = {}) {
  const fake = new FakeBinance();
  const env = testEnv({ SERVICES: "config,keys,cex", MASTER_KEY: `master-key-${tag}` });
  const ctx = {
    fake,
    broker: null as unknown as ServiceBroker,
    fills: [] as WireFill[],
    updates: [] as WireOrder[],
    vanished: [] as WireOrder[],
    seq: 0,
    cid: (name: string) => `${tag}-${name}-${Date.now().toString(36)}-${ctx.seq++}`,
    rows: async (sql: string, replacements: unknown[] = []) =>
      (await sequelizeOf(ctx.broker.getLocalService("cex")).query(sql, { replacements, type: QueryTypes.SELECT })) as Array<Record<string, unknown>>,
    /** As if the order had been stored `ms` earlier. */
    age: async (clientOrderId: string, ms: number) => {
      const [row] = await ctx.rows("SELECT created_at FROM cex_orders WHERE client_order_id = ?", [clientOrderId]);
      await sequelizeOf(ctx.broker.getLocalService("cex")).query("UPDATE cex_orders SET created_at = ? WHERE client_order_id = ?", {
        replacements: [new Date(new Date(row.created_at as string).getTime() - ms), clientOrderId],
      });
    },
    place: (clientOrderId: string, over: Record<string, unknown> = {}, opts: { retries?: number } = {}) =>
      ctx.broker.call<WireOrder, object>("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "49000", clientOrderId, ...over }, opts),
    reconcile: () => ctx.broker.call<{ resolved: WireOrder[]; fills: number }, object>("cex.reconcile", { exchange: "binance" }),
  };
  let ep: FakeBinanceEndpoint;

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook(ID, BOOK);
    const nodeEnv = { ...env, exchangeOverrides: { binance: { ...fakeBinanceConfig(ep), rateLimit: 1, timeout: 1500, ...venue } } };
    ctx.broker = new ServiceBroker({ ...createBrokerOptions(nodeEnv), logger: false });
    ctx.broker.createService(createConfigService(nodeEnv));
    ctx.broker.createService(createKeysService(nodeEnv));
    // The REST path alone (reconcile, fill sync): a user stream would learn these fills first.
    ctx.broker.createService(createCexService(nodeEnv, { reconcileIntervalMs: 0, userStreams: false }));
    ctx.broker.createService({
      name: "order-listener",
      events: {
        "order.filled"(c: { params: WireFill }) { ctx.fills.push(c.params); },
        "order.updated"(c: { params: WireOrder }) { ctx.updates.push(c.params); },
        "order.vanished"(c: { params: WireOrder }) { ctx.vanished.push(c.params); },
      },
    });
    await ctx.broker.start();
    await ctx.broker.call("keys.add", { id: "binance-main", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } });
    await ctx.broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-main" } });
    await ctx.broker.call("cex.markets", { exchange: "binance" }); // markets loaded before any test slows the exchange down
  });

  afterAll(async () => {
    await ctx.broker?.stop();
    await fake.stop();
    env.cleanup();
  });
  return ctx;
}

const paths = [
  ["per order (fetchOrderTrades: orderId + fromId)", {}],
  ["by symbol (a venue without fetchOrderTrades: 24 h windows)", { has: { fetchOrderTrades: false } }],
] as const;

describe.each(paths)("fill sync %s", (_name, venue) => {
  const t = liveCex(venue === paths[0][1] ? "per-order" : "by-symbol", venue);

  it("books a fill with more than 1,000 account trades on the symbol between placement and fill", async () => {
    const clientOrderId = t.cid("busy");
    await t.place(clientOrderId);
    makeAccountTrades(t.fake, 1100);
    t.fake.fillOrder(clientOrderId, "0.004");
    makeAccountTrades(t.fake, 300);
    t.fake.fillOrder(clientOrderId);
    t.fake.clearRequests();
    const result = await t.reconcile();
    expect(result.resolved).toEqual([expect.objectContaining({ clientOrderId, status: "closed", filled: "0.01" })]);
    // One request for the order's own trades; by symbol, pages of 1000 through the 1,400 trades since it was placed.
    const pages = t.fake.requests({ method: "GET", path: "/api/v3/myTrades" });
    if (venue === paths[0][1]) expect(pages.map((r) => r.query.orderId)).toEqual([result.resolved[0].id]);
    else expect(pages.length).toBeGreaterThanOrEqual(2);
    const stored = await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ? ORDER BY trade_id", [clientOrderId]);
    expect(stored.map((r) => r.amount).sort()).toEqual(["0.004", "0.006"]);
    await until("order.filled for both fills", () => t.fills.filter((f) => f.clientOrderId === clientOrderId).length === 2);
    // Nothing owed any more: the next pass asks nothing for it.
    expect(await t.rows("SELECT fills_owed FROM cex_orders WHERE client_order_id = ? AND fills_owed = ?", [clientOrderId, true])).toHaveLength(0);
    t.fake.clearRequests();
    expect(await t.reconcile()).toMatchObject({ resolved: [], fills: 0 });
    expect(t.fake.requests({ method: "GET", path: "/api/v3/myTrades" })).toHaveLength(0);
  });

  it("books the fills of an order that lived more than 24 h", async () => {
    const clientOrderId = t.cid("old");
    await t.place(clientOrderId, { price: "48000" });
    t.fake.fillOrder(clientOrderId, "0.002");
    makeAccountTrades(t.fake, 600);
    // Two days pass: everything so far is two days old, on the exchange and in cex_orders.
    t.fake.engine.backdate(48 * HOUR);
    await t.age(clientOrderId, 48 * HOUR);
    makeAccountTrades(t.fake, 600);
    t.fake.fillOrder(clientOrderId);
    const result = await t.reconcile();
    expect(result.resolved).toEqual([expect.objectContaining({ clientOrderId, status: "closed", filled: "0.01" })]);
    const stored = await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ?", [clientOrderId]);
    expect(stored.map((r) => r.amount).sort()).toEqual(["0.002", "0.008"]);
  });
});

describe("live order path on the fake Binance", () => {
  const t = liveCex("live");

  it("a fill whose placement answer was lost is settled by reconcile as filled, never taken for a refusal", async () => {
    const clientOrderId = t.cid("lost");
    t.fake.setLatency(2500); // every answer comes after ccxt's 1.5 s timeout: the order is placed (and fills at once), the answer is lost
    let refused: Failure;
    try {
      refused = await failure(t.place(clientOrderId, { price: "50001", amount: "0.02" }, { retries: 0 }));
    } finally {
      t.fake.setLatency(0);
    }
    expect(refused).toMatchObject({ code: 503 });
    expect(t.fake.order(clientOrderId)).toMatchObject({ status: "FILLED" });
    expect(await t.rows("SELECT status FROM cex_orders WHERE client_order_id = ?", [clientOrderId])).toEqual([{ status: "pending" }]);

    await t.age(clientOrderId, 5 * 60_000);
    await t.reconcile();
    expect(await t.rows("SELECT status, filled FROM cex_orders WHERE client_order_id = ?", [clientOrderId])).toEqual([{ status: "closed", filled: "0.02" }]);
    const fills = await t.rows("SELECT amount, price FROM cex_fills WHERE client_order_id = ?", [clientOrderId]);
    expect(fills).toEqual([{ amount: "0.02", price: "50001" }]);
    await until("order.filled", () => t.fills.some((f) => f.clientOrderId === clientOrderId));
    // The retried create returns the stored (filled) order and sends nothing.
    t.fake.clearRequests();
    expect(await t.place(clientOrderId, { price: "50001", amount: "0.02" })).toMatchObject({ status: "closed", filled: "0.02" });
    expect(t.fake.requests({ method: "POST", path: "/api/v3/order" })).toHaveLength(0);
  });

  it("an order the exchange forgot is resolved once from its trades, with a warning event, and asked for no more", async () => {
    const clientOrderId = t.cid("gone");
    const placed = await t.place(clientOrderId, { price: "47000" });
    t.fake.fillOrder(clientOrderId, "0.004");
    const account = t.fake.engine.requireAccount(DEFAULT_ACCOUNT.apiKey);
    t.fake.engine.cancelOrder(account.orders.get(Number(placed.id))!);
    account.orders.delete(Number(placed.id)); // archived: GET /api/v3/order answers -2013
    await t.age(clientOrderId, 10 * 60_000);

    const first = await t.reconcile();
    expect(first.resolved).toEqual([expect.objectContaining({ clientOrderId, status: "expired", filled: "0.004" })]);
    expect(await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ?", [clientOrderId])).toEqual([{ amount: "0.004" }]);
    await until("order.vanished", () => t.vanished.some((o) => o.clientOrderId === clientOrderId));

    t.fake.clearRequests();
    await t.reconcile();
    expect(t.fake.requests({ method: "GET", path: "/api/v3/order" })).toHaveLength(0);
    expect(t.vanished.filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);

    // cex.order answers it from cex_orders though the exchange no longer knows it.
    expect(await t.broker.call("cex.order", { exchange: "binance", clientOrderId })).toMatchObject({ clientOrderId, status: "expired", filled: "0.004" });
  });

  it("a cancel answered 'Unknown order sent.' for an order that filled books its fill and returns it closed", async () => {
    const clientOrderId = t.cid("race");
    await t.place(clientOrderId, { price: "46000", amount: "0.03" });
    t.fake.fillOrder(clientOrderId, "0.01");
    makeAccountTrades(t.fake, 1100);
    t.fake.fillOrder(clientOrderId);
    t.fake.clearRequests();
    const canceled = await t.broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "binance", clientOrderId });
    expect(canceled).toMatchObject({ clientOrderId, status: "closed", filled: "0.03", remaining: "0" });
    expect(t.fake.requests({ method: "DELETE", path: "/api/v3/order" })[0]).toMatchObject({ status: 400 });
    expect((await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ?", [clientOrderId])).map((r) => r.amount).sort()).toEqual(["0.01", "0.02"]);
    await until("order.filled for both fills", () => t.fills.filter((f) => f.clientOrderId === clientOrderId).length === 2);
  });

  it("fills a failed sync left behind stay owed and are booked by the next reconcile, though the order is closed", async () => {
    const clientOrderId = t.cid("owed");
    await t.place(clientOrderId, { price: "45500" });
    t.fake.fillOrder(clientOrderId);
    t.fake.failNext(5, 503, undefined, { path: "/api/v3/myTrades" });
    const canceled = await t.broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "binance", clientOrderId });
    t.fake.clearFailures();
    expect(canceled).toMatchObject({ status: "closed", filled: "0.01" });
    expect(await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ?", [clientOrderId])).toEqual([]);

    const result = await t.reconcile(); // the order is not open any more: only its owed fills bring it back
    expect(result.fills).toBe(1);
    expect(await t.rows("SELECT amount FROM cex_fills WHERE client_order_id = ?", [clientOrderId])).toEqual([{ amount: "0.01" }]);
  });

  it("orders carry postOnly, average and cost; balances list zero currencies", async () => {
    const clientOrderId = t.cid("detail");
    t.fake.setBook(ID, BOOK);
    const order = await t.place(clientOrderId, { price: "50002", amount: "1.5" });
    expect(order).toMatchObject({ status: "closed", postOnly: false, cost: "75002", average: expect.stringMatching(/^50001\.33/) });
    const maker = await t.place(t.cid("maker"), { price: "40000", amount: "0.001", postOnly: true });
    expect(maker).toMatchObject({ status: "open", postOnly: true, average: null });
    expect(await t.broker.call("cex.order", { exchange: "binance", clientOrderId: maker.clientOrderId })).toMatchObject({ postOnly: true });

    t.fake.setBalance(DEFAULT_ACCOUNT.apiKey, "BNB", "0");
    const balance = await t.broker.call<{ balances: Record<string, { free: string; used: string; total: string }> }, object>("cex.balance", { exchange: "binance" });
    expect(balance.balances.BNB).toEqual({ free: "0", used: "0", total: "0" });
  });

  it("refuses an order below the market's minimum notional or amount before sending it", async () => {
    t.fake.clearRequests();
    const tooSmall = await failure(t.place(t.cid("small"), { amount: "0.0001", price: "40000" }));
    expect(tooSmall).toMatchObject({ code: 422, type: "VALIDATION_ERROR", message: expect.stringContaining("minimum notional 5 (limits.cost.min)") });
    expect((tooSmall.data as Array<{ field: string }>)[0].field).toBe("amount");
    expect(t.fake.requests({ method: "POST", path: "/api/v3/order" })).toHaveLength(0);
  });

  it("counts open live-venue orders in mmesh_orders_open (order.updated on placement)", async () => {
    const values = new Map<string, number>();
    const sink: MetricSink = {
      register: () => ({}),
      hasMetric: () => true,
      set: (name, value, labels) => void values.set(`${name}|${labels?.exchange}|${labels?.symbol}`, value),
      increment: () => undefined,
      observe: () => undefined,
    };
    const metrics = new BusinessMetrics(sink);
    const seen = t.updates.length;
    const clientOrderId = t.cid("count");
    await t.place(clientOrderId, { price: "45000" });
    await until("order.updated for the new order", () => t.updates.slice(seen).some((o) => o.clientOrderId === clientOrderId));
    for (const o of t.updates.slice(seen)) metrics.onOrderUpdated(o as never);
    expect(values.get(`${METRIC.ORDERS_OPEN}|binance|${SYMBOL}`)).toBe(1);

    const after = t.updates.length;
    await t.broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId });
    await until("order.updated for the cancel", () => t.updates.slice(after).some((o) => o.clientOrderId === clientOrderId));
    for (const o of t.updates.slice(after)) metrics.onOrderUpdated(o as never);
    expect(values.get(`${METRIC.ORDERS_OPEN}|binance|${SYMBOL}`)).toBe(0);
  });
});

describe("cex.order after a restart (paper venue)", () => {
  const env = testEnv({ SERVICES: "cex" });
  const start = async () => {
    const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createCexService(env, { reconcileIntervalMs: 0, userStreams: false }));
    await broker.start();
    return broker;
  };
  afterAll(() => env.cleanup());

  it("answers an order placed by the previous process from cex_orders", async () => {
    const clientOrderId = `restart-${Date.now().toString(36)}`;
    let broker = await start();
    try {
      await broker.call("cex.createOrder", { exchange: "paper", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001", price: "10000", clientOrderId });
    } finally {
      await broker.stop();
    }
    broker = await start();
    try {
      const order = await broker.call<WireOrder, object>("cex.order", { exchange: "paper", clientOrderId });
      expect(order).toMatchObject({ exchange: "paper", clientOrderId, amount: "0.001", price: "10000", status: "expired" });
    } finally {
      await broker.stop();
    }
  });
});
