import { RollingVolatility } from "../../../lib/strategies/volatility";
import { TradingIntensity } from "../../../lib/strategies/trading-intensity";

describe("rolling volatility", () => {
  it("is the root of Σ(Δmid)² per elapsed time, scaled to the unit asked for", () => {
    const v = new RollingVolatility(5);
    [100, 101, 100, 101].forEach((mid, i) => v.add(i * 1000, mid));
    expect(v.sigma(1000)).toBeNull(); // 4 of 5 samples
    v.add(4000, 100);
    // four moves of ±1 over 4000 ms: variance 4/4000 = 0.001 per ms → σ = 1 per √s, 2 per √(4 s)
    expect(v.variancePerMs()).toBeCloseTo(0.001, 15);
    expect(v.sigma(1000)).toBeCloseTo(1, 12);
    expect(v.sigma(4000)).toBeCloseTo(2, 12);
  });

  it("keeps only the last `window` samples and weights by elapsed time", () => {
    const v = new RollingVolatility(3);
    // the first sample falls out; left: (1000, 101), (3000, 103), (4000, 103)
    [[0, 50], [1000, 101], [3000, 103], [4000, 103]].forEach(([ts, mid]) => v.add(ts, mid));
    // Σ Δ² = 2² + 0² = 4 over 3000 ms → σ² = 4/3 per s
    expect(v.sigma(1000)).toBeCloseTo(Math.sqrt(4 / 3), 12);
  });

  it("ignores samples that do not move time forward", () => {
    const v = new RollingVolatility(2);
    v.add(1000, 100);
    v.add(1000, 500);
    v.add(2000, 101);
    expect(v.sigma(1000)).toBeCloseTo(1, 12);
  });
});

describe("trading intensity", () => {
  it("recovers κ and α from exponential data with noise within 5 %", () => {
    const alpha = 2; // base per second at δ = 0
    const kappa = 1.5; // per price unit
    const t = new TradingIntensity(50, 0.05);
    // 10 distances δ_j = 0.1·j, 5 trades each over 100 s; total at δ_j = α·e^(−κδ_j)·100·(1 ± 3 %)
    let n = 0;
    for (let j = 0; j < 10; j++) {
      const delta = 0.1 * j;
      const total = alpha * Math.exp(-kappa * delta) * 100 * (1 + 0.03 * (j % 2 === 0 ? 1 : -1));
      for (let k = 0; k < 5; k++) {
        const side = k % 2 === 0 ? 1 : -1;
        t.add((n++ * 100_000) / 49, 1000 + side * delta, total / 5, 1000);
      }
    }
    const fit = t.fit()!;
    expect(Math.abs(fit.kappa - kappa) / kappa).toBeLessThan(0.05);
    expect(Math.abs(fit.alpha - alpha) / alpha).toBeLessThan(0.05);
  });

  it("gives no fit before the window is full or with a single distance", () => {
    const t = new TradingIntensity(3);
    t.add(0, 100.5, 1, 100);
    t.add(1000, 99.5, 1, 100);
    expect(t.fit()).toBeNull();
    t.add(2000, 100.5, 1, 100);
    expect(t.fit()).toBeNull(); // every trade 0.5 from the mid
  });
});
