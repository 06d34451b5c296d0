/**
 * The fake Binance's user data stream through the real ccxt.pro.binance client: ccxt 4.5
 * subscribes on the WebSocket API (`userDataStream.subscribe.signature`) and parses
 * executionReport / outboundAccountPosition / balanceUpdate into orders, trades and
 * balances; the fake's controls cut, expire and thin the stream.
 */
import type * as ccxt from "ccxt";
import { quietFutures } from "../../lib/cex/user-stream-client";
import { FakeBinance, createFakeBinanceClient, createFakeBinanceProClient, type BinancePro, type FakeBinanceEndpoint } from "../support/fake-binance";
import { rejection } from "../support/rejection";

/**
 * ccxt.pro's binance leaves internal futures unawaited; a failed subscribe or a close rejects
 * them unhandled (mmesh's user stream client quiets them the same way).
 */
async function proClient(ep: FakeBinanceEndpoint, options: Record<string, unknown> = {}): Promise<BinancePro> {
  const pro = await createFakeBinanceProClient(ep, { rateLimit: 1, ...options });
  quietFutures(pro as never);
  return pro;
}

const SYMBOL = "BTC/USDT";
const ID = "BTCUSDT";

describe("fake Binance user data stream through ccxt.pro.binance", () => {
  const fake = new FakeBinance();
  /**
   * The fake counts a subscription when it answers the subscribe; ccxt registers the watch's
   * future only once it has read that answer. An event sent in between is dropped by ccxt.
   */
  const subscribed = async () => {
    await fake.waitForUserStream(1);
    await new Promise((r) => setTimeout(r, 300));
  };
  let ep: FakeBinanceEndpoint;
  let rest: ccxt.binance;
  let pro: BinancePro;

  beforeAll(async () => {
    ep = await fake.start();
    rest = createFakeBinanceClient(ep, { rateLimit: 1 });
    await rest.loadMarkets();
  });
  beforeEach(async () => {
    fake.setBook(ID, { bids: [[50000, 1]], asks: [[50010, 1]] });
    pro = await proClient(ep);
    await pro.loadMarkets();
  });
  afterEach(async () => {
    await pro.close();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("reports a resting order, its partial and full fills with trade id, fee and maker flag, and the balances", async () => {
    const orders = pro.watchOrders(SYMBOL);
    await subscribed();
    const placed = await rest.createOrder(SYMBOL, "limit", "buy", 0.01, 49990, { clientOrderId: "us-fill-1" });
    const [opened] = await orders;
    expect(opened).toMatchObject({ id: placed.id, clientOrderId: "us-fill-1", status: "open", filled: 0 });

    const trades = pro.watchMyTrades(SYMBOL);
    const publicTrade = fake.fillOrder("us-fill-1", "0.004");
    const [trade] = await trades;
    expect(trade).toMatchObject({ id: String(publicTrade.id), order: placed.id, side: "buy", price: 49990, amount: 0.004, takerOrMaker: "maker" });
    expect(trade.fee).toEqual({ cost: 0.000004, currency: "BTC" });
    expect((trade.info as { c: string }).c).toBe("us-fill-1");

    const balance = pro.watchBalance();
    fake.fillOrder("us-fill-1");
    const [closed] = await pro.watchOrders(SYMBOL);
    expect(closed).toMatchObject({ clientOrderId: "us-fill-1", status: "closed", filled: 0.01 });
    const b = await balance;
    expect(b.BTC.free).toBeCloseTo(10 + 0.01 - 0.00001, 8);
  });

  it("a cancel's report names the order by its own clientOrderId (C), not the cancel request's (c)", async () => {
    await rest.createOrder(SYMBOL, "limit", "sell", 0.01, 50100, { clientOrderId: "us-cancel-1" });
    const orders = pro.watchOrders(SYMBOL);
    await subscribed();
    await rest.cancelOrder("", SYMBOL, { clientOrderId: "us-cancel-1" });
    const [canceled] = await orders;
    expect(canceled).toMatchObject({ clientOrderId: "us-cancel-1", status: "canceled" });
  });

  it("a deposit arrives as balanceUpdate", async () => {
    const balance = pro.watchBalance();
    await subscribed();
    fake.setBalance("fake-binance-api-key", "ETH", "150");
    const b = await balance;
    expect(b.ETH.free).toBe(150);
  });

  it("cutUserStream closes the session (the watch rejects) and refuses new ones until the time is up", async () => {
    const orders = pro.watchOrders(SYMBOL);
    await subscribed();
    expect(fake.cutUserStream(300)).toBe(1);
    expect((await rejection(orders)).name).toBe("NetworkError");
    expect((await rejection(pro.watchOrders(SYMBOL))).name).toMatch(/NetworkError|ExchangeNotAvailable/);
    expect(fake.userStreamSubscriptions()).toBe(0);
    await new Promise((r) => setTimeout(r, 350));
    const again = pro.watchOrders(SYMBOL);
    await subscribed();
    fake.setBalance("fake-binance-api-key", "USDT", "1000000");
    await rest.createOrder(SYMBOL, "limit", "buy", 0.01, 49000, { clientOrderId: "us-after-cut" });
    expect((await again)[0]).toMatchObject({ clientOrderId: "us-after-cut" });
  });

  it("expireUserStream ends the subscription with eventStreamTerminated while the socket stays open", async () => {
    const orders = pro.watchOrders(SYMBOL);
    await subscribed();
    expect(fake.expireUserStream()).toBe(1);
    expect(fake.userStreamSubscriptions()).toBe(0);
    expect(fake.userStream.sent.get("eventStreamTerminated")).toBeGreaterThanOrEqual(1);
    // ccxt drops its subscription flag once the event arrives: the next watch subscribes again on the same socket.
    void orders.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const again = pro.watchOrders(SYMBOL);
    await subscribed();
    await rest.createOrder(SYMBOL, "limit", "buy", 0.01, 49001, { clientOrderId: "us-after-expiry" });
    expect((await again).some((o) => o.clientOrderId === "us-after-expiry")).toBe(true);
  });

  it("dropNextUserFills loses one TRADE report while the stream keeps flowing", async () => {
    await rest.createOrder(SYMBOL, "limit", "buy", 0.01, 49980, { clientOrderId: "us-drop-1" });
    const trades = pro.watchMyTrades(SYMBOL);
    await subscribed();
    fake.dropNextUserFills(1);
    const lost = fake.fillOrder("us-drop-1", "0.005");
    const kept = fake.fillOrder("us-drop-1");
    const got = await trades;
    expect(got.map((t) => t.id)).toEqual([String(kept.id)]);
    expect(fake.userStream.droppedFills).toEqual([expect.objectContaining({ tradeId: lost.id })]);
  });

  it("refuses a subscription signed with the wrong secret", async () => {
    const wrong = await proClient(ep, { secret: "not-the-secret" });
    try {
      await wrong.loadMarkets();
      const err = await rejection(wrong.watchOrders(SYMBOL));
      expect(err.message).toContain("-1022");
      expect(fake.userStreamSubscriptions()).toBe(0);
    } finally {
      await wrong.close();
    }
  });
});
