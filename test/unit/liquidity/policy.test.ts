import {
  beginRecenter, centeredRange, evaluatePolicy, inRange, initialMemory, minWithSlippage, nearestUsableTick, priceToTick, rebalanceSwap,
  recenterDone, recenterFailed, recenterReopening, ticksForPriceRange, validatePolicyParams, type PolicyMemory, type RangePolicyParams,
} from "../../../lib/liquidity";

describe("liquidity math", () => {
  it("takes slippage off in bigint, rounding down, and rejects bad bps", () => {
    expect(minWithSlippage(1_000_000n, 50)).toBe(995_000n);
    expect(minWithSlippage(999n, 1)).toBe(998n);
    expect(minWithSlippage(10n ** 30n, 0)).toBe(10n ** 30n);
    expect(() => minWithSlippage(1n, 10_001)).toThrow(/slippageBps/);
    expect(() => minWithSlippage(1n, 1.5)).toThrow(/slippageBps/);
  });
  it("rounds to usable ticks of the fee tier's spacing", () => {
    expect(nearestUsableTick(-195_311, 60)).toBe(-195_300);
    expect(nearestUsableTick(29, 60)).toBe(0);
    expect(nearestUsableTick(31, 60)).toBe(60);
    expect(nearestUsableTick(887_272, 60)).toBe(887_220);
    expect(nearestUsableTick(-887_272, 10)).toBe(-887_270);
  });
  it("converts prices to ticks with token decimals", () => {
    // WETH(18)/USDC(6) at 3000 USDC per WETH: raw price 3000e-12.
    const t = priceToTick("3000", 18, 6);
    expect(t).toBeGreaterThan(-196_300);
    expect(t).toBeLessThan(-196_200);
    const r = ticksForPriceRange("2900", "3100", 18, 6, 60);
    expect(Math.abs(r.tickLower % 60)).toBe(0);
    expect(Math.abs(r.tickUpper % 60)).toBe(0);
    expect(r.tickLower).toBeLessThan(t);
    expect(r.tickUpper).toBeGreaterThan(t);
    expect(() => ticksForPriceRange("3100", "2900", 18, 6, 60)).toThrow(/below/);
  });
  it("centres a range on the tick, on usable ticks, always containing it", () => {
    for (const tick of [-195_311, 0, 59, 60, -1, 123_457]) {
      const r = centeredRange(tick, 60, { widthPct: 2 });
      expect(Math.abs(r.tickLower % 60)).toBe(0);
      expect(Math.abs(r.tickUpper % 60)).toBe(0);
      expect(inRange(tick, r.tickLower, r.tickUpper)).toBe(true);
      // ±1 % ≈ ±100 ticks → about 200 ticks wide (rounded outwards to the spacing).
      expect(r.tickUpper - r.tickLower).toBeGreaterThanOrEqual(180);
      expect(r.tickUpper - r.tickLower).toBeLessThanOrEqual(360);
    }
    const narrow = centeredRange(61, 60, { tickWidth: 1 });
    expect(narrow).toEqual({ tickLower: 60, tickUpper: 120 });
    expect(() => centeredRange(0, 60, {})).toThrow(/widthPct or tickWidth/);
  });
  it("computes the rebalancing swap to equal values at the pool price", () => {
    const q96 = 1n << 96n;
    // price 1: 100 token0 and 0 token1 → swap 50 token0.
    expect(rebalanceSwap(100n, 0n, q96)).toEqual({ zeroForOne: true, amountIn: 50n });
    expect(rebalanceSwap(0n, 100n, q96)).toEqual({ zeroForOne: false, amountIn: 50n });
    expect(rebalanceSwap(100n, 100n, q96)).toBeNull();
    // price 4 (sqrt 2): 10 token0 worth 40 token1; holding 0 token1 → swap 5 token0.
    expect(rebalanceSwap(10n, 0n, 2n * q96)).toEqual({ zeroForOne: true, amountIn: 5n });
  });
});

