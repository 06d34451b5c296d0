/**
 * Performance figures of an equity series (quote currency, one value per sample).
 *
 * - Max drawdown: the largest fall from a running peak. `absolute` is the largest peak − value,
 *   `pct` the largest (peak − value) / peak; the two maxima may come from different dips.
 * - Sharpe: mean / standard deviation (n − 1) of the per-sample simple returns
 *   rᵢ = Eᵢ / Eᵢ₋₁ − 1, risk-free rate 0, annualized by √(samples per year) where a year is
 *   365 days of the sample interval (crypto trades every day). null with fewer than two
 *   returns or when every return is equal (no dispersion: the ratio is undefined).
 */
import { Decimal } from "../decimal";

export const YEAR_MS = 365 * 86_400_000;

export interface Drawdown {
  /** Largest peak − equity (quote currency, decimal string). */
  absolute: string;
  /** Largest (peak − equity) / peak, as a fraction (0.05 = 5 %). */
  pct: number;
  /** Sample times of the peak and the trough of the largest absolute drawdown (null when none). */
  peakTs: number | null;
  troughTs: number | null;
}

export function maxDrawdown(series: Array<{ ts: number; equity: string }>): Drawdown {
  let peak: Decimal | null = null;
  let peakTs: number | null = null;
  let worst = new Decimal(0);
  let worstPct = 0;
  let at: { peakTs: number | null; troughTs: number | null } = { peakTs: null, troughTs: null };
  for (const { ts, equity } of series) {
    const e = new Decimal(equity);
    if (peak === null || e.gt(peak)) {
      peak = e;
      peakTs = ts;
      continue;
    }
    const dd = peak.minus(e);
    if (dd.gt(worst)) {
      worst = dd;
      at = { peakTs, troughTs: ts };
    }
    if (peak.gt(0)) worstPct = Math.max(worstPct, dd.div(peak).toNumber());
  }
  return { absolute: worst.toString(), pct: worstPct, ...at };
}

/** Simple returns between consecutive equity values (a step from 0 equity is skipped). */
export function returnsOf(equity: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) if (equity[i - 1] !== 0) out.push(equity[i] / equity[i - 1] - 1);
  return out;
}

export interface Sharpe {
  /** Annualized; null when undefined (see the module comment). */
  annualized: number | null;
  /** Per sample interval, not annualized. */
  perSample: number | null;
  samplesPerYear: number;
  returns: number;
}

export function sharpeRatio(equity: number[], sampleEveryMs: number): Sharpe {
  const r = returnsOf(equity);
  const samplesPerYear = YEAR_MS / sampleEveryMs;
  const none = { annualized: null, perSample: null, samplesPerYear, returns: r.length };
  if (r.length < 2) return none;
  const mean = r.reduce((s, x) => s + x, 0) / r.length;
  const variance = r.reduce((s, x) => s + (x - mean) ** 2, 0) / (r.length - 1);
  const sd = Math.sqrt(variance);
  // Float noise on equal returns must not pass for dispersion.
  if (!(sd > 1e-15 * Math.max(1, Math.abs(mean)))) return none;
  const perSample = mean / sd;
  return { annualized: perSample * Math.sqrt(samplesPerYear), perSample, samplesPerYear, returns: r.length };
}
