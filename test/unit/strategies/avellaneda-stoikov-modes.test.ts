import { createAvellanedaStoikov, infiniteHorizon, portfolioQ, sessionAt, type AvellanedaStoikovParams } from "../../../lib/strategies/avellaneda-stoikov";
import { ctxOf } from "./helpers";

/**
 * Hummingbot's test_avellaneda_market_making.py (test_calculate_reserved_price_and_optimal_spread_timeframe_*):
 * balances 1 COINALPHA / 500 HBOT, target 50 %, κ = 0.03337631497363119 (its test_liquidity_estimation),
 * σ from its seeded volatility samples. The test does not print σ or the mid; both follow from its finite
 * case (γ 0.8, 30 of 60 minutes left): σ² = 0.80123119217618, mid = 99.9343677209358. Its infinite case
 * (γ 1) is then an independent check: in that formula σ cancels out.
 */
const HB = { kappa: 0.03337631497363119, sigma: Math.sqrt(0.8012311921761794), mid: 99.93436772093582 };
const hbCtx = (now: number) => ctxOf({ now, inventory: { base: 1, quote: 500 }, market: { bestBid: HB.mid - 0.5, bestAsk: HB.mid + 0.5 } });
const hbParams = (over: Partial<AvellanedaStoikovParams>): AvellanedaStoikovParams => ({
  orderAmount: "10",
  riskAversion: 0.8,
  orderBookDepthFactor: HB.kappa,
  volatility: HB.sigma,
  inventoryTargetBasePct: 0.5,
  ...over,
});

