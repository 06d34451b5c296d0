/**
 * Fills of live venues come from the exchange's trade history (fetchMyTrades): there is no
 * user-data stream. Trades belonging to stored orders are recorded once each, with the
 * order's clientOrderId (Binance trades do not carry it).
 */
import { toWireFill, type WireOrder } from "./convert";
import { isZeroDecimal } from "./decimal";
import type { OrderStore } from "./order-store";
import type { Venue } from "./venues";

/** Records the trades of `orders` (those with an exchange id and something filled); returns how many were new. */
export async function syncOrderFills(venue: Venue, store: OrderStore, orders: WireOrder[]): Promise<number> {
  const byId = new Map(orders.filter((o) => o.id && !isZeroDecimal(o.filled)).map((o) => [o.id!, o]));
  if (byId.size === 0) return 0;
  const bySymbol = new Map<string, number>();
  for (const o of byId.values()) {
    const since = Math.max(0, (o.timestamp ?? 0) - 60_000);
    bySymbol.set(o.symbol, Math.min(bySymbol.get(o.symbol) ?? since, since));
  }
  let recorded = 0;
  for (const [symbol, since] of bySymbol) {
    const trades = await venue.client.fetchMyTrades(symbol, since || undefined);
    for (const trade of trades) {
      const order = trade.order ? byId.get(String(trade.order)) : undefined;
      if (!order) continue;
      const fill = { ...toWireFill(venue.exchange, trade), clientOrderId: order.clientOrderId };
      if (await store.queueFill(fill)) recorded += 1;
    }
  }
  return recorded;
}
