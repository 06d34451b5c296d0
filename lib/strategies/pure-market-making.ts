/**
 * Pure market making after Hummingbot's pure_market_making: symmetric ladders of orders at
 * fixed fractions around a reference price, optional inventory skew on the amounts.
 */
import { inventorySkewRatios, totalOrderSize } from "./inventory-skew";
import { hasTopOfBook, midOf, toNumber } from "./price";
import type { Quote, Strategy, StrategyContext } from "./types";

export type PriceSource = "mid" | "last" | "best_bid" | "best_ask" | "external";

export interface PureMarketMakingParams {
  bidSpread: number;
  askSpread: number;
  orderAmount: string | number;
  orderLevels?: number;
  orderLevelSpread?: number;
  orderLevelAmount?: string | number;
  minimumSpread?: number;
  inventorySkew?: boolean;
  inventoryTargetBasePct?: number;
  inventoryRangeMultiplier?: number;
  priceSource?: PriceSource;
}

/** The reference price the ladder is built around; null when the source has none. */
export function referencePrice(source: PriceSource, ctx: StrategyContext): number | null {
  const m = ctx.market;
  switch (source) {
    case "external":
      return hasTopOfBook(ctx.reference) ? midOf(ctx.reference) : null;
    case "best_bid":
      return m.bestBid > 0 ? m.bestBid : null;
    case "best_ask":
      return m.bestAsk > 0 ? m.bestAsk : null;
    case "last":
      if (m.last !== undefined && m.last > 0) return m.last;
      return hasTopOfBook(m) ? midOf(m) : null;
    case "mid":
      return hasTopOfBook(m) ? midOf(m) : null;
  }
}

export function createPureMarketMaking(params: PureMarketMakingParams): Strategy {
  const p = {
    bidSpread: params.bidSpread,
    askSpread: params.askSpread,
    orderAmount: toNumber(params.orderAmount),
    orderLevels: params.orderLevels ?? 1,
    orderLevelSpread: params.orderLevelSpread ?? 0,
    orderLevelAmount: toNumber(params.orderLevelAmount ?? 0),
    minimumSpread: params.minimumSpread ?? 0,
    inventorySkew: params.inventorySkew ?? false,
    inventoryTargetBasePct: params.inventoryTargetBasePct ?? 0.5,
    inventoryRangeMultiplier: params.inventoryRangeMultiplier ?? 1,
    priceSource: params.priceSource ?? "mid",
  };
  let last: Record<string, number | string | null> = { price: null, bidRatio: null, askRatio: null };

  return {
    name: "pure_market_making",
    quotes(ctx) {
      const price = referencePrice(p.priceSource, ctx);
      if (price === null) {
        last = { price: null, bidRatio: null, askRatio: null };
        return [];
      }
      let bidRatio = 1;
      let askRatio = 1;
      if (p.inventorySkew) {
        const range = totalOrderSize(p.orderAmount, p.orderLevelAmount, p.orderLevels) * p.inventoryRangeMultiplier;
        ({ bidRatio, askRatio } = inventorySkewRatios(ctx.inventory.base, ctx.inventory.quote, price, p.inventoryTargetBasePct, range));
      }
      last = { price, bidRatio, askRatio };
      const out: Quote[] = [];
      for (let level = 0; level < p.orderLevels; level++) {
        const amount = p.orderAmount + level * p.orderLevelAmount;
        const bidDistance = p.bidSpread + level * p.orderLevelSpread;
        const askDistance = p.askSpread + level * p.orderLevelSpread;
        // Hummingbot cancels orders closer to the price than minimum_spread; we never propose them.
        const bid: Quote = { side: "buy", price: price * (1 - bidDistance), amount: amount * bidRatio, level };
        const ask: Quote = { side: "sell", price: price * (1 + askDistance), amount: amount * askRatio, level };
        if (bidDistance >= p.minimumSpread && bid.amount > 0 && bid.price > 0) out.push(bid);
        if (askDistance >= p.minimumSpread && ask.amount > 0) out.push(ask);
      }
      return out;
    },
    describe: () => ({ ...last }),
  };
}