describe("Avellaneda-Stoikov as Hummingbot defines it", () => {
  it("finite horizon: Hummingbot's timeframe_constrained expectations", () => {
    const hour = 3_600_000;
    const now = 10 * hour;
    const s = createAvellanedaStoikov(hbParams({ horizon: "finite", horizonMs: hour, sessionStartMs: now - hour / 2, sessionEnd: "stop" }));
    const [bid, ask] = s.quotes(hbCtx(now));
    expect(s.describe().timeLeft).toBe(0.5);
    expect(s.describe().reservationPrice).toBeCloseTo(100.0412277645493864745650970, 9);
    expect(s.describe().optimalSpread).toBeCloseTo(8.364589434178470691479022122, 9);
    expect(ask.price).toBeCloseTo(104.2235224816386218203046081, 9);
    expect(bid.price).toBeCloseTo(95.85893304746015112882558594, 9);
  });

  it("infinite horizon: Hummingbot's timeframe_infinite expectations (σ cancels out)", () => {
    const s = createAvellanedaStoikov(hbParams({ riskAversion: 1, horizon: "infinite" }));
    const [bid, ask] = s.quotes(hbCtx(0));
    expect(s.describe().q).toBeCloseTo(-0.33342449924885603, 12);
    expect(s.describe().reservationPrice).toBeCloseTo(100.0679427754527770932063714, 9);
    expect(s.describe().optimalSpread).toBeCloseTo(7.266095956433297082007557171, 9);
    expect(ask.price).toBeCloseTo(103.7009907536694256342101500, 9);
    expect(bid.price).toBeCloseTo(96.43489479723612855220259281, 9);
    // σ cancels: any σ gives the same quotes
    const other = infiniteHorizon(HB.mid, -0.33342449924885603, 1, 123, HB.kappa)!;
    expect(other.reservationPrice).toBeCloseTo(100.0679427754527770932063714, 9);
  });

  it("infinite horizon by hand at q = −1/3, γ = 1: o_a = ln(10/7), o_b = ln(32/35)", () => {
    // v(4 − q²) = v·35/9; o_a = ln(1 + (5/3)/(35/9)) = ln(1 + 3/7); o_b = ln(1 − (1/3)/(35/9)) = ln(1 − 3/35)
    const r = infiniteHorizon(100, -1 / 3, 1, 2, 1)!;
    const sum = Math.log(10 / 7) + Math.log(32 / 35);
    expect(r.reservationPrice).toBeCloseTo(100 + sum / 2, 12);
    expect(r.optimalSpread).toBeCloseTo(-sum / (2 * (-1 / 3)) + 2 * Math.log(2), 12);
    // at q = 0 the inventory term is undefined: left out, and said so
    const zero = infiniteHorizon(100, 0, 1, 2, 1)!;
    expect(zero.inventoryTermDropped).toBe(true);
    expect(zero.optimalSpread).toBeCloseTo(2 * Math.log(2), 12);
    // beyond |q| ≈ 1 the logarithm is undefined
    expect(infiniteHorizon(100, 1.5, 1, 2, 1)).toBeNull();
  });

  it("q normalised to the portfolio does not depend on the order size; q in orders does", () => {
    // base 3, quote 200 at mid 100: total 5 base, target 2.5 → portfolio q = 0.5/5 = 0.1
    expect(portfolioQ(3, 200, 100, 0.5)).toBeCloseTo(0.1, 12);
    const run = (orderAmount: string, inventoryUnit: "portfolio" | "orders") => {
      const s = createAvellanedaStoikov({ orderAmount, riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 2, horizon: "constant", inventoryUnit });
      s.quotes(ctxOf({ inventory: { base: 3, quote: 200 } }));
      return s.describe();
    };
    expect(run("1", "portfolio").q).toBeCloseTo(0.1, 12);
    expect(run("0.5", "portfolio").reservationPrice).toBeCloseTo(run("1", "portfolio").reservationPrice as number, 12);
    // r = 100 − 0.1·0.1·4·1 = 99.96
    expect(run("1", "portfolio").reservationPrice).toBeCloseTo(99.96, 12);
    expect(run("1", "orders").q).toBeCloseTo(0.5, 12);
    expect(run("0.5", "orders").q).toBeCloseTo(1, 12);
  });

  it("a fixed σ quotes at once, without observations", () => {
    const s = createAvellanedaStoikov({ orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 2, horizon: "constant" });
    expect(s.quotes(ctxOf())).toHaveLength(2);
    expect(s.describe()).toMatchObject({ sigma: 2, sigmaSource: "given" });
    const estimated = createAvellanedaStoikov({ orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, horizon: "constant" });
    expect(estimated.quotes(ctxOf())).toEqual([]);
  });

  describe("sessions (finite horizon)", () => {
    const start = 1_000_000;
    const make = (sessionEnd: "roll" | "stop" | "flatten") =>
      createAvellanedaStoikov({ orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 2, horizon: "finite", horizonMs: 1000, sessionStartMs: start, sessionEnd });

    it("T − t runs from the chosen start, not from epoch time", () => {
      expect(sessionAt(start + 250, start, 1000, "roll")).toEqual({ phase: "open", timeLeft: 0.75, sessionStart: start });
      expect(sessionAt(start + 1250, start, 1000, "roll")).toEqual({ phase: "open", timeLeft: 0.75, sessionStart: start + 1000 });
      expect(sessionAt(start + 1250, start, 1000, "stop")).toEqual({ phase: "ended", timeLeft: 0, sessionStart: start });
      expect(sessionAt(start - 1, start, 1000, "roll").phase).toBe("before");
    });

    it("quotes nothing before the start, and says why", () => {
      const s = make("roll");
      expect(s.quotes(ctxOf({ now: start - 10 }))).toEqual([]);
      expect(s.describe().warning).toMatch(/session starts at/);
    });

    it("roll: the next session starts at a full horizon", () => {
      const s = make("roll");
      s.quotes(ctxOf({ now: start + 1100 }));
      expect(s.describe().timeLeft).toBeCloseTo(0.9, 12);
    });

    it("stop: no quotes after T", () => {
      const s = make("stop");
      expect(s.quotes(ctxOf({ now: start + 500 }))).toHaveLength(2);
      expect(s.quotes(ctxOf({ now: start + 1000 }))).toEqual([]);
      expect(s.describe().warning).toMatch(/session ended \(sessionEnd stop\)/);
    });

    it("flatten: after T only the side that brings the inventory back to target, then nothing", () => {
      const s = make("flatten");
      // base 7, quote 300 at 100: total 10 base, target 5 → 2 base too many: sell min(1, 2) at mid + liquidity half-spread
      const qs = s.quotes(ctxOf({ now: start + 2000, inventory: { base: 7, quote: 300 } }));
      expect(qs).toEqual([{ side: "sell", price: expect.closeTo(100 + 10 * Math.log(1 + 0.1 / 1.5), 12), amount: 1, level: 0 }]);
      const short = s.quotes(ctxOf({ now: start + 2000, inventory: { base: 4.5, quote: 550 } }));
      expect(short).toEqual([{ side: "buy", price: expect.closeTo(100 - 10 * Math.log(1 + 0.1 / 1.5), 12), amount: 0.5, level: 0 }]);
      expect(s.quotes(ctxOf({ now: start + 2000, inventory: { base: 5, quote: 500 } }))).toEqual([]);
      expect(s.describe().warning).toMatch(/inventory at target/);
    });
  });

  it("the mid clamp can be switched off", () => {
    // q in orders = 3 (base 10, quote 400 at 100; target 7), γσ² = 0.4 → r = 98.8, δ/2 = 0.2 + 10·ln(1.0667) = 0.845: ask 99.645 < mid
    const p = { orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 2, horizon: "constant", inventoryUnit: "orders" } as const;
    const clamped = createAvellanedaStoikov(p).quotes(ctxOf({ inventory: { base: 10, quote: 400 } }));
    const free = createAvellanedaStoikov({ ...p, clampToMid: false }).quotes(ctxOf({ inventory: { base: 10, quote: 400 } }));
    const half = 0.2 + 10 * Math.log(1 + 0.1 / 1.5);
    expect(clamped.find((q) => q.side === "sell")!.price).toBe(100);
    expect(free.find((q) => q.side === "sell")!.price).toBeCloseTo(98.8 + half, 12);
  });

  it("order levels: Hummingbot's level_step = (δ/2)/100 · levelDistances, amounts growing by orderLevelAmount", () => {
    const s = createAvellanedaStoikov({ orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 2, horizon: "constant", orderLevels: 3, levelDistances: 50, orderLevelAmount: "0.5" });
    const qs = s.quotes(ctxOf());
    // q = 0: r = 100; δ = 0.4 + 20·ln(16/15); step = δ/2 · 0.5
    const delta = 0.4 + 20 * Math.log(16 / 15);
    const step = (delta / 2) * 0.5;
    expect(qs.map((q) => [q.side, q.level, q.amount])).toEqual([
      ["buy", 0, 1], ["sell", 0, 1], ["buy", 1, 1.5], ["sell", 1, 1.5], ["buy", 2, 2], ["sell", 2, 2],
    ]);
    expect(qs[4].price).toBeCloseTo(100 - delta / 2 - 2 * step, 12);
    expect(qs[5].price).toBeCloseTo(100 + delta / 2 + 2 * step, 12);
  });

  it("a side that cannot be quoted is reported, not dropped silently", () => {
    // γσ² = 0.1·400 = 40 per unit q; q = 3 orders → r = 100 − 120 = −20: the bid would be below 0
    const s = createAvellanedaStoikov({ orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, volatility: 20, horizon: "constant", inventoryUnit: "orders" });
    const qs = s.quotes(ctxOf({ inventory: { base: 10, quote: 400 } }));
    expect(qs.map((q) => q.side)).toEqual(["sell"]);
    expect(s.describe().unquoted).toMatch(/^bid level 0 at -/);
    expect(s.describe().warning).toMatch(/not quoted: bid level 0/);
  });
});
