/**
 * Cross-exchange market making through the services: the bot quotes on the paper venue
 * (maker) priced from the fake Binance (taker, real ccxt over HTTP, keys from the
 * keystore) and hedges every maker fill there at once; a hedge the taker keeps refusing
 * is retried, then raised as an alert with the open exposure.
 */
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { currentPaperVenue, type WireFill } from "../../lib/cex";
import { botTag, hedgeClientOrderId } from "../../lib/market-maker/client-order-id";
import { hedgeTagOf, hedgerFor } from "../../lib/market-maker/venues";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import createMarketMakerService from "../../services/market-maker.service";
import { sleep, until } from "../support/until";
import { testEnv } from "../support/env";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig } from "../support/fake-binance";
import { configureXemmBot } from "../support/xemm";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";
const BOT = "xemm-a";

interface Order { clientOrderId: string; side: string; price: string; amount: string }
interface Fill { role: string; side: string; amount: string; price: string; exchange: string; tradeId: string }

describe("cross-exchange market making: paper maker, fake Binance taker", () => {
  const fake = new FakeBinance();
  const env = testEnv({ SERVICES: "config,keys,cex,market-maker", MASTER_KEY: "master-key-for-xemm-tests" });
  let broker: ServiceBroker;
  let feedTimer: NodeJS.Timeout;
  let takerBid: Decimal;
  let takerAsk: Decimal;
  const alerts: Array<{ rule: string; message: string }> = [];
  const hedgeFailures: Array<{ amount: string; side: string }> = [];

  const venue = () => currentPaperVenue()!;
  const makerOrders = async (): Promise<Order[]> =>
    ((await broker.call("cex.openOrders", { exchange: "paper", symbol: SYMBOL })) as Order[]).filter((o) => o.clientOrderId?.startsWith(`${botTag(BOT)}-`));
  const fills = async () => (await broker.call("mm.fills", { bot: BOT })) as Fill[];
  /** Sells into the bot's bid on the paper venue: every better bid first, then exactly the bot's order. */
  const hitBid = async () => {
    const ours = (await makerOrders()).filter((o) => o.side === "buy")[0];
    const ahead = venue().orderBook(SYMBOL).bids.filter(([p]) => new Decimal(p).gte(ours.price)).reduce((s, [, a]) => s.plus(a), new Decimal(0));
    await venue().connect("xemm-test-taker").createOrder(SYMBOL, "limit", "sell", ahead.toString(), ours.price, { timeInForce: "IOC" });
    return ours;
  };

  beforeAll(async () => {
    const ep = await fake.start();
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createKeysService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0, exchangeOverrides: { binance: fakeBinanceConfig(ep) } }));
    broker.createService(createMarketMakerService(env, { leaseTtlMs: 1000, persistIntervalMs: 300 }));
    broker.createService({
      name: "xemm-test-listener",
      events: {
        "alert.raised"(ctx: { params: { rule: string; message: string } }) { alerts.push(ctx.params); },
        "mm.hedge.failed"(ctx: { params: { amount: string; side: string } }) { hedgeFailures.push(ctx.params); },
      },
    });
    await broker.start();
    venue().deposit("xemm-test-taker", "BTC", "100");

    // The taker's book sits on the paper venue's price, so the maker quotes land just outside the paper touch.
    const fair = new Decimal(venue().fairPrice(SYMBOL) as string);
    takerBid = fair.times(0.9999).toDecimalPlaces(2);
    takerAsk = fair.times(1.0001).toDecimalPlaces(2);
    fake.setBook("BTCUSDT", { bids: [[takerBid.toNumber(), 2]], asks: [[takerAsk.toNumber(), 2]] });
    feedTimer = setInterval(() => {
      const now = Date.now();
      void broker.broadcast("price.cex.updated", { exchange: "binance", symbol: SYMBOL, bid: takerBid.toString(), ask: takerAsk.toString(), mid: takerBid.plus(takerAsk).div(2).toString(), bidSize: "2", askSize: "2", ts: now, receivedAt: now });
      const f = new Decimal(venue().fairPrice(SYMBOL) as string);
      void broker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: f.times(0.9999).toFixed(2), ask: f.times(1.0001).toFixed(2), mid: f.toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
    }, 100);

    await configureXemmBot(broker, BOT, "paper-btc");
  });

  afterAll(async () => {
    clearInterval(feedTimer);
    await broker?.stop();
    await fake.stop();
    env.cleanup();
  });

  it("quotes on the maker priced from the taker's book plus fees and the minimum profitability", async () => {
    await until("maker quotes", async () => (await makerOrders()).length === 2);
    const orders = await makerOrders();
    const bid = new Decimal(orders.find((o) => o.side === "buy")!.price);
    const ask = new Decimal(orders.find((o) => o.side === "sell")!.price);
    // Taker fee 0.1 % (the fake Binance), maker fee 0.01 % (the paper venue), minProfitability 0.1 %:
    // bid = takerBid·(1 − 0.001)/((1 + 0.0001)(1 + 0.001)), floored to the tick; ask symmetric, ceiled.
    const expectedBid = takerBid.times(0.999).div(new Decimal(1.0001).times(1.001)).toDecimalPlaces(2, Decimal.ROUND_DOWN);
    const expectedAsk = takerAsk.times(1.001).times(1.001).div(0.9999).toDecimalPlaces(2, Decimal.ROUND_UP);
    expect(bid.minus(expectedBid).abs().toNumber()).toBeLessThanOrEqual(0.01);
    expect(ask.minus(expectedAsk).abs().toNumber()).toBeLessThanOrEqual(0.01);
  });

  it("hedges a maker fill on the taker at once and ends flat within the fee", async () => {
    const before = fake.orders(DEFAULT_ACCOUNT.apiKey).length;
    const ours = await hitBid();
    await until("maker fills and as many hedge fills booked", async () => {
      const f = await fills();
      const makers = f.filter((x) => x.role === "maker").length;
      return makers > 0 && f.filter((x) => x.role === "hedge").length === makers;
    });
    const f = await fills();
    const maker = f.find((x) => x.role === "maker")!;
    const hedge = f.find((x) => x.role === "hedge")!;
    expect(maker).toMatchObject({ side: "buy", exchange: "paper", price: ours.price, amount: "0.001" });
    // The paper venue keeps 0.01 % of the bought BTC as its fee: 0.0009999 arrived, the taker's lot (0.00001) allows 0.00099.
    expect(hedge).toMatchObject({ side: "sell", exchange: "binance", amount: "0.00099", price: takerBid.toString() });
    // One market sell on the taker per maker fill: the sell into the bid may also take a second
    // order of the bot's at that price (an old quote not yet cancelled by a requote).
    const makerFills = f.filter((x) => x.role === "maker").length;
    const hedgeOrders = fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before) as Array<{ side: string; type: string }>;
    expect(hedgeOrders).toEqual(Array.from({ length: makerFills }, () => expect.objectContaining({ side: "SELL", type: "MARKET" })));
    expect(f.filter((x) => x.role === "hedge")).toHaveLength(makerFills);
    const pnl = (await broker.call("mm.pnl")) as { bots: Array<{ bot: string; position: string; realized: string }> };
    const row = pnl.bots.find((b) => b.bot === BOT)!;
    expect(new Decimal(row.position).abs().toNumber()).toBeLessThan(0.00001);
    // Bought below the taker bid by more than both fees: the round trip made money.
    expect(new Decimal(row.realized).toNumber()).toBeGreaterThan(0);
  });

  it("retries a refused hedge, then raises an alert with the open exposure", async () => {
    await until("maker quotes", async () => (await makerOrders()).some((o) => o.side === "buy"));
    fake.failNext(50, 500, undefined, { path: "/api/v3/order", method: "POST" });
    await hitBid();
    await until("hedge failure reported", () => hedgeFailures.length > 0, 20_000);
    fake.clearFailures();
    expect(hedgeFailures[0]).toMatchObject({ side: "sell", amount: "0.0009999" });
    await until("alert", () => alerts.some((a) => a.rule === "mm.hedge_failed"));
    expect(alerts.find((a) => a.rule === "mm.hedge_failed")!.message).toMatch(/exposure 0\.0009999 BTC/);
  });

  it("hedges at start a maker fill booked while the bot was not running, and only once", async () => {
    const state = async () => ((await broker.call("mm.status")) as { bots: Array<{ name: string; state: string; live?: unknown }> }).bots.find((b) => b.name === BOT);
    const pauseAndWait = async () => {
      await broker.call("mm.pause", { bot: BOT });
      await until("bot stopped", async () => (await state())?.live === undefined);
    };
    const resumeAndWait = async () => {
      await broker.call("mm.resumeBot", { bot: BOT });
      await until("bot running", async () => (await state())?.live !== undefined, 20_000);
    };
    await until("bot running", async () => (await state())?.live !== undefined);
    await pauseAndWait();
    // A maker fill nobody quoting saw: as the cex reports a fill of an order that raced the pause's cancel.
    const fill: WireFill = {
      exchange: "paper", tradeId: "while-paused-1", orderId: "p-1", clientOrderId: `${botTag(BOT)}-while-paused-0001`, symbol: SYMBOL, side: "buy",
      price: takerBid.minus(1).toString(), amount: "0.002", cost: takerBid.minus(1).times("0.002").toString(), takerOrMaker: "maker", fee: { cost: "0.0000002", currency: "BTC" }, timestamp: Date.now(),
    };
    await broker.emit("order.filled", fill);
    await until("booked", async () => (await fills()).some((f) => f.tradeId === fill.tradeId));
    const before = fake.orders(DEFAULT_ACCOUNT.apiKey).length;
    await resumeAndWait();
    const hedgeId = hedgeClientOrderId(hedgeTagOf(BOT), "paper:while-paused-1");
    await until("the hedge", () => fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before).some((o) => o.clientOrderId === hedgeId), 20_000);
    // 0.002 bought, less the 0.0000002 fee in BTC, floored to the taker's lot of 0.00001.
    expect(fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before)).toEqual([expect.objectContaining({ side: "SELL", type: "MARKET", origQty: "0.00199000", clientOrderId: hedgeId })]);
    // Stopped and started again, the fill is inside the saved ledger: no second hedge.
    await pauseAndWait();
    await resumeAndWait();
    await sleep(500);
    expect(fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before).filter((o) => o.clientOrderId === hedgeId)).toHaveLength(1);
  });

  it("hedges one maker fill once however often it is delivered: the hedge's client order id comes from the fill", async () => {
    const taker = { name: "binance-btc", kind: "cex" as const, venue: "binance", symbol: SYMBOL, base: "BTC", quote: "USDT" };
    // As two bot instances would (a restart, a lease handover): separate hedgers, one fill.
    const hedgers = [0, 1].map(() => hedgerFor((action, params, opts) => broker.call(action, params, opts), BOT, taker, "0.00001", 1));
    const before = fake.orders(DEFAULT_ACCOUNT.apiKey).length;
    const order = { side: "sell" as const, amount: "0.00099", reason: "test", makerFill: "paper:duplicate-delivery-1" };
    const [a, b] = await Promise.all(hedgers.map((h) => h.hedge(order)));
    const c = await hedgers[0].hedge(order);
    expect(fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before)).toEqual([expect.objectContaining({ side: "SELL", type: "MARKET", origQty: "0.00099000" })]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // Another fill is another hedge.
    await hedgers[1].hedge({ ...order, makerFill: "paper:duplicate-delivery-2" });
    expect(fake.orders(DEFAULT_ACCOUNT.apiKey).slice(before)).toHaveLength(2);
  });
});
