/**
 * mmesh's business metrics, kept beside Moleculer's own in the broker's metric
 * registry (so the Prometheus reporter serves them on /metrics; dots become
 * underscores: `mmesh.fills.total` → `mmesh_fills_total`).
 *
 * Event contracts the monitoring service listens to (all ordinary Moleculer events):
 * - `order.filled`      WireFill { exchange, symbol, side, amount, ... } → mmesh_fills_total{exchange,symbol,side}
 * - `order.updated`     WireOrder { exchange, id, clientOrderId, symbol, status } → mmesh_orders_open{exchange,symbol}
 *                       (an order counts while its status is "open" or "pending")
 * - `price.cex.updated` CexPriceUpdate { exchange, symbol, bid, ask, mid, receivedAt } →
 *                       mmesh_feed_age_seconds{exchange,symbol} (refreshed on a timer), mmesh_market_spread_bps{exchange,symbol}
 * - `mm.pnl.updated`        MmPnlUpdated → mmesh_pnl{bot,exchange,symbol,kind=realized|unrealized|total},
 *                           mmesh_drawdown_quote{bot,exchange,symbol} (every bot), mmesh_drawdown_ratio{bot,exchange,symbol}
 *                           (bots with a capital), mmesh_inventory_ratio{bot,exchange,symbol}
 *                           (emitted by the market maker on every fill and every markIntervalMs)
 * - `mm.inventory.updated`  MmInventoryUpdated → mmesh_inventory{bot,exchange,asset}
 * - `mm.quote.placed`       MmQuotePlaced → mmesh_spread_quoted_bps{bot,exchange,symbol},
 *                           mmesh_tick_to_order_latency_seconds{bot,exchange} (histogram of orderAckAt - tickReceivedAt)
 * - `arbitrage.opportunity` ArbitrageOpportunity → mmesh_arbitrage_opportunities_total{symbol,buyVenue,sellVenue}
 * - notification backlog   → mmesh_notification_backlog (set from `notification.status` when it reports `backlog`)
 * - venue balances         → mmesh_balance{exchange,asset}: `cex.balance` of every exchange `cex.exchanges`
 *                           lists, polled on the monitoring service's probe timer (an asset that
 *                           drops out of the answer goes to 0; a venue without keys has none)
 * Amounts are decimal strings on the wire; gauges hold them as floats (for display only).
 */

/** `mm.pnl.updated`: a bot's mark-to-market, emitted by the market maker on every fill and on a timer. */
export interface MmPnlUpdated {
  bot: string;
  exchange: string;
  symbol: string;
  /** Decimal strings in the quote currency. */
  realized: string;
  unrealized: string;
  total?: string;
  /** Drawdown of the total from its peak in the quote currency (decimal string; 0 at the peak), for every bot. */
  drawdownQuote?: string;
  /** Drawdown of capital + total from its peak, as the drawdown kill switch measures it (0 at the peak; 1 = capital + peak lost); only for a bot with a capital. */
  drawdown?: number;
  /** Base share of the bot's inventory value at the mid, 0..1; absent or null without a price. */
  inventoryRatio?: number | null;
  ts?: number;
}

/** `mm.inventory.updated`: a bot's holding of one asset on one venue. */
export interface MmInventoryUpdated {
  bot: string;
  exchange: string;
  asset: string;
  /** Decimal string, base units of the asset (not wei). */
  amount: string;
  ts?: number;
}

/** `mm.quote.placed`: a bot's two-sided quote acknowledged by the venue. */
export interface MmQuotePlaced {
  bot: string;
  exchange: string;
  symbol: string;
  bid: string;
  ask: string;
  /** When the market tick that caused this quote was received (ms since epoch). */
  tickReceivedAt: number;
  /** When the bot had the venue's acknowledgement of the order(s) (ms since epoch). */
  orderAckAt: number;
  /** When the venue's node (cex) had it, when the venue says (ms since epoch). */
  venueAckAt?: number;
}

/** `arbitrage.opportunity`: a net-positive opportunity found by the arbitrage service. */
export interface ArbitrageOpportunity {
  symbol: string;
  buyVenue: string;
  sellVenue: string;
  /** Decimal string, net of fees and gas, in the quote currency. */
  netProfit?: string;
  ts?: number;
}

