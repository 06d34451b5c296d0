/**
 * The fake Binance spot exchange, exercised through the real ccxt.binance and
 * ccxt.pro.binance clients. Besides checking the fake, these tests pin down how ccxt 4.5
 * classifies each failure and how ccxt.pro reacts to sequence gaps and disconnects, which
 * the cex and cex-price-feed services rely on.
 */
import * as ccxt from "ccxt";
import WebSocket from "ws";
import {
  DEFAULT_ACCOUNT,
  FakeBinance,
  fakeBinanceConfig,
  createFakeBinanceClient,
  createFakeBinanceProClient,
  type BinancePro,
  type FakeBinanceEndpoint,
} from "../support/fake-binance";
import { rejection } from "../support/rejection";

const SYMBOL = "BTC/USDT";
const ID = "BTCUSDT";
const BOOK = { bids: [[50000, 1], [49999, 2], [49998, 3]] as [number, number][], asks: [[50001, 1], [50002, 3], [50003, 5]] as [number, number][] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh fake per describe block: markets, the default account, a seeded BTCUSDT book. */
function useFake(): { fake: FakeBinance; ep: () => FakeBinanceEndpoint } {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  beforeAll(async () => {
    ep = await fake.start();
  });
  beforeEach(() => {
    fake.setBook(ID, BOOK);
    fake.clearFailures();
    fake.setLatency(0);
  });
  afterAll(async () => {
    await fake.stop();
  });
  return { fake, ep: () => ep };
}

describe("fake Binance REST through ccxt.binance", () => {
  const { fake, ep } = useFake();
  let ex: ccxt.binance;

  beforeAll(async () => {
    ex = createFakeBinanceClient(ep(), { rateLimit: 1 });
    await ex.loadMarkets();
  });

  it("loadMarkets: precision and limits from PRICE_FILTER, LOT_SIZE and NOTIONAL, spot endpoints only", async () => {
    const m = ex.market(SYMBOL);
    expect(m).toMatchObject({ id: ID, base: "BTC", quote: "USDT", spot: true, active: true, type: "spot" });
    expect(m.precision).toMatchObject({ price: 0.01, amount: 0.00001 });
    expect(m.limits.amount).toEqual({ min: 0.00001, max: 9000 });
    expect(m.limits.price).toEqual({ min: 0.01, max: 1000000 });
    expect(m.limits.cost).toEqual({ min: 5, max: 9000000 });
    expect(ex.market("ETH/BTC").precision).toMatchObject({ price: 0.00001, amount: 0.0001 });
    expect(ex.priceToPrecision(SYMBOL, 50000.123)).toBe("50000.12");
    expect(ex.amountToPrecision(SYMBOL, 0.123456)).toBe("0.12345");

    // ccxt's default options also work: loadMarkets then adds the sapi coin list and margin pair lists
    fake.clearRequests();
    const withDefaults = createFakeBinanceClient(ep(), { rateLimit: 1, options: { fetchCurrencies: true, fetchMargins: true } });
    await withDefaults.loadMarkets();
    expect(withDefaults.currencies["BTC"]).toMatchObject({ id: "BTC", code: "BTC" });
    expect(fake.requests().map((r) => r.path).sort()).toEqual([
      "/api/v3/exchangeInfo",
      "/sapi/v1/capital/config/getall",
      "/sapi/v1/margin/allPairs",
      "/sapi/v1/margin/allPairs",
      "/sapi/v1/margin/isolated/allPairs",
    ]);
    expect(fake.requests().every((r) => r.status === 200)).toBe(true);

    // a client built elsewhere from fakeBinanceConfig (as the cex service would) reaches the fake too
    const external = new ccxt.binance({ apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret, rateLimit: 1, ...fakeBinanceConfig(ep()) });
    expect((await external.fetchBalance())["USDT"].free).toBe(1000000);
  });

  it("fetchOrderBook, fetchTicker, fetchBidsAsks, fetchTrades, fetchTime", async () => {
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    expect(book.bids).toEqual(BOOK.bids);
    expect(book.asks).toEqual(BOOK.asks);
    expect(book.nonce).toBe(fake.book(ID).lastUpdateId);

    fake.pushTrade(ID, 50001, 0.25);
    const ticker = await ex.fetchTicker(SYMBOL);
    expect(ticker).toMatchObject({ bid: 50000, ask: 50001, last: 50001 });
    const bidsAsks = await ex.fetchBidsAsks([SYMBOL]);
    expect(bidsAsks[SYMBOL]).toMatchObject({ bid: 50000, ask: 50001, bidVolume: 1, askVolume: 1 });
    const trades = await ex.fetchTrades(SYMBOL);
    expect(trades[trades.length - 1]).toMatchObject({ price: 50001, amount: 0.25, side: "buy" });
    expect(Math.abs((await ex.fetchTime())! - Date.now())).toBeLessThan(1000);
  });

  it("fetchBalance: free, used (locked by open orders) and total", async () => {
    const before = await ex.fetchBalance();
    expect(before["BTC"]).toMatchObject({ free: 10, used: 0, total: 10 });
    const order = await ex.createOrder(SYMBOL, "limit", "buy", 0.1, 40000);
    const during = await ex.fetchBalance();
    expect(during["USDT"]).toMatchObject({ free: 1000000 - 4000, used: 4000, total: 1000000 });
    await ex.cancelOrder(order.id!, SYMBOL);
    expect((await ex.fetchBalance())["USDT"]).toMatchObject({ free: 1000000, used: 0 });
  });

  it("createOrder with a clientOrderId; the same id again → InvalidOrder (-2010 Duplicate order sent.)", async () => {
    const order = await ex.createOrder(SYMBOL, "limit", "buy", 0.01, 49000, { clientOrderId: "mm-dup-1" });
    expect(order).toMatchObject({ clientOrderId: "mm-dup-1", status: "open", price: 49000, amount: 0.01, filled: 0 });
    expect(fake.order("mm-dup-1")).toMatchObject({ status: "NEW", clientOrderId: "mm-dup-1" });

    const dup = await rejection(ex.createOrder(SYMBOL, "limit", "buy", 0.01, 49000, { clientOrderId: "mm-dup-1" }));
    expect(dup).toBeInstanceOf(ccxt.InvalidOrder);
    expect(dup).not.toBeInstanceOf(ccxt.DuplicateOrderId);
    expect(dup.constructor.name).toBe("InvalidOrder");
    expect(dup.message).toContain('{"code":-2010,"msg":"Duplicate order sent."}');
    expect(fake.requests({ method: "POST", path: "/api/v3/order" }).map((r) => r.status).slice(-2)).toEqual([200, 400]);

    // the resting order is in the public book, aggregated with the level's liquidity
    const book = await ex.fetchOrderBook(SYMBOL);
    expect(book.bids).toContainEqual([49000, 0.01]);

    const open = await ex.fetchOpenOrders(SYMBOL);
    expect(open.map((o) => o.clientOrderId)).toEqual(["mm-dup-1"]);

    // unique among open orders only: after the cancel the id can be used again
    const canceled = await ex.cancelOrder(order.id!, SYMBOL);
    expect(canceled.status).toBe("canceled");
    const again = await ex.createOrder(SYMBOL, "limit", "buy", 0.01, 49000, { clientOrderId: "mm-dup-1" });
    expect(again.id).not.toBe(order.id);
    await ex.cancelAllOrders(SYMBOL);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
  });

  it("cancelOrder by id and by clientOrderId; cancel again → OrderNotFound (-2011); fetchOrder unknown → OrderNotFound (-2013)", async () => {
    const a = await ex.createOrder(SYMBOL, "limit", "sell", 0.02, 51000, { clientOrderId: "mm-cancel-a" });
    await ex.createOrder(SYMBOL, "limit", "sell", 0.02, 51001, { clientOrderId: "mm-cancel-b" });
    expect((await ex.cancelOrder(a.id!, SYMBOL)).status).toBe("canceled");
    const byClientId = await ex.cancelOrder("", SYMBOL, { clientOrderId: "mm-cancel-b" });
    expect(byClientId).toMatchObject({ status: "canceled", clientOrderId: expect.any(String) });
    expect(fake.order("mm-cancel-b")).toMatchObject({ status: "CANCELED" });

    const again = await rejection(ex.cancelOrder(a.id!, SYMBOL));
    expect(again).toBeInstanceOf(ccxt.OrderNotFound);
    expect(again.message).toContain("-2011");
    const unknown = await rejection(ex.fetchOrder("987654", SYMBOL));
    expect(unknown).toBeInstanceOf(ccxt.OrderNotFound);
    expect(unknown.message).toContain("-2013");
    // Binance answers -2011 to DELETE /openOrders when nothing is open
    expect(await rejection(ex.cancelAllOrders(SYMBOL))).toBeInstanceOf(ccxt.OrderNotFound);
  });

  it("fillOrder: another trader hits a resting order; fetchOrder, fetchMyTrades and balances follow; cancel after fill → OrderNotFound", async () => {
    const before = fake.balances();
    const order = await ex.createOrder(SYMBOL, "limit", "buy", 0.1, 49500, { clientOrderId: "mm-fill-1" });
    fake.fillOrder(Number(order.id), "0.04");
    expect(await ex.fetchOrder(order.id!, SYMBOL)).toMatchObject({ status: "open", filled: 0.04, remaining: 0.06 });
    fake.fillOrder("mm-fill-1");
    const filled = await ex.fetchOrder(order.id!, SYMBOL);
    expect(filled).toMatchObject({ status: "closed", filled: 0.1, remaining: 0, cost: 4950, average: 49500 });

    const trades = await ex.fetchMyTrades(SYMBOL);
    const mine = trades.filter((t) => t.order === order.id);
    expect(mine.map((t) => [t.amount, t.price, t.side, t.takerOrMaker])).toEqual([
      [0.04, 49500, "buy", "maker"],
      [0.06, 49500, "buy", "maker"],
    ]);
    expect(mine.map((t) => t.fee)).toEqual([
      { currency: "BTC", cost: 0.00004 },
      { currency: "BTC", cost: 0.00006 },
    ]);
    // 0.1 BTC bought for 4950 USDT, 0.1 % maker fee paid in BTC
    const after = fake.balances();
    expect(Number(after["BTC"].free) - Number(before["BTC"].free)).toBeCloseTo(0.0999, 10);
    expect(Number(before["USDT"].free) - Number(after["USDT"].free)).toBeCloseTo(4950, 8);
    expect(after["USDT"].locked).toBe("0.00000000");

    const cancel = await rejection(ex.cancelOrder(order.id!, SYMBOL));
    expect(cancel).toBeInstanceOf(ccxt.OrderNotFound);
    expect(cancel.message).toContain('{"code":-2011,"msg":"Unknown order sent."}');
  });

  it("taker orders match the seeded book with price-time priority; IOC remainder expires; market buy", async () => {
    const limit = await ex.createOrder(SYMBOL, "limit", "buy", 1.5, 50002);
    expect(limit).toMatchObject({ status: "closed", filled: 1.5, cost: 75002 });
    expect(limit.average).toBeCloseTo(75002 / 1.5, 6);
    expect(limit.trades.map((t) => [t.price, t.amount])).toEqual([
      [50001, 1],
      [50002, 0.5],
    ]);
    const ioc = await ex.createOrder(SYMBOL, "limit", "sell", 2, 49999, { timeInForce: "IOC" });
    expect(ioc).toMatchObject({ status: "closed", filled: 2 });
    const ioc2 = await ex.createOrder(SYMBOL, "limit", "sell", 2, 49999, { timeInForce: "IOC" });
    expect(ioc2).toMatchObject({ status: "expired", filled: 1, remaining: 1 });
    const market = await ex.createOrder(SYMBOL, "market", "buy", 0.5);
    expect(market).toMatchObject({ status: "closed", filled: 0.5, average: 50002 });
    expect((await ex.fetchOrderBook(SYMBOL)).asks[0]).toEqual([50002, 2]);
  });

  it("two accounts trade with each other behind older liquidity; self-trade expires the maker; market buy by cost; FOK", async () => {
    fake.addAccount({ apiKey: "b-key", secret: "b-secret", balances: { USDT: "100000", BTC: "1" } });
    const exB = createFakeBinanceClient(ep(), { apiKey: "b-key", secret: "b-secret", rateLimit: 1 });
    exB.markets = ex.markets;
    exB.markets_by_id = ex.markets_by_id;
    exB.symbols = ex.symbols;

    const askA = await ex.createOrder(SYMBOL, "limit", "sell", 0.3, 50001); // queues behind the seeded 1 @ 50001
    const takerB = await exB.createOrder(SYMBOL, "limit", "buy", 1.2, 50001);
    expect(takerB).toMatchObject({ status: "closed", filled: 1.2 });
    expect(await ex.fetchOrder(askA.id!, SYMBOL)).toMatchObject({ status: "open", filled: 0.2, remaining: 0.1 });
    const [makerTrade] = (await ex.fetchMyTrades(SYMBOL)).filter((t) => t.order === askA.id);
    expect(makerTrade).toMatchObject({ amount: 0.2, price: 50001, side: "sell", takerOrMaker: "maker", fee: { currency: "USDT", cost: 10.0002 } });
    expect(fake.balances("b-key")["BTC"].free).toBe("2.19880000"); // 1 + 1.2 − 0.1 % taker fee

    // A's own buy meets A's resting sell: EXPIRE_MAKER expires the sell, the buy rests
    const buyA = await ex.createOrder(SYMBOL, "limit", "buy", 0.05, 50001);
    expect(buyA.status).toBe("open");
    expect(await ex.fetchOrder(askA.id!, SYMBOL)).toMatchObject({ status: "expired", filled: 0.2 });
    await ex.cancelOrder(buyA.id!, SYMBOL);

    const byCost = await ex.createMarketBuyOrderWithCost(SYMBOL, 1000); // quoteOrderQty
    expect(byCost).toMatchObject({ status: "closed", filled: 0.01999 });
    expect(byCost.cost).toBeCloseTo(0.01999 * 50002, 6);

    const fok = await ex.createOrder(SYMBOL, "limit", "buy", 10, 50003, { timeInForce: "FOK" }); // the book holds 8 up to 50003
    expect(fok).toMatchObject({ status: "expired", filled: 0 });
  });

  it("order rejections: InsufficientFunds, OrderImmediatelyFillable (post-only), BadRequest (NOTIONAL), InvalidOrder (PRICE_FILTER)", async () => {
    const funds = await rejection(ex.createOrder(SYMBOL, "limit", "buy", 100, 49000));
    expect(funds).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(funds.message).toContain("Account has insufficient balance for requested action.");
    const post = await rejection(ex.createOrder(SYMBOL, "limit", "buy", 0.01, 50001, { postOnly: true }));
    expect(post).toBeInstanceOf(ccxt.OrderImmediatelyFillable);
    const notional = await rejection(ex.createOrder(SYMBOL, "limit", "buy", 0.00001, 49000));
    expect(notional).toBeInstanceOf(ccxt.BadRequest);
    expect(notional.message).toContain("Filter failure: NOTIONAL");
    // a price that is not a tick multiple, sent raw past ccxt's rounding
    const tick = await rejection(
      ex.privatePostOrder({ symbol: ID, side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.01", price: "49000.005" }),
    );
    expect(tick).toBeInstanceOf(ccxt.InvalidOrder);
    expect(tick.message).toContain("PRICE_FILTER");
  });

  it("fetchTradingFees from /sapi/v1/asset/tradeFee", async () => {
    const fees = await ex.fetchTradingFees();
    expect(fees[SYMBOL]).toMatchObject({ symbol: SYMBOL, maker: 0.001, taker: 0.001 });
  });

  it("signature and key checks: AuthenticationError for -1022 (400) and -2015 (401), DDoSProtection for -2015 once authenticated, InvalidNonce for -1021", async () => {
    const badSecret = createFakeBinanceClient(ep(), { rateLimit: 1, secret: "not-the-secret" });
    const sig = await rejection(badSecret.fetchBalance());
    expect(sig).toBeInstanceOf(ccxt.AuthenticationError);
    expect(sig.message).toContain('{"code":-1022,"msg":"Signature for this request is not valid."}');

    const unknownKey = createFakeBinanceClient(ep(), { rateLimit: 1, apiKey: "unknown-key" });
    const key = await rejection(unknownKey.fetchBalance());
    expect(key).toBeInstanceOf(ccxt.AuthenticationError);
    expect(key.message).toContain("-2015");
    expect(fake.requests({ path: "/api/v3/account" }).slice(-2).map((r) => r.status)).toEqual([400, 401]);
    // ccxt reads -2015 after one successful private call as a temporary ban
    unknownKey.options["hasAlreadyAuthenticatedSuccessfully"] = true;
    expect(await rejection(unknownKey.fetchBalance())).toBeInstanceOf(ccxt.DDoSProtection);

    // ccxt signs with recvWindow=10000; a server clock 30 s ahead makes the request too old
    expect(fake.requests({ path: "/api/v3/account" }).slice(-1)[0].query.recvWindow).toBe("10000");
    fake.setTimeOffset(30_000);
    const skew = await rejection(ex.fetchBalance());
    fake.setTimeOffset(0);
    expect(skew).toBeInstanceOf(ccxt.InvalidNonce);
    expect(skew.message).toContain("-1021");
  });
});

describe("fake Binance faults through ccxt.binance", () => {
  const { fake, ep } = useFake();
  let ex: ccxt.binance;

  beforeAll(async () => {
    ex = createFakeBinanceClient(ep(), { rateLimit: 1, timeout: 500 });
    await ex.loadMarkets();
  });

  it("429 → DDoSProtection (not RateLimitExceeded); ccxt neither retries nor honours Retry-After by default", async () => {
    fake.clearRequests();
    fake.failNext(1, 429);
    const err = await rejection(ex.fetchOrderBook(SYMBOL));
    expect(err).toBeInstanceOf(ccxt.DDoSProtection);
    expect(err).not.toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(err.message).toContain('"code":-1003');
    await ex.fetchOrderBook(SYMBOL); // the caller's immediate retry goes straight out
    const [first, second] = fake.requests({ path: "/api/v3/depth" });
    expect([first.status, second.status]).toEqual([429, 200]);
    expect(second.time - first.time).toBeLessThan(1000); // Retry-After: 1 was not waited for
  });

  it("options.maxRetriesOnFailure retries a 429 after maxRetriesOnFailureDelay", async () => {
    const retrying = createFakeBinanceClient(ep(), { rateLimit: 1, options: { maxRetriesOnFailure: 2, maxRetriesOnFailureDelay: 150 } });
    await retrying.loadMarkets();
    fake.clearRequests();
    fake.failNext(2, 429, undefined, { path: "/api/v3/depth" });
    const book = await retrying.fetchOrderBook(SYMBOL);
    expect(book.bids[0]).toEqual([50000, 1]);
    const log = fake.requests({ path: "/api/v3/depth" });
    expect(log.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(log[1].time - log[0].time).toBeGreaterThanOrEqual(140);
    expect(log[2].time - log[1].time).toBeGreaterThanOrEqual(140);
  });

  it("enableRateLimit spaces requests by rateLimit × endpoint cost; without it ccxt fires at once and trips the venue's limit", async () => {
    const throttled = createFakeBinanceClient(ep(), { rateLimit: 110 });
    throttled.markets = ex.markets; // skip loadMarkets' own cost
    throttled.markets_by_id = ex.markets_by_id;
    throttled.symbols = ex.symbols;
    fake.clearRequests();
    fake.setRequestLimit(3, 300);
    // depth without limit costs 1 → one request per 110 ms: never more than 3 within 300 ms
    await Promise.all([1, 2, 3, 4, 5].map(() => throttled.fetchOrderBook(SYMBOL)));
    const times = fake.requests({ path: "/api/v3/depth" }).map((r) => r.time);
    expect(times.length).toBe(5);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(100);

    const unthrottled = createFakeBinanceClient(ep(), { enableRateLimit: false });
    unthrottled.markets = ex.markets;
    unthrottled.markets_by_id = ex.markets_by_id;
    unthrottled.symbols = ex.symbols;
    await sleep(310);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => unthrottled.fetchOrderBook(SYMBOL)));
    fake.setRequestLimit(undefined);
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected.length).toBe(2);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(ccxt.DDoSProtection);
  });

  it("418, 5xx, latency and outages map to DDoSProtection, ExchangeNotAvailable, RequestTimeout, ExchangeError, NetworkError", async () => {
    const cases: [number, unknown][] = [
      [418, ccxt.DDoSProtection],
      [500, ccxt.ExchangeNotAvailable],
      [502, ccxt.ExchangeNotAvailable],
      [503, ccxt.ExchangeNotAvailable],
      [504, ccxt.RequestTimeout],
    ];
    for (const [status, cls] of cases) {
      fake.failNext(1, status);
      const err = await rejection(ex.fetchTicker(SYMBOL));
      expect([status, err]).toEqual([status, expect.any(cls as new () => Error)]);
    }
    // a 503 carrying Binance JSON is classified by its code: -1008 is not mapped for the fake's URL → ExchangeError
    fake.failNext(1, 503, { code: -1008, msg: "Server is currently overloaded with other requests. Please try again in a few minutes." });
    const json503 = await rejection(ex.fetchTicker(SYMBOL));
    expect(json503.constructor).toBe(ccxt.ExchangeError);

    fake.setLatency(700); // > timeout 500
    const slow = await rejection(ex.fetchTicker(SYMBOL));
    fake.setLatency(0);
    expect(slow).toBeInstanceOf(ccxt.RequestTimeout);
    expect(slow.message).toContain("timed out (500 ms)");

    await fake.setDown(true); // connection refused
    const refused = await rejection(ex.fetchTicker(SYMBOL));
    expect(refused.constructor).toBe(ccxt.NetworkError);
    expect(refused.message).toContain("ECONNREFUSED");
    await fake.setDown(true, "503");
    expect(await rejection(ex.fetchTicker(SYMBOL))).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    await fake.setDown(false);
    expect((await ex.fetchTicker(SYMBOL)).bid).toBe(50000);
  });
});

describe("fake Binance streams through ccxt.pro.binance", () => {
  const { fake, ep } = useFake();
  let pro: BinancePro;

  beforeEach(async () => {
    // ws.backoff.base: ccxt's reconnect backoff (default 1 s, doubling) shortened for the test
    pro = await createFakeBinanceProClient(ep(), { rateLimit: 1, options: { ws: { backoff: { base: 50 } } } });
    await pro.loadMarkets();
  });
  afterEach(async () => {
    await pro.close();
  });

  /** Starts a watch, triggers the server-side change once the stream is subscribed, awaits the watch. */
  async function watchAfter<T>(watch: () => Promise<T>, trigger: () => void, stream = "btcusdt@depth@100ms"): Promise<T> {
    const promise = watch();
    promise.catch(() => undefined); // observed by the caller; avoids an unhandled rejection while waiting
    await fake.waitForSubscription(stream);
    await sleep(15);
    trigger();
    return promise;
  }

  const watchBook = () => pro.watchOrderBook(SYMBOL);

  it("watchOrderBook: REST snapshot + diff stream with U/u, including the account's own orders", async () => {
    const first = await watchBook();
    expect(first.nonce).toBe(fake.book(ID).lastUpdateId);
    expect(first.bids.slice(0, 3)).toEqual(BOOK.bids);
    expect(fake.wsRequests()[0]).toMatchObject({ method: "SUBSCRIBE", params: ["btcusdt@depth@100ms"], path: "/stream/ws/0" });
    expect(fake.requests({ path: "/api/v3/depth" })[0].query).toMatchObject({ symbol: ID, limit: "1000" });

    const updated = await watchAfter(watchBook, () => fake.pushBookUpdate(ID, [[50000.5, 0.3], [49999, 0]], [[50001, 0.4]]));
    expect(updated.bids.slice(0, 3)).toEqual([
      [50000.5, 0.3],
      [50000, 1],
      [49998, 3],
    ]);
    expect(updated.asks[0]).toEqual([50001, 0.4]);
    expect(updated.nonce).toBe(fake.book(ID).lastUpdateId);

    // an order placed over REST shows up in the stream
    const rest = createFakeBinanceClient(ep(), { rateLimit: 1 });
    await rest.loadMarkets();
    const withOrder = await watchAfter(watchBook, () => void rest.createOrder(SYMBOL, "limit", "sell", 0.2, 50001));
    expect(withOrder.asks[0]).toEqual([50001, 0.6]);
    await rest.cancelAllOrders(SYMBOL);
  });

  it("gap while a watch is pending: it rejects with ChecksumError; the next watch resubscribes on the same socket and resyncs from a new snapshot", async () => {
    await watchBook();
    const depthCalls = fake.requests({ path: "/api/v3/depth" }).length;
    const subscribes = () => fake.wsRequests().filter((r) => r.method === "SUBSCRIBE").length;
    const subscribesBefore = subscribes();
    const gap = await rejection(watchAfter(watchBook, () => fake.skipSequence(ID, 5)));
    expect(gap).toBeInstanceOf(ccxt.ChecksumError);
    expect(gap).toBeInstanceOf(ccxt.InvalidNonce);
    expect(gap.message).toContain("orderbook data checksum validation failed");

    fake.pushBookUpdate(ID, [[49990, 7]], []); // changes while the client is out of sync
    const resynced = await watchBook(); // resolves with the fresh snapshot
    expect(resynced.nonce).toBe(fake.book(ID).lastUpdateId);
    expect(resynced.bids).toContainEqual([49990, 7]);
    expect(fake.requests({ path: "/api/v3/depth" }).length).toBe(depthCalls + 1);
    expect(subscribes()).toBe(subscribesBefore + 1);
    expect(fake.wsClientCount()).toBe(1); // no reconnect

    const next = await watchAfter(watchBook, () => fake.pushBookUpdate(ID, [[49991, 1]], []));
    expect(next.bids).toContainEqual([49991, 1]);
  });

  it("gap while no watch is pending: the next call rejects at once with ChecksumError (and starts the resync); later calls get updates", async () => {
    await watchBook();
    fake.skipSequence(ID, 2);
    await sleep(30);
    expect(await rejection(watchBook())).toBeInstanceOf(ccxt.ChecksumError);
    await sleep(50); // resync done; the next call waits for the next diff
    const next = await watchAfter(watchBook, () => fake.pushBookUpdate(ID, [[49992, 2]], []));
    expect(next.bids).toContainEqual([49992, 2]);
    expect(next.nonce).toBe(fake.book(ID).lastUpdateId);
  });

  it("gap whose snapshot keeps failing: the watch rejects with the REST error after 3 snapshot attempts; the next watch recovers", async () => {
    await watchBook();
    expect(await rejection(watchAfter(watchBook, () => fake.skipSequence(ID)))).toBeInstanceOf(ccxt.ChecksumError);
    fake.clearRequests();
    fake.failNext(3, 429, undefined, { path: "/api/v3/depth" });
    const snapshotErr = await rejection(watchBook());
    expect(snapshotErr).toBeInstanceOf(ccxt.DDoSProtection);
    expect(fake.requests({ path: "/api/v3/depth" }).map((r) => r.status)).toEqual([429, 429, 429]);
    const recovered = await watchBook();
    expect(recovered.nonce).toBe(fake.book(ID).lastUpdateId);
  });

  it("dropConnections: a pending watch rejects with NetworkError (code 1006); the next watch reconnects after ccxt's backoff and resyncs", async () => {
    await watchBook();
    expect(fake.wsClientCount()).toBe(1);
    const dropped = await rejection(watchAfter(watchBook, () => fake.dropConnections()));
    expect(dropped.constructor).toBe(ccxt.NetworkError);
    expect(dropped.message).toBe("connection closed by remote server, closing code 1006");

    fake.pushBookUpdate(ID, [[49980, 4]], []);
    const started = Date.now();
    const resynced = await watchBook();
    expect(Date.now() - started).toBeGreaterThanOrEqual(35); // second dial: backoff base (50 ms) × 0.8–1.2
    expect(fake.wsClientCount()).toBe(1);
    expect(resynced.bids).toContainEqual([49980, 4]);
    expect(resynced.nonce).toBe(fake.book(ID).lastUpdateId);

    // a graceful close code reaches the client as such
    const closed = await rejection(watchAfter(watchBook, () => fake.dropConnections(1001, "going away")));
    expect(closed.message).toBe("connection closed by remote server, closing code 1001");
    expect((await watchBook()).nonce).toBe(fake.book(ID).lastUpdateId);
  });

  it("server down: watch rejects with NetworkError (ECONNREFUSED); once up again the next watch succeeds", async () => {
    await watchBook();
    await fake.setDown(true);
    const down = await rejection(watchBook());
    expect(down).toBeInstanceOf(ccxt.NetworkError);
    await fake.setDown(false);
    let book;
    for (let i = 0; i < 5 && !book; i++) {
      try {
        book = await watchBook();
      } catch {
        await sleep(20);
      }
    }
    expect(book?.nonce).toBe(fake.book(ID).lastUpdateId);
  });

  it("watchTrades, watchBidsAsks (bookTicker) and watchTicker", async () => {
    const trades = await watchAfter(() => pro.watchTrades(SYMBOL), () => fake.pushTrade(ID, 50001, 0.3, false), "btcusdt@trade");
    expect(trades[trades.length - 1]).toMatchObject({ symbol: SYMBOL, price: 50001, amount: 0.3, side: "buy" });
    const bidsAsks = await watchAfter(() => pro.watchBidsAsks([SYMBOL]), () => fake.pushBookUpdate(ID, [[50000.25, 2]], []), "btcusdt@bookTicker");
    expect(bidsAsks[SYMBOL]).toMatchObject({ bid: 50000.25, bidVolume: 2, ask: 50001, askVolume: 1 });
    // ccxt.pro's watchTicker subscribes to <symbol>@miniTicker (no bid/ask in it)
    const ticker = await watchAfter(() => pro.watchTicker(SYMBOL), () => fake.pushTrade(ID, 50002, 0.1, true), "btcusdt@miniTicker");
    expect(ticker).toMatchObject({ symbol: SYMBOL, last: 50002, open: 50001, high: 50002, low: 50001 });
  });
});

describe("fake Binance raw websocket formats", () => {
  const { fake, ep } = useFake();

  it("combined /stream?streams= frames are {stream, data}; live SUBSCRIBE answers {result:null,id}", async () => {
    const ws = new WebSocket(`${ep().wsUrl}/stream?streams=btcusdt@depth/btcusdt@trade`);
    const frames: any[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((resolve) => ws.once("open", resolve));
    const before = fake.book(ID).lastUpdateId;
    fake.pushBookUpdate(ID, [[49000, 1]], [[51000, 2]]);
    ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["btcusdt@bookTicker", "btcusdt@depth5@100ms"], id: 7 }));
    ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["nosuch@depth"], id: 8 }));
    await sleep(50);
    fake.pushBookUpdate(ID, [[50000.5, 1]], []);
    await sleep(50);
    ws.terminate();
    expect(frames[0]).toEqual({
      stream: "btcusdt@depth",
      data: { e: "depthUpdate", E: expect.any(Number), s: ID, U: before + 1, u: before + 2, b: [["49000.00000000", "1.00000000"]], a: [["51000.00000000", "2.00000000"]] },
    });
    expect(frames).toContainEqual({ result: null, id: 7 });
    expect(frames).toContainEqual({ error: { code: 2, msg: expect.stringContaining("Invalid request") }, id: 8 });
    expect(frames).toContainEqual({ stream: "btcusdt@bookTicker", data: { u: before + 3, s: ID, b: "50000.50000000", B: "1.00000000", a: "50001.00000000", A: "1.00000000" } });
    for (let i = 0; i < 50 && fake.wsClientCount() > 0; i++) await sleep(10);
    expect(frames).toContainEqual({
      stream: "btcusdt@depth5@100ms",
      data: { lastUpdateId: before + 3, bids: fake.book(ID, 5).bids, asks: fake.book(ID, 5).asks },
    });
    expect(fake.wsClientCount()).toBe(0);
  });
});
