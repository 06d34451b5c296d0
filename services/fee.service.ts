/**
 * Maker/taker fees per venue and market, and the fee of a prospective trade, as
 * decimal strings. Rates come from the cex service (the exchange's fetchTradingFees
 * where it has one, else the market's listed fees) and are cached.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DECIMAL_PATTERN, estimateFee, type FeeRates } from "../lib/cex";
import type { RuntimeEnv } from "../lib/runtime/env";

const EXCHANGE = { type: "string", min: 1, max: 64, pattern: /^[a-z0-9_]+$/ } as const;
const SYMBOL = { type: "string", min: 3, max: 64, pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/ } as const;
const DECIMAL = { type: "string", pattern: DECIMAL_PATTERN, messages: { stringPattern: "The '{field}' field must be a positive decimal string." } } as const;

type RatesParams = { exchange: string; symbol?: string; base?: string; quote?: string };
type EstimateParams = { exchange: string; symbol: string; side: "buy" | "sell"; amount: string; price: string; role: "maker" | "taker" };

export default function createFeeService(_env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<ServiceSettingSchema & { ratesTtlSeconds: number }> = {
    name: "fee",
    settings: { ratesTtlSeconds: 300 },

    actions: {
      rates: {
        rest: "GET /:exchange/:base/:quote",
        summary: "Maker and taker fee rates of a market (decimal strings, cached)",
        params: {
          exchange: EXCHANGE,
          symbol: { ...SYMBOL, optional: true },
          base: { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/, optional: true },
          quote: { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/, optional: true },
        },
        cache: { keys: ["exchange", "symbol", "base", "quote"], ttl: 300 },
        async handler(ctx: Context<RatesParams>): Promise<FeeRates> {
          return ctx.call("cex.tradingFees", ctx.params);
        },
      },

      estimate: {
        rest: "POST /estimate",
        summary: "Fee of a prospective trade in the quote currency: amount × price × maker or taker rate",
        params: {
          exchange: EXCHANGE,
          symbol: SYMBOL,
          side: { type: "enum", values: ["buy", "sell"] },
          amount: DECIMAL,
          price: DECIMAL,
          role: { type: "enum", values: ["maker", "taker"], default: "taker" },
        },
        async handler(ctx: Context<EstimateParams>) {
          const rates = (await ctx.call("fee.rates", { exchange: ctx.params.exchange, symbol: ctx.params.symbol })) as FeeRates;
          return estimateFee(rates, ctx.params);
        },
      },
    },
  };
  return schema as unknown as ServiceSchema;
}
