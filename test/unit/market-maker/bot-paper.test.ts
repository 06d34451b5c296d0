/**
 * PMM behaviour of the Bot on the paper exchange, on simulated time (issue 5): refresh and
 * tolerance, max order age, inventory skew, hanging orders, filled-order delay, cancel/fill
 * races, no placement while cancels are in flight, the stale-feed guard. Prices and amounts
 * are asserted as exact decimal strings: the venue's (normalised, "99") and the bot's own
 * (tick/lot formatted, "99.00").
 *
 * Common setup unless a test says otherwise: mid 100, bid/ask spread 1 %, order amount 1,
 * tick 0.01, lot 0.001, no fees, ticks with a one-price book so the strategy's mid is exact.
 */
import type { BotVenue } from "../../../lib/market-maker/bot";
import { isBotOrder } from "../../../lib/market-maker/client-order-id";
import { simulatedClientOrderIds } from "../../../lib/backtest";
import { Harness, flush, idsOf, quotesOf } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 10_000, orderRefreshTolerance: 0, filledOrderDelayMs: 0 };

describe("Bot on the paper exchange: order refresh and tolerance", () => {
  it("keeps orders before orderRefreshTimeMs and within orderRefreshTolerance after it, replaces them beyond", async () => {
    const h = new Harness({ params: { ...PMM, orderRefreshTolerance: 0.002 } });
    await h.start();
    await h.tickAt(0, 100);
    const first = await h.resting();
    expect(quotesOf(first)).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
    ]);
    expect(h.live().map((o) => [o.side, o.price, o.remaining])).toEqual([
      ["buy", "99.00", "1.000"],
      ["sell", "101.00", "1.000"],
    ]);

    // t=5 s: a 1 % move, far beyond tolerance, but the orders are younger than the refresh time
    await h.tickAt(5_000, 101);
    expect(await h.resting()).toEqual(first);
    // t=9 s: mid 100.1 → desired 99.09 / 101.11; still too young
    await h.tickAt(9_000, 100.1);
    expect(await h.resting()).toEqual(first);

    // t=10 s: refresh time reached (housekeeping timer, no tick): drift 0.09/99.09 = 0.00091 and
    // 0.11/101.11 = 0.00109, both ≤ 0.002 → the same orders stay
    await h.to(10_000);
    expect(await h.resting()).toEqual(first);
    await h.tickAt(11_000, 100.1);
    expect(await h.resting()).toEqual(first);

    // t=12 s: mid 100.5 → desired 99.49 (floor of 99.495) / 101.51 (ceil of 101.505):
    // drift 0.49/99.49 ≈ 0.0049 > 0.002 → both replaced
    await h.tickAt(12_000, 100.5);
    const second = await h.resting();
    expect(quotesOf(second)).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(idsOf(second).some((id) => idsOf(first).includes(id))).toBe(false);
    for (const id of idsOf(first)) expect(await h.statusOf(id)).toBe("canceled");
    expect(h.counts).toEqual({ placed: 4, refused: 0, cancelled: 2 });
    await h.stop();
  });

  it("replaces unchanged orders once they reach maxOrderAgeMs", async () => {
    const h = new Harness({ params: { ...PMM, orderRefreshTolerance: 0.01, maxOrderAgeMs: 20_000 } });
    await h.start();
    await h.tickAt(0, 100);
    const first = await h.resting();
    for (const t of [5_000, 10_000, 15_000, 19_999]) await h.tickAt(t, 100);
    expect(await h.resting()).toEqual(first);
    // t=20 s: age 20 000 ≥ maxOrderAgeMs (housekeeping fires, the price never moved)
    await h.to(20_000);
    const second = await h.resting();
    expect(quotesOf(second)).toEqual(quotesOf(first));
    expect(idsOf(second).some((id) => idsOf(first).includes(id))).toBe(false);
    expect(h.live().map((o) => o.clientOrderId)).toEqual(idsOf(second));
    expect(h.bot.status().liveOrders.every((o) => o.placedAt === h.venue.now())).toBe(true);
    await h.stop();
  });
});

