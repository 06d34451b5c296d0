/**
 * The fake Binance's GET /api/v3/myTrades against Binance's documented rules, through the
 * real ccxt.binance: default page 500 and at most 1000, fromId (trade id >= fromId,
 * ascending), orderId (alone or with fromId), a startTime/endTime window of at most 24 h,
 * and -1128 for the combinations Binance does not support.
 */
import * as ccxt from "ccxt";
import { FakeBinance, createFakeBinanceClient, type FakeBinanceEndpoint } from "../support/fake-binance";
import { rejection } from "../support/rejection";
import { makeAccountTrades } from "../support/fake-binance-history";

jest.setTimeout(30_000);

const SYMBOL = "BTC/USDT";
const DAY = 86_400_000;

describe("fake Binance GET /api/v3/myTrades", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  let ex: ccxt.binance;
  let orderId: string;
  const ids = (trades: ccxt.Trade[]) => trades.map((t) => Number(t.id));

  beforeAll(async () => {
    ep = await fake.start();
    ex = createFakeBinanceClient(ep, { rateLimit: 1 });
    await ex.loadMarkets();
    makeAccountTrades(fake, 600);
    const order = await ex.createOrder(SYMBOL, "limit", "buy", 0.003, 49000);
    orderId = order.id!;
    fake.fillOrder(Number(orderId), "0.001");
    makeAccountTrades(fake, 600);
    fake.fillOrder(Number(orderId), "0.001");
    fake.fillOrder(Number(orderId), "0.001");
  });

  afterAll(async () => {
    await fake.stop();
  });

  it("no condition: the 500 most recent trades; limit up to 1000 (more is capped)", async () => {
    const recent = await ex.fetchMyTrades(SYMBOL);
    expect(recent).toHaveLength(500);
    expect(Math.max(...ids(recent))).toBe(1203);
    expect(Math.min(...ids(recent))).toBe(704);
    expect(await ex.fetchMyTrades(SYMBOL, undefined, 1000)).toHaveLength(1000);
    expect(await ex.fetchMyTrades(SYMBOL, undefined, 5000)).toHaveLength(1000);
  });

  it("fromId: trades with id >= fromId, oldest first, one page", async () => {
    const page = await ex.fetchMyTrades(SYMBOL, undefined, 1000, { fromId: 2 });
    expect(page).toHaveLength(1000);
    // ccxt re-sorts a page by timestamp, then id as a string ("10" before "2" within one ms):
    // through ccxt the ids are checked as a set, the venue's own order on the raw answer.
    expect([...ids(page)].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    const raw = (await ex.privateGetMyTrades({ symbol: "BTCUSDT", fromId: 2, limit: 1000 })) as Array<{ id: number }>;
    expect(raw.map((t) => Number(t.id))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    expect(ids(await ex.fetchMyTrades(SYMBOL, undefined, undefined, { fromId: 1200 }))).toEqual([1200, 1201, 1202, 1203]);
  });

  it("orderId: that order's trades, also paged with fromId", async () => {
    const mine = await ex.fetchOrderTrades(orderId, SYMBOL);
    expect(mine.map((t) => t.amount)).toEqual([0.001, 0.001, 0.001]);
    expect(mine.every((t) => t.order === orderId)).toBe(true);
    const later = await ex.fetchOrderTrades(orderId, SYMBOL, undefined, 1, { fromId: Number(mine[0].id) + 1 });
    expect(later.map((t) => t.id)).toEqual([mine[1].id]);
  });

  it("startTime..endTime: at most 24 h (-1127); startTime alone covers 24 h from it", async () => {
    const now = Date.now();
    const tooLong = await rejection(ex.fetchMyTrades(SYMBOL, now - DAY - 1, undefined, { endTime: now }));
    expect(tooLong.message).toContain("-1127");
    expect(await ex.fetchMyTrades(SYMBOL, now - DAY, 1000, { endTime: now })).toHaveLength(1000);

    fake.engine.backdate(2 * DAY); // everything so far happened two days ago
    try {
      expect(await ex.fetchMyTrades(SYMBOL, now - DAY)).toEqual([]);
      const old = await ex.fetchMyTrades(SYMBOL, now - 3 * DAY, 1000);
      expect(Math.min(...ids(old))).toBe(1);
    } finally {
      fake.engine.backdate(-2 * DAY);
    }
  });

  it("unsupported combinations answer -1128", async () => {
    for (const params of [{ fromId: 1, endTime: Date.now() }, { orderId, endTime: Date.now() }]) {
      const err = await rejection(ex.fetchMyTrades(SYMBOL, undefined, undefined, params));
      expect(err).toBeInstanceOf(ccxt.BadRequest);
      expect(err.message).toContain("-1128");
    }
    expect((await rejection(ex.fetchOrderTrades(orderId, SYMBOL, Date.now() - 1000))).message).toContain("-1128");
  });
});
