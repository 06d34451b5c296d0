/**
 * Cancel one order by clientOrderId (or exchange id). An order the table already knows as
 * terminal is returned as it is; an order the exchange no longer has on its book is looked
 * up, and if it filled or was cancelled meanwhile that final state is the answer (a cancel
 * that lost a race with a fill is a fill, not an error). Otherwise the exchange's
 * OrderNotFound comes out as 404 ORDER_NOT_FOUND.
 */
import type { Order } from "ccxt";
import { Errors } from "moleculer";
import { invalid } from "../errors";
import { toWireOrder, type WireOrder } from "./convert";
import { isOrderNotFound } from "./errors";
import { syncOrderFills } from "./fill-sync";
import { rowToWire, type OrderStore } from "./order-store";
import { isTerminal } from "./orders";
import type { VenueRegistry } from "./venues";

export interface CancelOrderRequest {
  exchange: string;
  clientOrderId?: string;
  id?: string;
  symbol?: string;
}

export interface CancelDeps {
  store: OrderStore;
  venues: Pick<VenueRegistry, "call">;
  /** Logs a fill-sync problem (the order itself is cancelled). */
  warn(message: string): void;
}

export async function cancelOrder(deps: CancelDeps, req: CancelOrderRequest): Promise<WireOrder> {
  const { store } = deps;
  const { exchange } = req;
  if (!req.clientOrderId && !req.id) throw invalid("Give clientOrderId or id", "clientOrderId");
  const row = await store.findRow(exchange, req);
  if (row && isTerminal(row.status)) return rowToWire(row);
  const id = row?.exchange_order_id ?? req.id;
  const symbol = row?.symbol ?? req.symbol;
  if (!id) throw new Errors.MoleculerClientError(`${exchange}: order ${req.clientOrderId} not found`, 404, "ORDER_NOT_FOUND", { exchange });
  return deps.venues.call(exchange, async (c, venue) => {
    let order: Order;
    try {
      order = await c.cancelOrder(id, symbol);
    } catch (err) {
      if (!isOrderNotFound(err)) throw err;
      // Already gone from the book: if it filled (or was canceled) meanwhile, that is the answer.
      const fetched = await c.fetchOrder(id, symbol).catch(() => null);
      if (!fetched || !isTerminal((fetched.status ?? "open") as WireOrder["status"])) throw err;
      order = fetched;
    }
    const wire = toWireOrder(exchange, order);
    const saved = await store.applyReport(exchange, row ? { ...wire, clientOrderId: row.client_order_id } : wire);
    if (venue.live && row) {
      await syncOrderFills(venue, store, [{ ...saved, timestamp: rowToWire(row).timestamp }]).catch((err) =>
        deps.warn(`fills of ${exchange} order ${saved.clientOrderId} not synced yet: ${(err as Error).message}`),
      );
    }
    return saved;
  });
}
