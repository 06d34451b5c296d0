/**
 * Adapters from the mesh's actions to what a bot needs: the quoted venue (cex service)
 * and the hedge venue of cross-exchange market making (cex market order or dex swap).
 * `call` is the broker's call; nothing here knows about Moleculer beyond error codes.
 */
import { Decimal } from "../decimal";
import { OrderGoneError, type BotVenue, type Hedger, type VenueOrder, type VenueReplaceResult } from "./bot";
import { hedgeClientOrderId } from "./client-order-id";
import type { MarketRef } from "./bot-spec";
import type { MarketRules } from "../strategies/types";
import { roundToStep, type DecimalRules } from "./rounding";

export type Call = (action: string, params: Record<string, unknown>, opts?: { retries?: number }) => Promise<unknown>;

export const hedgeTagOf = (bot: string) => `${bot}#hedge`;

function isNotFound(err: unknown): boolean {
  return (err as { type?: string }).type === "ORDER_NOT_FOUND";
}

export function cexVenue(call: Call, market: MarketRef): BotVenue {
  const { venue: exchange, symbol } = market;
  return {
    async place(o) {
      return (await call("cex.createOrder", { exchange, symbol, type: "limit", postOnly: true, ...o })) as VenueOrder;
    },
    async cancel(clientOrderId) {
      try {
        return (await call("cex.cancelOrder", { exchange, symbol, clientOrderId })) as VenueOrder;
      } catch (err) {
        if (isNotFound(err)) throw new OrderGoneError((err as Error).message);
        throw err;
      }
    },
    async replace(cancel, place) {
      // One request round: the cex node cancels, then places only if every cancel succeeded or the order was gone.
      const orders = place.map((o) => ({ type: "limit", postOnly: true, ...o }));
      return (await call("cex.replaceOrders", { exchange, symbol, cancel, place: orders })) as VenueReplaceResult;
    },
    async openOrders() {
      return (await call("cex.openOrders", { exchange, symbol })) as VenueOrder[];
    },
    async balance() {
      const res = (await call("cex.balance", { exchange })) as { balances: Record<string, { total: string }> };
      return { base: res.balances[market.base]?.total ?? "0", quote: res.balances[market.quote]?.total ?? "0" };
    },
  };
}

/** Tick, lot, minimums and fees of a CEX market from `cex.markets`: as numbers for strategies, as strings for rounding. */
export async function cexMarketRules(call: Call, market: MarketRef): Promise<{ rules: MarketRules; decimalRules: DecimalRules }> {
  const markets = (await call("cex.markets", { exchange: market.venue })) as Array<{
    symbol: string;
    precision: { amount: string | null; price: string | null };
    limits: { amountMin: string | null; costMin: string | null };
    maker: string | null;
    taker: string | null;
  }>;
  const m = markets.find((x) => x.symbol === market.symbol);
  if (!m) throw new Error(`${market.venue} has no market ${market.symbol}`);
  if (!m.precision.price || !m.precision.amount) throw new Error(`${market.venue} ${market.symbol}: tick or lot size unknown`);
  const num = (v: string | null) => (v === null ? undefined : Number(v));
  return {
    rules: {
      tickSize: Number(m.precision.price),
      lotSize: Number(m.precision.amount),
      minAmount: num(m.limits.amountMin),
      minNotional: num(m.limits.costMin),
      makerFee: num(m.maker),
      takerFee: num(m.taker),
    },
    decimalRules: { tickSize: m.precision.price, lotSize: m.precision.amount, minAmount: m.limits.amountMin ?? undefined, minNotional: m.limits.costMin ?? undefined },
  };
}

/**
 * The market's maker/taker fee from the fee service (fee.rates: the account's own rates where the
 * venue gives them), which the strategies' fee floor uses. Without a fee service, or when it
 * fails, the market's fees from cex.markets stay (warned), so a bot still starts.
 */
export async function liveFeeRates(call: Call, market: MarketRef, warn: (m: string) => void): Promise<Pick<MarketRules, "makerFee" | "takerFee">> {
  try {
    const r = (await call("fee.rates", { exchange: market.venue, symbol: market.symbol })) as { maker: string | null; taker: string | null };
    const out: Pick<MarketRules, "makerFee" | "takerFee"> = {};
    if (r.maker !== null && r.maker !== undefined && Number.isFinite(Number(r.maker))) out.makerFee = Number(r.maker);
    if (r.taker !== null && r.taker !== undefined && Number.isFinite(Number(r.taker))) out.takerFee = Number(r.taker);
    return out;
  } catch (err) {
    warn(`fee.rates for ${market.venue} ${market.symbol} failed (${(err as Error).message}): quoting with the market's listed fees`);
    return {};
  }
}

/**
 * The XEMM hedge: a market order on a CEX taker, or an exact swap on a DEX pool. A CEX hedge is
 * retried `retries` times by the broker's retry policy (retryable errors only) with the same
 * client order id, so the cex service's idempotency makes a retry after a lost answer harmless;
 * a swap is not retried: resent after an unknown outcome it could trade twice.
 */
export function hedgerFor(call: Call, bot: string, taker: MarketRef, takerLot: string | null, retries: number, slippageBps = 100): Hedger {
  if (taker.kind === "cex") {
    return {
      async hedge({ side, amount: wanted, makerFill }) {
        // The taker's lot decides what can be sent; less than a lot stays as (reported) exposure.
        const amount = takerLot ? roundToStep(new Decimal(wanted), new Decimal(takerLot), "floor").toFixed() : wanted;
        if (new Decimal(amount).lte(0)) throw new Error(`hedge of ${wanted} is below ${taker.venue}'s lot ${takerLot}`);
        const order = (await call("cex.createOrder", {
          exchange: taker.venue,
          symbol: taker.symbol,
          side,
          type: "market",
          amount,
          clientOrderId: hedgeClientOrderId(hedgeTagOf(bot), makerFill),
        }, { retries })) as VenueOrder & { average?: string | null };
        if (new Decimal(order.filled || "0").lte(0)) throw new Error(`hedge ${side} ${amount} on ${taker.venue} did not fill (status ${order.status})`);
        return { price: order.price ?? "0", amount: order.filled };
      },
    };
  }
  return {
    async hedge({ side, amount }) {
      // Selling base: exact amount in. Buying base: exact amount out.
      const params =
        side === "sell"
          ? { pool: taker.pool, tokenIn: taker.base, tokenOut: taker.quote, amountIn: amount, slippageBps }
          : { pool: taker.pool, tokenIn: taker.quote, tokenOut: taker.base, amountOut: amount, slippageBps };
      if (!taker.keyId) throw new Error(`DEX market ${taker.name} has no keyId naming the wallet account that signs the hedge`);
      const res = (await call("dex.swap", { ...params, account: taker.keyId, approve: true }, { retries: 0 })) as { amountIn?: string; amountOut?: string };
      const baseAmount = side === "sell" ? amount : (res.amountOut ?? amount);
      const quoteAmount = side === "sell" ? res.amountOut : res.amountIn;
      const price = quoteAmount ? new Decimal(quoteAmount).div(baseAmount).toString() : "0";
      return { price, amount: baseAmount };
    },
  };
}
