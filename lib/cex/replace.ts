/**
 * Cancel-then-place in one request: a market maker's requote executed inside the cex node,
 * so it costs the caller one request round instead of two. All cancels run first (in
 * parallel); only when every one of them succeeded or found the order already gone
 * (filled, cancelled, unknown: 404 ORDER_NOT_FOUND) do the places run (in parallel), each
 * exactly like `cex.createOrder` (idempotent on clientOrderId, see placement.ts). So no new
 * order leaves while a cancel is unresolved, and a retry of the same batch returns the same
 * orders. One order's refusal is reported in its result, never thrown.
 */
import { cancelOrder, type CancelDeps } from "./cancel";
import type { WireOrder } from "./convert";
import { isOrderNotFound } from "./errors";
import type { OrderRow } from "./order-store";
import { placeOrder, type PlaceOrderRequest, type PlacementDeps } from "./placement";
import { preciseNow } from "../runtime/precise-now";

export const REPLACE_MAX_ORDERS = 50;

export type ReplacePlace = Omit<PlaceOrderRequest, "exchange" | "symbol">;

export interface ReplaceOrdersRequest {
  exchange: string;
  symbol: string;
  /** clientOrderIds to cancel. */
  cancel?: string[];
  place?: ReplacePlace[];
}

export interface OrderError {
  code: number;
  type: string;
  message: string;
}

export interface CancelResult {
  clientOrderId: string;
  /** true: cancelled now, or already gone (`gone`: the exchange does not know it; `order`: its final state when known). */
  ok: boolean;
  gone?: boolean;
  order?: WireOrder;
  error?: OrderError;
}

export interface PlaceResult {
  clientOrderId: string;
  ok: boolean;
  order?: WireOrder;
  /**
   * When this node had the venue's acknowledgement (ms since epoch, fractional): the end of
   * tick-to-order. For a retried batch, when the stored order was found.
   */
  ackedAt?: number;
  error?: OrderError;
}

export interface ReplaceOrdersResult {
  canceled: CancelResult[];
  placed: PlaceResult[];
  /** true when a cancel failed: nothing was placed (`placed` is empty). */
  placesSkipped: boolean;
}

export type ReplaceDeps = CancelDeps & PlacementDeps;

export function orderError(err: unknown): OrderError {
  const e = err as { code?: unknown; type?: unknown; message?: unknown };
  return {
    code: typeof e?.code === "number" ? e.code : 500,
    type: typeof e?.type === "string" ? e.type : "EXCHANGE_ERROR",
    message: typeof e?.message === "string" ? e.message : String(err),
  };
}

async function cancelOne(deps: ReplaceDeps, exchange: string, symbol: string, clientOrderId: string): Promise<CancelResult> {
  try {
    return { clientOrderId, ok: true, order: await cancelOrder(deps, { exchange, symbol, clientOrderId }) };
  } catch (err) {
    if (isOrderNotFound(err)) return { clientOrderId, ok: true, gone: true };
    return { clientOrderId, ok: false, error: orderError(err) };
  }
}

async function placeOne(deps: ReplaceDeps, exchange: string, symbol: string, order: ReplacePlace, lookup: Promise<OrderRow | null>): Promise<PlaceResult> {
  try {
    const placed = await placeOrder(deps, { ...order, exchange, symbol }, 0, lookup);
    return { clientOrderId: order.clientOrderId, ok: true, order: placed, ackedAt: preciseNow() };
  } catch (err) {
    return { clientOrderId: order.clientOrderId, ok: false, error: orderError(err) };
  }
}

/** Throws only when the exchange itself cannot be opened (not configured); per-order outcomes are in the result. */
export async function replaceOrders(deps: ReplaceDeps, req: ReplaceOrdersRequest): Promise<ReplaceOrdersResult> {
  const { exchange, symbol } = req;
  await deps.venue(exchange); // an unknown exchange fails the whole batch, before anything is sent
  const places = req.place ?? [];
  // The places' idempotency lookup (read-only: nothing leaves) runs as one query while the cancels run.
  const stored = places.length > 0 ? deps.store.findRows(exchange, places.map((o) => o.clientOrderId)) : null;
  stored?.catch(() => undefined); // reported by each place below, or unused when the places are skipped
  const canceled = await Promise.all((req.cancel ?? []).map((id) => cancelOne(deps, exchange, symbol, id)));
  if (canceled.some((c) => !c.ok)) return { canceled, placed: [], placesSkipped: true };
  const placed = await Promise.all(places.map((o) => placeOne(deps, exchange, symbol, o, (stored as Promise<Map<string, OrderRow>>).then((rows) => rows.get(o.clientOrderId) ?? null))));
  return { canceled, placed, placesSkipped: false };
}
