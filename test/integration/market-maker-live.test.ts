/**
 * A market-maker node apart from the venue, over NATS: this broker runs config and cex (the
 * shared paper venue in real time), a second one runs mm. The test plays the price feed.
 *  - liveness: one price, then only `price.cex.alive` (a quiet market): the quotes stay past
 *    staleFeedMs; silence (a dead socket) pulls them; liveness again brings them back.
 *  - dead man's switch: the bot arms the venue's cancelAllOrdersAfter and refreshes it every
 *    timeout/4; when the mm node's requests stop reaching cex (as after a kill -9: no refresh,
 *    no cancel), the venue cancels the resting quotes at the timeout; the kill switch disarms it.
 */
import Decimal from "decimal.js";
import { Errors, ServiceBroker, type Context, type Middleware } from "moleculer";
import { PAPER_ACCOUNT, currentPaperVenue } from "../../lib/cex";
import { botTag } from "../../lib/market-maker/client-order-id";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createMarketMakerService from "../../services/market-maker.service";
import { sleep, until } from "../support/until";
import { testEnv, uniqueName } from "../support/env";

jest.setTimeout(60_000);

const NATS_URL = "nats://127.0.0.1:4222";
const SYMBOL = "BTC/USDT";
const BOT = "live-bot";
const STALE_MS = 1_500;
const DEAD_MAN_MS = 2_000;

interface VenueOrder { clientOrderId: string; status: string }

