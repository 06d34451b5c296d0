/**
 * The contract between the market-maker's bot runtime (lib/market-maker), the backtester
 * (lib/backtest) and the strategies. A strategy is a pure function from market state and
 * inventory to desired quotes; it may keep estimators (volatility, trade intensity) that
 * it is fed through `observe*`. Strategy math is in floats; the bot rounds prices to the
 * market's tick and amounts to its lot at the boundary (see lib/market-maker/rounding.ts).
 */
export type QuoteSide = "buy" | "sell";

/** A price level: [price, amount], best first. */
export type Level = [number, number];

/** What a bot knows about one market at a moment. */
export interface MarketSnapshot {
  /** Exchange time of the data (ms). */
  ts: number;
  bestBid: number;
  bestAsk: number;
  /** Last public trade price when the source gives it. */
  last?: number;
  /** Depth when known (the XEMM taker side needs it for sizing). */
  bids?: Level[];
  asks?: Level[];
}

export interface MarketRules {
  tickSize: number;
  lotSize: number;
  minAmount?: number;
  minNotional?: number;
  makerFee?: number;
  takerFee?: number;
}

/** The bot's holdings on the quoted venue, totals (free + in open orders), in asset units. */
export interface Inventory {
  base: number;
  quote: number;
}

export interface StrategyContext {
  now: number;
  market: MarketSnapshot;
  /** PMM `priceSource: external` or the XEMM taker venue's book. */
  reference?: MarketSnapshot;
  inventory: Inventory;
  rules: MarketRules;
}

/** One order a strategy wants resting. `level` 0 is closest to the price. */
export interface Quote {
  side: QuoteSide;
  price: number;
  amount: number;
  level: number;
}

/** A public trade print (or a fill of ours) used to fit trade intensity. */
export interface TradeObservation {
  ts: number;
  price: number;
  amount: number;
  /** The taker's side. */
  side: QuoteSide;
}

export interface Strategy {
  readonly name: "pure_market_making" | "avellaneda_stoikov" | "glft" | "cross_exchange";
  /** Mid-price observations for volatility estimation (A-S); others may ignore it. */
  observeMid?(ts: number, mid: number): void;
  /** Trade prints with the mid at the time, for intensity fitting (A-S κ, α). */
  observeTrade?(trade: TradeObservation, midAtTrade: number): void;
  /** Desired resting orders now; [] when there is not enough data to quote. */
  quotes(ctx: StrategyContext): Quote[];
  /** Numbers worth showing in mm.status (σ, κ, reservation price, spread ...). */
  describe(): Record<string, number | string | null>;
}

/** Order-lifecycle knobs the bot applies when diffing desired quotes against live orders. */
export interface OrderPolicy {
  /** Replace resting orders at least this often (PMM order_refresh_time). */
  refreshTimeMs: number;
  /** Keep a live order when its price is within this fraction of the desired one. */
  refreshTolerance: number;
  /** Cancel and replace any order older than this. */
  maxOrderAgeMs: number;
  /** After a fill, wait this long before placing new orders. */
  filledOrderDelayMs: number;
  /** When one side fills, leave the other side's order resting (it is no longer managed). */
  hangingOrders: boolean;
}
