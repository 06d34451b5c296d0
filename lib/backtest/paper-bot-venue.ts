/**
 * The bot's view of one market on a paper exchange account (lib/paper), shared by the
 * backtester and the bot's behaviour tests: post-only limit orders by clientOrderId,
 * cancels that report an order the venue no longer knows as `OrderGoneError`, and the
 * account's fills turned into the bot's `onFill` shape. Exact decimals come from the
 * facade's `info` strings, never from ccxt's numbers.
 */
import type { AccountingFill } from "../market-maker/accounting";
import { OrderGoneError, type BotVenue, type VenueOrder } from "../market-maker/bot";
import { botTag } from "../market-maker/client-order-id";
import { errors, type PaperExchange, type PaperVenue } from "../paper";

export interface PaperBotVenueCounts {
  placed: number;
  refused: number;
  cancelled: number;
}

export type BotFill = AccountingFill & { clientOrderId: string | null };

export const venueOrderOf = (o: { info: Record<string, unknown> }): VenueOrder => {
  const i = o.info;
  return {
    clientOrderId: (i.clientOrderId as string | undefined) ?? null,
    side: String(i.side),
    price: (i.price as string | undefined) ?? null,
    amount: String(i.amount),
    filled: String(i.filled),
    remaining: String(i.remaining),
    status: String(i.status),
  };
};

/** A fill of the account (the facade's 'trade' event) as `Bot.onFill` takes it. */
export const botFillOf = (t: { id: string; timestamp: number; info: Record<string, unknown> }): BotFill => {
  const i = t.info;
  return {
    tradeId: String(t.id),
    side: i.side as "buy" | "sell",
    price: String(i.price),
    amount: String(i.amount),
    feeCost: (i.fee as string | undefined) ?? null,
    feeCurrency: (i.feeCurrency as string | undefined) ?? null,
    ts: t.timestamp,
    clientOrderId: (i.clientOrderId as string | undefined) ?? null,
  };
};

/** BotVenue over `exchange` (one account of `venue`) for `market`; `counts` tallies what happened. */
export function paperBotVenue(
  venue: PaperVenue,
  exchange: PaperExchange,
  market: { symbol: string; base: string; quote: string },
  counts: PaperBotVenueCounts = { placed: 0, refused: 0, cancelled: 0 },
): BotVenue {
  return {
    async place(o) {
      try {
        const order = venueOrderOf(await exchange.createOrder(market.symbol, "limit", o.side, o.amount, o.price, { clientOrderId: o.clientOrderId, postOnly: true }));
        if (order.status === "open") counts.placed++;
        else counts.refused++;
        return order;
      } catch (err) {
        counts.refused++;
        throw err;
      }
    },
    async cancel(clientOrderId) {
      try {
        const order = venueOrderOf(await exchange.cancelOrder(undefined, market.symbol, { clientOrderId }));
        counts.cancelled++;
        return order;
      } catch (err) {
        if (err instanceof errors.OrderNotFound) throw new OrderGoneError((err as Error).message);
        throw err;
      }
    },
    async openOrders() {
      return (await exchange.fetchOpenOrders(market.symbol)).map(venueOrderOf);
    },
    async balance() {
      const b = venue.balances(exchange.accountId);
      return { base: b[market.base]?.total ?? "0", quote: b[market.quote]?.total ?? "0" };
    },
  };
}

/**
 * Deterministic client order ids for simulated time: `<botTag>-<time base 36>-<seq base 36>`,
 * `seq` counting from 1 per generator, so two runs over the same data give the same ids and a
 * bot still recognises its own orders (`isBotOrder`).
 */
export function simulatedClientOrderIds(now: () => number): (bot: string) => string {
  let seq = 0;
  return (bot) => `${botTag(bot)}-${now().toString(36)}-${(++seq).toString(36).padStart(4, "0")}`;
}
