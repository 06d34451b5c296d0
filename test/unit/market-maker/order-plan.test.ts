import { planOrders, type LiveOrder } from "../../../lib/market-maker/order-plan";
import type { RoundedQuote } from "../../../lib/market-maker/rounding";
import type { OrderPolicy } from "../../../lib/strategies/types";

const policy: OrderPolicy = {
  refreshTimeMs: 10_000,
  refreshTolerance: 0.001, // 0.1 %
  maxOrderAgeMs: 60_000,
  filledOrderDelayMs: 5_000,
  hangingOrders: true,
};
const NOW = 1_000_000;

const want = (side: "buy" | "sell", price: string, amount = "1.000", level = 0): RoundedQuote => ({ side, price, amount, level });
let n = 0;
const live = (side: "buy" | "sell", price: string, ageMs: number, extra: Partial<LiveOrder> = {}): LiveOrder => ({
  clientOrderId: `c${++n}`,
  side,
  price,
  amount: "1.000",
  remaining: "1.000",
  placedAt: NOW - ageMs,
  level: 0,
  hanging: false,
  ...extra,
});
const ids = (os: LiveOrder[]) => os.map((o) => o.clientOrderId);

describe("planOrders", () => {
  it("places everything when nothing is live", () => {
    const p = planOrders([want("sell", "101.00"), want("buy", "99.00")], [], policy, NOW, null);
    expect(p).toEqual({ cancel: [], keep: [], place: [want("buy", "99.00"), want("sell", "101.00")] });
  });

  it("keeps an old-enough order within the price tolerance", () => {
    // |99.05 − 99.00| / 99.00 = 0.000505 ≤ 0.001 → keep, do not place
    const o = live("buy", "99.05", 20_000);
    const p = planOrders([want("buy", "99.00")], [o], policy, NOW, null);
    expect(p).toEqual({ cancel: [], keep: [o], place: [] });
  });

  it("replaces an order past refresh time when the price drifts beyond tolerance", () => {
    // |99.20 − 99.00| / 99.00 = 0.00202 > 0.001, age 20 s ≥ 10 s → cancel + place
    const o = live("buy", "99.20", 20_000);
    const p = planOrders([want("buy", "99.00")], [o], policy, NOW, null);
    expect(p).toEqual({ cancel: [o], keep: [], place: [want("buy", "99.00")] });
  });

  it("does not replace a drifted order before refresh time", () => {
    const o = live("buy", "99.20", 9_999); // age 9.999 s < 10 s
    expect(planOrders([want("buy", "99.00")], [o], policy, NOW, null)).toEqual({ cancel: [], keep: [o], place: [] });
  });

  it("replaces on an amount change past refresh time, comparing as decimals", () => {
    const same = live("sell", "101.00", 20_000, { amount: "1" }); // "1" = "1.000" → keep
    expect(planOrders([want("sell", "101.00")], [same], policy, NOW, null).keep).toEqual([same]);
    const diff = live("sell", "101.00", 20_000, { amount: "0.500" });
    const p = planOrders([want("sell", "101.00")], [diff], policy, NOW, null);
    expect(p.cancel).toEqual([diff]);
    expect(p.place).toEqual([want("sell", "101.00")]);
  });

  it("replaces any order at max age even when in tolerance", () => {
    const o = live("sell", "101.00", 60_000); // age = maxOrderAgeMs
    const p = planOrders([want("sell", "101.00")], [o], policy, NOW, null);
    expect(p).toEqual({ cancel: [o], keep: [], place: [want("sell", "101.00")] });
  });

  it("keeps hanging orders unmatched until max age, then cancels them", () => {
    const h = live("sell", "105.00", 30_000, { hanging: true });
    // desired sell level 0 is placed even though a hanging sell sits at level 0
    const p = planOrders([want("sell", "101.00")], [h], policy, NOW, null);
    expect(p).toEqual({ cancel: [], keep: [h], place: [want("sell", "101.00")] });
    const p2 = planOrders([want("sell", "101.00")], [h], policy, NOW + 30_000, null); // age 60 s
    expect(p2).toEqual({ cancel: [h], keep: [], place: [want("sell", "101.00")] });
    // with no desired quotes at all a young hanging order is still kept
    expect(planOrders([], [h], policy, NOW, null).keep).toEqual([h]);
  });

  it("places nothing during the filled-order delay but still cancels", () => {
    const stale = live("buy", "98.00", 70_000);
    const orphan = live("sell", "102.00", 1_000, { level: 3 });
    // lastFillAt 4.999 s ago < 5 s delay
    const p = planOrders([want("buy", "99.00"), want("sell", "101.00")], [stale, orphan], policy, NOW, NOW - 4_999);
    expect(ids(p.cancel)).toEqual(ids([stale, orphan]));
    expect(p.place).toEqual([]);
    // exactly 5 s after the fill the delay is over
    const p2 = planOrders([want("buy", "99.00"), want("sell", "101.00")], [stale, orphan], policy, NOW, NOW - 5_000);
    expect(p2.place).toEqual([want("buy", "99.00"), want("sell", "101.00")]);
  });

  it("cancels live orders with no desired counterpart", () => {
    const a = live("buy", "99.00", 1_000, { level: 1 });
    const b = live("sell", "101.00", 1_000);
    const p = planOrders([want("sell", "101.00")], [a, b], policy, NOW, null);
    expect(p).toEqual({ cancel: [a], keep: [b], place: [] });
  });

  it("cancels duplicates for the same side and level beyond the first", () => {
    const first = live("buy", "99.00", 1_000, { clientOrderId: "z-first" });
    const dup1 = live("buy", "99.00", 2_000, { clientOrderId: "a-dup" });
    const dup2 = live("buy", "98.00", 500, { clientOrderId: "m-dup" });
    const p = planOrders([want("buy", "99.00")], [first, dup1, dup2], policy, NOW, null);
    expect(p.keep).toEqual([first]);
    // sorted by side, level, placedAt: dup1 (placed 2 s ago) before dup2 (0.5 s ago)
    expect(ids(p.cancel)).toEqual(["a-dup", "m-dup"]);
    expect(p.place).toEqual([]);
  });

  it("sorts cancels and places by side then level", () => {
    const lv = [live("sell", "103", 70_000, { level: 1 }), live("buy", "97", 70_000, { level: 1 }), live("sell", "102", 70_000), live("buy", "98", 70_000)];
    const d = [want("sell", "103", "1.000", 1), want("sell", "102"), want("buy", "97", "1.000", 1), want("buy", "98")];
    const p = planOrders(d, lv, policy, NOW, null);
    expect(p.cancel.map((o) => `${o.side}${o.level}`)).toEqual(["buy0", "buy1", "sell0", "sell1"]);
    expect(p.place.map((o) => `${o.side}${o.level}`)).toEqual(["buy0", "buy1", "sell0", "sell1"]);
  });

  it("is pure: inputs are not mutated", () => {
    const lv = [live("buy", "99.20", 20_000)];
    const d = [want("buy", "99.00")];
    const before = JSON.stringify({ lv, d });
    planOrders(d, lv, policy, NOW, null);
    expect(JSON.stringify({ lv, d })).toBe(before);
  });
});
