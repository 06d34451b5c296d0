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

/** The fit as first written (sum the window afresh into a map on every call): the cached, incremental one must agree bit for bit. */
function referenceFit(trades: Array<{ ts: number; delta: number; amount: number }>, window: number, bucketWidth: number): { alpha: number; kappa: number } | null {
  if (trades.length < window) return null;
  const byBucket = new Map<number, number>();
  for (const t of trades) {
    const key = bucketWidth > 0 ? Math.round(t.delta / bucketWidth) : t.delta;
    byBucket.set(key, (byBucket.get(key) ?? 0) + t.amount);
  }
  if (byBucket.size < 2) return null;
  const ts = trades.map((t) => t.ts);
  const seconds = Math.max((Math.max(...ts) - Math.min(...ts)) / 1000, 1);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [key, amount] of byBucket) {
    xs.push(bucketWidth > 0 ? key * bucketWidth : key);
    ys.push(Math.log(amount / seconds));
  }
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) return null;
  const kappa = -(sxy / sxx);
  if (!(kappa > 0) || !Number.isFinite(kappa)) return null;
  return { kappa, alpha: Math.exp(my - (sxy / sxx) * mx) };
}

describe("trading intensity, cached and incremental", () => {
  it("gives exactly the fit of summing the window afresh, as trades come and go and the bucket width changes", () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const window of [10, 37, 100]) {
      const t = new TradingIntensity(window);
      const kept: Array<{ ts: number; delta: number; amount: number }> = [];
      let width = 0;
      let fits = 0;
      for (let i = 0; i < 3000; i++) {
        if (i % 500 === 250) t.bucketWidth = width = [0, 0.005, 0.05, 0.5][Math.floor(rnd() * 4)];
        if (rnd() < 0.7) {
          const mid = 60000 + Math.floor(rnd() * 50) / 100;
          // few distinct distances (quotes at the touch), sometimes far ones, amounts of 5 decimals
          const price = rnd() < 0.8 ? mid + (rnd() < 0.5 ? -6 : 6) + Math.floor(rnd() * 3) * 0.01 : mid + (rnd() - 0.5) * 40;
          const amount = Math.floor(rnd() * 100000) / 100000;
          t.add(i * 137, price, amount, mid);
          if (amount > 0) {
            kept.push({ ts: i * 137, delta: Math.abs(price - mid), amount });
            if (kept.length > window) kept.shift();
          }
        }
        const want = referenceFit(kept, window, width);
        const got = t.fit();
        if (want === null) expect(got).toBeNull();
        else {
          fits++;
          expect(got).not.toBeNull();
          expect(Object.is(got!.kappa, want.kappa) && Object.is(got!.alpha, want.alpha)).toBe(true);
        }
      }
      expect(fits).toBeGreaterThan(100);
    }
  });

  it("refits when a trade arrives, not when nothing changed", () => {
    const t = new TradingIntensity(10, 0.5);
    for (let i = 0; i < 10; i++) t.add(i * 1000, 100 + (i % 3), 1 + i / 10, 100);
    const a = t.fit();
    expect(a).not.toBeNull();
    expect(t.fit()).toBe(a); // the same object: not computed again
    t.add(10_000, 103, 5, 100);
    const b = t.fit();
    expect(b).not.toBe(a);
    expect(b).toEqual(referenceFit([...Array(9).keys()].map((k) => ({ ts: (k + 1) * 1000, delta: (k + 1) % 3, amount: 1 + (k + 1) / 10 })).concat([{ ts: 10_000, delta: 3, amount: 5 }]), 10, 0.5));
  });
});

describe("rolling volatility, as a ring", () => {
  it("gives exactly the variance of the window summed afresh, oldest first", () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const window of [2, 7, 60]) {
      const v = new RollingVolatility(window);
      const kept: Array<{ ts: number; mid: number }> = [];
      let ts = 0;
      for (let i = 0; i < 2000; i++) {
        ts += rnd() < 0.1 ? 0 : Math.floor(rnd() * 2000); // some samples do not move time forward
        const mid = 60000 + Math.floor(rnd() * 10000) / 100;
        v.add(ts, mid);
        const last = kept[kept.length - 1];
        if (!last || ts > last.ts) {
          kept.push({ ts, mid });
          if (kept.length > window) kept.shift();
        }
        let want: number | null = null;
        if (kept.length >= window) {
          let sumSq = 0;
          for (let k = 1; k < kept.length; k++) sumSq += (kept[k].mid - kept[k - 1].mid) ** 2;
          const span = kept[kept.length - 1].ts - kept[0].ts;
          want = span > 0 ? sumSq / span : null;
        }
        expect(Object.is(v.variancePerMs(), want)).toBe(true);
      }
    }
  });
});
