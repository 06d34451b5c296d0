/**
 * Trade intensity at distance δ from the mid, λ(δ) = α·e^(−κδ), fitted like Hummingbot's
 * TradingIntensityIndicator: traded amounts are summed per price distance and the curve is
 * fitted to them. Here the fit is least squares on ln λ against δ (Hummingbot uses
 * scipy curve_fit on λ itself), with δ grouped into buckets of `bucketWidth` price units.
 * λ is traded base amount per second at that distance, so α is in base/s and κ in 1/price.
 */
export interface IntensityFit {
  alpha: number;
  kappa: number;
}

export class TradingIntensity {
  private readonly trades: Array<{ ts: number; delta: number; amount: number }> = [];

  /** bucketWidth 0 groups exactly equal distances only. */
  constructor(readonly window: number, public bucketWidth = 0) {}

  add(ts: number, price: number, amount: number, mid: number): void {
    if (!(amount > 0) || !(mid > 0)) return;
    this.trades.push({ ts, delta: Math.abs(price - mid), amount });
    if (this.trades.length > this.window) this.trades.shift();
  }

  get ready(): boolean {
    return this.trades.length >= this.window;
  }

  /** Null until the window is full or when the data give no decaying fit (κ ≤ 0, one bucket). */
  fit(): IntensityFit | null {
    if (!this.ready) return null;
    const byBucket = new Map<number, number>();
    for (const t of this.trades) {
      const key = this.bucketWidth > 0 ? Math.round(t.delta / this.bucketWidth) : t.delta;
      byBucket.set(key, (byBucket.get(key) ?? 0) + t.amount);
    }
    if (byBucket.size < 2) return null;
    const ts = this.trades.map((t) => t.ts);
    const seconds = Math.max((Math.max(...ts) - Math.min(...ts)) / 1000, 1);
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [key, amount] of byBucket) {
      xs.push(this.bucketWidth > 0 ? key * this.bucketWidth : key);
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
    const slope = sxy / sxx;
    const kappa = -slope;
    if (!(kappa > 0) || !Number.isFinite(kappa)) return null;
    return { kappa, alpha: Math.exp(my - slope * mx) };
  }
}
