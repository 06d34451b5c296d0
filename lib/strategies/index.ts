import { STRATEGY_PARAMS, type StrategyName } from "../config/kinds";
import { createAvellanedaStoikov, type AvellanedaStoikovParams } from "./avellaneda-stoikov";
import { createGlft, type GlftParams } from "./glft";
import { createCrossExchange, type CrossExchangeParams } from "./cross-exchange";
import { createPureMarketMaking, type PureMarketMakingParams } from "./pure-market-making";
import type { OrderPolicy, Strategy } from "./types";

export * from "./types";
export * from "./pure-market-making";
export * from "./avellaneda-stoikov";
export * from "./cross-exchange";
export * from "./glft";
export * from "./fee-floor";
export * from "./inventory-skew";
export * from "./volatility";
export * from "./trading-intensity";

/** The schema's defaults for fields the document leaves out (validated documents already have them). */
export function withDefaults(name: StrategyName, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(STRATEGY_PARAMS[name])) {
    if (typeof rule === "object" && rule !== null && "default" in rule) out[field] = rule.default;
  }
  return { ...out, ...params };
}

export function createStrategy(name: StrategyName, params: Record<string, unknown>): Strategy {
  const p = withDefaults(name, params);
  switch (name) {
    case "pure_market_making":
      return createPureMarketMaking(p as unknown as PureMarketMakingParams);
    case "avellaneda_stoikov":
      return createAvellanedaStoikov(p as unknown as AvellanedaStoikovParams);
    case "glft":
      return createGlft(p as unknown as GlftParams);
    case "cross_exchange":
      return createCrossExchange(p as unknown as CrossExchangeParams);
  }
}

const LONG_MS = 365 * 86_400_000;

export function orderPolicyOf(name: StrategyName, params: Record<string, unknown>): OrderPolicy {
  const p = withDefaults(name, params);
  if (name === "pure_market_making") {
    return {
      refreshTimeMs: p.orderRefreshTimeMs as number,
      refreshTolerance: p.orderRefreshTolerance as number,
      maxOrderAgeMs: p.maxOrderAgeMs as number,
      filledOrderDelayMs: p.filledOrderDelayMs as number,
      hangingOrders: p.hangingOrders as boolean,
    };
  }
  return {
    refreshTimeMs: p.orderRefreshTimeMs as number,
    refreshTolerance: 0,
    maxOrderAgeMs: LONG_MS,
    filledOrderDelayMs: 0,
    hangingOrders: false,
  };
}
