/**
 * Pure market making after Hummingbot's pure_market_making: symmetric ladders of orders at
 * fixed fractions around a reference price, optional inventory skew on the amounts.
 */
import { feeFloorState, floorQuotes, type FeeFloorResult } from "./fee-floor";
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
  /** Edge over the maker fee each quote keeps from the mid (fraction; negative allows quoting inside the fee). */
  edgeOverFee?: number;
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
    edgeOverFee: params.edgeOverFee ?? 0,
  };
  const empty = { price: null, bidRatio: null, askRatio: null, makerFee: null, feeFloor: null, widened: null, widenedReason: null, warning: null };
  // describe()'s numbers; the fee floor's words are made when asked
  let last: { price: number; bidRatio: number; askRatio: number; floor: FeeFloorResult; warning: string | null } | null = null;
  let noPriceWarning: string | null = null;

  return {
    name: "pure_market_making",
    quotes(ctx) {
      const price = referencePrice(p.priceSource, ctx);
      if (price === null) {
        last = null;
        noPriceWarning = `no ${p.priceSource} price to quote around`;
        return [];
      }
      let bidRatio = 1;
      let askRatio = 1;
      if (p.inventorySkew) {
        const range = totalOrderSize(p.orderAmount, p.orderLevelAmount, p.orderLevels) * p.inventoryRangeMultiplier;
        ({ bidRatio, askRatio } = inventorySkewRatios(ctx.inventory.base, ctx.inventory.quote, price, p.inventoryTargetBasePct, range));
      }
      const out: Quote[] = [];
      const notQuoted: string[] = [];
      for (let level = 0; level < p.orderLevels; level++) {
        const amount = p.orderAmount + level * p.orderLevelAmount;
        const bidDistance = p.bidSpread + level * p.orderLevelSpread;
        const askDistance = p.askSpread + level * p.orderLevelSpread;
        // Hummingbot cancels orders closer to the price than minimum_spread; we never propose them.
        const bid: Quote = { side: "buy", price: price * (1 - bidDistance), amount: amount * bidRatio, level };
        const ask: Quote = { side: "sell", price: price * (1 + askDistance), amount: amount * askRatio, level };
        if (bidDistance < p.minimumSpread) notQuoted.push(`bid level ${level}: ${bidDistance} from the price is inside minimumSpread ${p.minimumSpread}`);
        else if (!(bid.amount > 0)) notQuoted.push(`bid level ${level}: amount 0 (inventory skew, bid ratio ${bidRatio}: the base is at or above the top of its range)`);
        else if (!(bid.price > 0)) notQuoted.push(`bid level ${level}: price ${bid.price} at or below 0`);
        else out.push(bid);
        if (askDistance < p.minimumSpread) notQuoted.push(`ask level ${level}: ${askDistance} from the price is inside minimumSpread ${p.minimumSpread}`);
        else if (!(ask.amount > 0)) notQuoted.push(`ask level ${level}: amount 0 (inventory skew, ask ratio ${askRatio}: the base is at or below the bottom of its range)`);
        else out.push(ask);
      }
      // The fee floor is measured from the quoted market's mid (what a fill's edge is measured against).
      const floor = floorQuotes(out, hasTopOfBook(ctx.market) ? midOf(ctx.market) : price, ctx.rules, p.edgeOverFee);
      last = { price, bidRatio, askRatio, floor, warning: notQuoted.length ? `not quoted: ${notQuoted.join("; ")}` : null };
      return floor.quotes;
    },
    describe: (): Record<string, number | string | null> =>
      last ? { price: last.price, bidRatio: last.bidRatio, askRatio: last.askRatio, ...feeFloorState(last.floor), warning: last.warning } : { ...empty, warning: noPriceWarning },
  };
}
