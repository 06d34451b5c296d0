import type { MarketSnapshot, StrategyContext } from "../../../lib/strategies/types";

export type ContextOverrides = Partial<Omit<StrategyContext, "market">> & { market?: Partial<MarketSnapshot> };

export function ctxOf(over: ContextOverrides = {}): StrategyContext {
  const { market, ...rest } = over;
  return {
    now: 0,
    inventory: { base: 5, quote: 500 },
    rules: { tickSize: 0.01, lotSize: 0.001 },
    ...rest,
    market: { ts: 0, bestBid: 99, bestAsk: 101, ...market },
  };
}
