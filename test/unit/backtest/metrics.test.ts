import { maxDrawdown, returnsOf, sharpeRatio, YEAR_MS } from "../../../lib/backtest/metrics";

const series = (values: number[]) => values.map((v, i) => ({ ts: i * 1000, equity: String(v) }));

describe("maxDrawdown", () => {
  it("is the largest fall from a running peak, absolute and as a fraction of that peak", () => {
    // peaks 100 → 120 → 130; dips: 100→90 (10, 10 %), 120→96 (24, 20 %), 130→117 (13, 10 %)
    const dd = maxDrawdown(series([100, 90, 120, 96, 110, 130, 117]));
    expect(dd.absolute).toBe("24");
    expect(dd.pct).toBeCloseTo(0.2, 12);
    expect(dd).toMatchObject({ peakTs: 2000, troughTs: 3000 });
  });

  it("takes the absolute and percentage maxima separately", () => {
    // 10 → 5 is 50 % (5 absolute); 1000 → 900 is 100 absolute (10 %)
    const dd = maxDrawdown(series([10, 5, 1000, 900]));
    expect(dd.absolute).toBe("100");
    expect(dd.pct).toBeCloseTo(0.5, 12);
  });

  it("is zero on a rising series and keeps decimals exact", () => {
    expect(maxDrawdown(series([1, 2, 3]))).toEqual({ absolute: "0", pct: 0, peakTs: null, troughTs: null });
    expect(maxDrawdown([{ ts: 0, equity: "100.3" }, { ts: 1, equity: "100.1" }]).absolute).toBe("0.2");
  });

  it("writes a drawdown below 1e-7 as a plain decimal, and one of more than 20 digits exactly", () => {
    expect(maxDrawdown([{ ts: 0, equity: "0.00000003" }, { ts: 1, equity: "0.00000001" }]).absolute).toBe("0.00000002");
    const long = maxDrawdown([{ ts: 0, equity: "100000000.000010007585" }, { ts: 1, equity: "0.000000000000000000001" }]);
    expect(long.absolute).toBe("100000000.000010007584999999999");
  });
});

describe("sharpeRatio", () => {
  it("is mean / sample sd of per-sample returns, annualized by √(samples per year)", () => {
    // returns: +10 %, −10 %, +10 %  → mean 1/30, sd (n−1) = √(((2/30)²·2 + (4/30)²)/2) = √(24/1800)
    const equity = [100, 110, 99, 108.9];
    expect(returnsOf(equity).map((r) => Number(r.toFixed(12)))).toEqual([0.1, -0.1, 0.1]);
    const mean = 0.1 / 3;
    const sd = Math.sqrt(((0.1 - mean) ** 2 * 2 + (-0.1 - mean) ** 2) / 2);
    const s = sharpeRatio(equity, 60_000);
    expect(s.perSample).toBeCloseTo(mean / sd, 12);
    expect(s.perSample).toBeCloseTo(0.28867513459, 9);
    expect(s.samplesPerYear).toBe(YEAR_MS / 60_000);
    expect(s.annualized).toBeCloseTo((mean / sd) * Math.sqrt(525_600), 6);
    expect(s.returns).toBe(3);
  });

  it("is null without dispersion or with fewer than two returns", () => {
    expect(sharpeRatio([100, 100, 100, 100], 1000).annualized).toBeNull();
    expect(sharpeRatio([100, 101], 1000).annualized).toBeNull();
    expect(sharpeRatio([], 1000).annualized).toBeNull();
  });
});
