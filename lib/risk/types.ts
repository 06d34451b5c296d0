/**
 * Pre-trade risk: a pure check of the orders a bot is about to send against the limits of the
 * `risk` config kind (lib/config/kinds.ts). Orders here are already rounded to tick and lot,
 * so amounts and prices are decimal strings; comparisons use decimal arithmetic.
 */
export interface RiskLimits {
  maxBaseInventory?: string;
  maxQuoteInventory?: string;
  maxOrderNotional?: string;
  maxOpenOrders?: number;
  /** Loss (positive decimal, quote currency) since the UTC day began that trips the kill switch. */
  dailyLossLimit?: string;
  /** Fraction of peak equity lost that trips the kill switch. */
  maxDrawdownPct?: number;
  /** No quotes when the latest price is older than this. */
  staleFeedMs: number;
  /** No order priced further than this fraction from the reference mid. */
  priceBandPct?: number;
}

export interface ProposedOrder {
  side: "buy" | "sell";
  price: string;
  amount: string;
}

export interface RiskState {
  now: number;
  /** When the latest price for the market was received (ms); null when none yet. */
  priceReceivedAt: number | null;
  /** Reference mid (decimal string). */
  mid: string;
  /** Holdings totals on the venue (decimal strings). */
  inventory: { base: string; quote: string };
  /** Our resting orders on this market that stay (not being cancelled). */
  openOrders: ProposedOrder[];
  /** PnL since the start of the UTC day (realized + unrealized, quote currency, may be negative). */
  dailyPnl: string;
  /** Current and peak equity of the bot (quote currency) for the drawdown check. */
  equity: string;
  peakEquity: string;
}

export type RiskRejection =
  | "max_order_notional"
  | "max_open_orders"
  | "max_base_inventory"
  | "max_quote_inventory"
  | "price_band"
  | "self_trade";

export interface RiskDecision {
  allowed: ProposedOrder[];
  rejected: Array<{ order: ProposedOrder; reason: RiskRejection; detail: string }>;
  /** Set when no order may be sent at all this time (stale feed): quoting pauses, the bot keeps running. */
  blocked?: { reason: "stale_feed" | "no_price"; detail: string };
  /** Set when the kill switch must trip: cancel everything, stop the bot, raise an alert. */
  halt?: { reason: "daily_loss" | "drawdown"; detail: string };
}
