import { InvalidOrder } from './ccxt-errors';
import { Account } from './accounts';
import { Clock, SimulationSource } from './clock';
import { formatUnits, maxUnits, toUnits } from './fixed-point';
import { MarketSpec, floorToLot, minimumAmountAt } from './markets';
import { MatchingEngine } from './matching-engine';
import { GeometricBrownianMotion } from './price-process';
import { Prng } from './prng';
import { Side } from './orders';

/** How the simulated market behaves around one symbol. Model parameters are plain numbers; sizes are decimal strings. */
export interface MarketSimulationConfig {
  /** starting fair price (decimal string) */
  initialPrice: string;
  /** annualised volatility σ of the fair price, default 0.5 */
  volatility?: number;
  /** annualised drift μ, default 0 */
  drift?: number;
  /** how often the fair price moves, default 1000 ms */
  priceIntervalMs?: number;
  /** resting liquidity of simulated market makers around the fair price */
  liquidity?: {
    /** levels per side, default 5 */
    levels?: number;
    /** distance of the first level from the fair price in basis points, default 5 (at least one tick) */
    halfSpreadBps?: number;
    /** distance between levels in basis points, default 5 (at least one tick) */
    levelSpacingBps?: number;
    /** mean base amount per level; each level gets 50–150 % of it. Default: 20 × the market minimum */
    levelSize?: string;
    /** the ladder is rebuilt on every fair-price tick change and at least this often, default 5000 ms */
    refreshMs?: number;
  };
  /** takers that arrive at random (Poisson) and send market orders against whatever rests, user orders included */
  takers?: {
    /** flow intensity: mean arrivals per second, default 1; 0 disables takers */
    ratePerSecond?: number;
    /** mean base amount per taker order (exponentially distributed). Default: 5 × the market minimum */
    meanSize?: string;
  };
}

const SIZE_RESOLUTION = 1_000_000n;

/** Scales a units amount by a float factor with 6 decimals of resolution, staying in bigint. */
function scaleBy(amount: bigint, factor: number): bigint {
  return (amount * BigInt(Math.round(factor * Number(SIZE_RESOLUTION)))) / SIZE_RESOLUTION;
}

/**
 * Simulated other traders on one market: a fair price following geometric Brownian motion, a
 * liquidity provider that re-centres a ladder of limit orders on it (and so trades against any
 * user quote the fair price has moved through), and takers sending market orders at random times.
 */
export class MarketSimulation implements SimulationSource {
  private readonly process: GeometricBrownianMotion;
  private readonly tickAsNumber: number;
  private readonly priceIntervalMs: number;
  private readonly levels: number;
  private readonly halfSpreadBps: number;
  private readonly levelSpacingBps: number;
  private readonly refreshMs: number;
  private readonly takerRate: number;
  private readonly levelSize: bigint;
  private readonly meanTakerSize: bigint;
  private fairTicks: bigint;
  private quotedFairTicks: bigint | undefined;
  private nextPriceAt: number;
  private nextRefreshAt: number;
  private nextTakerAt: number;

  constructor(
    private readonly engine: MatchingEngine,
    private readonly spec: MarketSpec,
    config: MarketSimulationConfig,
    private readonly rng: Prng,
    private readonly clock: Clock,
    private readonly liquidityAccount: Account,
    private readonly takerAccount: Account,
  ) {
    const initialPrice = toUnits(config.initialPrice, `${spec.symbol} initialPrice`);
    if (initialPrice <= 0n) throw new Error(`paper market ${spec.symbol}: initialPrice must be positive`);
    this.tickAsNumber = Number(formatUnits(spec.tick));
    this.process = new GeometricBrownianMotion(
      { initialPrice: Number(formatUnits(initialPrice)), volatility: config.volatility ?? 0.5, drift: config.drift ?? 0 },
      rng.fork('price'),
    );
    this.fairTicks = this.toTicks(this.process.price);
    this.priceIntervalMs = positive(config.priceIntervalMs ?? 1000, 'priceIntervalMs');
    const liquidity = config.liquidity ?? {};
    this.levels = Math.max(0, Math.floor(liquidity.levels ?? 5));
    this.halfSpreadBps = liquidity.halfSpreadBps ?? 5;
    this.levelSpacingBps = liquidity.levelSpacingBps ?? 5;
    this.refreshMs = positive(liquidity.refreshMs ?? 5000, 'refreshMs');
    const minimum = minimumAmountAt(spec, initialPrice);
    this.levelSize = liquidity.levelSize !== undefined ? toUnits(liquidity.levelSize, 'levelSize') : minimum * 20n;
    const takers = config.takers ?? {};
    this.takerRate = takers.ratePerSecond ?? 1;
    if (!(this.takerRate >= 0)) throw new Error(`paper market ${spec.symbol}: takers.ratePerSecond must be >= 0`);
    this.meanTakerSize = takers.meanSize !== undefined ? toUnits(takers.meanSize, 'meanSize') : minimum * 5n;
    const startTime = clock.now();
    this.nextPriceAt = startTime + this.priceIntervalMs;
    this.nextRefreshAt = startTime + this.refreshMs;
    this.nextTakerAt = this.takerRate > 0 ? startTime + this.takerDelay() : Number.POSITIVE_INFINITY;
  }

