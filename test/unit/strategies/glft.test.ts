import { createGlft, glftCoefficients, glftDepths } from "../../../lib/strategies/glft";
import { ctxOf } from "./helpers";

describe("GLFT closed-form approximation", () => {
  it("γ = 0.5, Δ = 2, k = 1, A = 0.5, σ = 0.2 worked by hand", () => {
    // γΔ = 1 = k: c1 = ln 2; c2 = √(0.5/(2·0.5·2·1) · 2^(1 + 1)) = √(0.25·4) = 1
    // half-spread = ln 2 + (2/2)·0.2·1 = 0.89314718; skew = 0.2
    const i = { gamma: 0.5, delta: 2, k: 1, A: 0.5, sigma: 0.2 };
    const c = glftCoefficients(i);
    expect(c.c1).toBeCloseTo(Math.LN2, 14);
    expect(c.c2).toBeCloseTo(1, 14);
    expect(c.halfSpread).toBeCloseTo(Math.LN2 + 0.2, 14);
    expect(c.skew).toBeCloseTo(0.2, 14);
    // q = 1.5 base long: bid 0.2·1.5 = 0.3 further, ask 0.3 closer
    expect(glftDepths(i, 1.5)).toEqual({ bidDepth: expect.closeTo(Math.LN2 + 0.5, 14), askDepth: expect.closeTo(Math.LN2 - 0.1, 14) });
  });

  it("with Δ = 1 it is GLFT 2013's δ_b = (1/γ)·ln(1 + γ/k) + (2q + 1)/2 · √(σ²γ/(2kA) · (1 + γ/k)^(1 + k/γ))", () => {
    // the A-S 2008 simulation's values: γ 0.1, k 1.5, A 140, σ 2; q = 3
    // (1/γ)·ln(1 + γ/k) = 10·ln(16/15) = 0.64538521; (1 + γ/k)^(1 + k/γ) = (16/15)^16 = 2.80840...
    const g = 0.1, k = 1.5, A = 140, sigma = 2, q = 3;
    const root = Math.sqrt(((sigma ** 2 * g) / (2 * k * A)) * (1 + g / k) ** (1 + k / g));
    const { bidDepth, askDepth } = glftDepths({ gamma: g, k, A, sigma, delta: 1 }, q);
    expect(bidDepth).toBeCloseTo(10 * Math.log(16 / 15) + ((2 * q + 1) / 2) * root, 12);
    expect(askDepth).toBeCloseTo(10 * Math.log(16 / 15) - ((2 * q - 1) / 2) * root, 12);
    expect((16 / 15) ** 16).toBeCloseTo(2.8084, 4);
  });

  it("quotes around the mid with q the base above target; maxInventory withholds the side that would grow it", () => {
    const s = createGlft({ orderAmount: "2", riskAversion: 0.5, orderBookDepthFactor: 1, arrivalRate: 0.5, volatility: 0.2, maxInventory: "2" });
    // base 6.5, quote 350 at 100: total 10 base, target 5 → q = 1.5; q + Δ = 3.5 > 2: no bid
    const qs = s.quotes(ctxOf({ inventory: { base: 6.5, quote: 350 } }));
    expect(qs).toEqual([{ side: "sell", price: expect.closeTo(100 + Math.LN2 - 0.1, 12), amount: 2, level: 0 }]);
    expect(s.describe().warning).toMatch(/bid withheld/);
    const flat = createGlft({ orderAmount: "2", riskAversion: 0.5, orderBookDepthFactor: 1, arrivalRate: 0.5, volatility: 0.2 });
    expect(flat.quotes(ctxOf({ inventory: { base: 5, quote: 500 } })).map((q) => q.price)).toEqual([
      expect.closeTo(100 - Math.LN2 - 0.2, 12),
      expect.closeTo(100 + Math.LN2 + 0.2, 12),
    ]);
  });

  it("fits A and k from trade prints when not given (A = α/Δ)", () => {
    const s = createGlft({ orderAmount: "1", riskAversion: 0.5, volatility: 0.2, intensityWindow: 20 });
    expect(s.quotes(ctxOf())).toEqual([]);
    expect(s.describe().intensitySource).toBe("not fitted yet");
    for (let i = 0; i < 20; i++) {
      const d = 0.005 * (i % 5);
      s.observeTrade!({ ts: i * 1000, price: 100 + d, amount: Math.exp(-2 * d), side: "buy" }, 100);
    }
    expect(s.quotes(ctxOf())).toHaveLength(2);
    expect(s.describe().k).toBeCloseTo(2, 6);
    expect(s.describe().intensitySource).toBe("fitted");
  });
});