describe("range policy", () => {
  const params: RangePolicyParams = { widthPct: 2, minIntervalMs: 60_000, outOfRangeGraceMs: 5_000 };
  const pos = { tickLower: -600, tickUpper: 600, tickSpacing: 60 };
  const step = (m: PolicyMemory, tick: number, now: number) => evaluatePolicy(m, { ...pos, tick, now }, params);

  it("validates its parameters", () => {
    expect(validatePolicyParams(params)).toBeNull();
    expect(validatePolicyParams({ minIntervalMs: 1, outOfRangeGraceMs: 0 })).toMatch(/widthPct/);
    expect(validatePolicyParams({ ...params, minIntervalMs: -1 })).toMatch(/minIntervalMs/);
  });

  it("holds while the tick is in range (upper bound exclusive)", () => {
    let r = step(initialMemory(), 0, 1000);
    expect(r.decision).toEqual({ action: "hold", reason: "in_range" });
    expect(r.memory.state).toEqual({ kind: "in_range" });
    r = step(r.memory, -600, 2000);
    expect(r.decision.action).toBe("hold");
    r = step(r.memory, 600, 3000);
    expect(r.memory.state).toEqual({ kind: "out_of_range", since: 3000 });
  });

  it("recentres around the tick after the grace period, not before", () => {
    let r = step(initialMemory(), 1000, 10_000);
    expect(r.decision).toEqual({ action: "hold", reason: "grace" });
    expect(r.memory.state).toEqual({ kind: "out_of_range", since: 10_000 });
    r = step(r.memory, 1000, 14_999);
    expect(r.decision).toEqual({ action: "hold", reason: "grace" });
    r = step(r.memory, 1000, 15_000);
    expect(r.decision.action).toBe("recenter");
    if (r.decision.action !== "recenter") throw new Error("unreachable");
    expect(inRange(1000, r.decision.tickLower, r.decision.tickUpper)).toBe(true);
    expect(r.decision.tickLower % 60).toBe(0);
    // Back in range during the grace period resets the clock.
    let m = step(initialMemory(), 1000, 0).memory;
    m = step(m, 0, 4000).memory;
    expect(m.state).toEqual({ kind: "in_range" });
    expect(step(m, 1000, 6000).decision).toEqual({ action: "hold", reason: "grace" });
  });

  it("walks closing → reopening → in_range and holds while busy", () => {
    let m = beginRecenter(initialMemory(), 100_000);
    expect(m).toEqual({ state: { kind: "closing", at: 100_000 }, lastRecenterAt: 100_000 });
    expect(step(m, 5000, 100_001).decision).toEqual({ action: "hold", reason: "busy" });
    m = recenterReopening(m, 100_010);
    expect(m.state.kind).toBe("reopening");
    expect(step(m, 5000, 100_020).decision).toEqual({ action: "hold", reason: "busy" });
    m = recenterDone(m);
    expect(m.state).toEqual({ kind: "in_range" });
    expect(recenterFailed(beginRecenter(m, 1), 2).state).toEqual({ kind: "out_of_range", since: 2 });
  });

  it("never recentres twice within minIntervalMs", () => {
    const zeroGrace = { ...params, outOfRangeGraceMs: 0 };
    let m = evaluatePolicy(initialMemory(), { ...pos, tick: 1000, now: 0 }, zeroGrace);
    expect(m.decision.action).toBe("recenter");
    let mem = recenterDone(recenterReopening(beginRecenter(m.memory, 0), 10));
    // The new range (around 1000) is left again 30 s later: held for the rest of the minute.
    const newPos = { tickLower: 900, tickUpper: 1140, tickSpacing: 60 };
    for (const now of [30_000, 45_000, 59_999]) {
      const r = evaluatePolicy(mem, { ...newPos, tick: 3000, now }, zeroGrace);
      expect(r.decision).toEqual({ action: "hold", reason: "min_interval" });
      mem = r.memory;
    }
    const later = evaluatePolicy(mem, { ...newPos, tick: 3000, now: 60_000 }, zeroGrace);
    expect(later.decision.action).toBe("recenter");
  });
});