describe("Bot on the paper exchange: inventory skew", () => {
  // orderAmount 1, one level → total order size 2, range multiplier 1 → range 2 BTC (= 200 USDT at mid 100)
  it.each([
    // 3 BTC + 100 USDT: value 400, base 300, target 200, band [0, 400]:
    // interp(300; 200→0.5, 400→1) = 0.75 → bid ratio interp(0.75; 0.5→1, 1→0) = 0.5, ask 1.5
    [{ BTC: "3", USDT: "100" }, "0.5", "1.5", "0.500", "1.500", 0.5],
    // 2.5 BTC + 100 USDT: value 350, base 250, target 175; the range value 200 is capped at half the
    // value, 175 (Hummingbot), so right = 350: 0.5 + 75/175 × 0.5 = 5/7 → bid 1 − (5/7 − 0.5)/0.5 = 4/7, ask 10/7
    [{ BTC: "2.5", USDT: "100" }, "0.571", "1.428", "0.571", "1.428", 4 / 7],
  ])("heavy in base %j: bid %s, ask %s", async (balances, bid, ask, bidLive, askLive, bidRatio) => {
    const h = new Harness({ params: { ...PMM, inventorySkew: true, inventoryTargetBasePct: 0.5 }, balances });
    await h.start();
    await h.tickAt(0, 100);
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99", bid],
      ["sell", "101", ask],
    ]);
    expect(h.live().map((o) => o.remaining)).toEqual([bidLive, askLive]);
    expect(h.bot.status().strategyState).toEqual({ price: 100, bidRatio: expect.closeTo(bidRatio, 12), askRatio: expect.closeTo(2 - bidRatio, 12), makerFee: 0, feeFloor: 0, widened: null, widenedReason: null, warning: null });
    await h.stop();
  });

  it("at the target the amounts are orderAmount on both sides", async () => {
    const h = new Harness({ params: { ...PMM, inventorySkew: true, inventoryTargetBasePct: 0.5 }, balances: { BTC: "2", USDT: "200" } });
    await h.start();
    await h.tickAt(0, 100);
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
    ]);
    await h.stop();
  });
});

describe("Bot on the paper exchange: hanging orders", () => {
  it("leaves the ask hanging when the bid fills, places a new pair, cancels the hanging ask at maxOrderAgeMs", async () => {
    const h = new Harness({ params: { ...PMM, orderRefreshTolerance: 0.01, hangingOrders: true, maxOrderAgeMs: 30_000 } });
    await h.start();
    await h.tickAt(0, 100);
    const [bid, ask] = await h.resting();

    // t=1 s: the counterparty sells 1 into our bid at 99
    await h.to(1_000);
    await h.take("sell", "99", "1");
    await h.settle();
    expect(h.bot.ledger.snapshot().position).toBe("1");
    expect(await h.statusOf(bid.clientOrderId)).toBe("closed");
    const after = await h.resting();
    // the old ask rests untouched (hanging); a new bid and a new (managed) ask were placed
    expect(after.find((o) => o.clientOrderId === ask.clientOrderId)).toEqual(ask);
    expect(quotesOf(after)).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
      ["sell", "101", "1"],
    ]);
    expect(h.live().map(({ side, price, hanging, clientOrderId }) => [side, price, hanging, clientOrderId === ask.clientOrderId])).toEqual([
      ["sell", "101.00", true, true],
      ["buy", "99.00", false, false],
      ["sell", "101.00", false, false],
    ]);
    const fresh = after.filter((o) => o.clientOrderId !== ask.clientOrderId);

    // ticks keep coming at the same mid; the hanging ask stays until its age reaches 30 s
    for (const t of [5_000, 12_000, 20_000, 29_999]) await h.tickAt(t, 100);
    expect(await h.resting()).toEqual(after);
    await h.to(30_000);
    expect(await h.statusOf(ask.clientOrderId)).toBe("canceled");
    expect(await h.resting()).toEqual(fresh); // the new pair (age 29 s) stays
    expect(h.live().every((o) => !o.hanging)).toBe(true);
    await h.stop();
  });

  // BUG (lib/market-maker/bot.ts, onFill): a fill of a *hanging* order marks every live order of
  // the other side hanging too, so the bot's managed bid becomes unmanaged (never refreshed until
  // maxOrderAgeMs) and a second bid is placed beside it. Flip to `it` once fixed.
  it("a fill of the hanging ask leaves the managed pair managed", async () => {
    const h = new Harness({ params: { ...PMM, orderRefreshTolerance: 0.01, hangingOrders: true, maxOrderAgeMs: 30_000 } });
    await h.start();
    await h.tickAt(0, 100);
    const [, hangingAsk] = await h.resting();
    await h.to(1_000);
    await h.take("sell", "99", "1");
    await h.settle();
    const pair = (await h.resting()).filter((o) => o.clientOrderId !== hangingAsk.clientOrderId);
    // t=2 s: the counterparty buys 1 at 101: time priority gives it the older (hanging) ask
    await h.to(2_000);
    await h.take("buy", "101", "1");
    await h.settle();
    expect(await h.statusOf(hangingAsk.clientOrderId)).toBe("closed");
    expect(h.bot.ledger.snapshot().position).toBe("0");
    expect(await h.resting()).toEqual(pair);
    expect(h.live().map((o) => o.hanging)).toEqual([false, false]);
  });
});

