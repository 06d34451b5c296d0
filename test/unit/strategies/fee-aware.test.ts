import { validateDocument } from "../../../lib/config/validate";
import { applyFeeFloor, createAvellanedaStoikov, createGlft, createPureMarketMaking, createStrategy } from "../../../lib/strategies";
import { ctxOf } from "./helpers";

const withFee = (makerFee: number | undefined) => ({ rules: { tickSize: 0.01, lotSize: 0.001, makerFee } });

describe("fee-aware quoting", () => {
  it("moves quotes inside makerFee + edgeOverFee out to it and says which and why", () => {
    const quotes = [
      { side: "buy" as const, price: 99.95, amount: 1, level: 0 },
      { side: "sell" as const, price: 100.5, amount: 1, level: 0 },
    ];
    // floor 0.001 + 0.0005 = 15 bp of 100: bid ≤ 99.85, ask ≥ 100.15 (already beyond)
    const { quotes: out, state } = applyFeeFloor(quotes, 100, { tickSize: 0.01, lotSize: 1, makerFee: 0.001 }, 0.0005);
    expect(out.map((q) => q.price)).toEqual([expect.closeTo(99.85, 12), 100.5]);
    expect(state).toMatchObject({ makerFee: 0.001, feeFloor: 0.0015, widened: "buy" });
    expect(state.widenedReason).toBe("buy widened to 15 bp from the mid 100: maker fee 10 bp + edgeOverFee 5 bp");
    // a deliberate negative edge (rebates) removes the floor
    expect(applyFeeFloor(quotes, 100, { tickSize: 0.01, lotSize: 1, makerFee: 0.001 }, -0.001).state).toMatchObject({ feeFloor: 0, widened: null });
    // a maker rebate is no floor either
    expect(applyFeeFloor(quotes, 100, { tickSize: 0.01, lotSize: 1, makerFee: -0.0001 }, 0).state.feeFloor).toBe(0);
  });

  it("PMM: a 1 bp spread on a 10 bp maker fee quotes 10 bp away, status widened", () => {
    const s = createPureMarketMaking({ bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "1" });
    const qs = s.quotes(ctxOf(withFee(0.001)));
    expect(qs.map((q) => q.price)).toEqual([expect.closeTo(99.9, 12), expect.closeTo(100.1, 12)]);
    expect(s.describe()).toMatchObject({ widened: "buy,sell", feeFloor: 0.001 });
    // wider than the fee: untouched
    const wide = createPureMarketMaking({ bidSpread: 0.01, askSpread: 0.01, orderAmount: "1" });
    expect(wide.quotes(ctxOf(withFee(0.001))).map((q) => q.price)).toEqual([99, 101]);
    expect(wide.describe().widened).toBeNull();
    // unknown fee: no floor
    expect(s.quotes(ctxOf()).map((q) => q.price)).toEqual([expect.closeTo(99.99, 12), expect.closeTo(100.01, 12)]);
  });

  it("A-S: the optimal spread is floored at the maker fee; edgeOverFee < 0 lets it quote inside", () => {
    const p = { orderAmount: "1", riskAversion: 0.1, orderBookDepthFactor: 1000, volatility: 0.1, horizon: "constant" as const };
    // q = 0; δ = 0.1·0.01 + 20·ln(1.0001) ≈ 0.003: bid/ask 100 ∓ 0.0015, inside a 10 bp (0.1) fee
    const s = createAvellanedaStoikov(p);
    expect(s.quotes(ctxOf(withFee(0.001))).map((q) => q.price)).toEqual([expect.closeTo(99.9, 12), expect.closeTo(100.1, 12)]);
    expect(s.describe().widenedReason).toMatch(/^buy and sell widened to 10 bp/);
    const rebate = createAvellanedaStoikov({ ...p, edgeOverFee: -0.001 });
    expect(rebate.quotes(ctxOf(withFee(0.001)))[0].price).toBeGreaterThan(99.99);
  });

  it("GLFT: floored too", () => {
    const s = createGlft({ orderAmount: "2", riskAversion: 0.5, orderBookDepthFactor: 1, arrivalRate: 0.5, volatility: 0.2 });
    // unfloored depths ≈ 0.89 (see GLFT tests); a 1 % fee puts both at 1.0
    expect(s.quotes(ctxOf(withFee(0.01))).map((q) => q.price)).toEqual([expect.closeTo(99, 12), expect.closeTo(101, 12)]);
  });

  it("every strategy the factory builds takes edgeOverFee from the schema default", () => {
    const s = createStrategy("pure_market_making", { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "1" });
    s.quotes(ctxOf(withFee(0.001)));
    expect(s.describe().feeFloor).toBe(0.001);
  });
});

describe("strategies documents", () => {
  it("accept glft and the new A-S modes, with defaults filled in", () => {
    const glft = validateDocument("strategies", { market: "m", strategy: "glft", params: { orderAmount: "0.01", riskAversion: 0.1 } });
    expect(glft.ok && glft.value.params).toMatchObject({ edgeOverFee: 0, inventoryTargetBasePct: 0.5 });
    const as = validateDocument("strategies", { market: "m", strategy: "avellaneda_stoikov", params: { orderAmount: "1", riskAversion: 0.1, horizon: "finite", sessionEnd: "flatten", volatility: 2 } });
    expect(as.ok && as.value.params).toMatchObject({ inventoryUnit: "portfolio", clampToMid: true, orderLevels: 1, sessionStartMs: 0 });
  });
  it("name the bad field", () => {
    const res = validateDocument("strategies", { market: "m", strategy: "pure_market_making", params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", edgeOverFee: -0.5 } });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors.map((e) => e.field)).toContain("params.edgeOverFee");
    const mode = validateDocument("strategies", { market: "m", strategy: "avellaneda_stoikov", params: { orderAmount: "1", riskAversion: 0.1, sessionEnd: "never" } });
    expect(!mode.ok && mode.errors.map((e) => e.field)).toContain("params.sessionEnd");
  });
});
