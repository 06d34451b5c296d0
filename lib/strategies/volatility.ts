/**
 * Rolling volatility of the mid price in absolute price units. Over the last `window` mid
 * samples the variance rate is Σ(Δmid)² / Σ(Δt): squared moves around zero, not around their
 * mean, so a trend does not read as volatility (as Hummingbot's InstantVolatilityIndicator),
 * and divided by elapsed time so irregular sampling does not bias it.
 *
 * The samples are a ring (no allocation or shifting per sample, a backtest adds one per book)
 * and the variance is computed once per new sample, summed oldest first as always.
 */
export class RollingVolatility {
  private readonly tsOf: number[] = [];
  private readonly midOf: number[] = [];
  private head = 0;
  private size = 0;
  /** undefined: not computed since the last sample. */
  private cached: number | null | undefined = undefined;

  constructor(readonly window: number) {}

  add(ts: number, mid: number): void {
    if (this.size > 0 && ts <= this.tsOf[this.at(this.size - 1)]) return;
    if (!(this.window >= 1)) return; // a window of 0 keeps nothing
    this.cached = undefined;
    if (this.size === this.window) {
      this.head = (this.head + 1) % this.window;
      this.size--;
    }
    const slot = this.at(this.size);
    this.tsOf[slot] = ts;
    this.midOf[slot] = mid;
    this.size++;
  }

  get ready(): boolean {
    return this.size >= this.window;
  }

  /** Variance of the mid per millisecond (price² / ms); null until the window is full. */
  variancePerMs(): number | null {
    if (!this.ready) return null;
    if (this.cached !== undefined) return this.cached;
    let sumSq = 0;
    let prev = this.midOf[this.head];
    for (let i = 1; i < this.size; i++) {
      const mid = this.midOf[this.at(i)];
      sumSq += (mid - prev) ** 2;
      prev = mid;
    }
    const span = this.tsOf[this.at(this.size - 1)] - this.tsOf[this.head];
    this.cached = span > 0 ? sumSq / span : null;
    return this.cached;
  }

  /** σ in price units per √(unitMs): the standard deviation of the mid's change over unitMs. */
  sigma(unitMs: number): number | null {
    const v = this.variancePerMs();
    return v === null ? null : Math.sqrt(v * unitMs);
  }

  private at(i: number): number {
    return (this.head + i) % this.window;
  }
}
