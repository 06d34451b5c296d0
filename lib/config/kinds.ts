/**
 * The kinds of configuration document mmesh keeps, each with the schema every
 * version must pass before it becomes active. Amounts and prices are decimal
 * strings; ratios (spreads, percentages) are plain numbers.
 */
const DECIMAL = { type: "string", pattern: /^\d+(\.\d+)?$/, messages: { stringPattern: "The '{field}' field must be a non-negative decimal string, for example 0.01." } } as const;
const SYMBOL = { type: "string", pattern: /^[A-Z0-9]+\/[A-Z0-9]+$/, messages: { stringPattern: "The '{field}' field must look like BASE/QUOTE, for example BTC/USDT." } } as const;
const RATIO = { type: "number", min: 0, max: 1 } as const;
const NAME = { type: "string", min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ } as const;

const markets = {
  /** CEX: a ccxt exchange id or "paper" (checked in validate.ts); DEX: a name such as uniswap-v2. */
  venue: { type: "string", min: 1, max: 64, pattern: /^[a-z0-9][a-z0-9_-]*$/, messages: { stringPattern: "The '{field}' field must be a ccxt exchange id (lower-case letters, digits, _ or -), or paper." } },
  kind: { type: "enum", values: ["cex", "dex"] },
  symbol: SYMBOL,
  enabled: { type: "boolean", default: true },
  /** DEX markets: pool address and protocol. */
  pool: { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/, optional: true },
  protocol: { type: "enum", values: ["uniswap-v2", "uniswap-v3"], optional: true },
  /** The keystore entry holding this venue's credentials (CEX) or signing key (DEX). */
  keyId: { type: "string", optional: true, max: 64 },
  /** CEX: trade the exchange's testnet (ccxt setSandboxMode: every endpoint moves together). */
  sandbox: { type: "boolean", optional: true },
  /** CEX: which markets loadMarkets asks for (default spot: no futures/options endpoints). */
  marketType: { type: "enum", values: ["spot", "margin", "swap", "future", "option"], optional: true },
  /** CEX: the API key's request budget, in ccxt cost units per interval (lib/cex/rate-limit.ts). */
  rateBudget: {
    type: "object",
    optional: true,
    strict: true,
    props: { weight: { type: "number", positive: true }, intervalMs: { type: "number", integer: true, min: 100, max: 86_400_000 } },
  },
  $$strict: true,
};

/** Edge over the maker fee each quote keeps from the mid, as a fraction; negative quotes inside the fee on purpose (rebate programmes). */
const EDGE_OVER_FEE = { type: "number", min: -0.01, max: 0.1, default: 0 } as const;

const pureMarketMaking = {
  bidSpread: RATIO,
  askSpread: RATIO,
  orderAmount: DECIMAL,
  orderLevels: { type: "number", integer: true, min: 1, max: 50, default: 1 },
  orderLevelSpread: { ...RATIO, default: 0 },
  orderLevelAmount: { ...DECIMAL, default: "0" },
  orderRefreshTimeMs: { type: "number", integer: true, min: 100, default: 30_000 },
  orderRefreshTolerance: { ...RATIO, default: 0 },
  maxOrderAgeMs: { type: "number", integer: true, min: 1000, default: 1_800_000 },
  filledOrderDelayMs: { type: "number", integer: true, min: 0, default: 60_000 },
  minimumSpread: { ...RATIO, default: 0 },
  inventorySkew: { type: "boolean", default: false },
  inventoryTargetBasePct: { ...RATIO, default: 0.5 },
  /** Hummingbot inventory_range_multiplier: the skew range is this many times the total order size. */
  inventoryRangeMultiplier: { type: "number", positive: true, default: 1 },
  hangingOrders: { type: "boolean", default: false },
  priceSource: { type: "enum", values: ["mid", "last", "best_bid", "best_ask", "external"], default: "mid" },
  externalMarket: { type: "string", optional: true },
  edgeOverFee: EDGE_OVER_FEE,
};

const avellanedaStoikov = {
  orderAmount: DECIMAL,
  riskAversion: { type: "number", positive: true },
  orderBookDepthFactor: { type: "number", positive: true, optional: true },
  orderAmountShape: { type: "number", min: 0, default: 0 },
  /** finite: sessions with T − t; infinite: Hummingbot's infinite-horizon formula; constant: T − t held at 1. */
  horizon: { type: "enum", values: ["finite", "infinite", "constant"], default: "infinite" },
  /** Session length (finite) and the time unit σ is measured in. */
  horizonMs: { type: "number", integer: true, positive: true, default: 86_400_000 },
  /** Start of the first session, epoch ms (finite); default 0: sessions aligned to epoch time. */
  sessionStartMs: { type: "number", integer: true, min: 0, default: 0 },
  /** At a session's end: roll into the next, stop quoting, or quote only the side that brings the inventory back to target. */
  sessionEnd: { type: "enum", values: ["roll", "stop", "flatten"], default: "roll" },
  /** q as a fraction of the portfolio (Hummingbot) or as a count of orderAmount. */
  inventoryUnit: { type: "enum", values: ["portfolio", "orders"], default: "portfolio" },
  /** A fixed σ, price per √horizon; estimated from the mid when absent. */
  volatility: { type: "number", positive: true, optional: true },
  volatilityWindow: { type: "number", integer: true, min: 10, default: 200 },
  minimumSpread: { ...RATIO, default: 0 },
  /** Keep bid ≤ mid ≤ ask (Hummingbot always does). */
  clampToMid: { type: "boolean", default: true },
  orderLevels: { type: "number", integer: true, min: 1, max: 50, default: 1 },
  /** Hummingbot level_distances: each further level is this % of the half optimal spread further out. */
  levelDistances: { type: "number", min: 0, default: 0 },
  orderLevelAmount: { ...DECIMAL, default: "0" },
  edgeOverFee: EDGE_OVER_FEE,
  orderRefreshTimeMs: { type: "number", integer: true, min: 100, default: 10_000 },
  inventoryTargetBasePct: { ...RATIO, default: 0.5 },
  /** Trades kept for the trade-intensity (κ, α) fit when orderBookDepthFactor is not given. */
  intensityWindow: { type: "number", integer: true, min: 10, default: 200 },
};