describe("market-maker node apart from the venue: liveness and the dead man's switch", () => {
  const namespace = uniqueName("live");
  const venueEnv = testEnv({ SERVICES: "config,cex", TRANSPORTER: NATS_URL, NAMESPACE: namespace, NODE_ID: uniqueName("venue") });
  const mmEnv = testEnv({ SERVICES: "market-maker", TRANSPORTER: NATS_URL, NAMESPACE: namespace, NODE_ID: uniqueName("mm") });
  let venueBroker: ServiceBroker;
  let mmBroker: ServiceBroker;
  let partitioned = false;
  /** cex.cancelAllAfter calls that reached the venue, with the venue's time right after each. */
  const arms: Array<{ timeoutMs: number; venueTime: number; ok: boolean }> = [];
  const tag = `${botTag(BOT)}-`;
  let price = new Decimal(0);

  /** Requests from the mm node fail here while `partitioned` (what the venue sees of a node killed with -9: nothing). */
  const cutOff: Middleware = {
    name: "mm-cut-off",
    localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
      return async (ctx: Context) => {
        if (partitioned && ctx.nodeID === mmEnv.nodeID) throw new Errors.MoleculerError("mm node unreachable", 503, "UNREACHABLE");
        if (action.name !== "cex.cancelAllAfter") return next(ctx);
        const timeoutMs = (ctx.params as { timeoutMs: number }).timeoutMs;
        try {
          const res = await next(ctx);
          arms.push({ timeoutMs, venueTime: venue().now(), ok: true });
          return res;
        } catch (err) {
          arms.push({ timeoutMs, venueTime: venue().now(), ok: false });
          throw err;
        }
      };
    },
  } as unknown as Middleware;

  const venue = () => {
    const v = currentPaperVenue();
    if (!v) throw new Error("paper venue not running");
    return v;
  };
  const tick = () => {
    const bid = price.times(0.9999).toDecimalPlaces(2);
    const ask = price.times(1.0001).toDecimalPlaces(2);
    const now = Date.now();
    void venueBroker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: bid.toString(), ask: ask.toString(), mid: bid.plus(ask).div(2).toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
  };
  const alive = () => void venueBroker.broadcast("price.cex.alive", { exchange: "paper", symbol: SYMBOL, receivedAt: Date.now() });
  const botOrders = async (): Promise<VenueOrder[]> =>
    ((await venueBroker.call("cex.openOrders", { exchange: "paper", symbol: SYMBOL })) as VenueOrder[]).filter((o) => o.clientOrderId?.startsWith(tag));
  const botStatus = async () =>
    ((await mmBroker.call("mm.local")) as Array<{ name: string; state: string; lastRisk: { blocked: string | null } }>).find((b) => b.name === BOT);
  const ids = (orders: VenueOrder[]) => orders.map((o) => o.clientOrderId).sort();
  const twoQuotes = async (timeoutMs = 10_000): Promise<VenueOrder[]> => {
    let found: VenueOrder[] = [];
    await until("two quotes", async () => (found = await botOrders()).length === 2, timeoutMs);
    return found;
  };

  beforeAll(async () => {
    venueBroker = new ServiceBroker({ ...createBrokerOptions(venueEnv, [cutOff]), logger: false });
    venueBroker.createService(createConfigService(venueEnv));
    venueBroker.createService(createCexService(venueEnv, { reconcileIntervalMs: 0 }));
    await venueBroker.start();
    price = new Decimal(venue().fairPrice(SYMBOL) as string);
    await venueBroker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
    await venueBroker.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: STALE_MS } });
    await venueBroker.call("config.set", {
      kind: "strategies",
      name: BOT,
      // spreads of 2 %: the simulated market does not reach the quotes within the test; no refresh by age
      body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 20, deadManTimeoutMs: DEAD_MAN_MS, params: { bidSpread: 0.02, askSpread: 0.02, orderAmount: "0.001", orderRefreshTimeMs: 600_000 } },
    });
    mmBroker = new ServiceBroker({ ...createBrokerOptions(mmEnv), logger: false });
    mmBroker.createService(createMarketMakerService(mmEnv, { leaseTtlMs: 1_000, persistIntervalMs: 300 }));
    await mmBroker.start();
    await mmBroker.waitForServices(["cex", "config"], 10_000);
    await venueBroker.waitForServices(["mm"], 10_000);
    await until("the bot running", async () => (await botStatus())?.state === "running", 20_000);
  });

  afterAll(async () => {
    partitioned = false;
    await mmBroker?.stop();
    await venueBroker?.stop();
    venueEnv.cleanup();
    mmEnv.cleanup();
  });

  it("a quiet market (price.cex.alive, no new price) keeps the quotes past staleFeedMs; silence pulls them", async () => {
    tick();
    const first = await twoQuotes();
    // 2 × staleFeedMs with no new price, only liveness every 250 ms
    const until2 = Date.now() + 2 * STALE_MS;
    while (Date.now() < until2) {
      alive();
      await sleep(250);
    }
    expect(ids(await botOrders())).toEqual(ids(first));
    expect((await botStatus())?.lastRisk.blocked).toBeNull();
    // the feed goes silent
    await until("the quotes pulled", async () => (await botOrders()).length === 0, 10_000);
    expect((await botStatus())?.lastRisk.blocked).toBe("stale_feed");
    // heard from again, top unchanged: quoting again on the last price
    alive();
    await until("quoting again", async () => (await botOrders()).length === 2, 10_000);
  });

  it("arms the venue's dead man's switch and refreshes it every timeout/4", async () => {
    const before = arms.length;
    const feed = setInterval(tick, 200);
    try {
      await until("three refreshes", () => arms.slice(before).filter((a) => a.ok && a.timeoutMs === DEAD_MAN_MS).length >= 3, 10_000);
    } finally {
      clearInterval(feed);
    }
    expect(arms.slice(before).every((a) => a.timeoutMs === DEAD_MAN_MS)).toBe(true);
    const deadline = venue().deadMan.deadline(PAPER_ACCOUNT);
    expect(deadline).not.toBeNull();
    expect(deadline! - venue().now()).toBeLessThanOrEqual(DEAD_MAN_MS);
  });

  it("when the mm node stops reaching the venue, the venue cancels the resting quotes at the timeout", async () => {
    const feed = setInterval(tick, 200);
    try {
      const resting = await twoQuotes();
      partitioned = true;
      const lastArm = arms.filter((a) => a.ok).at(-1)!;
      await until("the venue cancelling the quotes", async () => (await botOrders()).length === 0, 3 * DEAD_MAN_MS);
      const account = venue().connect(PAPER_ACCOUNT);
      for (const { clientOrderId } of resting) {
        const order = await account.fetchOrder(undefined, SYMBOL, { clientOrderId });
        expect(order.status).toBe("canceled");
        // canceled by the venue's timer, no later than the timeout after the last refresh that got through
        expect(order.lastUpdateTimestamp).toBeLessThanOrEqual(lastArm.venueTime + DEAD_MAN_MS);
        expect(order.lastUpdateTimestamp).toBeGreaterThan(lastArm.venueTime);
      }
      // the cex service recorded them as canceled (from the venue's order events)
      const stored = (await venueBroker.call("cex.order", { exchange: "paper", clientOrderId: resting[0].clientOrderId })) as VenueOrder;
      expect(stored.status).toBe("canceled");
    } finally {
      partitioned = false;
      clearInterval(feed);
    }
  });

  it("the kill switch stops the bot, cancels its quotes and disarms the switch", async () => {
    const feed = setInterval(tick, 200);
    try {
      // the bot's audit finds its orders gone from the venue, and it quotes again
      await until("quoting again after the cut-off", async () => (await botOrders()).length === 2, 15_000);
      await until("re-armed", () => venue().deadMan.deadline(PAPER_ACCOUNT) !== null, 5_000);
      await mmBroker.call("mm.killSwitch", { reason: "test" });
      expect(await botOrders()).toEqual([]);
      expect(arms.at(-1)).toMatchObject({ timeoutMs: 0, ok: true });
      expect(venue().deadMan.deadline(PAPER_ACCOUNT)).toBeNull();
    } finally {
      clearInterval(feed);
    }
  });
});
