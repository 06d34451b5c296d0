import {
  createAvellanedaStoikov,
  inventoryQ,
  reservationAndSpread,
  timeLeftFraction,
} from "../../../lib/strategies/avellaneda-stoikov";
import type { Strategy } from "../../../lib/strategies/types";
import { ctxOf } from "./helpers";

// ln(1 + 0.1/1.5) = ln(16/15) = 0.0645385211375712
const LN_16_15 = 0.0645385211375712;

/** Mids alternating 100, 102 one horizon (1 s) apart: each Δ² = 4 per 1000 ms → σ = 2 per √horizon. */
function warm(s: Strategy, samples = 10): void {
  for (let i = 0; i < samples; i++) s.observeMid!(i * 1000, i % 2 === 0 ? 100 : 102);
}

describe("Avellaneda-Stoikov", () => {
  it("reservation price and optimal spread by the paper's formulas", () => {
    // γσ²(T−t) = 0.1·4·0.5 = 0.2
    // r = 100 − 3·0.2 = 99.4
    // δ = 0.2 + (2/0.1)·ln(1 + 0.1/1.5) = 0.2 + 20·0.06453852 = 1.49077042
    const { reservationPrice, optimalSpread } = reservationAndSpread({ mid: 100, q: 3, gamma: 0.1, sigma: 2, kappa: 1.5, timeLeft: 0.5 });
    expect(reservationPrice).toBeCloseTo(99.4, 12);
    expect(optimalSpread).toBeCloseTo(0.2 + 20 * LN_16_15, 12);
  });

  it("quotes r ∓ δ/2 with estimated σ, given κ, q and the finite horizon", () => {
    const s = createAvellanedaStoikov({
      inventoryUnit: "orders",
      orderAmount: "1",
      riskAversion: 0.1,
      orderBookDepthFactor: 1.5,
      orderAmountShape: 0.5,
      horizon: "finite",
      horizonMs: 1000,
      volatilityWindow: 10,
    });
    warm(s);
    // mid 100; target base = 0.5·(10 + 400/100) = 7 → q = (10 − 7)/1 = 3; now 500 of a 1000 ms horizon → T−t = 0.5
    const quotes = s.quotes(ctxOf({ now: 500, inventory: { base: 10, quote: 400 } }));
    const half = (0.2 + 20 * LN_16_15) / 2; // 0.74538521
    expect(quotes).toEqual([
      // q > 0: bid amount = 1·e^(−0.5·3) = e^(−1.5) = 0.22313016; ask keeps 1
      { side: "buy", price: expect.closeTo(99.4 - half, 9), amount: expect.closeTo(Math.exp(-1.5), 12), level: 0 },
      { side: "sell", price: expect.closeTo(99.4 + half, 9), amount: 1, level: 0 },
    ]);
    expect(s.describe()).toMatchObject({
      sigma: expect.closeTo(2, 9),
      kappa: 1.5,
      alpha: null,
      q: 3,
      timeLeft: 0.5,
      reservationPrice: expect.closeTo(99.4, 9),
      optimalSpread: expect.closeTo(2 * half, 9),
    });
  });

  it("shrinks the ask amount when short of the target", () => {
    const s = createAvellanedaStoikov({ inventoryUnit: "orders", horizon: "constant", orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, orderAmountShape: 0.5, horizonMs: 1000, volatilityWindow: 10 });
    warm(s);
    // base 2, quote 1000 at mid 100: target 0.5·(2 + 10) = 6 → q = −4; ask = e^(0.5·−4) = e^(−2)
    const [bid, ask] = s.quotes(ctxOf({ inventory: { base: 2, quote: 1000 } }));
    expect(bid.amount).toBe(1);
    expect(ask.amount).toBeCloseTo(Math.exp(-2), 12);
  });

  it("moves both quotes down as inventory grows", () => {
    const s = createAvellanedaStoikov({ inventoryUnit: "orders", horizon: "constant", orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, horizonMs: 1000, volatilityWindow: 10 });
    warm(s);
    const series = [0, 2, 4, 6, 8, 10].map((base) => s.quotes(ctxOf({ inventory: { base, quote: 500 } })));
    for (let i = 1; i < series.length; i++) {
      expect(series[i][0].price).toBeLessThan(series[i - 1][0].price);
      expect(series[i][1].price).toBeLessThan(series[i - 1][1].price);
    }
  });

  it("narrows the spread as t approaches the end of a finite horizon", () => {
    const spreads = [0, 250, 500, 750, 999].map((now) =>
      reservationAndSpread({ mid: 100, q: 0, gamma: 0.1, sigma: 2, kappa: 1.5, timeLeft: timeLeftFraction(now, 1000, "finite") }).optimalSpread,
    );
    for (let i = 1; i < spreads.length; i++) expect(spreads[i]).toBeLessThan(spreads[i - 1]);
    // at t → T only the liquidity term remains: 20·ln(16/15) = 1.29077042
    expect(spreads[4]).toBeCloseTo(0.4 * 0.001 + 20 * LN_16_15, 12);
    // the next window starts again at a full horizon; the constant horizon always uses 1 horizon
    expect(timeLeftFraction(1000, 1000, "finite")).toBe(1);
    expect(timeLeftFraction(123_456, 1000, "constant")).toBe(1);
  });

  it("keeps each side at least minimumSpread/2 from the mid", () => {
    const s = createAvellanedaStoikov({ inventoryUnit: "orders", horizon: "constant", orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1000, minimumSpread: 0.1, horizonMs: 1000, volatilityWindow: 10 });
    warm(s);
    // q = 0 (base 5, quote 500 at 100); δ = 0.4 + 20·ln(1.0001) ≈ 0.402 < 10 → bid 100·(1 − 0.05) = 95, ask 105
    const [bid, ask] = s.quotes(ctxOf());
    expect(bid.price).toBeCloseTo(95, 12);
    expect(ask.price).toBeCloseTo(105, 12);
  });

  it("quotes nothing until σ is estimated; without a given κ it starts from the market spread, then fits κ", () => {
    const given = createAvellanedaStoikov({ inventoryUnit: "orders", horizon: "constant", orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1.5, horizonMs: 1000, volatilityWindow: 10 });
    warm(given, 9);
    expect(given.quotes(ctxOf())).toEqual([]);
    expect(given.describe().sigma).toBeNull();

    const fitted = createAvellanedaStoikov({ inventoryUnit: "orders", horizon: "constant", orderAmount: "1", riskAversion: 0.1, horizonMs: 1000, volatilityWindow: 10, intensityWindow: 20 });
    warm(fitted);
    // Before the fit: κ₀ = 2/(101 − 99) = 1, so the liquidity term (2/γ)·ln(1 + γ/κ₀) = 20·ln(1.1) ≈ 1.906,
    // close to the market's spread of 2.
    expect(fitted.quotes(ctxOf())).toHaveLength(2);
    expect(fitted.describe()).toMatchObject({ kappa: 1, kappaSource: "market-spread" });
    expect((fitted.describe().optimalSpread as number) - (fitted.describe().sigma as number) ** 2 * 0.1).toBeCloseTo(20 * Math.log(1.1), 9);
    // 20 trades at distances 0.005·k from the mid 100, amounts falling as e^(−2δ)
    for (let i = 0; i < 20; i++) {
      const delta = 0.005 * (i % 5);
      fitted.observeTrade!({ ts: i * 1000, price: 100 + delta, amount: Math.exp(-2 * delta), side: "buy" }, 100);
    }
    expect(fitted.quotes(ctxOf())).toHaveLength(2);
    expect(fitted.describe().kappa).toBeCloseTo(2, 6);
    expect(fitted.describe().kappaSource).toBe("fitted");
    expect(fitted.describe().alpha).not.toBeNull();
  });

  it("q is inventory over target in orders", () => {
    // target = 0.5·(3 + 100/50) = 2.5 → q = (3 − 2.5)/0.25 = 2
    expect(inventoryQ(3, 100, 50, 0.5, 0.25)).toBeCloseTo(2, 12);
  });
});
