import { Prng } from './prng';

const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

export interface PriceProcessConfig {
  /** starting fair price */
  initialPrice: number;
  /** annualised volatility σ (0.6 = 60 %/year) */
  volatility: number;
  /** annualised drift μ */
  drift: number;
}

/**
 * Geometric Brownian motion for the simulated fair price:
 *   S(t+dt) = S(t) · exp((μ − σ²/2)·dt + σ·√dt·Z)
 * This is a model of where other traders think the price is, not money: it is a float, and
 * the flows that use it round it onto the market's tick grid before placing any order.
 */
export class GeometricBrownianMotion {
  private logPrice: number;

  constructor(
    private readonly config: PriceProcessConfig,
    private readonly rng: Prng,
  ) {
    if (!(config.initialPrice > 0)) throw new RangeError(`initial price must be positive, got ${config.initialPrice}`);
    if (!(config.volatility >= 0)) throw new RangeError(`volatility must be >= 0, got ${config.volatility}`);
    if (!Number.isFinite(config.drift)) throw new RangeError(`drift must be finite, got ${config.drift}`);
    this.logPrice = Math.log(config.initialPrice);
  }

  get price(): number {
    return Math.exp(this.logPrice);
  }

  advance(elapsedMs: number): number {
    if (elapsedMs <= 0) return this.price;
    const dt = elapsedMs / MS_PER_YEAR;
    const { volatility: sigma, drift: mu } = this.config;
    this.logPrice += (mu - (sigma * sigma) / 2) * dt + sigma * Math.sqrt(dt) * this.rng.normal();
    return this.price;
  }
}