describe("Bot on the paper exchange: filled-order delay", () => {
  it("places nothing new until filledOrderDelayMs after a fill", async () => {
    const h = new Harness({ params: { ...PMM, filledOrderDelayMs: 5_000 } });
    await h.start();
    await h.tickAt(0, 100);
    const [, ask] = await h.resting();
    await h.to(1_000);
    await h.take("sell", "99", "1");
    await h.settle();
    expect(await h.resting()).toEqual([ask]);
    for (const t of [2_000, 4_000, 5_999]) {
      await h.tickAt(t, 100);
      expect(await h.resting()).toEqual([ask]);
    }
    // t=6 s = fill + 5 s: the bid comes back, the ask (never touched) stays
    await h.tickAt(6_000, 100);
    const now = await h.resting();
    expect(quotesOf(now)).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
    ]);
    expect(now[1]).toEqual(ask);
    expect(h.bot.ledger.snapshot().position).toBe("1");
    await h.stop();
  });
});

describe("Bot on the paper exchange: cancel/fill races", () => {
  /** The counterparty trades `amount` against the order being cancelled just before the cancel reaches the venue. */
  const racing = (amount: string, deliverDuringCancel: boolean) => (inner: BotVenue, h: Harness): BotVenue => ({
    ...inner,
    async cancel(clientOrderId) {
      const order = (await h.resting()).find((o) => o.clientOrderId === clientOrderId);
      if (order && order.side === "buy") {
        await h.take("sell", order.price, amount);
        if (deliverDuringCancel) h.deliver(); // the fill reaches the bot before the cancel's answer
      }
      return inner.cancel(clientOrderId);
    },
  });

  it.each([
    ["a partial fill, delivered before the cancel answers", "0.4", true],
    ["a partial fill, delivered after the cancel answers", "0.4", false],
    ["a full fill (the cancel finds the order gone), delivered before", "1", true],
    ["a full fill (the cancel finds the order gone), delivered after", "1", false],
  ])("%s: position = the filled amount, counted once", async (_name, amount, during) => {
    const h = new Harness({ params: PMM, wrap: racing(amount as string, during as boolean) });
    await h.start();
    await h.tickAt(0, 100);
    const [bid] = await h.resting();
    // t=12 s: mid 100.5 → the bot cancels both orders to requote; the bid is hit in between
    await h.tickAt(12_000, 100.5);
    expect(h.fills.map((f) => [f.side, f.price, f.amount, f.clientOrderId])).toEqual([["buy", "99", amount, bid.clientOrderId]]);
    expect(h.bot.ledger.snapshot().position).toBe(amount);
    expect(h.bot.status().inventory.base).toBe(String(10 + Number(amount)));
    expect(h.live().map((o) => o.clientOrderId)).not.toContain(bid.clientOrderId);
    expect(await h.statusOf(bid.clientOrderId)).toBe(amount === "1" ? "closed" : "canceled");
    // the new quotes are in place
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(h.warnings).toEqual([]);
    // the same fill delivered again (a replayed stream) changes nothing
    expect(h.bot.onFill(h.fills[0])).toBe(false);
    expect(h.bot.ledger.snapshot().position).toBe(amount);
    expect(h.bot.status().inventory.base).toBe(String(10 + Number(amount)));
    await h.stop();
  });
});

