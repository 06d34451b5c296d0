/**
 * The cex and fee services on the embedded default (one process, SQLite, the shared
 * paper venue in real time): through the broker, then through the gateway.
 */
import type { ServiceBroker } from "moleculer";
import { QueryTypes } from "sequelize";
import { PAPER_ACCOUNT, currentPaperVenue, type WireFill, type WireOrder } from "../../lib/cex";
import { sequelizeOf } from "../../mixins/db.mixin";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { gatewayUrl, http, waitForRoute } from "../support/http";

jest.setTimeout(30_000);

type Failure = { code: number; type: string; data: Array<{ field: string }> };
const failure = (p: Promise<unknown>): Promise<Failure> =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err as Failure,
  );

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("cex and fee services on the paper exchange", () => {
  const env = testEnv({ SERVICES: "api,auth,config,keys,cex,fee", RATE_LIMIT_PER_MINUTE: "10000" });
  let broker: ServiceBroker;
  const fills: WireFill[] = [];
  const updates: WireOrder[] = [];
  const orphans: WireOrder[] = [];
  const busFills: WireFill[] = [];
  let seq = 0;
  const cid = (tag: string) => `t-${tag}-${Date.now().toString(36)}-${seq++}`;

  const bestAsk = async (): Promise<string> => {
    const book = await broker.call<{ asks: string[][] }, object>("cex.orderBook", { exchange: "paper", symbol: "BTC/USDT" });
    return book.asks[0][0];
  };

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    broker.createService({
      name: "order-listener",
      events: {
        "order.filled"(ctx: { params: WireFill }) { fills.push(ctx.params); },
        "order.updated"(ctx: { params: WireOrder }) { updates.push(ctx.params); },
        "order.orphaned"(ctx: { params: WireOrder }) { orphans.push(ctx.params); },
      },
      channels: {
        "order.filled": { group: "cex-test", handler(payload: WireFill) { busFills.push(payload); } },
      },
    });
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    expect(currentPaperVenue()).toBeNull(); // the last cex service stopped the venue's realtime timer
    env.cleanup();
  });

  it("lists markets with decimal-string precision and fees", async () => {
    const markets = await broker.call<Array<Record<string, unknown>>, object>("cex.markets", { exchange: "paper" });
    expect(markets.map((m) => m.symbol).sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(markets.find((m) => m.symbol === "BTC/USDT")).toMatchObject({ base: "BTC", quote: "USDT", maker: "0.0001", taker: "0.0002", precision: { price: "0.01", amount: "0.00001" } });
  });

  it("returns a book and a ticker as decimal strings", async () => {
    const book = await broker.call<{ bids: string[][]; asks: string[][]; symbol: string }, object>("cex.orderBook", { exchange: "paper", base: "btc", quote: "usdt", limit: 5 });
    expect(book.symbol).toBe("BTC/USDT");
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.bids.length).toBeLessThanOrEqual(5);
    for (const [price, amount] of [...book.bids, ...book.asks]) {
      expect(typeof price).toBe("string");
      expect(price).toMatch(/^\d+(\.\d+)?$/);
      expect(amount).toMatch(/^\d+(\.\d+)?$/);
    }
    expect(Number(book.bids[0][0])).toBeLessThan(Number(book.asks[0][0]));
    const ticker = await broker.call<{ bid: string; ask: string }, object>("cex.ticker", { exchange: "paper", symbol: "ETH/USDT" });
    expect(ticker.bid).toMatch(/^\d+(\.\d+)?$/);
  });

  it("shows the funded paper balance", async () => {
    const balance = await broker.call<{ balances: Record<string, { free: string; used: string; total: string }> }, object>("cex.balance", { exchange: "paper" });
    expect(balance.balances.USDT.total).toBe("1000000");
    expect(balance.balances.BTC.total).toBe("10");
  });

  it("places a limit order that rests, is listed open and locks the quote balance", async () => {
    const clientOrderId = cid("rest");
    const order = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.01", price: "30000", clientOrderId });
    expect(order).toMatchObject({ exchange: "paper", clientOrderId, symbol: "BTC/USDT", side: "buy", type: "limit", price: "30000", amount: "0.01", filled: "0", remaining: "0.01", status: "open" });
    expect(typeof order.id).toBe("string");
    const open = await broker.call<WireOrder[], object>("cex.openOrders", { exchange: "paper", symbol: "BTC/USDT" });
    expect(open.map((o) => o.clientOrderId)).toContain(clientOrderId);
    const balance = await broker.call<{ balances: Record<string, { used: string }> }, object>("cex.balance", { exchange: "paper" });
    expect(Number(balance.balances.USDT.used)).toBeGreaterThanOrEqual(300);

    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "paper", clientOrderId });
    expect(canceled).toMatchObject({ clientOrderId, status: "canceled" });
    const after = await broker.call<WireOrder[], object>("cex.openOrders", { exchange: "paper" });
    expect(after.map((o) => o.clientOrderId)).not.toContain(clientOrderId);
    const stored = await broker.call<WireOrder, object>("cex.order", { exchange: "paper", clientOrderId });
    expect(stored.status).toBe("canceled");
  });

  it("rounds amount and price to the market's precision", async () => {
    const order = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.012349", price: "30000.129", clientOrderId: cid("round") });
    expect(order.amount).toBe("0.01234");
    expect(order.price).toMatch(/^30000\.1[23]$/);
    await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId: order.clientOrderId });
  });

  it("is idempotent: a retry returns the stored order, concurrent creates make exactly one order", async () => {
    const clientOrderId = cid("idem");
    const req = { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "31000", clientOrderId };
    const first = await broker.call<WireOrder, object>("cex.createOrder", req);
    const retry = await broker.call<WireOrder, object>("cex.createOrder", req);
    expect(retry.id).toBe(first.id);

    const racedId = cid("race");
    const raced = await Promise.all([0, 1, 2].map(() => broker.call<WireOrder, object>("cex.createOrder", { ...req, clientOrderId: racedId })));
    expect(new Set(raced.map((o) => o.id)).size).toBe(1);
    const open = await broker.call<WireOrder[], object>("cex.openOrders", { exchange: "paper" });
    expect(open.filter((o) => o.clientOrderId === racedId)).toHaveLength(1);
    expect(open.filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);
    // Paper orders are written behind the answer: one row each once written, never two.
    const count = async () => Number(((await sequelizeOf(broker.getLocalService("cex")).query("SELECT COUNT(*) AS n FROM cex_orders WHERE client_order_id IN (?, ?)", { replacements: [clientOrderId, racedId], type: QueryTypes.SELECT }))[0] as { n: number }).n);
    await until(async () => (await count()) === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe(2);

    // The same id for a different order is a conflict, not a silent success.
    await expect(broker.call("cex.createOrder", { ...req, side: "sell", price: "90000" })).rejects.toMatchObject({ code: 409, type: "CONFLICT" });
    await broker.call("cex.cancelAll", { exchange: "paper", symbol: "BTC/USDT" });
  });

  it("records a fill: order.filled event, cex_fills row, and a cancel after the fill returns it closed", async () => {
    const clientOrderId = cid("fill");
    const price = (Number(await bestAsk()) * 1.01).toFixed(2);
    const order = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.002", price, clientOrderId });
    expect(order.status).toBe("closed");
    expect(order.filled).toBe("0.002");
    await until(() => fills.some((f) => f.clientOrderId === clientOrderId));
    const fill = fills.find((f) => f.clientOrderId === clientOrderId)!;
    expect(fill).toMatchObject({ exchange: "paper", symbol: "BTC/USDT", side: "buy", takerOrMaker: "taker", orderId: order.id });
    expect(fill.price).toMatch(/^\d+(\.\d+)?$/);
    const rows = await sequelizeOf(broker.getLocalService("cex")).query("SELECT * FROM cex_fills WHERE client_order_id = ?", { replacements: [clientOrderId], type: QueryTypes.SELECT });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(updates.some((u) => u.clientOrderId === clientOrderId && u.status === "closed")).toBe(true);
    await until(() => busFills.some((f) => f.tradeId === fill.tradeId));
    expect(busFills.filter((f) => f.tradeId === fill.tradeId)).toHaveLength(1);

    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "paper", clientOrderId });
    expect(canceled).toMatchObject({ clientOrderId, status: "closed", filled: "0.002" });
  });

  it("treats a cancel that the exchange refuses because the order filled as a fill", async () => {
    // An order placed outside mmesh (same account, straight on the venue) that fills at once.
    const exchange = currentPaperVenue()!.connect(PAPER_ACCOUNT);
    const price = (Number(await bestAsk()) * 1.01).toFixed(2);
    const placed = await exchange.createOrder("BTC/USDT", "limit", "buy", "0.001", price);
    expect(placed.status).toBe("closed");
    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "paper", id: placed.id, symbol: "BTC/USDT" });
    expect(canceled).toMatchObject({ id: placed.id, status: "closed", filled: "0.001" });
  });

  it("reconciles: resolves stored open orders the exchange closed, reports orphans", async () => {
    const venueSide = currentPaperVenue()!.connect(PAPER_ACCOUNT);
    const clientOrderId = cid("recon");
    const order = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "paper", symbol: "ETH/USDT", side: "buy", type: "limit", amount: "0.01", price: "1000", clientOrderId });
    // Close it behind the service's back: mark the row open again after the venue's cancel event arrives.
    await venueSide.cancelOrder(order.id!, "ETH/USDT");
    await until(() => updates.some((u) => u.clientOrderId === clientOrderId && u.status === "canceled"));
    await sequelizeOf(broker.getLocalService("cex")).query("UPDATE cex_orders SET status = 'open' WHERE client_order_id = ?", { replacements: [clientOrderId] });
    const orphan = await venueSide.createOrder("ETH/USDT", "limit", "buy", "0.01", "1000");

    const result = await broker.call<{ resolved: WireOrder[]; orphans: WireOrder[] }, object>("cex.reconcile", { exchange: "paper" });
    expect(result.resolved).toEqual([expect.objectContaining({ clientOrderId, status: "canceled" })]);
    expect(result.orphans.map((o) => o.id)).toContain(orphan.id);
    await until(() => orphans.some((o) => o.id === orphan.id));
    await venueSide.cancelOrder(orphan.id, "ETH/USDT");
  });

  it("reconciles paper orders of a previous process (unknown to this paper venue) as expired", async () => {
    const clientOrderId = cid("previous");
    const now = new Date();
    await sequelizeOf(broker.getLocalService("cex")).query(
      "INSERT INTO cex_orders (exchange, client_order_id, exchange_order_id, symbol, side, type, price, amount, filled, remaining, status, created_at, updated_at) VALUES ('paper', ?, '999999999', 'BTC/USDT', 'buy', 'limit', '30000', '0.001', '0', '0.001', 'open', ?, ?)",
      { replacements: [clientOrderId, now, now] },
    );
    const result = await broker.call<{ resolved: WireOrder[] }, object>("cex.reconcile", { exchange: "paper" });
    expect(result.resolved).toContainEqual(expect.objectContaining({ clientOrderId, status: "expired" }));
    expect(await broker.call("cex.order", { exchange: "paper", clientOrderId }).catch(() => null)).toBeNull(); // the venue does not know it
    const rows = await sequelizeOf(broker.getLocalService("cex")).query("SELECT status FROM cex_orders WHERE client_order_id = ?", { replacements: [clientOrderId], type: QueryTypes.SELECT });
    expect(rows).toEqual([{ status: "expired" }]);
  });

  it("maps exchange errors: insufficient funds 422, unknown symbol 404, bad amount 422 naming the field", async () => {
    const base = { exchange: "paper", side: "buy", type: "limit", price: "50000" };
    await expect(broker.call("cex.createOrder", { ...base, symbol: "BTC/USDT", amount: "1000", clientOrderId: cid("poor") })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_FUNDS" });
    await expect(broker.call("cex.createOrder", { ...base, symbol: "DOGE/USDT", amount: "1", clientOrderId: cid("doge") })).rejects.toMatchObject({ code: 404, type: "UNKNOWN_SYMBOL" });
    await expect(broker.call("cex.orderBook", { exchange: "paper", symbol: "DOGE/USDT" })).rejects.toMatchObject({ code: 404, type: "UNKNOWN_SYMBOL" });
    const bad = await failure(broker.call("cex.createOrder", { ...base, symbol: "BTC/USDT", amount: "1e-3", clientOrderId: cid("bad") }));
    expect(bad).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    expect(bad.data.map((d: { field: string }) => d.field)).toEqual(["amount"]);
    const tiny = await failure(broker.call("cex.createOrder", { ...base, symbol: "BTC/USDT", amount: "0.000001", clientOrderId: cid("tiny") }));
    expect(tiny).toMatchObject({ code: 422 });
    expect(tiny.data[0].field).toBe("amount");
    const badId = await failure(broker.call("cex.createOrder", { ...base, symbol: "BTC/USDT", amount: "0.01", clientOrderId: "has space" }));
    expect(badId.data[0].field).toBe("clientOrderId");
    await expect(broker.call("cex.createOrder", { ...base, symbol: "BTC/USDT", amount: "0.01", price: undefined, clientOrderId: cid("np") })).rejects.toMatchObject({ code: 422 });
    await expect(broker.call("cex.markets", { exchange: "binance" })).rejects.toMatchObject({ code: 404, type: "UNKNOWN_EXCHANGE" });
    // A refused order leaves nothing behind: the same id can be used again.
    const rows = await sequelizeOf(broker.getLocalService("cex")).query("SELECT COUNT(*) AS n FROM cex_orders WHERE status = 'pending'", { type: QueryTypes.SELECT });
    expect(Number((rows[0] as { n: number }).n)).toBe(0);
  });

  it("gives fee rates and an exact fee estimate as decimal strings", async () => {
    // lib/fees' schedule: source "tradingFees" (the account's fetchTradingFees), and the market's feeSide
    expect(await broker.call("fee.rates", { exchange: "paper", symbol: "BTC/USDT" })).toEqual({ exchange: "paper", symbol: "BTC/USDT", maker: "0.0001", taker: "0.0002", source: "tradingFees", feeSide: "get" });
    // feeSide "get": a buy pays its fee in what it receives (base), valued in quote at the trade price
    const estimate = await broker.call("fee.estimate", { exchange: "paper", symbol: "BTC/USDT", side: "buy", amount: "0.5", price: "60000.5", role: "taker" });
    expect(estimate).toEqual({
      exchange: "paper", symbol: "BTC/USDT", side: "buy", role: "taker", source: "tradingFees", feeSide: "get",
      notional: "30000.25", feeRate: "0.0002", feeCurrency: "base", feeInBase: "0.0001", feeInQuote: "6.00005", currency: "BTC", fee: "0.0001",
    });
    const e2 = await broker.call<{ fee: string; currency: string }, object>("fee.estimate", { exchange: "paper", symbol: "ETH/USDT", side: "sell", amount: "0.1", price: "0.3", role: "maker" });
    expect(e2).toMatchObject({ fee: "0.000003", currency: "USDT", feeCurrency: "quote" });
  });

  it("costs a route: CEX legs at the venue's rates, DEX legs with pool fee and gas; bad legs are 422 naming the leg and field", async () => {
    const route = await broker.call<{ legs: Array<Record<string, unknown>>; tradingFees: string; gasCosts: string; total: string }, object>("fee.estimateRoute", {
      legs: [
        { venue: "cex", exchange: "paper", symbol: "ETH/USDT", side: "sell", amount: "1", price: "3000", role: "taker" },
        { venue: "dex", pool: "0x0000000000000000000000000000000000000001", feeTier: 3000, amountIn: "3000", gasUnits: "150000", gasPriceWei: "20000000000", nativePriceInQuote: "3000" },
      ],
    });
    expect(route.legs[0]).toMatchObject({ venue: "cex", feeCurrency: "quote", tradingFee: "0.6", gasCost: "0" });
    expect(route.legs[1]).toMatchObject({ venue: "dex", feeRate: "0.003", tradingFee: "9", gasNative: "0.003", gasCost: "9" });
    expect(route).toMatchObject({ tradingFees: "9.6", gasCosts: "9", total: "18.6" });

    const bad = await failure(broker.call("fee.estimateRoute", { legs: [{ venue: "cex", exchange: "paper", symbol: "ETH/USDT", side: "sell", amount: "1", price: "3000", role: "taker" }, { venue: "dex", pool: "p", feeTier: 3000, amountIn: "1", gasUnits: "-5", gasPriceWei: "1", nativePriceInQuote: "3000" }] }));
    expect(bad).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    expect(bad.data[0].field).toBe("legs[1].gasUnits");
    const badCex = await failure(broker.call("fee.estimateRoute", { legs: [{ venue: "cex", exchange: "paper", symbol: "ETH/USDT", side: "sell", amount: "lots", price: "3000", role: "taker" }] }));
    expect(badCex.data[0].field).toBe("legs[0].amount");
    const noSymbol = await failure(broker.call("fee.estimateRoute", { legs: [{ venue: "cex", exchange: "paper", side: "sell", amount: "1", price: "3000" }] }));
    expect(noSymbol.data[0].field).toBe("legs[0].symbol");
  });

  it("acknowledges no paper order it cannot make durable while the database is unusable (kept, written once it is back, then answered to a retry), refuses an id it cannot check, and writes everything (fills too) once it is back", async () => {
    const db = sequelizeOf(broker.getLocalService("cex"));
    const stored = async (clientOrderId: string) =>
      (await db.query("SELECT status FROM cex_orders WHERE client_order_id = ?", { replacements: [clientOrderId], type: QueryTypes.SELECT })) as Array<{ status: string }>;
    const resting = cid("behind-rest");
    const earlier = cid("behind-earlier");
    const placedMeanwhile = cid("behind-new");
    const req = { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "30000" };
    await (broker.getLocalService("cex") as unknown as { knownIdsLoading: Promise<void> }).knownIdsLoading;
    const open = await broker.call<WireOrder, object>("cex.createOrder", { ...req, clientOrderId: resting });
    expect(open.status).toBe("open");
    await broker.call("cex.createOrder", { ...req, clientOrderId: earlier });
    await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId: earlier });
    // A placement is answered once its row is in the order journal (SQLite file) and committed just
    // behind it, with the cancel's report.
    await until(async () => (await stored(resting))[0]?.status === "open");
    await until(async () => (await stored(earlier))[0]?.status === "canceled");
    // The tables are gone (as if the database were down) while the venue keeps trading.
    await db.query("ALTER TABLE cex_orders RENAME TO cex_orders_away");
    await db.query("ALTER TABLE cex_fills RENAME TO cex_fills_away");
    const taker = cid("behind-taker");
    try {
      expect(await broker.call("cex.order", { exchange: "paper", clientOrderId: resting })).toMatchObject({ status: "open", id: open.id });
      expect(await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId: resting })).toMatchObject({ status: "canceled" });
      expect(await broker.call("cex.order", { exchange: "paper", clientOrderId: resting })).toMatchObject({ status: "canceled" });
      // A never-used id needs no lookup (see OrderStore.knownIds): placed on the venue, kept in
      // memory and acknowledged once in the order journal; its row is committed when the table is back.
      expect(await broker.call("cex.createOrder", { ...req, clientOrderId: placedMeanwhile }, { retries: 0 })).toMatchObject({ status: "open" });
      // An id stored before cannot be checked without the table: refused, nothing sent to the venue.
      await expect(broker.call("cex.createOrder", { ...req, clientOrderId: earlier })).rejects.toMatchObject({ code: 503, message: expect.stringMatching(/orders cannot be stored/i) });
      const venueOpen = await broker.call<WireOrder[], object>("cex.openOrders", { exchange: "paper" });
      expect(venueOpen.map((o) => o.clientOrderId)).toContain(placedMeanwhile);
      expect(venueOpen.map((o) => o.clientOrderId)).not.toContain(earlier);
      // A fill meanwhile: the venue cannot report it again, so it is kept until it can be written;
      // an order with fills is acknowledged only with them committed: 503, retry the same id.
      // (retries: 0 here: each failed attempt counts towards the breaker of cex.createOrder.)
      await expect(broker.call("cex.createOrder", { ...req, clientOrderId: taker, price: String(Number(await bestAsk()) * 1.01) }, { retries: 0 })).rejects.toMatchObject({ code: 503, message: expect.stringMatching(/placed but not stored yet/) });
    } finally {
      await db.query("ALTER TABLE cex_orders_away RENAME TO cex_orders");
      await db.query("ALTER TABLE cex_fills_away RENAME TO cex_fills");
    }
    // Retried by the store within seconds (0.5 s, doubling), before any reconcile.
    const takerFills = async () => (await db.query("SELECT trade_id FROM cex_fills WHERE client_order_id = ?", { replacements: [taker], type: QueryTypes.SELECT })) as unknown[];
    await until(async () => (await takerFills()).length === 1 && (await stored(resting))[0]?.status === "canceled" && (await stored(placedMeanwhile))[0]?.status === "open", 8000);
    expect(await stored(earlier)).toEqual([{ status: "canceled" }]);
    // The retries are answered with the orders the venue took meanwhile, now stored.
    expect(await broker.call("cex.createOrder", { ...req, clientOrderId: placedMeanwhile })).toMatchObject({ status: "open" });
    expect(await broker.call("cex.createOrder", { ...req, clientOrderId: taker, price: String(Number(await bestAsk()) * 1.01) })).toMatchObject({ status: "closed" });
    await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId: placedMeanwhile });
  });

  it("replaceOrders: cancels first (a filled or unknown order counts as gone), then places; a refused place fails only itself; a retry returns the same orders", async () => {
    type Batch = {
      canceled: Array<{ clientOrderId: string; ok: boolean; gone?: boolean; order?: WireOrder; error?: Failure }>;
      placed: Array<{ clientOrderId: string; ok: boolean; order?: WireOrder; ackedAt?: number; error?: { code: number; type: string; message: string } }>;
      placesSkipped: boolean;
    };
    const limit = { exchange: "paper", symbol: "BTC/USDT", type: "limit", amount: "0.001" };
    const restingA = cid("rep-a");
    const restingB = cid("rep-b");
    const filled = cid("rep-f");
    const unknown = cid("rep-u");
    await broker.call("cex.createOrder", { ...limit, side: "buy", price: "30000", clientOrderId: restingA });
    await broker.call("cex.createOrder", { ...limit, side: "sell", price: "900000", clientOrderId: restingB });
    const crossing = (Number(await bestAsk()) * 1.01).toFixed(2);
    expect((await broker.call<WireOrder, object>("cex.createOrder", { ...limit, side: "buy", price: crossing, clientOrderId: filled })).status).toBe("closed");

    const bid = cid("rep-bid");
    const ask = cid("rep-ask");
    const tiny = cid("rep-tiny");
    const poor = cid("rep-poor");
    const batch = {
      exchange: "paper",
      symbol: "BTC/USDT",
      cancel: [restingA, restingB, filled, unknown],
      place: [
        { clientOrderId: bid, side: "buy", type: "limit", price: "30100", amount: "0.001", postOnly: true },
        { clientOrderId: tiny, side: "buy", type: "limit", price: "30100", amount: "0.000001", postOnly: true }, // rounds to 0 at the lot
        { clientOrderId: poor, side: "buy", type: "limit", price: "30100", amount: "1000000", postOnly: true }, // more than the balance
        { clientOrderId: ask, side: "sell", type: "limit", price: "899000", amount: "0.001", postOnly: true },
      ],
    };
    const sentAt = performance.timeOrigin + performance.now();
    const first = await broker.call<Batch, object>("cex.replaceOrders", batch);
    const answeredAt = performance.timeOrigin + performance.now();
    expect(first.placesSkipped).toBe(false);
    // When this node had each acknowledgement: only for the orders the venue took.
    expect(first.placed.map((p) => p.ackedAt !== undefined && p.ackedAt >= sentAt && p.ackedAt <= answeredAt)).toEqual([true, false, false, true]);
    expect(first.canceled).toEqual([
      { clientOrderId: restingA, ok: true, order: expect.objectContaining({ clientOrderId: restingA, status: "canceled" }) },
      { clientOrderId: restingB, ok: true, order: expect.objectContaining({ clientOrderId: restingB, status: "canceled" }) },
      { clientOrderId: filled, ok: true, order: expect.objectContaining({ clientOrderId: filled, status: "closed", filled: "0.001" }) },
      { clientOrderId: unknown, ok: true, gone: true },
    ]);
    expect(first.placed.map((p) => [p.clientOrderId, p.ok, p.order?.status ?? p.error?.type])).toEqual([
      [bid, true, "open"],
      [tiny, false, "VALIDATION_ERROR"],
      [poor, false, "INSUFFICIENT_FUNDS"],
      [ask, true, "open"],
    ]);
    expect(first.placed[1].error).toMatchObject({ code: 422, message: expect.stringContaining("amount") });
    expect(first.placed[2].error).toMatchObject({ code: 422 });
    expect(first.placed[0].order).toMatchObject({ side: "buy", price: "30100", amount: "0.001", remaining: "0.001" });

    // The same batch again (a retry after a lost answer): the same two orders, nothing new at the venue.
    const retry = await broker.call<Batch, object>("cex.replaceOrders", batch);
    expect(retry.placesSkipped).toBe(false);
    expect(retry.canceled.every((c) => c.ok)).toBe(true);
    expect(retry.placed.map((p) => [p.clientOrderId, p.ok, p.order?.id ?? p.error?.type])).toEqual([
      [bid, true, first.placed[0].order!.id],
      [tiny, false, "VALIDATION_ERROR"],
      [poor, false, "INSUFFICIENT_FUNDS"],
      [ask, true, first.placed[3].order!.id],
    ]);
    const open = await broker.call<WireOrder[], object>("cex.openOrders", { exchange: "paper", symbol: "BTC/USDT" });
    expect(open.filter((o) => o.clientOrderId === bid)).toHaveLength(1);
    expect(open.filter((o) => o.clientOrderId === ask)).toHaveLength(1);
    expect(open.map((o) => o.clientOrderId)).not.toContain(restingA);
    expect(open.map((o) => o.clientOrderId)).not.toContain(restingB);
    const rows = await sequelizeOf(broker.getLocalService("cex")).query("SELECT client_order_id, status FROM cex_orders WHERE client_order_id IN (?, ?, ?, ?) ORDER BY client_order_id", { replacements: [bid, ask, tiny, poor], type: QueryTypes.SELECT });
    expect(rows).toHaveLength(2);

    // Only cancels, only places, and nothing at all are fine too.
    const onlyCancel = await broker.call<Batch, object>("cex.replaceOrders", { exchange: "paper", symbol: "BTC/USDT", cancel: [bid, ask] });
    expect(onlyCancel).toEqual({ canceled: [expect.objectContaining({ clientOrderId: bid, ok: true }), expect.objectContaining({ clientOrderId: ask, ok: true })], placed: [], placesSkipped: false });
    expect(await broker.call("cex.replaceOrders", { exchange: "paper", symbol: "BTC/USDT" })).toEqual({ canceled: [], placed: [], placesSkipped: false });
  });

  it("replaceOrders refuses bad params and unknown exchanges as a whole", async () => {
    const place = (i: number) => ({ clientOrderId: cid(`rep-many-${i}`), side: "buy", type: "limit", price: "30000", amount: "0.001" });
    const tooMany = await failure(broker.call("cex.replaceOrders", { exchange: "paper", symbol: "BTC/USDT", place: Array.from({ length: 51 }, (_, i) => place(i)) }));
    expect(tooMany).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    expect(tooMany.data[0].field).toBe("place");
    const badAmount = await failure(broker.call("cex.replaceOrders", { exchange: "paper", symbol: "BTC/USDT", place: [{ ...place(0), amount: "lots" }] }));
    expect(badAmount).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    expect(badAmount.data[0].field).toBe("place[0].amount");
    const badId = await failure(broker.call("cex.replaceOrders", { exchange: "paper", symbol: "BTC/USDT", cancel: ["no spaces allowed"] }));
    expect(badId.data[0].field).toBe("cancel[0]");
    const unknown = await failure(broker.call("cex.replaceOrders", { exchange: "kraken", symbol: "BTC/USDT", place: [place(1)] }));
    expect(unknown).toMatchObject({ code: 404, type: "UNKNOWN_EXCHANGE" });
  });

  describe("through the gateway", () => {
    let base: string;
    let traderToken: string;
    let viewerToken: string;

    beforeAll(async () => {
      base = gatewayUrl(broker);
      await waitForRoute(base, "/api/v1/auth/login");
      const admin = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } })).body.accessToken;
      for (const [username, role] of [["tina", "trader"], ["vic", "viewer"]]) {
        await http(base, "POST", "/api/v1/auth/users", { token: admin, body: { username, password: `${username}-password-123`, role } });
      }
      traderToken = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "tina", password: "tina-password-123" } })).body.accessToken;
      viewerToken = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "vic", password: "vic-password-123" } })).body.accessToken;
    });

    it("serves the book at GET /api/v1/cex/paper/book/BTC/USDT", async () => {
      const res = await http(base, "GET", "/api/v1/cex/paper/book/BTC/USDT", { token: viewerToken });
      expect(res.status).toBe(200);
      expect(res.body.symbol).toBe("BTC/USDT");
      expect(typeof res.body.asks[0][0]).toBe("string");
      expect((await http(base, "GET", "/api/v1/cex/paper/book/BTC/USDT")).status).toBe(401);
    });

    it("lets a trader place an order (200) and refuses a viewer (403)", async () => {
      const body = { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "30000", clientOrderId: cid("http") };
      const denied = await http(base, "POST", "/api/v1/cex/paper/orders", { token: viewerToken, body });
      expect(denied.status).toBe(403);
      const placed = await http(base, "POST", "/api/v1/cex/paper/orders", { token: traderToken, body });
      expect(placed.status).toBe(200);
      expect(placed.body).toMatchObject({ clientOrderId: body.clientOrderId, status: "open", amount: "0.001" });
      const bad = await http(base, "POST", "/api/v1/cex/paper/orders", { token: traderToken, body: { ...body, amount: "lots" } });
      expect(bad.status).toBe(422);
      expect(bad.body.error.data[0].field).toBe("amount");
      const canceled = await http(base, "DELETE", `/api/v1/cex/paper/orders/${body.clientOrderId}`, { token: traderToken });
      expect(canceled.status).toBe(200);
      expect(canceled.body.status).toBe("canceled");
      const replaced = await http(base, "POST", "/api/v1/cex/paper/orders/replace", { token: traderToken, body: { symbol: "BTC/USDT", cancel: [body.clientOrderId], place: [{ ...body, clientOrderId: cid("http-rep") }] } });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ canceled: [{ clientOrderId: body.clientOrderId, ok: true }], placed: [{ ok: true, order: { status: "open" } }], placesSkipped: false });
      expect((await http(base, "POST", "/api/v1/cex/paper/orders/replace", { token: viewerToken, body: { symbol: "BTC/USDT", cancel: [] } })).status).toBe(403);
      await http(base, "DELETE", `/api/v1/cex/paper/orders/${replaced.body.placed[0].clientOrderId}`, { token: traderToken });
      const fees = await http(base, "GET", "/api/v1/fee/paper/BTC/USDT", { token: viewerToken });
      expect(fees.body).toMatchObject({ maker: "0.0001", taker: "0.0002" });
    });

    it("documents the cex and fee routes in the OpenAPI document", async () => {
      const doc = await http(base, "GET", "/api/openapi.json");
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/v1/cex/{exchange}/book/{base}/{quote}", "/api/v1/cex/{exchange}/orders", "/api/v1/cex/{exchange}/orders/replace", "/api/v1/fee/estimate", "/api/v1/fee/route"]));
      expect(doc.body.paths["/api/v1/cex/{exchange}/orders"].post).toBeDefined();
    });
  });
});