export interface MetricDefinition {
  name: string;
  type: "counter" | "gauge" | "histogram";
  labelNames: string[];
  description: string;
  unit?: string;
  buckets?: number[];
}

export const METRIC = {
  PNL: "mmesh.pnl",
  INVENTORY: "mmesh.inventory",
  ORDERS_OPEN: "mmesh.orders.open",
  SPREAD_QUOTED: "mmesh.spread.quoted.bps",
  MARKET_SPREAD: "mmesh.market.spread.bps",
  FILLS: "mmesh.fills.total",
  FEED_AGE: "mmesh.feed.age.seconds",
  TICK_TO_ORDER: "mmesh.tick.to.order.latency.seconds",
  ARBITRAGE: "mmesh.arbitrage.opportunities.total",
  NOTIFICATION_BACKLOG: "mmesh.notification.backlog",
  SERVER_UP: "mmesh.server.up",
  DB_TABLE_ROWS: "mmesh.db.table.rows",
  DB_TABLE_BYTES: "mmesh.db.table.bytes",
  DRAWDOWN: "mmesh.drawdown.ratio",
  DRAWDOWN_QUOTE: "mmesh.drawdown.quote",
  INVENTORY_RATIO: "mmesh.inventory.ratio",
  BALANCE: "mmesh.balance",
} as const;

export const BUSINESS_METRICS: MetricDefinition[] = [
  { name: METRIC.PNL, type: "gauge", labelNames: ["bot", "exchange", "symbol", "kind"], description: "Profit and loss per bot and market (quote currency)" },
  { name: METRIC.INVENTORY, type: "gauge", labelNames: ["bot", "exchange", "asset"], description: "Inventory per bot, venue and asset" },
  { name: METRIC.DRAWDOWN_QUOTE, type: "gauge", labelNames: ["bot", "exchange", "symbol"], description: "Drawdown of a bot's PnL from its peak, in the quote currency (0 at the peak)" },
  { name: METRIC.DRAWDOWN, type: "gauge", labelNames: ["bot", "exchange", "symbol"], description: "Drawdown of a bot's capital + PnL from its peak, as its drawdown kill switch measures it (0 at the peak; bots with a capital)" },
  { name: METRIC.INVENTORY_RATIO, type: "gauge", labelNames: ["bot", "exchange", "symbol"], description: "Base share of a bot's inventory value at the mid, 0..1" },
  { name: METRIC.BALANCE, type: "gauge", labelNames: ["exchange", "asset"], description: "Balance (free + used) per venue account and asset, polled from cex.balance" },
  { name: METRIC.ORDERS_OPEN, type: "gauge", labelNames: ["exchange", "symbol"], description: "Open orders per market" },
  { name: METRIC.SPREAD_QUOTED, type: "gauge", labelNames: ["bot", "exchange", "symbol"], description: "Spread of the last quote placed, basis points of mid" },
  { name: METRIC.MARKET_SPREAD, type: "gauge", labelNames: ["exchange", "symbol"], description: "Top-of-book spread of the market, basis points of mid" },
  { name: METRIC.FILLS, type: "counter", labelNames: ["exchange", "symbol", "side"], description: "Fills received" },
  { name: METRIC.FEED_AGE, type: "gauge", labelNames: ["exchange", "symbol"], description: "Seconds since the last price update of the market", unit: "second" },
  {
    name: METRIC.TICK_TO_ORDER,
    type: "histogram",
    labelNames: ["bot", "exchange"],
    description: "Latency from receiving a market tick to the venue's order acknowledgement",
    unit: "second",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  },
  { name: METRIC.ARBITRAGE, type: "counter", labelNames: ["symbol", "buyVenue", "sellVenue"], description: "Arbitrage opportunities found" },
  { name: METRIC.NOTIFICATION_BACKLOG, type: "gauge", labelNames: [], description: "Notifications waiting to be delivered" },
  { name: METRIC.SERVER_UP, type: "gauge", labelNames: ["server"], description: "1 when the server's last probe succeeded" },
];