describe("Bot on the paper exchange: cancels in flight", () => {
  /** Cancels reach the venue only when the test releases them. */
  const slowCancels = (gate: Array<() => void>) => (inner: BotVenue): BotVenue => ({
    ...inner,
    cancel: (clientOrderId) => new Promise((resolve, reject) => gate.push(() => void inner.cancel(clientOrderId).then(resolve, reject))),
  });

  it("places nothing while a cancel is pending, then places", async () => {
    const gate: Array<() => void> = [];
    const h = new Harness({ params: PMM, wrap: slowCancels(gate) });
    await h.start();
    await h.tickAt(0, 100);
    const first = await h.resting();

    await h.to(12_000);
    h.tick(100.5); // the refresh: both orders must be replaced
    await flush();
    expect(gate).toHaveLength(2);
    for (const [t, mid] of [[12_100, 100.6], [12_200, 100.4], [12_300, 100.5]] as const) {
      h.venue.advanceTo(h.venue.now() + (t - h.t));
      h.tick(mid);
      await flush();
      expect(await h.resting()).toEqual(first);
      expect(h.counts.placed).toBe(2);
    }
    expect(gate).toHaveLength(2); // no further cancels either: one requote at a time

    for (const release of gate.splice(0)) release();
    await h.settle();
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(h.counts).toEqual({ placed: 4, refused: 0, cancelled: 2 });
    expect(gate).toHaveLength(0);
  });

  // BUG (lib/market-maker/bot.ts, requote): the orders placed after the cancels resolve come from
  // the plan made before the wait. A tick that arrived meanwhile only triggers a follow-up
  // requote, which keeps the just-placed orders (younger than orderRefreshTimeMs), so the bot
  // quotes the old price for a whole refresh period. Flip to `it` once fixed.
  it("quotes the price of the latest tick once the cancels resolve, not the one from before the wait", async () => {
    const gate: Array<() => void> = [];
    const h = new Harness({ params: PMM, wrap: slowCancels(gate) });
    await h.start();
    await h.tickAt(0, 100);
    await h.to(12_000);
    h.tick(100.5);
    await flush();
    h.venue.advanceTo(h.venue.now() + 500);
    h.tick(102); // mid moved 1.5 % while the cancels were in flight
    await flush();
    for (const release of gate.splice(0)) release();
    await h.settle();
    // 102 × 0.99 = 100.98, 102 × 1.01 = 103.02
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "100.98", "1"],
      ["sell", "103.02", "1"],
    ]);
  });
});

describe("Bot on the paper exchange: stale price", () => {
  it("cancels the orders when no tick arrives for longer than staleFeedMs, quotes again on the next tick", async () => {
    const h = new Harness({ params: PMM, risk: { staleFeedMs: 3_000 } });
    await h.start();
    await h.tickAt(1_000, 100);
    const first = await h.resting();
    expect(first).toHaveLength(2);
    // t=4 s: the price is exactly 3 s old, not more → still quoting
    await h.to(4_000);
    expect(await h.resting()).toEqual(first);
    // the bot arms a check for receivedAt + staleFeedMs + 1: the quotes come down at t=4.001 s
    await h.to(4_001);
    expect(await h.resting()).toEqual([]);
    expect(h.live()).toEqual([]);
    for (const id of idsOf(first)) expect(await h.statusOf(id)).toBe("canceled");
    expect(h.bot.status().lastRisk.blocked).toBe("stale_feed");
    expect(h.bot.state).toBe("running");

    await h.tickAt(7_000, 100);
    expect(quotesOf(await h.resting())).toEqual(quotesOf(first));
    await h.stop();
  });
});

describe("deterministic client order ids", () => {
  it("are the bot's own (isBotOrder) and the same in two runs", async () => {
    const run = async (): Promise<string[]> => {
      const h = new Harness({ params: { ...PMM, orderRefreshTolerance: 0 } });
      await h.start();
      await h.tickAt(0, 100);
      await h.tickAt(12_000, 100.5);
      const ids = [...idsOf(await h.resting())];
      await h.stop();
      return ids;
    };
    const a = await run();
    expect(a).toHaveLength(2);
    expect(a.every((id) => isBotOrder("pmm-test", id))).toBe(true);
    expect(await run()).toEqual(a);
    const ids = simulatedClientOrderIds(() => 1_700_000_000_000);
    expect([ids("x"), ids("x")]).toEqual([expect.stringMatching(/-0001$/), expect.stringMatching(/-0002$/)]);
    expect(ids("x").length).toBeLessThanOrEqual(36);
  });
});
