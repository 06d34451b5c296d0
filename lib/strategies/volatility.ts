/**
 * Rolling volatility of the mid price in absolute price units. Over the last `window` mid
 * samples the variance rate is Σ(Δmid)² / Σ(Δt): squared moves around zero, not around their
 * mean, so a trend does not read as volatility (as Hummingbot's InstantVolatilityIndicator),
 * and divided by elapsed time so irregular sampling does not bias it.
 */
export class RollingVolatility {
  private readonly samples: Array<{ ts: number; mid: number }> = [];

  constructor(readonly window: number) {}

  add(ts: number, mid: number): void {
    const prev = this.samples[this.samples.length - 1];
    if (prev && ts <= prev.ts) return;
    this.samples.push({ ts, mid });
    if (this.samples.length > this.window) this.samples.shift();
  }

  get ready(): boolean {
    return this.samples.length >= this.window;
  }

  /** Variance of the mid per millisecond (price² / ms); null until the window is full. */
  variancePerMs(): number | null {
    if (!this.ready) return null;
    let sumSq = 0;
    for (let i = 1; i < this.samples.length; i++) sumSq += (this.samples[i].mid - this.samples[i - 1].mid) ** 2;
    const span = this.samples[this.samples.length - 1].ts - this.samples[0].ts;
    return span > 0 ? sumSq / span : null;
  }

  /** σ in price units per √(unitMs): the standard deviation of the mid's change over unitMs. */
  sigma(unitMs: number): number | null {
    const v = this.variancePerMs();
    return v === null ? null : Math.sqrt(v * unitMs);
  }
}