  /** The simulated fair price, on the tick grid. */
  get fairPrice(): bigint {
    return this.fairTicks * this.spec.tick;
  }

  /** Places the first ladder so the book is not empty at the start. */
  start(): void {
    this.requote();
  }

  nextTime(): number {
    return Math.min(this.nextPriceAt, this.nextRefreshAt, this.nextTakerAt);
  }

  fire(now: number): void {
    if (now >= this.nextPriceAt) {
      this.process.advance(this.priceIntervalMs);
      this.nextPriceAt += this.priceIntervalMs;
      this.fairTicks = this.toTicks(this.process.price);
      if (this.fairTicks !== this.quotedFairTicks) this.requote();
    } else if (now >= this.nextRefreshAt) {
      this.requote();
    } else {
      this.nextTakerAt = now + this.takerDelay();
      this.sendTaker();
    }
  }

  private requote(): void {
    const { spec, engine } = this;
    this.nextRefreshAt = this.clock.now() + this.refreshMs;
    this.quotedFairTicks = this.fairTicks;
    engine.cancelAll(this.liquidityAccount, spec.symbol);
    const fair = this.process.price;
    const halfSpreadTicks = this.bpsToTicks(fair, this.halfSpreadBps);
    const spacingTicks = this.bpsToTicks(fair, this.levelSpacingBps);
    for (let level = 0; level < this.levels; level++) {
      const offset = halfSpreadTicks + BigInt(level) * spacingTicks;
      for (const side of ['buy', 'sell'] as Side[]) {
        const ticks = side === 'buy' ? this.fairTicks - offset : this.fairTicks + offset;
        if (ticks <= 0n) continue;
        const price = ticks * spec.tick;
        const amount = maxUnits(floorToLot(spec, scaleBy(this.levelSize, 0.5 + this.rng.next())), minimumAmountAt(spec, price));
        engine.placeOrder(this.liquidityAccount, { symbol: spec.symbol, side, type: 'limit', price, amount }, { enforceMinimums: false });
      }
    }
  }

  private sendTaker(): void {
    const { spec } = this;
    const side: Side = this.rng.next() < 0.5 ? 'buy' : 'sell';
    const amount = maxUnits(floorToLot(spec, scaleBy(this.meanTakerSize, this.rng.exponential(1))), minimumAmountAt(spec, this.fairPrice));
    try {
      this.engine.placeOrder(this.takerAccount, { symbol: spec.symbol, side, type: 'market', amount }, { enforceMinimums: false });
    } catch (error) {
      // an empty side of the book: the taker finds nothing and leaves
      if (!(error instanceof InvalidOrder)) throw error;
    }
  }

  private takerDelay(): number {
    return Math.max(1, Math.ceil(this.rng.exponential(1000 / this.takerRate)));
  }

  private toTicks(price: number): bigint {
    return BigInt(Math.max(1, Math.round(price / this.tickAsNumber)));
  }

  private bpsToTicks(price: number, bps: number): bigint {
    return BigInt(Math.max(1, Math.round((price * bps) / 10_000 / this.tickAsNumber)));
  }

}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`paper simulation ${name} must be a positive number of milliseconds, got ${value}`);
  return Math.round(value);
}