const glft = {
  orderAmount: DECIMAL,
  riskAversion: { type: "number", positive: true },
  /** k (1/price); fitted from trades when absent. */
  orderBookDepthFactor: { type: "number", positive: true, optional: true },
  /** A, fills of orderAmount per second at the mid; fitted from trades when absent. */
  arrivalRate: { type: "number", positive: true, optional: true },
  /** A fixed σ, price per √second; estimated from the mid when absent. */
  volatility: { type: "number", positive: true, optional: true },
  volatilityWindow: { type: "number", integer: true, min: 10, default: 200 },
  intensityWindow: { type: "number", integer: true, min: 10, default: 200 },
  inventoryTargetBasePct: { ...RATIO, default: 0.5 },
  /** No order that would take |base − target| beyond this (base units). */
  maxInventory: { ...DECIMAL, optional: true },
  orderRefreshTimeMs: { type: "number", integer: true, min: 100, default: 10_000 },
  edgeOverFee: EDGE_OVER_FEE,
};

const crossExchange = {
  takerMarket: NAME,
  minProfitability: RATIO,
  orderAmount: DECIMAL,
  /** Retries of a CEX hedge that failed with a retryable error (same client order id); a DEX swap is not retried. */
  hedgeRetries: { type: "number", integer: true, min: 0, max: 10, default: 3 },
  orderRefreshTimeMs: { type: "number", integer: true, min: 100, default: 10_000 },
  /** Taker venue fee; overrides the quoted market's rules.takerFee when set. */
  takerFee: { ...RATIO, optional: true },
};

const strategies = {
  market: NAME,
  strategy: { type: "enum", values: ["pure_market_making", "avellaneda_stoikov", "glft", "cross_exchange"] },
  enabled: { type: "boolean", default: false },
  minRequoteIntervalMs: { type: "number", integer: true, min: 0, default: 250 },
  /** Quote-currency capital the bot trades with: `maxDrawdownPct` is measured on capital + PnL (without it, on the PnL alone). */
  capital: { ...DECIMAL, optional: true },
  /** Dead man's switch where the exchange has one (cancelAllOrdersAfter): its timeout while the bot quotes (default 10 s); 0 = off. */
  deadManTimeoutMs: { type: "number", integer: true, min: 0, max: 86_400_000, optional: true },
  /** Checked against STRATEGY_PARAMS[strategy] once the rest of the document is valid. */
  params: { type: "object" },
  $$strict: true,
};

const risk = {
  scope: { type: "string", min: 1, max: 64, default: "global" },
  maxBaseInventory: { ...DECIMAL, optional: true },
  maxQuoteInventory: { ...DECIMAL, optional: true },
  maxOrderNotional: { ...DECIMAL, optional: true },
  maxOpenOrders: { type: "number", integer: true, min: 0, optional: true },
  dailyLossLimit: { ...DECIMAL, optional: true },
  maxDrawdownPct: { ...RATIO, optional: true },
  staleFeedMs: { type: "number", integer: true, positive: true, default: 5000 },
  priceBandPct: { ...RATIO, optional: true },
  $$strict: true,
};

const alerts = {
  source: { type: "enum", values: ["metric", "event"] },
  /** A metric name (source metric) or an event name (source event). */
  subject: { type: "string", min: 1, max: 128 },
  condition: {
    type: "object",
    optional: true,
    props: { op: { type: "enum", values: [">", ">=", "<", "<=", "==", "!="] }, threshold: "number" },
  },
  forMs: { type: "number", integer: true, min: 0, default: 0 },
  cooldownMs: { type: "number", integer: true, min: 0, default: 300_000 },
  severity: { type: "enum", values: ["info", "warning", "critical"] },
  message: { type: "string", min: 1, max: 500 },
  enabled: { type: "boolean", default: true },
  $$strict: true,
};

/** Severity → delivery channels for the notification service; it reads the document named "routing". */
const NOTIFICATION_CHANNELS = { type: "array", items: { type: "enum", values: ["telegram", "email"] }, unique: true } as const;
const notifications = {
  info: NOTIFICATION_CHANNELS,
  warning: NOTIFICATION_CHANNELS,
  critical: NOTIFICATION_CHANNELS,
  $$strict: true,
};

export const STRATEGY_PARAMS = {
  pure_market_making: { ...pureMarketMaking, $$strict: true },
  avellaneda_stoikov: { ...avellanedaStoikov, $$strict: true },
  glft: { ...glft, $$strict: true },
  cross_exchange: { ...crossExchange, $$strict: true },
} as const;
export type StrategyName = keyof typeof STRATEGY_PARAMS;

export const CONFIG_KINDS = { markets, strategies, risk, alerts, notifications } as const;
export type ConfigKind = keyof typeof CONFIG_KINDS;
export const CONFIG_KIND_NAMES = Object.keys(CONFIG_KINDS) as ConfigKind[];
export const CONFIG_NAME_RULE = NAME;
