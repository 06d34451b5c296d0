/**
 * Idempotent order placement on (exchange, clientOrderId). A "pending" row reserves the id
 * before the exchange is asked, so a retried or concurrent create waits for and returns the
 * one stored order; a different order reusing the id is a conflict; an answer lost on the
 * way back (timeout, 5xx) is resolved by asking the exchange for the id before giving up.
 * An in-process venue (paper) cannot lose an answer: its reservation is held in memory and
 * written with the order by the store's group commit, which the answer awaits (an acknowledged
 * order is in the table); a full write queue refuses new orders with 503 and Retry-After.
 */
import type { Order } from "ccxt";
import { conflict, overloaded, unavailable } from "../errors";
import { toWireOrder, type WireOrder } from "./convert";
import { isOrderNotFound, mapExchangeError, orderOutcomeUnknown } from "./errors";
import { syncOrderFills } from "./fill-sync";
import { OrderOutcomeUnknown, OrderPendingTimeout, rowToWire, type OrderRow, type OrderStore } from "./order-store";
import { OrderIdTaken } from "./order-write-queue";
import { prepareOrder, sameRequest, type OrderRequest } from "./orders";
import type { Venue } from "./venues";

export type PlaceOrderRequest = OrderRequest & {
  exchange: string;
  clientOrderId: string;
  postOnly?: boolean;
  timeInForce?: "GTC" | "IOC" | "FOK" | "PO";
};

export interface PlacementDeps {
  store: OrderStore;
  venue(exchange: string): Promise<Venue>;
  /** Logs a fill-sync problem (the order itself is placed). */
  warn(message: string): void;
}

/** Seconds a refused in-process order should wait before it is sent again (the queue drains in well under that). */
const WRITE_QUEUE_RETRY_AFTER_S = 1;

/** Resolves once the in-process order is committed; its failure as the API error the caller sees. */
async function durable(store: OrderStore, exchange: string, clientOrderId: string): Promise<void> {
  try {
    await store.durable(exchange, clientOrderId);
  } catch (err) {
    if (err instanceof OrderIdTaken) throw conflict(`clientOrderId ${clientOrderId} is already used on ${exchange} (stored by another node)`, { clientOrderId });
    // The error's name only: a driver message is not shown to API callers.
    throw unavailable(`${exchange} order ${clientOrderId} is placed but not stored yet (${(err as Error).name}); retry the same clientOrderId`, { exchange, clientOrderId });
  }
}

async function settledRow(store: OrderStore, exchange: string, clientOrderId: string): Promise<OrderRow | null> {
  try {
    return await store.waitSettled(exchange, clientOrderId);
  } catch (err) {
    if (err instanceof OrderOutcomeUnknown) throw orderOutcomeUnknown(exchange, clientOrderId);
    if (err instanceof OrderPendingTimeout) throw unavailable(err.message, { exchange, clientOrderId });
    throw err;
  }
}

/**
 * `lookup`: the stored row of this clientOrderId when the caller already asked for it (replaceOrders
 * looks up all its places in one query while its cancels run); otherwise it is read here.
 */
