import { checkOrders, riskLimitsFromConfig } from "../../../lib/risk";
import type { ProposedOrder, RiskLimits, RiskState } from "../../../lib/risk";

const state = (over: Partial<RiskState> = {}): RiskState => ({
  now: 10_000,
  priceReceivedAt: 9_000,
  mid: "100",
  inventory: { base: "1", quote: "1000" },
  openOrders: [],
  dailyPnl: "0",
  equity: "1000",
  peakEquity: "1000",
  ...over,
});
const limits = (over: Partial<RiskLimits> = {}): RiskLimits => ({ staleFeedMs: 5000, ...over });
const buy = (price: string, amount: string): ProposedOrder => ({ side: "buy", price, amount });
const sell = (price: string, amount: string): ProposedOrder => ({ side: "sell", price, amount });
const reasons = (d: ReturnType<typeof checkOrders>) => d.rejected.map((r) => r.reason);

describe("pre-trade risk check", () => {
  it("allows everything with no limits set", () => {
    const orders = [buy("99", "1"), sell("101", "1")];
    expect(checkOrders(orders, state(), limits())).toEqual({ allowed: orders, rejected: [] });
  });

  describe("halts", () => {
    it("trips on daily loss at the limit", () => {
      // −50 ≤ −50 → halt; −49.99 > −50 → trade on
      const d = checkOrders([buy("99", "1")], state({ dailyPnl: "-50" }), limits({ dailyLossLimit: "50" }));
      expect(d).toMatchObject({ allowed: [], rejected: [], halt: { reason: "daily_loss" } });
      expect(checkOrders([buy("99", "1")], state({ dailyPnl: "-49.99" }), limits({ dailyLossLimit: "50" })).halt).toBeUndefined();
    });

    it("trips on drawdown from peak", () => {
      // (1000 − 900)/1000 = 0.1 ≥ 0.1 → halt; (1000 − 900.01)/1000 = 0.09999 → no
      expect(checkOrders([], state({ equity: "900" }), limits({ maxDrawdownPct: 0.1 })).halt?.reason).toBe("drawdown");
      expect(checkOrders([], state({ equity: "900.01" }), limits({ maxDrawdownPct: 0.1 })).halt).toBeUndefined();
    });

    it("halts before blocking, daily loss before drawdown", () => {
      const d = checkOrders(
        [buy("99", "1")],
        state({ priceReceivedAt: null, dailyPnl: "-100", equity: "500" }),
        limits({ dailyLossLimit: "50", maxDrawdownPct: 0.1 }),
      );
      expect(d.halt?.reason).toBe("daily_loss");
      expect(d.blocked).toBeUndefined();
    });
  });

  describe("feed blocks", () => {
    it("blocks with no price yet", () => {
      expect(checkOrders([buy("99", "1")], state({ priceReceivedAt: null }), limits())).toMatchObject({ allowed: [], blocked: { reason: "no_price" } });
    });
    it("blocks when the price is older than staleFeedMs", () => {
      expect(checkOrders([buy("99", "1")], state({ priceReceivedAt: 4_999 }), limits()).blocked?.reason).toBe("stale_feed"); // 5001 ms
      expect(checkOrders([buy("99", "1")], state({ priceReceivedAt: 5_000 }), limits()).blocked).toBeUndefined(); // 5000 ms
    });
  });

  it("rejects an order above max notional", () => {
    // 100·0.1 = 10 ≤ 10 allowed; 100·0.11 = 11 > 10 rejected
    const d = checkOrders([buy("100", "0.1"), buy("100", "0.11")], state(), limits({ maxOrderNotional: "10" }));
    expect(d.allowed).toEqual([buy("100", "0.1")]);
    expect(reasons(d)).toEqual(["max_order_notional"]);
  });

  it("compares notionals exactly in decimal", () => {
    // 0.1·3 = 0.3 exactly (in floats 0.30000000000000004 > 0.3)
    expect(checkOrders([buy("0.1", "3")], state({ mid: "0.1" }), limits({ maxOrderNotional: "0.3" })).allowed).toHaveLength(1);
    // quote 0.1 + sell 0.2·1 = 0.3 ≤ 0.3 (floats: 0.1 + 0.2 = 0.30000000000000004)
    const d = checkOrders([sell("0.2", "1")], state({ mid: "0.2", inventory: { base: "5", quote: "0.1" } }), limits({ maxQuoteInventory: "0.3" }));
    expect(d.allowed).toHaveLength(1);
  });

  it("rejects prices outside the band around the mid", () => {
    // |95 − 100|/100 = 0.05 ≤ 0.05; |94.99 − 100|/100 = 0.0501 > 0.05; |105.01 − 100|/100 > 0.05
    const d = checkOrders([buy("95", "1"), buy("94.99", "1"), sell("105.01", "1")], state(), limits({ priceBandPct: 0.05 }));
    expect(d.allowed).toEqual([buy("95", "1")]);
    expect(reasons(d)).toEqual(["price_band", "price_band"]);
  });

  it("rejects orders that would trade with our own resting or earlier-allowed orders", () => {
    const resting = state({ openOrders: [sell("101", "1"), buy("99", "1")] });
    const buys = checkOrders([buy("101", "1"), buy("100.99", "1")], resting, limits());
    expect(buys.allowed).toEqual([buy("100.99", "1")]);
    expect(reasons(buys)).toEqual(["self_trade"]);
    const sells = checkOrders([sell("99", "1"), sell("99.01", "1")], resting, limits());
    expect(sells.allowed).toEqual([sell("99.01", "1")]);
    expect(reasons(sells)).toEqual(["self_trade"]);
    // within one batch: the sell at 102 is allowed first, then the buy at 102 would meet it
    const batch = checkOrders([sell("102", "1"), buy("102", "1")], state(), limits());
    expect(reasons(batch)).toEqual(["self_trade"]);
  });

  it("caps base by holdings plus resting and allowed buys", () => {
    // base 1 + resting buy 0.5 + 0.5 = 2 ≤ 2 allowed; + 0.1 = 2.1 > 2 rejected; sells do not count
    const d = checkOrders([buy("98", "0.5"), sell("102", "5"), buy("97", "0.1")], state({ openOrders: [buy("99", "0.5")] }), limits({ maxBaseInventory: "2" }));
    expect(d.allowed).toEqual([buy("98", "0.5"), sell("102", "5")]);
    expect(d.rejected[0]).toMatchObject({ order: buy("97", "0.1"), reason: "max_base_inventory" });
  });

  it("caps quote by holdings plus the proceeds of resting and allowed sells", () => {
    // quote 1000 + resting 0.5·101 = 50.5, + 0.49·100 = 49 → 1099.5 ≤ 1100; then + 0.01·101 = 1.01 → 1100.51 > 1100
    const d = checkOrders([sell("100", "0.49"), sell("101", "0.01")], state({ openOrders: [sell("101", "0.5")] }), limits({ maxQuoteInventory: "1100" }));
    expect(d.allowed).toEqual([sell("100", "0.49")]);
    expect(reasons(d)).toEqual(["max_quote_inventory"]);
  });

  it("caps the number of open orders including earlier-allowed ones", () => {
    // 1 open + 0 allowed < 2 → allowed; 1 + 1 = 2 ≥ 2 → rejected
    const d = checkOrders([buy("98", "1"), sell("102", "1")], state({ openOrders: [buy("97", "1")] }), limits({ maxOpenOrders: 2 }));
    expect(d.allowed).toEqual([buy("98", "1")]);
    expect(reasons(d)).toEqual(["max_open_orders"]);
  });

  it("maps a risk config document to limits", () => {
    expect(riskLimitsFromConfig({ scope: "global", maxBaseInventory: "2", maxOpenOrders: 10, maxDrawdownPct: 0.2, staleFeedMs: 3000, priceBandPct: 0.05 })).toEqual({
      maxBaseInventory: "2",
      maxOpenOrders: 10,
      maxDrawdownPct: 0.2,
      staleFeedMs: 3000,
      priceBandPct: 0.05,
    });
    expect(riskLimitsFromConfig({})).toEqual({ staleFeedMs: 5000 });
  });
});
