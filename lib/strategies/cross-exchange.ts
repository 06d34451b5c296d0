/**
 * Cross-exchange market making: rest quotes on the maker market priced off the taker venue's
 * book so that hedging a fill there keeps at least minProfitability after both fees.
 *   bid = V_sell·(1 − f_taker) / ((1 + f_maker)·(1 + p))
 *   ask = V_buy ·(1 + f_taker)·(1 + p) / (1 − f_maker)
 * V_sell / V_buy: VWAP of selling / buying the quote size into the taker bids / asks.
 */
import { toNumber } from "./price";
import type { Level, MarketSnapshot, Quote, QuoteSide, Strategy, StrategyContext } from "./types";

export interface CrossExchangeParams {
  minProfitability: number;
  orderAmount: string | number;
  /** Taker venue fee; defaults to ctx.rules.takerFee, then 0. */
  takerFee?: number;
}

export interface Fill {
  amount: number;
  /** Average price over `amount`. */
  vwap: number;
}

/** Walk `levels` (best first) for up to `amount`; without depth, the whole amount at `top`. */
export function walkBook(levels: Level[] | undefined, top: number, amount: number): Fill | null {
  if (!levels || levels.length === 0) return top > 0 ? { amount, vwap: top } : null;
  let filled = 0;
  let cost = 0;
  for (const [price, size] of levels) {
    if (filled >= amount) break;
    const take = Math.min(size, amount - filled);
    if (take <= 0 || price <= 0) continue;
    filled += take;
    cost += take * price;
  }
  return filled > 0 ? { amount: filled, vwap: cost / filled } : null;
}

export function crossExchangeQuotes(taker: MarketSnapshot, orderAmount: number, minProfitability: number, takerFee: number, makerFee: number): Quote[] {
  const out: Quote[] = [];
  const sell = walkBook(taker.bids, taker.bestBid, orderAmount);
  if (sell) {
    const price = (sell.vwap * (1 - takerFee)) / ((1 + makerFee) * (1 + minProfitability));
    out.push({ side: "buy", price, amount: sell.amount, level: 0 });
  }
  const buy = walkBook(taker.asks, taker.bestAsk, orderAmount);
  if (buy && makerFee < 1) {
    const price = (buy.vwap * (1 + takerFee) * (1 + minProfitability)) / (1 - makerFee);
    out.push({ side: "sell", price, amount: buy.amount, level: 0 });
  }
  return out;
}

/** The taker order that hedges a maker fill: the opposite side, the same amount. */
export function hedgeOrderFor(fill: { side: QuoteSide; amount: number; price: number }): { side: QuoteSide; amount: number } {
  return { side: fill.side === "buy" ? "sell" : "buy", amount: fill.amount };
}

export function createCrossExchange(params: CrossExchangeParams): Strategy {
  const orderAmount = toNumber(params.orderAmount);
  let state: Record<string, number | string | null> = { takerSellVwap: null, takerBuyVwap: null, bid: null, ask: null, warning: null };

  return {
    name: "cross_exchange",
    quotes(ctx: StrategyContext) {
      state = { takerSellVwap: null, takerBuyVwap: null, bid: null, ask: null, warning: null };
      if (!ctx.reference) {
        state.warning = "no taker book yet";
        return [];
      }
      const takerFee = params.takerFee ?? ctx.rules.takerFee ?? 0;
      const out = crossExchangeQuotes(ctx.reference, orderAmount, params.minProfitability, takerFee, ctx.rules.makerFee ?? 0);
      const bid = out.find((q) => q.side === "buy");
      const ask = out.find((q) => q.side === "sell");
      state = {
        takerSellVwap: walkBook(ctx.reference.bids, ctx.reference.bestBid, orderAmount)?.vwap ?? null,
        takerBuyVwap: walkBook(ctx.reference.asks, ctx.reference.bestAsk, orderAmount)?.vwap ?? null,
        bid: bid?.price ?? null,
        ask: ask?.price ?? null,
        warning: [bid ? null : "no taker bids to hedge a maker buy into", ask ? null : "no taker asks to hedge a maker sell from"].filter((w) => w !== null).join("; ") || null,
      };
      return out;
    },
    describe: () => ({ ...state }),
  };
}
