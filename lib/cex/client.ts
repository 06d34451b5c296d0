/**
 * The exchange registry: one interface (the ccxt unified subset mmesh uses) over the
 * built-in paper exchange and any ccxt exchange. Venue quirks stay here.
 */
import { randomBytes } from "node:crypto";
import type { Balances, MarketInterface, Order, OrderBook, Ticker, Trade, TradingFeeInterface } from "ccxt";
import { isCcxtExchange, loadCcxt } from "./ccxt-ids";
import { venueConfig, type VenueSettings } from "./venue-settings";

export { isCcxtExchange };
import { createDefaultPaperVenue, DEFAULT_PAPER_MARKETS, type PaperMarketDefinition, type PaperVenue } from "../paper";

export interface ExchangeCredentials {
  apiKey: string;
  secret: string;
  password?: string;
}

/** The ccxt unified methods mmesh calls; PaperExchange and every ccxt class satisfy it. */
export interface ExchangeClient {
  readonly id: string;
  readonly has: Record<string, unknown>;
  loadMarkets(reload?: boolean): Promise<Record<string, MarketInterface>>;
  market(symbol: string): MarketInterface;
  amountToPrecision(symbol: string, amount: number | string): string;
  priceToPrecision(symbol: string, price: number | string): string;
  fetchTicker(symbol: string): Promise<Ticker>;
  fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook>;
  fetchBalance(): Promise<Balances>;
  fetchTradingFees?(): Promise<Record<string, TradingFeeInterface>>;
  fetchTime?(): Promise<number | undefined>;
  createOrder(symbol: string, type: string, side: string, amount: number | string, price?: number | string, params?: Record<string, unknown>): Promise<Order>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<Order>;
  cancelAllOrders(symbol?: string): Promise<Order[]>;
  /** The dead man's switch where the venue has it (`has.cancelAllOrdersAfter`): timeout in ms, 0 disarms. */
  cancelAllOrdersAfter?(timeout: number, params?: Record<string, unknown>): Promise<unknown>;
  fetchOrder(id: string | undefined, symbol?: string, params?: Record<string, unknown>): Promise<Order>;
  fetchOpenOrders(symbol?: string, since?: number, limit?: number): Promise<Order[]>;
  fetchMyTrades(symbol?: string, since?: number, limit?: number): Promise<Trade[]>;
  close?(): Promise<void>;
}

export const PAPER_EXCHANGE_ID = "paper";
/** The paper account every cex service of this process trades on. */
export const PAPER_ACCOUNT = "mmesh";
export const PAPER_FUNDING: Record<string, string> = { USDT: "1000000", BTC: "10", ETH: "100" };

let paperVenue: PaperVenue | null = null;
let paperUsers = 0;

/** `n` quiet synthetic markets M001/USDT… (no simulation: the book holds only own orders), each base funded with 1000. */
export function extraPaperMarkets(n: number): PaperMarketDefinition[] {
  return Array.from({ length: n }, (_, i) => {
    const base = `M${String(i + 1).padStart(3, "0")}`;
    return { symbol: `${base}/USDT`, base, quote: "USDT", tickSize: "0.01", lotSize: "0.001", minAmount: "0.001", minNotional: "1", makerFee: "0.001", takerFee: "0.001" };
  });
}

/** The process's shared paper venue, created funded and running in real time on first use; `extraMarkets`: see `extraPaperMarkets`. */
export function acquirePaperVenue(extraMarkets = 0): PaperVenue {
  if (!paperVenue) {
    const extra = extraPaperMarkets(extraMarkets);
    const funding = { ...PAPER_FUNDING, ...Object.fromEntries(extra.map((m) => [m.base, "1000"])) };
    paperVenue = createDefaultPaperVenue({
      accounts: { [PAPER_ACCOUNT]: funding },
      // Orders and fills of this venue are stored next to those of earlier processes (cex_orders,
      // cex_fills, mm_fills): ids unique per venue instance, or a restart's fill "1" is taken for
      // the previous run's fill "1" and dropped as a duplicate.
      idPrefix: `${Date.now().toString(36)}${randomBytes(2).toString("hex")}-`,
      ...(extra.length > 0 ? { markets: [...DEFAULT_PAPER_MARKETS, ...extra] } : {}),
    });
    paperVenue.startRealtime();
  }
  paperUsers += 1;
  return paperVenue;
}

/** Drops one user; the last one stops the realtime timer and discards the venue. */
export function releasePaperVenue(): void {
  paperUsers = Math.max(0, paperUsers - 1);
  if (paperUsers === 0 && paperVenue) {
    paperVenue.stopRealtime();
    paperVenue = null;
  }
}

export function currentPaperVenue(): PaperVenue | null {
  return paperVenue;
}

/**
 * The client for an exchange id: the shared paper venue's account for "paper", a new
 * ccxt instance with the caller's credentials otherwise. `options` are ccxt constructor
 * fields merged over mmesh's defaults (ccxt's own `options` object merged one level deep),
 * plus mmesh's venue settings (venue-settings.ts: sandbox, marketType, rateBudget);
 * `settings` (from the markets document) win over those. Throws VenueConfigError for a
 * configuration that would split public and private calls over different hosts.
 */
export function createExchangeClient(id: string, credentials?: ExchangeCredentials, options: Record<string, unknown> = {}, settings: VenueSettings = {}): ExchangeClient {
  if (id === PAPER_EXCHANGE_ID) {
    const venue = paperVenue ?? acquirePaperVenue();
    return venue.connect(PAPER_ACCOUNT) as unknown as ExchangeClient;
  }
  const ccxt = loadCcxt();
  if (!ccxt.exchanges.includes(id)) throw new Error(`unknown ccxt exchange id "${id}"`);
  const Exchange = ccxt[id] as new (config: Record<string, unknown>) => ExchangeClient & { urls: Record<string, unknown>; options: Record<string, unknown> };
  const { config } = venueConfig(id, Exchange, options, settings);
  const { options: venueOptions, ...rest } = config as { options?: Record<string, unknown> };
  return new Exchange({
    apiKey: credentials?.apiKey,
    secret: credentials?.secret,
    password: credentials?.password,
    enableRateLimit: true,
    ...rest,
    // Reconcile lists every open order at once; ccxt refuses that on some venues (Binance) unless told it is meant.
    options: { warnOnFetchOpenOrdersWithoutSymbol: false, ...venueOptions },
  });
}
