/**
 * Trade intensity at distance δ from the mid, λ(δ) = α·e^(−κδ), fitted like Hummingbot's
 * TradingIntensityIndicator: traded amounts are summed per price distance and the curve is
 * fitted to them. Here the fit is least squares on ln λ against δ (Hummingbot uses
 * scipy curve_fit on λ itself), with δ grouped into buckets of `bucketWidth` price units.
 * λ is traded base amount per second at that distance, so α is in base/s and κ in 1/price.
 *
 * Cost: a strategy asks for the fit on every requote, far more often than trades arrive in a
 * busy backtest. The fit is cached until a trade is added or the bucket width changes, and the
 * per-bucket sums are kept as trades come and go, so a fit walks the window once without
 * building a map. The numbers are the same, bit for bit, as summing the window afresh: a
 * bucket's sum is the running sum of its trades in window order (an added trade is the last
 * one, so it is one more addition; when the oldest leaves, that bucket is summed again), and
 * buckets are fitted in the order of their first trade in the window.
 */
export interface IntensityFit {
  alpha: number;
  kappa: number;
}

interface Bucket {
  key: number;
  /** Sum of the amounts of the window's trades in this bucket, in window order. */
  sum: number;
  count: number;
  /** Sequence number of the bucket's oldest trade in the window. */
  first: number;
}

export class TradingIntensity {
  // the window as a ring, oldest at `head`
  private readonly tsOf: number[] = [];
  private readonly deltaOf: number[] = [];
  private readonly amountOf: number[] = [];
  private readonly seqOf: number[] = [];
  private readonly bucketOf: Bucket[] = [];
  private head = 0;
  private size = 0;
  private seq = 0;
  private buckets = new Map<number, Bucket>();
  private width: number;
  /** The width changed since the buckets were built: they are rebuilt before the next fit. */
  private stale = false;
  /** undefined: not computed since the last change. */
  private cached: IntensityFit | null | undefined = undefined;
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];

  /** bucketWidth 0 groups exactly equal distances only. */
  constructor(
    readonly window: number,
    bucketWidth = 0,
  ) {
    this.width = bucketWidth;
  }

  get bucketWidth(): number {
    return this.width;
  }

  set bucketWidth(w: number) {
    if (w === this.width) return;
    this.width = w;
    this.stale = true;
    this.cached = undefined;
  }

  add(ts: number, price: number, amount: number, mid: number): void {
    if (!(amount > 0) || !(mid > 0)) return;
    if (!(this.window >= 1)) return; // a window of 0 keeps nothing
    this.cached = undefined;
    const delta = Math.abs(price - mid);
    if (this.size === this.window) this.evictOldest();
    const slot = (this.head + this.size) % this.window;
    this.size++;
    const seq = this.seq++;
    this.tsOf[slot] = ts;
    this.deltaOf[slot] = delta;
    this.amountOf[slot] = amount;
    this.seqOf[slot] = seq;
    if (!this.stale) this.bucketOf[slot] = this.join(this.keyOf(delta), amount, seq);
  }

  get ready(): boolean {
    return this.size >= this.window;
  }

  /** Null until the window is full or when the data give no decaying fit (κ ≤ 0, one bucket). */
  fit(): IntensityFit | null {
    if (!this.ready) return null;
    if (this.cached !== undefined) return this.cached;
    if (this.stale) this.rebuild();
    this.cached = this.compute();
    return this.cached;
  }

  private keyOf(delta: number): number {
    return this.width > 0 ? Math.round(delta / this.width) : delta;
  }

  private join(key: number, amount: number, seq: number): Bucket {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { key, sum: 0, count: 0, first: seq };
      this.buckets.set(key, b);
    }
    b.sum += amount;
    b.count++;
    return b;
  }

  private evictOldest(): void {
    const slot = this.head;
    const b = this.bucketOf[slot];
    this.head = (this.head + 1) % this.window;
    this.size--;
    if (this.stale) return; // buckets are rebuilt before the next fit
    if (--b.count === 0) {
      this.buckets.delete(b.key);
      return;
    }
    // the sum again over the bucket's remaining trades, in window order
    let sum = 0;
    let first = -1;
    for (let i = 0; i < this.size; i++) {
      const s = (this.head + i) % this.window;
      if (this.bucketOf[s] !== b) continue;
      if (first < 0) first = this.seqOf[s];
      sum += this.amountOf[s];
    }
    b.sum = sum;
    b.first = first;
  }

  private rebuild(): void {
    this.buckets = new Map();
    this.stale = false;
    for (let i = 0; i < this.size; i++) {
      const s = (this.head + i) % this.window;
      this.bucketOf[s] = this.join(this.keyOf(this.deltaOf[s]), this.amountOf[s], this.seqOf[s]);
    }
  }

  private compute(): IntensityFit | null {
    if (this.buckets.size < 2) return null;
    let maxTs = -Infinity;
    let minTs = Infinity;
    for (let i = 0; i < this.size; i++) {
      const t = this.tsOf[(this.head + i) % this.window];
      maxTs = Math.max(maxTs, t);
      minTs = Math.min(minTs, t);
    }
    const seconds = Math.max((maxTs - minTs) / 1000, 1);
    const xs = this.xs;
    const ys = this.ys;
    let n = 0;
    // buckets in the order of their first trade in the window
    for (let i = 0; i < this.size; i++) {
      const s = (this.head + i) % this.window;
      const b = this.bucketOf[s];
      if (b.first !== this.seqOf[s]) continue;
      xs[n] = this.width > 0 ? b.key * this.width : b.key;
      ys[n] = Math.log(b.sum / seconds);
      n++;
    }
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) sx += xs[i];
    for (let i = 0; i < n; i++) sy += ys[i];
    const mx = sx / n;
    const my = sy / n;
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
