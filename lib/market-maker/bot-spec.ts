/**
 * Which bots exist and how each is set up, derived from the config service's documents:
 * a `strategies` document names a `markets` document (venue + symbol) and carries the
 * strategy's parameters; `risk` documents apply by scope (the bot's name, else "global").
 * A document that cannot become a bot is reported with the reason, never half-started.
 */
import type { RiskLimits } from "../risk/types";
import { riskLimitsFromConfig } from "../risk";

export interface ConfigDocument<B = Record<string, unknown>> {
  name: string;
  version: number;
  body: B;
}

export interface MarketDoc {
  venue: string;
  kind: "cex" | "dex";
  symbol: string;
  enabled?: boolean;
  pool?: string;
  protocol?: string;
  keyId?: string;
}

/** 10 s: OKX's shortest accepted timeout; refreshed every 2.5 s. */
export const DEFAULT_DEAD_MAN_TIMEOUT_MS = 10_000;

export interface StrategyDoc {
  market: string;
  strategy: "pure_market_making" | "avellaneda_stoikov" | "glft" | "cross_exchange";
  enabled?: boolean;
  minRequoteIntervalMs?: number;
  /** Quote-currency capital the drawdown limit is measured against (capital + PnL). */
  capital?: string;
  /** Dead man's switch timeout while the bot quotes, where the exchange has one (lib/market-maker/dead-man.ts); 0 = off. */
  deadManTimeoutMs?: number;
  params: Record<string, unknown>;
}

export interface MarketRef {
  name: string;
  kind: "cex" | "dex";
  venue: string;
  symbol: string;
  base: string;
  quote: string;
  pool?: string;
  keyId?: string;
}

export interface BotSpec {
  name: string;
  version: number;
  enabled: boolean;
  strategy: StrategyDoc["strategy"];
  params: Record<string, unknown>;
  minRequoteIntervalMs: number;
  /** See StrategyDoc.capital; undefined: drawdown on the PnL alone. */
  capital?: string;
  /** See StrategyDoc.deadManTimeoutMs; 0 = off. */
  deadManTimeoutMs: number;
  market: MarketRef;
  /** PMM `priceSource: external` market, or the XEMM taker market. */
  reference: MarketRef | null;
  risk: RiskLimits;
}

export type SpecResult = { ok: true; spec: BotSpec } | { ok: false; name: string; error: string };

function marketRef(name: string, docs: Map<string, MarketDoc>): MarketRef | string {
  const m = docs.get(name);
  if (!m) return `names market "${name}", which is not a markets document`;
  const [base, quote] = m.symbol.split("/");
  return { name, kind: m.kind, venue: m.venue, symbol: m.symbol, base, quote, pool: m.pool, keyId: m.keyId };
}

export function buildBotSpecs(
  strategies: ConfigDocument<StrategyDoc>[],
  markets: ConfigDocument<MarketDoc>[],
  risks: ConfigDocument<Record<string, unknown>>[],
): SpecResult[] {
  const marketDocs = new Map(markets.map((d) => [d.name, d.body]));
  const riskByScope = new Map(risks.map((d) => [String(d.body.scope ?? "global"), d.body]));
  return strategies.map((doc): SpecResult => {
    const body = doc.body;
    const market = marketRef(body.market, marketDocs);
    if (typeof market === "string") return { ok: false, name: doc.name, error: `strategies/${doc.name} ${market}` };
    if (market.kind !== "cex") return { ok: false, name: doc.name, error: `strategies/${doc.name}: quoting needs a CEX market; ${market.name} is ${market.kind}` };
    let reference: MarketRef | null = null;
    const refName = body.strategy === "cross_exchange" ? body.params.takerMarket : body.params.priceSource === "external" ? body.params.externalMarket : undefined;
    if (body.strategy === "cross_exchange" || body.params.priceSource === "external") {
      if (typeof refName !== "string") return { ok: false, name: doc.name, error: `strategies/${doc.name}: params.${body.strategy === "cross_exchange" ? "takerMarket" : "externalMarket"} is required` };
      const ref = marketRef(refName, marketDocs);
      if (typeof ref === "string") return { ok: false, name: doc.name, error: `strategies/${doc.name} ${ref}` };
      if (ref.kind === "dex" && !ref.pool) return { ok: false, name: doc.name, error: `strategies/${doc.name}: DEX market ${ref.name} has no pool address` };
      if (ref.symbol !== market.symbol && body.strategy === "cross_exchange") {
        return { ok: false, name: doc.name, error: `strategies/${doc.name}: taker market ${ref.name} trades ${ref.symbol}, the maker market ${market.symbol}` };
      }
      reference = ref;
    }
    const riskBody = riskByScope.get(doc.name) ?? riskByScope.get("global") ?? {};
    return {
      ok: true,
      spec: {
        name: doc.name,
        version: doc.version,
        enabled: body.enabled === true && marketDocs.get(body.market)?.enabled !== false,
        strategy: body.strategy,
        params: body.params,
        minRequoteIntervalMs: body.minRequoteIntervalMs ?? 250,
        capital: body.capital,
        deadManTimeoutMs: body.deadManTimeoutMs ?? DEFAULT_DEAD_MAN_TIMEOUT_MS,
        market,
        reference,
        risk: riskLimitsFromConfig(riskBody),
      },
    };
  });
}
