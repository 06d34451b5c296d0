/**
 * Maker/taker fees per venue and market, the fee of a prospective trade and the cost of a
 * multi-leg route (CEX trading fees, DEX pool fees and gas), as decimal strings. The
 * arithmetic is lib/fees; rates come from the cex service (fetchTradingFees → market →
 * exchange default, via resolveFeeSchedule) and are cached.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { DECIMAL_PATTERN } from "../lib/cex";
import { estimateRoute, estimateTrade, FeeInputError, type FeeSchedule, type RouteLeg, type TradeSide } from "../lib/fees";
import type { RuntimeEnv } from "../lib/runtime/env";

const EXCHANGE = { type: "string", min: 1, max: 64, pattern: /^[a-z0-9_]+$/ } as const;
const SYMBOL = { type: "string", min: 3, max: 64, pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/ } as const;
const DECIMAL = { type: "string", pattern: DECIMAL_PATTERN, messages: { stringPattern: "The '{field}' field must be a positive decimal string." } } as const;
const RATES_TTL_SECONDS = 300;

type RatesParams = { exchange: string; symbol?: string; base?: string; quote?: string };
type EstimateParams = { exchange: string; symbol: string; side: TradeSide; amount: string; price: string; role: "maker" | "taker" };
type RouteParams = { legs: Array<Record<string, unknown>> };

function validationError(field: string, message: string) {
  return new Errors.ValidationError(message, "VALIDATION_ERROR", [{ field, message, type: "fee" }]);
}

/** lib/fees' input errors name the offending field (e.g. legs[1].gasUnits): a 422 naming it. */
function asValidation<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FeeInputError) throw validationError(err.field, err.message);
    throw err;
  }
}

function currencyOf(symbol: string, which: "base" | "quote"): string {
  const [base, rest = ""] = symbol.split("/");
  return which === "base" ? base : rest.split(":")[0];
}

export default function createFeeService(_env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<ServiceSettingSchema> = {
    name: "fee",

    actions: {
      rates: {
        rest: "GET /:exchange/:base/:quote",
        summary: "Maker and taker fee rates of a market, with their source and feeSide (decimal strings, cached)",
        params: {
          exchange: EXCHANGE,
          symbol: { ...SYMBOL, optional: true },
          base: { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/, optional: true },
          quote: { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/, optional: true },
        },
        cache: { keys: ["exchange", "symbol", "base", "quote"], ttl: RATES_TTL_SECONDS },
        async handler(ctx: Context<RatesParams>): Promise<FeeSchedule> {
          return ctx.call("cex.tradingFees", ctx.params);
        },
      },

      estimate: {
        rest: "POST /estimate",
        idempotent: true,
        summary: "Fee of a prospective trade: notional × maker or taker rate, in base or quote as the market's feeSide says",
        params: {
          exchange: EXCHANGE,
          symbol: SYMBOL,
          side: { type: "enum", values: ["buy", "sell"] },
          amount: DECIMAL,
          price: DECIMAL,
          role: { type: "enum", values: ["maker", "taker"], default: "taker" },
        },
        async handler(ctx: Context<EstimateParams>) {
          const { exchange, symbol, side, amount, price, role } = ctx.params;
          const rates = (await ctx.call("fee.rates", { exchange, symbol })) as FeeSchedule;
          const trade = asValidation(() => estimateTrade({ side, amount, price, feeRate: rates[role], feeSide: rates.feeSide }));
          return {
            exchange,
            symbol,
            role,
            source: rates.source,
            feeSide: rates.feeSide ?? "quote",
            ...trade,
            /** the currency the venue charges and the fee in it */
            currency: currencyOf(symbol, trade.feeCurrency),
            fee: trade.feeCurrency === "base" ? trade.feeInBase! : trade.feeInQuote,
          };
        },
      },

      estimateRoute: {
        rest: "POST /route",
        idempotent: true,
        summary: "Cost of a route in quote currency: CEX legs (trading fee; rate looked up unless given) and DEX legs (pool fee + gas units × gas price × native price)",
        params: {
          legs: { type: "array", min: 1, max: 20, items: { type: "object" } },
        },
        async handler(ctx: Context<RouteParams>) {
          const legs: RouteLeg[] = [];
          for (const [index, raw] of ctx.params.legs.entries()) {
            const leg = { ...raw } as Record<string, unknown>;
            if (leg.venue === "cex" && (leg.feeRate === undefined || leg.feeSide === undefined)) {
              for (const field of ["exchange", "symbol"]) {
                if (typeof leg[field] !== "string" || leg[field] === "") throw validationError(`legs[${index}].${field}`, `legs[${index}].${field} must be a non-empty string`);
              }
              let rates: FeeSchedule;
              try {
                rates = (await ctx.call("fee.rates", { exchange: leg.exchange, symbol: leg.symbol })) as FeeSchedule;
              } catch (err) {
                const e = err as { type?: string; data?: Array<{ field?: string; message?: string }>; message: string };
                if (e.type === "VALIDATION_ERROR" && Array.isArray(e.data)) {
                  const field = e.data[0]?.field ?? "exchange";
                  throw validationError(`legs[${index}].${field}`, `legs[${index}].${e.data[0]?.message ?? e.message}`);
                }
                throw err;
              }
              const role = leg.role === "maker" ? "maker" : "taker";
              if (leg.feeRate === undefined) leg.feeRate = rates[role];
              if (leg.feeSide === undefined && rates.feeSide) leg.feeSide = rates.feeSide;
            }
            legs.push(leg as unknown as RouteLeg);
          }
          return asValidation(() => estimateRoute(legs));
        },
      },
    },
  };
  return schema as unknown as ServiceSchema;
}
