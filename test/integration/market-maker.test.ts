/**
 * The market-maker service on the embedded default: config, cex (the shared paper venue in
 * real time) and mm in one broker. The test plays the price feed (so it can freeze or move
 * the price) and a counterparty on the paper venue (so it can fill a bot's quote on demand).
 */
import { ServiceBroker } from "moleculer";
import Decimal from "decimal.js";
import { currentPaperVenue } from "../../lib/cex";
import { botTag } from "../../lib/market-maker/client-order-id";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createMarketMakerService from "../../services/market-maker.service";
import { sleep, until } from "../support/until";
import { testEnv } from "../support/env";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";

interface Order { clientOrderId: string; side: string; price: string; amount: string; status: string }
interface Status { killSwitch: { engaged: boolean }; errors: Array<{ name: string; error: string }>; bots: Array<{ name: string; state: string; node: string | null; haltReason: string | null; live?: { lastRisk: { blocked: string | null }; ledger: { position: string } } }> }

describe("market-maker service on the paper exchange", () => {
  const env = testEnv({ SERVICES: "config,cex,market-maker" });
  let broker: ServiceBroker;
  let feeding = true;
  let priceOverride: Decimal | null = null;
  let feedTimer: NodeJS.Timeout;
  const alerts: Array<{ rule: string; kind: string; message: string }> = [];
  const busAlerts: Array<{ rule: string; message: string }> = [];
  const quotes: Array<{ bot: string; tickReceivedAt: number; orderAckAt: number }> = [];

  const venue = () => {
    const v = currentPaperVenue();
    if (!v) throw new Error("paper venue not running");
    return v;
  };
  const emitTick = () => {
    const fair = priceOverride ?? new Decimal(venue().fairPrice(SYMBOL) as string);
    const bid = fair.times(0.9999).toDecimalPlaces(2);
    const ask = fair.times(1.0001).toDecimalPlaces(2);
    const now = Date.now();
    void broker.emit("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: bid.toString(), ask: ask.toString(), mid: bid.plus(ask).div(2).toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
  };
  const botOrders = async (bot: string): Promise<Order[]> => {
    const open = (await broker.call("cex.openOrders", { exchange: "paper", symbol: SYMBOL })) as Order[];
    return open.filter((o) => o.clientOrderId?.startsWith(`${botTag(bot)}-`));
  };
  const status = () => broker.call("mm.status") as Promise<Status>;
  const botStatus = async (name: string) => (await status()).bots.find((b) => b.name === name);
  /** Sells into the bot's best bid: sweeps every better bid first, then exactly the bot's order. */
  const hitBid = async (bot: string) => {
    const bids = (await botOrders(bot)).filter((o) => o.side === "buy").sort((a, b) => Number(b.price) - Number(a.price));
    const ours = bids[0];
    const book = venue().orderBook(SYMBOL);
    const ahead = book.bids.filter(([p]) => new Decimal(p).gte(ours.price)).reduce((sum, [, a]) => sum.plus(a), new Decimal(0));
    const tester = venue().connect("mm-test-taker");
    await tester.createOrder(SYMBOL, "limit", "sell", ahead.toString(), ours.price, { timeInForce: "IOC" });
    return ours;
  };

  const setStrategy = (name: string, body: Record<string, unknown>) => broker.call("config.set", { kind: "strategies", name, body });
  const pmm = (extra: Record<string, unknown> = {}) => ({
    market: "paper-btc",
    strategy: "pure_market_making",
    enabled: true,
    minRequoteIntervalMs: 20,
    params: { bidSpread: 0.002, askSpread: 0.002, orderAmount: "0.001", orderLevels: 2, orderLevelSpread: 0.001, orderRefreshTimeMs: 200, ...extra },
  });

  beforeAll(async () => {
    broker = new ServiceBroker({ ...createBrokerOptions(env), ...(process.env.MM_DEBUG ? {} : { logger: false }) });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0 }));
    broker.createService(createMarketMakerService(env, { leaseTtlMs: 1000, persistIntervalMs: 300 }));
    broker.createService({
      name: "mm-test-listener",
      events: {
        "alert.raised"(ctx: { params: { rule: string; message: string } }) { alerts.push({ ...ctx.params, kind: "raised" }); },
        "alert.resolved"(ctx: { params: { rule: string; message: string } }) { alerts.push({ ...ctx.params, kind: "resolved" }); },
        "mm.quote.placed"(ctx: { params: { bot: string; tickReceivedAt: number; orderAckAt: number } }) { quotes.push(ctx.params); },
      },
      channels: {
        "alert.raised": { group: "mm-test", handler(payload: { rule: string; message: string }) { busAlerts.push(payload); } },
      },
    });
    await broker.start();
    venue().deposit("mm-test-taker", "BTC", "100");
    venue().deposit("mm-test-taker", "USDT", "10000000");
    feedTimer = setInterval(() => feeding && emitTick(), 50);
    await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
  });

  afterAll(async () => {
    clearInterval(feedTimer);
    await broker?.stop();
    env.cleanup();
  });

  it("starts a pure market-making bot from config and quotes every level on both sides", async () => {
    await setStrategy("pmm-a", pmm());
    await until("four quotes", async () => (await botOrders("pmm-a")).length === 4);
    const orders = await botOrders("pmm-a");
    const mid = new Decimal(venue().fairPrice(SYMBOL) as string);
    const bids = orders.filter((o) => o.side === "buy").map((o) => new Decimal(o.price)).sort((a, b) => b.cmp(a));
    const asks = orders.filter((o) => o.side === "sell").map((o) => new Decimal(o.price)).sort((a, b) => a.cmp(b));
    // level 0 at 0.2 % from the mid, level 1 another 0.1 % out (the mid moves a little meanwhile)
    expect(bids[0].div(mid).minus(0.998).abs().toNumber()).toBeLessThan(0.0005);
    expect(asks[0].div(mid).minus(1.002).abs().toNumber()).toBeLessThan(0.0005);
    expect(bids[0].minus(bids[1]).div(mid).toNumber()).toBeCloseTo(0.001, 3);
    expect(orders.every((o) => o.amount === "0.001")).toBe(true);
    const bot = await botStatus("pmm-a");
    expect(bot).toMatchObject({ state: "running", node: broker.nodeID });
    // event-driven: each quote carries the tick that caused it, acknowledged after it
    await until("mm.quote.placed", () => quotes.some((x) => x.bot === "pmm-a"));
    const q = quotes.find((x) => x.bot === "pmm-a")!;
    expect(q.orderAckAt).toBeGreaterThanOrEqual(q.tickReceivedAt);
    expect(q.orderAckAt - q.tickReceivedAt).toBeLessThan(1000);
  });

  it("takes new parameters live from config.changed", async () => {
    await setStrategy("pmm-a", pmm({ orderLevels: 1 }));
    await until("one level a side", async () => (await botOrders("pmm-a")).length === 2);
  });

  it("books a fill once (the durable bus books it; cex's event is no second booking), with average-cost PnL", async () => {
    const ours = await hitBid("pmm-a");
    let pnl: { bots: Array<{ bot: string; position: string; fills: number; feesPaid: string; realized: string }> } = { bots: [] };
    await until("fill booked", async () => {
      pnl = await broker.call("mm.pnl");
      return pnl.bots.find((b) => b.bot === "pmm-a")?.fills === 1;
    });
    await sleep(300); // the event cex also emits must not count again
    const fills = (await broker.call("mm.fills", { bot: "pmm-a" })) as Array<{ side: string; price: string; amount: string; feeCost: string; feeCurrency: string }>;
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ side: "buy", price: ours.price, amount: "0.001" });
    const row = (await broker.call("mm.pnl") as typeof pnl).bots.find((b) => b.bot === "pmm-a")!;
    // bought 0.001 BTC, the paper venue takes its 0.01 % maker fee in BTC: position 0.0009999,
    // and that fee (0.0000001 BTC at the fill price) is what realized PnL has lost so far.
    expect(row.position).toBe("0.0009999");
    expect(row.fills).toBe(1);
    expect(new Decimal(row.feesPaid).toNumber()).toBeCloseTo(new Decimal(ours.price).times("0.0000001").toNumber(), 7);
    expect(new Decimal(row.realized).plus(row.feesPaid).abs().toNumber()).toBeLessThan(1e-9);
  });

  it("pulls its quotes when the feed goes stale and quotes again when it resumes", async () => {
    await broker.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 400 } });
    await until("quoting", async () => (await botOrders("pmm-a")).length === 2);
    feeding = false;
    await until("quotes pulled", async () => (await botOrders("pmm-a")).length === 0, 4000);
    expect((await botStatus("pmm-a"))?.live?.lastRisk.blocked).toBe("stale_feed");
    feeding = true;
    await until("quoting again", async () => (await botOrders("pmm-a")).length === 2);
  });

  it("trips the daily-loss kill switch on a scripted loss: cancels, halts, alerts, stays down", async () => {
    await broker.call("config.set", { kind: "risk", name: "pmm-a", body: { scope: "pmm-a", staleFeedMs: 2000, dailyLossLimit: "0.5" } });
    await until("quoting", async () => (await botOrders("pmm-a")).length === 2);
    // The bot is long 0.0009999 BTC: a 10 % fall of the price costs it ~6 USDT > 0.5.
    priceOverride = new Decimal(venue().fairPrice(SYMBOL) as string).times(0.9);
    await until("halted", async () => (await botStatus("pmm-a"))?.state === "halted");
    priceOverride = null;
    expect((await botStatus("pmm-a"))?.haltReason).toMatch(/daily_loss/);
    expect(await botOrders("pmm-a")).toHaveLength(0);
    await until("alert", () => alerts.some((a) => a.rule === "mm.daily_loss" && a.kind === "raised"));
    await until("alert on the durable bus", () => busAlerts.some((a) => a.rule === "mm.daily_loss"));
    // Not restarted by a config change: a halted bot waits for a person.
    await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
    await sleep(500);
    expect(await botOrders("pmm-a")).toHaveLength(0);
    expect((await botStatus("pmm-a"))?.state).toBe("halted");
    await broker.call("config.remove", { kind: "risk", name: "pmm-a" });
    await broker.call("mm.resumeBot", { bot: "pmm-a" });
    await until("quoting after resume", async () => (await botOrders("pmm-a")).length === 2);
  });

  it("pauses a bot (orders cancelled, state kept) and quotes again on resume", async () => {
    await until("quoting", async () => (await botOrders("pmm-a")).length === 2);
    await broker.call("mm.pause", { bot: "pmm-a" });
    await until("paused", async () => (await botStatus("pmm-a"))?.state === "paused");
    expect(await botOrders("pmm-a")).toHaveLength(0);
    await broker.call("mm.resumeBot", { bot: "pmm-a" });
    await until("quoting after resume", async () => (await botOrders("pmm-a")).length === 2 && (await botStatus("pmm-a"))?.state === "running");
  });

  it("global kill switch stops every bot until released", async () => {
    await setStrategy("pmm-b", { ...pmm(), params: { ...pmm().params, orderLevels: 1, bidSpread: 0.004, askSpread: 0.004 } });
    await until("both bots quoting", async () => (await botOrders("pmm-a")).length === 2 && (await botOrders("pmm-b")).length === 2);
    await broker.call("mm.killSwitch", { reason: "test says stop" });
    expect(await botOrders("pmm-a")).toHaveLength(0);
    expect(await botOrders("pmm-b")).toHaveLength(0);
    expect((await status()).killSwitch.engaged).toBe(true);
    await until("alert", () => alerts.some((a) => a.rule === "mm.kill_switch" && a.kind === "raised"));
    await setStrategy("pmm-b", { ...pmm(), params: { ...pmm().params, orderLevels: 1 } });
    await sleep(400);
    expect(await botOrders("pmm-b")).toHaveLength(0);
    await broker.call("mm.resume");
    await until("quoting after release", async () => (await botOrders("pmm-a")).length === 2 && (await botOrders("pmm-b")).length === 2);
  });

  it("stops a bot and cancels its orders when its document is disabled", async () => {
    await setStrategy("pmm-b", { ...pmm(), enabled: false });
    await until("pmm-b down", async () => (await botOrders("pmm-b")).length === 0);
    // Cancelled first, then recorded as stopped.
    await until("pmm-b stopped", async () => (await botStatus("pmm-b"))?.state === "stopped");
    expect((await botOrders("pmm-a")).length).toBe(2);
  });

  it("runs an Avellaneda-Stoikov bot whose quotes lean against its inventory", async () => {
    await setStrategy("pmm-a", { ...pmm(), enabled: false });
    await setStrategy("as-a", {
      market: "paper-btc",
      strategy: "avellaneda_stoikov",
      enabled: true,
      minRequoteIntervalMs: 20,
      params: { orderAmount: "0.001", riskAversion: 0.5, orderBookDepthFactor: 0.5, volatilityWindow: 10, orderRefreshTimeMs: 200, horizonMs: 60_000 },
    });
    await until("A-S quoting", async () => (await botOrders("as-a")).length === 2, 15_000);
    const s = (await botStatus("as-a")) as unknown as { live: { strategyState: Record<string, number> } };
    const st = s.live.strategyState;
    // The paper account holds far more USDT value than BTC: q < 0, so r sits above the mid.
    expect(st.q).toBeLessThan(0);
    expect(st.reservationPrice).toBeGreaterThan(Number(venue().fairPrice(SYMBOL)) * 0.999);
    expect(st.optimalSpread).toBeGreaterThan(0);
  });

  it("mm.status says which side cannot be quoted and why, and when and why a quote was widened", async () => {
    await setStrategy("as-a", { market: "paper-btc", strategy: "avellaneda_stoikov", enabled: false, params: { orderAmount: "0.001", riskAversion: 0.5 } });
    // Target 0 % base while the paper account holds BTC: the skew takes the bid's amount to 0 (nothing to
    // quote on that side); the ask, asked for 0.5 bp from the mid, is moved out to the 1 bp maker fee.
    await setStrategy("skew-a", pmm({ orderLevels: 1, bidSpread: 0.00005, askSpread: 0.00005, inventorySkew: true, inventoryTargetBasePct: 0 }));
    await until("the ask alone", async () => (await botOrders("skew-a")).length === 1);
    const started = Date.now();
    expect((await botOrders("skew-a"))[0].side).toBe("sell");
    type Live = { unquoted: Array<{ side: string; cause: string; reason: string; since: number }>; widened: { sides: string; reason: string; since: number } | null };
    const live = async () => (await botStatus("skew-a")) as unknown as { live: Live };
    await until("status filled in", async () => (await live()).live.widened !== null && (await live()).live.unquoted.length > 0);
    await sleep(300); // more ticks: the same state, the same since
    const st = (await live()).live;
    expect(st.unquoted).toEqual([{ side: "buy", cause: "strategy", reason: expect.stringMatching(/^not quoted: bid level 0: amount 0 \(inventory skew, bid ratio 0/), since: expect.any(Number) }]);
    expect(st.unquoted[0].since).toBeLessThanOrEqual(started);
    expect(st.widened).toEqual({ sides: "sell", reason: expect.stringMatching(/^sell widened to 1 bp from the mid \d+(\.\d+)?: maker fee 1 bp$/), since: expect.any(Number) });
    expect(st.widened!.since).toBeLessThanOrEqual(started);
    await setStrategy("skew-a", { ...pmm(), enabled: false });
    await until("skew-a down", async () => (await botOrders("skew-a")).length === 0);
  });

  it("reports configuration errors instead of half-starting a bot", async () => {
    await setStrategy("bad-1", { market: "nowhere", strategy: "pure_market_making", enabled: true, params: pmm().params });
    await until("error listed", async () => (await status()).errors.some((e) => e.name === "bad-1"));
    expect((await status()).errors.find((e) => e.name === "bad-1")?.error).toMatch(/nowhere/);
  });
});
