/**
 * Fills of live venues come from the exchange's trade history. Trades belonging to stored
 * orders are recorded once each, with the order's clientOrderId (Binance trades do not
 * carry it), and no trade is left behind however long the history is:
 *
 * - per order where the venue can (ccxt's fetchOrderTrades; Binance: myTrades with orderId),
 *   page after page with `fromId` (Binance: trades with id >= fromId, oldest first), so
 *   neither other trades on the symbol nor the order's age matter;
 * - otherwise by symbol, walking the time since the oldest order in windows the venue
 *   accepts (Binance: at most 24 h between startTime and endTime), each window page by page.
 *
 * An order whose stored fills cover its `filled` no longer owes any (order-store's
 * fills_owed); until then reconcile asks again, whatever the order's status.
 */
import type { Trade } from "ccxt";
import { toWireFill, type WireOrder } from "./convert";
import { addDecimal, compareDecimal, isZeroDecimal } from "./decimal";
import type { OrderStore } from "./order-store";
import type { Venue } from "./venues";

/** Binance's largest myTrades page. */
export const TRADE_PAGE_LIMIT = 1000;
/** The longest startTime..endTime Binance accepts (it answers -1127 past 24 h). */
export const TRADE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Pages asked for one order or one window at most: a bound on a venue that ignores fromId or since. */
const MAX_PAGES = 100;
/** Trades are looked for from this long before the order was stored (clocks differ). */
const CLOCK_SLACK_MS = 60_000;

type TradeClient = Venue["client"] & {
  fetchOrderTrades?(id: string, symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<Trade[]>;
  fetchMyTrades(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<Trade[]>;
};

function numericId(trade: Trade): number | null {
  const n = Number(trade.id);
  return Number.isSafeInteger(n) ? n : null;
}

/** Every trade of one order, paging with fromId after each full page. */
export async function fetchAllOrderTrades(client: TradeClient, id: string, symbol: string): Promise<Trade[]> {
  const seen = new Map<string, Trade>();
  let params: Record<string, unknown> = {};
  for (let page = 0; page < MAX_PAGES; page++) {
    const trades = await client.fetchOrderTrades!(id, symbol, undefined, TRADE_PAGE_LIMIT, params);
    let added = 0;
    for (const t of trades) {
      if (seen.has(String(t.id))) continue;
      seen.set(String(t.id), t);
      added += 1;
    }
    const ids = trades.map(numericId);
    if (trades.length < TRADE_PAGE_LIMIT || added === 0 || ids.some((n) => n === null)) break;
    params = { fromId: Math.max(...(ids as number[])) + 1 };
  }
  return [...seen.values()];
}

/**
 * Every trade on `symbol` from `since` to now, in windows of at most TRADE_WINDOW_MS; a full
 * page moves the window's start to its last trade's time (trades seen twice are dropped).
 */
export async function fetchAllSymbolTrades(client: TradeClient, symbol: string, since: number, now = Date.now()): Promise<Trade[]> {
  const seen = new Map<string, Trade>();
  let start = since;
  const stop = now + CLOCK_SLACK_MS;
  for (let pages = 0; start <= stop; pages++) {
    if (pages >= MAX_PAGES * 10) throw new Error(`${symbol}: trade history since ${new Date(since).toISOString()} not read within ${pages} pages`);
    const end = Math.min(start + TRADE_WINDOW_MS - 1, stop);
    const trades = await client.fetchMyTrades(symbol, start, TRADE_PAGE_LIMIT, { until: end });
    for (const t of trades) seen.set(String(t.id), t);
    if (trades.length < TRADE_PAGE_LIMIT) {
      start = end + 1;
      continue;
    }
    const last = Math.max(...trades.map((t) => t.timestamp ?? start));
    // A full page within one millisecond cannot be paged by time: better an error (and a retry later) than a lost fill.
    if (last <= start) throw new Error(`${symbol}: more than ${TRADE_PAGE_LIMIT} trades at ${new Date(start).toISOString()}; the history cannot be paged by time`);
    start = last;
  }
  return [...seen.values()];
}

/** What the trades of one order add up to. */
function amountOf(trades: Trade[]): string {
  return trades.reduce((sum, t) => addDecimal(sum, String(t.amount ?? 0)), "0");
}

/**
 * Records the trades of `orders` (those with an exchange id and more filled than their stored
 * fills cover); returns how many fills were new. Orders whose fills are then complete are
 * marked so (fills_owed cleared).
 */
export async function syncOrderFills(venue: Venue, store: OrderStore, orders: WireOrder[]): Promise<number> {
  const client = venue.client as TradeClient;
  const candidates = new Map<string, WireOrder>();
  for (const o of orders) if (o.id && o.clientOrderId && !isZeroDecimal(o.filled)) candidates.set(o.id, o);
  if (candidates.size === 0) return 0;
  const recorded = await store.recordedFilled(venue.exchange, [...candidates.values()].map((o) => o.clientOrderId!));
  const owing: WireOrder[] = [];
  for (const o of candidates.values()) {
    if (compareDecimal(recorded.get(o.clientOrderId!) ?? "0", o.filled) < 0) owing.push(o);
    else await store.markFillsSynced(venue.exchange, o.clientOrderId!, o.filled);
  }
  if (owing.length === 0) return 0;

  let newFills = 0;
  const record = async (order: WireOrder, trades: Trade[]) => {
    for (const trade of trades) {
      const fill = { ...toWireFill(venue.exchange, trade), clientOrderId: order.clientOrderId };
      if (await store.queueFill(fill)) newFills += 1;
    }
    if (compareDecimal(amountOf(trades), order.filled) >= 0) await store.markFillsSynced(venue.exchange, order.clientOrderId!, order.filled);
  };

  if (client.has["fetchOrderTrades"] && typeof client.fetchOrderTrades === "function") {
    for (const order of owing) await record(order, await fetchAllOrderTrades(client, order.id!, order.symbol));
    return newFills;
  }
  const bySymbol = new Map<string, WireOrder[]>();
  for (const o of owing) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o]);
  for (const [symbol, list] of bySymbol) {
    // An order without a time (none is stored without one) is looked for over the last window.
    const since = Math.min(...list.map((o) => o.timestamp ?? Date.now() - TRADE_WINDOW_MS)) - CLOCK_SLACK_MS;
    const trades = await fetchAllSymbolTrades(client, symbol, since);
    for (const order of list) await record(order, trades.filter((t) => t.order !== undefined && String(t.order) === order.id));
  }
  return newFills;
}