export const DB_METRICS: MetricDefinition[] = [
  { name: METRIC.DB_TABLE_ROWS, type: "gauge", labelNames: ["table"], description: "Rows per database table" },
  { name: METRIC.DB_TABLE_BYTES, type: "gauge", labelNames: ["table"], description: "Size of each table with its indexes, bytes", unit: "byte" },
];

/** The part of Moleculer's MetricRegistry used here (lets lib code be tested without a broker). */
export interface MetricSink {
  register(def: Record<string, unknown>): unknown;
  hasMetric(name: string): boolean;
  set(name: string, value: number, labels?: Record<string, unknown>): unknown;
  increment(name: string, labels?: Record<string, unknown>, value?: number): unknown;
  observe(name: string, value: number, labels?: Record<string, unknown>): unknown;
}

/** Registers the definitions not registered yet; false when metrics are disabled. */
export function registerMetrics(sink: MetricSink, defs: MetricDefinition[]): boolean {
  let enabled = true;
  for (const def of defs) {
    if (sink.hasMetric(def.name)) continue;
    if (sink.register({ ...def }) === null) enabled = false;
  }
  return enabled;
}

const OPEN_STATUSES = new Set(["open", "pending"]);

function num(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function str(value: unknown, fallback = "unknown"): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

/** Spread in basis points of mid, or null. */
export function spreadBps(bid: unknown, ask: unknown): number | null {
  const b = num(bid);
  const a = num(ask);
  if (b === null || a === null || a <= 0 || b <= 0) return null;
  const mid = (a + b) / 2;
  return ((a - b) / mid) * 10_000;
}

/**
 * Turns business events into metric values. Holds the little state the metrics need
 * (open orders per market, last update per market); every handler ignores malformed
 * payloads rather than throwing into the event bus.
 */
export class BusinessMetrics {
  private readonly openOrders = new Map<string, { exchange: string; symbol: string }>();
  /** Assets last reported per exchange (so one that drops out of the answer is set to 0). */
  private readonly balanceAssets = new Map<string, Set<string>>();
  private readonly lastUpdate = new Map<string, { exchange: string; symbol: string; receivedAt: number }>();

  constructor(private readonly sink: MetricSink, private readonly now: () => number = Date.now) {}

  onFill(p: Record<string, unknown>): void {
    this.sink.increment(METRIC.FILLS, { exchange: str(p.exchange), symbol: str(p.symbol), side: str(p.side) }, 1);
  }

  onOrderUpdated(p: Record<string, unknown>): void {
    const exchange = str(p.exchange);
    const symbol = str(p.symbol);
    const id = (typeof p.clientOrderId === "string" && p.clientOrderId) || (typeof p.id === "string" && p.id);
    if (!id) return;
    const key = `${exchange}\u0000${id}`;
    if (OPEN_STATUSES.has(String(p.status))) this.openOrders.set(key, { exchange, symbol });
    else this.openOrders.delete(key);
    this.refreshOpenOrders(exchange, symbol);
  }

  private refreshOpenOrders(exchange: string, symbol: string): void {
    let count = 0;
    for (const o of this.openOrders.values()) if (o.exchange === exchange && o.symbol === symbol) count++;
    this.sink.set(METRIC.ORDERS_OPEN, count, { exchange, symbol });
  }

  onPrice(p: Record<string, unknown>): void {
    const exchange = str(p.exchange);
    const symbol = str(p.symbol);
    const receivedAt = num(p.receivedAt) ?? this.now();
    this.lastUpdate.set(`${exchange}\u0000${symbol}`, { exchange, symbol, receivedAt });
    this.sink.set(METRIC.FEED_AGE, Math.max(0, (this.now() - receivedAt) / 1000), { exchange, symbol });
    const spread = spreadBps(p.bid, p.ask);
    if (spread !== null) this.sink.set(METRIC.MARKET_SPREAD, spread, { exchange, symbol });
  }

  /** Sets every market's feed age to now - last receivedAt (call on a timer or before a scrape). */
  refreshFeedAges(): void {
    const now = this.now();
    for (const m of this.lastUpdate.values()) {
      this.sink.set(METRIC.FEED_AGE, Math.max(0, (now - m.receivedAt) / 1000), { exchange: m.exchange, symbol: m.symbol });
    }
  }

  feedAges(): Array<{ exchange: string; symbol: string; ageMs: number }> {
    const now = this.now();
    return [...this.lastUpdate.values()].map((m) => ({ exchange: m.exchange, symbol: m.symbol, ageMs: Math.max(0, now - m.receivedAt) }));
  }

  onPnl(p: Record<string, unknown>): void {
    const labels = { bot: str(p.bot), exchange: str(p.exchange), symbol: str(p.symbol) };
    const realized = num(p.realized);
    const unrealized = num(p.unrealized);
    const total = num(p.total) ?? (realized !== null && unrealized !== null ? realized + unrealized : null);
    if (realized !== null) this.sink.set(METRIC.PNL, realized, { ...labels, kind: "realized" });
    if (unrealized !== null) this.sink.set(METRIC.PNL, unrealized, { ...labels, kind: "unrealized" });
    if (total !== null) this.sink.set(METRIC.PNL, total, { ...labels, kind: "total" });
    const drawdownQuote = num(p.drawdownQuote);
    if (drawdownQuote !== null && drawdownQuote >= 0) this.sink.set(METRIC.DRAWDOWN_QUOTE, drawdownQuote, labels);
    const drawdown = num(p.drawdown);
    if (drawdown !== null && drawdown >= 0) this.sink.set(METRIC.DRAWDOWN, drawdown, labels);
    const ratio = num(p.inventoryRatio);
    if (ratio !== null && ratio >= 0 && ratio <= 1) this.sink.set(METRIC.INVENTORY_RATIO, ratio, labels);
  }

  /**
   * One exchange's `cex.balance` answer ({ balances: { [asset]: { total } } }, every asset the
   * exchange reports, zero ones too) → mmesh_balance{exchange,asset}; assets it no longer lists go to 0.
   */
  onBalances(exchange: string, answer: unknown): void {
    const balances = (answer as { balances?: unknown } | null)?.balances;
    if (!balances || typeof balances !== "object") return;
    const seen = new Set<string>();
    for (const [asset, row] of Object.entries(balances as Record<string, { total?: unknown } | null>)) {
      const total = num(row?.total);
      if (total === null) continue;
      seen.add(asset);
      this.sink.set(METRIC.BALANCE, total, { exchange, asset });
    }
    for (const asset of this.balanceAssets.get(exchange) ?? []) if (!seen.has(asset)) this.sink.set(METRIC.BALANCE, 0, { exchange, asset });
    this.balanceAssets.set(exchange, new Set([...(this.balanceAssets.get(exchange) ?? []), ...seen]));
  }

  onInventory(p: Record<string, unknown>): void {
    const amount = num(p.amount);
    if (amount === null) return;
    this.sink.set(METRIC.INVENTORY, amount, { bot: str(p.bot), exchange: str(p.exchange), asset: str(p.asset) });
  }

  onQuote(p: Record<string, unknown>): void {
    const bot = str(p.bot);
    const exchange = str(p.exchange);
    const spread = spreadBps(p.bid, p.ask);
    if (spread !== null) this.sink.set(METRIC.SPREAD_QUOTED, spread, { bot, exchange, symbol: str(p.symbol) });
    const tick = num(p.tickReceivedAt);
    const ack = num(p.orderAckAt);
    if (tick !== null && ack !== null && ack >= tick) this.sink.observe(METRIC.TICK_TO_ORDER, (ack - tick) / 1000, { bot, exchange });
  }

  onArbitrage(p: Record<string, unknown>): void {
    this.sink.increment(METRIC.ARBITRAGE, { symbol: str(p.symbol), buyVenue: str(p.buyVenue), sellVenue: str(p.sellVenue) }, 1);
  }

  setNotificationBacklog(backlog: number): void {
    this.sink.set(METRIC.NOTIFICATION_BACKLOG, backlog, {});
  }

  setServerUp(server: string, ok: boolean): void {
    this.sink.set(METRIC.SERVER_UP, ok ? 1 : 0, { server });
  }
}
