/**
 * Reconciliation of stored orders with one exchange: orders that left the book while
 * nobody watched are fetched and resolved (closed, canceled, ...), their fills pulled from
 * the trade history on live venues (with every fill still owed by an earlier order), and
 * open orders the table does not know are reported as orphans. Two leftovers of lost
 * answers are settled too: a placement whose answer never came ("pending" for long) is
 * looked up by clientOrderId, and an order the exchange no longer knows at all is resolved
 * once (from its trades if it has any, else expired) instead of being asked for forever.
 */
import { toWireOrder, type WireOrder } from "./convert";
import { addDecimal, compareDecimal, isZeroDecimal, mulDecimal } from "./decimal";
import { isOrderNotFound } from "./errors";
import { fetchAllOrderTrades, syncOrderFills } from "./fill-sync";
import { rowToWire, type OrderRow, type OrderStore } from "./order-store";
import { diffOpenOrders } from "./orders";
import type { Venue, VenueRegistry } from "./venues";

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
  /** A live order the exchange no longer knows, resolved from what is left of it (its trades). */
  vanished?(order: WireOrder): Promise<void>;
  warn(message: string): void;
}

export interface ReconcileOptions {
  /** A stored order the exchange cannot find is given this long (ms since it was stored) to appear before it is resolved as vanished. */
  vanishedAfterMs?: number;
  /** A "pending" row this old (ms) lost its placement's answer: it is looked up on the exchange. */
  pendingAfterMs?: number;
}

const VANISHED_AFTER_MS = 120_000;
const PENDING_AFTER_MS = 60_000;

/** A vanished order's final state from its trades: closed when they cover the amount, else expired. */
async function resolveVanished(venue: Venue, order: WireOrder): Promise<WireOrder> {
  const client = venue.client as Parameters<typeof fetchAllOrderTrades>[0];
  const trades = order.id && client.has["fetchOrderTrades"] ? await fetchAllOrderTrades(client, order.id, order.symbol) : [];
  const filled = trades.reduce((sum, t) => addDecimal(sum, String(t.amount ?? 0)), "0");
  const cost = trades.reduce((sum, t) => addDecimal(sum, t.cost !== undefined ? String(t.cost) : mulDecimal(String(t.amount ?? 0), String(t.price ?? 0))), "0");
  const done = compareDecimal(filled, order.amount) >= 0;
  const more = compareDecimal(filled, order.filled) > 0;
  return {
    ...order,
    status: done ? "closed" : "expired",
    filled: more ? filled : order.filled,
    remaining: done ? "0" : more ? addDecimal(order.amount, `-${filled}`) : order.remaining,
    cost: more ? cost : order.cost ?? null,
  };
}

/** Settles "pending" rows whose placement answer was lost: placed (stored as the exchange has it) or never placed (freed). */
async function settleStalePending(venues: VenueRegistry, store: OrderStore, exchange: string, rows: OrderRow[], hooks: ReconcileHooks): Promise<WireOrder[]> {
  const settled: WireOrder[] = [];
  for (const row of rows) {
    const clientOrderId = row.client_order_id;
    try {
      const order = await venues.call(exchange, (c) => c.fetchOrder(undefined, row.symbol, { clientOrderId }));
      const wire = { ...toWireOrder(exchange, order), clientOrderId };
      await store.markPlaced(exchange, clientOrderId, wire.id);
      const saved = await store.serializeOrder(exchange, { clientOrderId }, async () => (await store.saveOrder(exchange, wire, true)) ?? wire);
      settled.push({ ...saved, timestamp: rowToWire(row).timestamp });
      hooks.warn(`reconcile ${exchange}: order ${clientOrderId}, whose placement answer was lost, is on the exchange (${saved.status})`);
    } catch (err) {
      if (!isOrderNotFound(err)) {
        hooks.warn(`reconcile ${exchange}: pending order ${clientOrderId} could not be looked up: ${(err as Error).message}`);
        continue;
      }
      await store.dropPending(exchange, clientOrderId);
      hooks.warn(`reconcile ${exchange}: order ${clientOrderId}, whose placement answer was lost, never reached the exchange; its clientOrderId is free again`);
    }
  }
  return settled;
}

export async function reconcileExchange(
  venues: VenueRegistry,
  store: OrderStore,
  exchange: string,
  hooks: ReconcileHooks,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  await store.retryFailedWrites();
  const venue = await venues.get(exchange);
  const now = Date.now();
  const settledPending = venue.live
    ? await settleStalePending(venues, store, exchange, await store.stalePendingRows(exchange, new Date(now - (options.pendingAfterMs ?? PENDING_AFTER_MS))), hooks)
    : [];
  const rows = await store.openRows(exchange);
  const exchangeOpen = (await venues.call(exchange, (c) => c.fetchOpenOrders())).map((o) => toWireOrder(exchange, o));
  const stored = rows.map(rowToWire);
  const { vanished, orphans } = diffOpenOrders(stored, exchangeOpen);
  const resolved: WireOrder[] = [];
  for (const order of vanished) {
    let report: WireOrder | null = null;
    try {
      report = toWireOrder(exchange, await venues.call(exchange, (c) => c.fetchOrder(order.id!, order.symbol)));
    } catch (err) {
      const notFound = isOrderNotFound(err);
      if (notFound && store.isInProcess(exchange)) {
        // An in-process venue that does not know the order is a new one: the order died with the process that held it.
        report = { ...order, status: "expired" };
      } else if (notFound && now - (order.timestamp ?? now) >= (options.vanishedAfterMs ?? VANISHED_AFTER_MS)) {
        report = await resolveVanished(venue, order).catch((tradesErr: Error) => {
          hooks.warn(`reconcile ${exchange}: trades of vanished order ${order.clientOrderId} could not be fetched: ${tradesErr.message}`);
          return null;
        });
        if (report) {
          hooks.warn(`reconcile ${exchange}: order ${order.clientOrderId} (${order.id}) is unknown to the exchange; resolved ${report.status} with ${report.filled} filled from its trades`);
          await hooks.vanished?.({ ...report, clientOrderId: order.clientOrderId });
        }
      } else {
        hooks.warn(`reconcile ${exchange}: order ${order.clientOrderId} could not be fetched: ${(err as Error).message}`);
      }
    }
    if (report) resolved.push(await store.applyReport(exchange, { ...report, clientOrderId: order.clientOrderId }));
  }
  let fills = 0;
  if (venue.live) {
    // Partial fills of still-open orders, the fills of resolved ones and every fill still owed.
    const stillOpen = exchangeOpen.flatMap((o) => {
      const mine = stored.find((s) => (s.id && s.id === o.id) || (s.clientOrderId && s.clientOrderId === o.clientOrderId));
      return mine ? [{ ...o, clientOrderId: mine.clientOrderId, timestamp: mine.timestamp }] : [];
    });
    const withTimestamps = resolved.map((r) => ({ ...r, timestamp: stored.find((s) => s.clientOrderId === r.clientOrderId)?.timestamp ?? r.timestamp }));
    const owed = (await store.rowsOwingFills(exchange)).map(rowToWire);
    const targets = new Map<string, WireOrder>();
    for (const o of [...owed, ...settledPending, ...withTimestamps, ...stillOpen]) {
      if (o.clientOrderId && !isZeroDecimal(o.filled)) targets.set(o.clientOrderId, o);
    }
    fills = await venues.call(exchange, () => syncOrderFills(venue, store, [...targets.values()])).catch((err) => {
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
