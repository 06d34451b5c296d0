/**
 * A side the bot cannot quote (the strategy withholds it, rounding drops it, the risk check
 * refuses it) is warned about once per change, not per tick, and shown in the bot's status with
 * the reason and since when; a quote the fee floor widened is shown with the reason and since when.
 * The Bot on the quiet paper exchange (bot-paper.harness.ts), on simulated time.
 */
import { QuoteNotes } from "../../../lib/market-maker/quote-notes";
import { Harness, T0, quotesOf } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 10_000, orderRefreshTolerance: 0, filledOrderDelayMs: 0 };
const cannot = (h: Harness) => h.warnings.filter((w) => /cannot quote/.test(w));
const again = (h: Harness) => h.warnings.filter((w) => /quoting the .* side again/.test(w));

describe("Bot: a side that cannot be quoted", () => {
  it("PMM range cap (bid ratio 0): one warning however many ticks, the status says why and since when; quoted again after a fill, said once", async () => {
    // mid 100: value 1000, base 600 against a 35 % target (350) + the range 2 × 100 → bid ratio 0, ask ratio 2
    const h = new Harness({ params: { ...PMM, inventorySkew: true, inventoryTargetBasePct: 0.35 }, balances: { BTC: "6", USDT: "400" } });
    await h.start();
    await h.tickAt(0, 100);
    await h.tickAt(1_000, 100.2);
    await h.tickAt(2_000, 99.9);
    expect(quotesOf(await h.resting())).toEqual([["sell", "101", "2"]]);
    expect(h.bot.status().unquoted).toEqual([{ side: "buy", cause: "strategy", reason: expect.stringMatching(/^not quoted: bid level 0: amount 0 \(inventory skew, bid ratio 0/), since: T0 }]);
    expect(cannot(h)).toEqual([expect.stringMatching(/^bot pmm-test: cannot quote the buy side \(strategy\): not quoted: bid level 0: amount 0 \(inventory skew/)]);

    // the counterparty buys 1 of the ask: base 5, quote 501 → bid ratio ≈ 0.25, the bid comes back
    await h.take("buy", "101", "1");
    await h.settle();
    await h.tickAt(3_000, 100);
    expect((await h.resting()).map((o) => o.side)).toContain("buy");
    expect(h.bot.status().unquoted).toEqual([]);
    expect(again(h)).toEqual(["bot pmm-test: quoting the buy side again"]);
    expect(cannot(h)).toHaveLength(1);
    await h.stop();
  });

  it("A-S bid at or below 0: warned once though the price in the reason changes each tick", async () => {
    // q ≈ (10 − 5)/1 = 5 orders, γσ² = 100: r = mid − 500 < 0; the ask is clamped to the mid side
    const params = { orderAmount: "1", riskAversion: 1, volatility: 10, orderBookDepthFactor: 1, horizon: "constant", inventoryUnit: "orders", orderRefreshTimeMs: 10_000 };
    const h = new Harness({ strategy: "avellaneda_stoikov", params, balances: { BTC: "10", USDT: "1" } });
    await h.start();
    await h.tickAt(0, 100);
    await h.tickAt(1_000, 101);
    await h.tickAt(2_000, 102);
    expect((await h.resting()).map((o) => o.side)).toEqual(["sell"]);
    const [u] = h.bot.status().unquoted;
    expect(u).toMatchObject({ side: "buy", cause: "strategy", since: T0 });
    expect(u.reason).toMatch(/^not quoted: bid level 0 at -\d+(\.\d+)? \(price or amount at or below 0\)$/);
    expect(cannot(h)).toHaveLength(1);
    await h.stop();
  });

  it("refused by the risk check (max_base_inventory): cause risk, warned once", async () => {
    const h = new Harness({ params: PMM, risk: { maxBaseInventory: "5" } });
    await h.start();
    await h.tickAt(0, 100);
    await h.tickAt(1_000, 100.5);
    expect(quotesOf(await h.resting())).toEqual([["sell", "101", "1"]]);
    expect(h.bot.status().unquoted).toEqual([{ side: "buy", cause: "risk", reason: expect.stringMatching(/^refused by the risk check: buy 1\.000@99\.49: max_base_inventory/), since: T0 }]);
    expect(cannot(h)).toEqual([expect.stringMatching(/cannot quote the buy side \(risk\)/)]);
    await h.stop();
  });

  it("dropped by rounding (amount below the lot): both sides, cause rounding", async () => {
    const h = new Harness({ params: { ...PMM, orderAmount: "0.0005" } });
    await h.start();
    await h.tickAt(0, 100);
    expect(await h.resting()).toEqual([]);
    expect(h.bot.status().unquoted.map((u) => [u.side, u.cause])).toEqual([["buy", "rounding"], ["sell", "rounding"]]);
    expect(h.bot.status().unquoted[0].reason).toMatch(/^buy 0\.0005@99 dropped when rounded to the market's tick and lot/);
    expect(cannot(h)).toHaveLength(2);
    await h.stop();
  });
});

describe("Bot: when and why a quote was widened", () => {
  it("status.widened: the sides, the fee floor's reason and when it began; null when nothing is widened", async () => {
    const h = new Harness({ params: PMM, makerFee: 0.02 });
    await h.start();
    await h.tickAt(0, 100);
    expect(quotesOf(await h.resting())).toEqual([["buy", "98", "1"], ["sell", "102", "1"]]);
    expect(h.bot.status().widened).toEqual({ sides: "buy,sell", reason: "buy and sell widened to 200 bp from the mid 100: maker fee 200 bp", since: T0 });
    await h.tickAt(5_000, 100.5);
    // still widened: the reason follows the mid, since stays
    expect(h.bot.status().widened).toEqual({ sides: "buy,sell", reason: "buy and sell widened to 200 bp from the mid 100.5: maker fee 200 bp", since: T0 });
    expect(h.bot.status().strategyState).toMatchObject({ widened: "buy,sell", feeFloor: 0.02 });
    await h.stop();

    const plain = new Harness({ params: PMM });
    await plain.start();
    await plain.tickAt(0, 100);
    expect(plain.bot.status()).toMatchObject({ widened: null, unquoted: [] });
    expect(plain.warnings).toEqual([]);
    await plain.stop();
  });
});

describe("QuoteNotes", () => {
  const quote = (side: "buy" | "sell", price: number) => ({ side, price, amount: 1, level: 0 });
  const rounded = (side: "buy" | "sell", price: string) => ({ side, price, amount: "1.000", level: 0 });

  it("a new reason (not only new numbers) is a change: warned again, since kept", () => {
    const warnings: string[] = [];
    const n = new QuoteNotes("b", (m) => warnings.push(m));
    n.observe(10, [quote("sell", 101)], { warning: "bid withheld: q 3 + 1 would pass maxInventory 3" }, [rounded("sell", "101.00")]);
    n.observe(20, [quote("sell", 102)], { warning: "bid withheld: q 3.5 + 1 would pass maxInventory 3" }, [rounded("sell", "102.00")]);
    expect(warnings).toHaveLength(1);
    n.observe(30, [quote("sell", 102)], { warning: "the session ended (sessionEnd stop)" }, [rounded("sell", "102.00")]);
    expect(warnings).toEqual([expect.stringContaining("bid withheld"), "bot b: cannot quote the buy side (strategy): the session ended (sessionEnd stop)"]);
    expect(n.status().unquoted).toEqual([{ side: "buy", cause: "strategy", reason: "the session ended (sessionEnd stop)", since: 10 }]);
  });

  it("no quotes and no word from the strategy: not enough data", () => {
    const n = new QuoteNotes("b");
    n.observe(1, [], { warning: null }, []);
    expect(n.status().unquoted.map((u) => u.reason)).toEqual(["the strategy has no quotes (not enough market data yet)", "the strategy has no quotes (not enough market data yet)"]);
  });

  it("a side refused by risk but still resting (kept) is quoted", () => {
    const n = new QuoteNotes("b");
    const risk = { allowed: [], rejected: [{ order: rounded("buy", "99.00"), reason: "max_open_orders" as const, detail: "" }] };
    n.observe(1, [quote("buy", 99), quote("sell", 101)], {}, [rounded("buy", "99.00"), rounded("sell", "101.00")], { risk, keep: [{ clientOrderId: "x", side: "buy", price: "99.50", amount: "1", remaining: "1", placedAt: 0, level: 0, hanging: false }] });
    expect(n.status().unquoted).toEqual([]);
    n.observe(2, [quote("buy", 99), quote("sell", 101)], {}, [rounded("buy", "99.00"), rounded("sell", "101.00")], { risk, keep: [] });
    expect(n.status().unquoted).toEqual([{ side: "buy", cause: "risk", reason: "refused by the risk check: buy 1.000@99.00: max_open_orders", since: 2 }]);
  });

  it("widened: since resets when the sides change, null when nothing is widened", () => {
    const n = new QuoteNotes("b");
    n.observe(1, [], { widened: "buy", widenedReason: "buy widened" }, []);
    n.observe(2, [], { widened: "buy", widenedReason: "buy widened" }, []);
    expect(n.status().widened).toEqual({ sides: "buy", reason: "buy widened", since: 1 });
    n.observe(3, [], { widened: "buy,sell", widenedReason: "buy and sell widened" }, []);
    expect(n.status().widened).toEqual({ sides: "buy,sell", reason: "buy and sell widened", since: 3 });
    n.observe(4, [], { widened: null }, []);
    expect(n.status().widened).toBeNull();
  });
});
