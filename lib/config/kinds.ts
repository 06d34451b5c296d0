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
  venue: { type: "string", min: 1, max: 64 },
  kind: { type: "enum", values: ["cex", "dex"] },
  symbol: SYMBOL,
  enabled: { type: "boolean", default: true },
  /** DEX markets: pool address and protocol. */
  pool: { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/, optional: true },
  protocol: { type: "enum", values: ["uniswap-v2", "uniswap-v3"], optional: true },
  /** The keystore entry holding this venue's credentials (CEX) or signing key (DEX). */
  keyId: { type: "string", optional: true, max: 64 },
  $$strict: true,
};

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
};

const avellanedaStoikov = {
  orderAmount: DECIMAL,
  riskAversion: { type: "number", positive: true },
  orderBookDepthFactor: { type: "number", positive: true, optional: true },
  orderAmountShape: { type: "number", min: 0, default: 0 },
  horizon: { type: "enum", values: ["finite", "infinite"], default: "infinite" },
  horizonMs: { type: "number", integer: true, positive: true, default: 86_400_000 },
  volatilityWindow: { type: "number", integer: true, min: 10, default: 200 },
  minimumSpread: { ...RATIO, default: 0 },
  orderRefreshTimeMs: { type: "number", integer: true, min: 100, default: 10_000 },
  inventoryTargetBasePct: { ...RATIO, default: 0.5 },
  /** Trades kept for the trade-intensity (κ, α) fit when orderBookDepthFactor is not given. */
  intensityWindow: { type: "number", integer: true, min: 10, default: 200 },
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
  strategy: { type: "enum", values: ["pure_market_making", "avellaneda_stoikov", "cross_exchange"] },
  enabled: { type: "boolean", default: false },
  minRequoteIntervalMs: { type: "number", integer: true, min: 0, default: 250 },
  /** Quote-currency capital the bot trades with: `maxDrawdownPct` is measured on capital + PnL (without it, on the PnL alone). */
  capital: { ...DECIMAL, optional: true },
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
  cross_exchange: { ...crossExchange, $$strict: true },
} as const;
export type StrategyName = keyof typeof STRATEGY_PARAMS;

export const CONFIG_KINDS = { markets, strategies, risk, alerts, notifications } as const;
export type ConfigKind = keyof typeof CONFIG_KINDS;
export const CONFIG_KIND_NAMES = Object.keys(CONFIG_KINDS) as ConfigKind[];
export const CONFIG_NAME_RULE = NAME;
