/**
 * One order by clientOrderId or exchange id, fresh from the exchange and merged into the
 * table. An order the exchange no longer knows (archived by a live venue, or placed on a
 * paper venue of an earlier process) is answered from the table when it is stored there.
 */
import { invalid } from "../errors";
import { toWireOrder, type WireOrder } from "./convert";
import { isOrderNotFound } from "./errors";
import { rowToWire, type OrderStore } from "./order-store";
import type { VenueRegistry } from "./venues";

export interface OrderLookupRequest {
  exchange: string;
  clientOrderId?: string;
  id?: string;
  symbol?: string;
}

export async function lookupOrder(deps: { store: OrderStore; venues: Pick<VenueRegistry, "call"> }, req: OrderLookupRequest): Promise<WireOrder> {
  const { exchange } = req;
  if (!req.clientOrderId && !req.id) throw invalid("Give clientOrderId or id", "clientOrderId");
  const row = await deps.store.findRow(exchange, req);
  const id = row?.exchange_order_id ?? req.id;
  const symbol = row?.symbol ?? req.symbol;
  try {
    const order = await deps.venues.call(exchange, (c) => (id ? c.fetchOrder(id, symbol) : c.fetchOrder(undefined, symbol, { clientOrderId: req.clientOrderId })));
    return await deps.store.applyReport(exchange, toWireOrder(exchange, order));
  } catch (err) {
    if (row && isOrderNotFound(err)) return rowToWire(row);
    throw err;
  }
}