export async function placeOrder(deps: PlacementDeps, req: PlaceOrderRequest, attempt = 0, lookup?: Promise<OrderRow | null>): Promise<WireOrder> {
  const { store } = deps;
  const { exchange, clientOrderId } = req;
  const settled = async (row: OrderRow | null): Promise<WireOrder> => {
    if (!row) {
      // The first attempt was refused by the exchange and forgotten: try once ourselves.
      if (attempt > 0) throw unavailable(`Order ${clientOrderId} on ${exchange} could not be placed; retry`);
      return placeOrder(deps, req, attempt + 1);
    }
    if (!sameRequest(row, req)) throw conflict(`clientOrderId ${clientOrderId} is already used on ${exchange} by a different order`, { clientOrderId });
    if (store.isInProcess(exchange)) await durable(store, exchange, clientOrderId);
    return rowToWire(row);
  };
  const refuseWhenBusy = () => {
    if (store.isInProcess(exchange) && !store.acceptingOrders()) {
      throw overloaded(`Orders on ${exchange} are coming faster than they can be stored (or the node is stopping); ${clientOrderId} was not placed, retry`, WRITE_QUEUE_RETRY_AFTER_S, { exchange, clientOrderId });
    }
  };
  refuseWhenBusy();
  const existing = await (lookup ?? store.findRow(exchange, { clientOrderId })).catch((err: Error) => {
    // The error's name only: a driver message is not shown to API callers.
    throw unavailable(`Orders cannot be stored right now (${err.name}); ${exchange} order ${clientOrderId} was not placed, retry`, { exchange, clientOrderId });
  });
  if (existing) return settled(existing.status === "pending" ? await settledRow(store, exchange, clientOrderId) : existing);

  const venue = await deps.venue(exchange);
  let prepared: { amount: string; price?: string };
  try {
    await venue.client.loadMarkets();
    prepared = prepareOrder(venue.client, req);
  } catch (err) {
    throw mapExchangeError(err, exchange, venue.secrets);
  }
  const pending = { symbol: req.symbol, side: req.side, type: req.type, amount: prepared.amount, price: prepared.price ?? null };
  refuseWhenBusy(); // again: others may have been accepted while this one was looked up (the count is exact here)
  const reserved = store.isInProcess(exchange) ? store.reserveInProcess(exchange, clientOrderId, pending) : await store.insertPending(exchange, clientOrderId, pending);
  if (!reserved) return settled(await settledRow(store, exchange, clientOrderId));

  const params: Record<string, unknown> = { clientOrderId };
  if (req.postOnly !== undefined) params.postOnly = req.postOnly;
  if (req.timeInForce !== undefined) params.timeInForce = req.timeInForce;
  let order: Order | null = null;
  let failure: unknown = null;
  try {
    order = await venue.client.createOrder(req.symbol, req.type, req.side, prepared.amount, prepared.price, params);
  } catch (err) {
    failure = err;
    const mapped = mapExchangeError(err, exchange, venue.secrets) as { retryable?: boolean; code?: number; type?: string };
    if ((mapped.retryable && mapped.type !== "EXCHANGE_RATE_LIMITED") || mapped.code === 502) {
      // Outcome unknown: ask the exchange whether the order exists before forgetting it.
      try {
        order = await venue.client.fetchOrder(undefined, req.symbol, { clientOrderId });
      } catch (lookupErr) {
        if (!isOrderNotFound(lookupErr)) {
          // Still unknown (it may have been placed and filled at once): the row stays "pending" for
          // reconcile to settle from the exchange, so a fill is never taken for a refusal.
          store.markOutcomeUnknown(exchange, clientOrderId);
          throw orderOutcomeUnknown(exchange, clientOrderId);
        }
      }
    }
  }
  if (!order) {
    await store.dropPending(exchange, clientOrderId);
    throw mapExchangeError(failure, exchange, venue.secrets);
  }
  const wire = { ...toWireOrder(exchange, order), clientOrderId };
  if (store.isInProcess(exchange)) {
    const saved = await store.applyReport(exchange, wire);
    await durable(store, exchange, clientOrderId);
    return saved;
  }
  const placed = order;
  const saved = await store.serializeOrder(exchange, { clientOrderId }, async () => {
    await store.markPlaced(exchange, clientOrderId, placed.id ?? null);
    // Announced even when the report adds nothing to the row: it has just left "pending" (open-order counts follow order.updated).
    return (await store.saveOrder(exchange, wire, true)) ?? wire;
  });
  if (venue.live) await syncOrderFills(venue, store, [saved]).catch((err) => deps.warn(`fills of ${exchange} order ${clientOrderId} not synced yet: ${(err as Error).message}`));
  return saved;
}
