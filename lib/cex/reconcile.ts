/**
 * Reconciliation of stored open orders with one exchange: orders that left the book while
 * nobody watched are fetched and resolved (closed, canceled, ...), their fills pulled from
 * the trade history on live venues, and open orders the table does not know are reported
 * as orphans.
 */
import { toWireOrder, type WireOrder } from "./convert";
import { isOrderNotFound } from "./errors";
import { syncOrderFills } from "./fill-sync";
import { rowToWire, type OrderStore } from "./order-store";
import { diffOpenOrders } from "./orders";
import type { VenueRegistry } from "./venues";

export interface ReconcileResult {
  exchange: string;
  checked: number;
  resolved: WireOrder[];
  orphans: WireOrder[];
  /** fills newly recorded from the trade history (live venues) */
  fills: number;
}

export interface ReconcileHooks {
  orphaned(order: WireOrder): Promise<void>;
  warn(message: string): void;
}

export async function reconcileExchange(venues: VenueRegistry, store: OrderStore, exchange: string, hooks: ReconcileHooks): Promise<ReconcileResult> {
  await store.retryFailedWrites();
  const rows = await store.openRows(exchange);
  const exchangeOpen = (await venues.call(exchange, (c) => c.fetchOpenOrders())).map((o) => toWireOrder(exchange, o));
  const stored = rows.map(rowToWire);
  const { vanished, orphans } = diffOpenOrders(stored, exchangeOpen);
  const resolved: WireOrder[] = [];
  for (const order of vanished) {
    let report: WireOrder | null;
    try {
      report = toWireOrder(exchange, await venues.call(exchange, (c) => c.fetchOrder(order.id!, order.symbol)));
    } catch (err) {
      // An in-process venue that does not know the order is a new one: the order died with the process that held it.
      report = store.isInProcess(exchange) && isOrderNotFound(err) ? { ...order, status: "expired" } : null;
      if (!report) hooks.warn(`reconcile ${exchange}: order ${order.clientOrderId} could not be fetched: ${(err as Error).message}`);
    }
    if (report) resolved.push(await store.applyReport(exchange, { ...report, clientOrderId: order.clientOrderId }));
  }
  let fills = 0;
  const venue = await venues.get(exchange);
  if (venue.live) {
    // Partial fills of still-open orders and the fills of resolved ones.
    const stillOpen = exchangeOpen.flatMap((o) => {
      const mine = stored.find((s) => (s.id && s.id === o.id) || (s.clientOrderId && s.clientOrderId === o.clientOrderId));
      return mine ? [{ ...o, clientOrderId: mine.clientOrderId, timestamp: mine.timestamp }] : [];
    });
    const withTimestamps = resolved.map((r) => ({ ...r, timestamp: stored.find((s) => s.clientOrderId === r.clientOrderId)?.timestamp ?? r.timestamp }));
    fills = await venues.call(exchange, () => syncOrderFills(venue, store, [...withTimestamps, ...stillOpen])).catch((err) => {
      hooks.warn(`reconcile ${exchange}: trades could not be fetched: ${(err as Error).message}`);
      return 0;
    });
  }
  for (const orphan of orphans) {
    hooks.warn(`reconcile ${exchange}: open order ${orphan.id} (${orphan.symbol} ${orphan.side} ${orphan.amount} @ ${orphan.price}) is not in cex_orders`);
    await hooks.orphaned(orphan);
  }
  return { exchange, checked: rows.length, resolved, orphans, fills };
}
