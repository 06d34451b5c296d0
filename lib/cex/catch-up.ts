/**
 * The REST catch-up of a live venue's fills, run by the user stream after every (re)connect,
 * on a short timer while the stream is down, and on a slow one while it looks healthy (a
 * lost fill message): the reconcile (open orders, vanished orders and their fills) plus the
 * trades of orders that changed since `since` and are already closed — a partial fill whose
 * message was lost before the order's last one arrived. Every fill is booked through the
 * reconcile's own syncOrderFills → OrderStore.queueFill, so a fill seen by both the stream
 * and REST is stored once.
 */
import { isTerminal } from "./orders";
import { rowToWire, type OrderStore } from "./order-store";
import { reconcileExchange, type ReconcileHooks, type ReconcileResult } from "./reconcile";
import { syncOrderFills } from "./fill-sync";
import type { VenueRegistry } from "./venues";

export interface CatchUpResult extends ReconcileResult {
  /** Orders (open, or changed since `since`) the catch-up looked at. */
  candidates: number;
}

/** Null when no order of the exchange is open or changed since `since` (nothing to catch up). */
export async function catchUpFills(venues: VenueRegistry, store: OrderStore, exchange: string, since: Date, hooks: ReconcileHooks): Promise<CatchUpResult | null> {
  const rows = await store.activeRowsSince(exchange, since);
  if (rows.length === 0) return null;
  const result = await reconcileExchange(venues, store, exchange, hooks);
  const closed = rows.filter((r) => isTerminal(r.status) && r.exchange_order_id).map(rowToWire);
  let fills = result.fills;
  if (closed.length > 0) {
    const venue = await venues.get(exchange);
    fills += await venues.call(exchange, () => syncOrderFills(venue, store, closed));
  }
  return { ...result, fills, candidates: rows.length };
}
