/** Trading-fee arithmetic on decimal strings (no floats): rates and a fee estimate with its breakdown. */
import type { MarketInterface, TradingFeeInterface } from "ccxt";
import { mulDecimal, toDecimalString } from "./decimal";

export interface FeeRates {
  exchange: string;
  symbol: string;
  maker: string;
  taker: string;
  source: "fetchTradingFees" | "market";
}

export function feeRatesFrom(exchange: string, symbol: string, market: MarketInterface, fetched?: TradingFeeInterface): FeeRates {
  const maker = toDecimalString(fetched?.maker);
  const taker = toDecimalString(fetched?.taker);
  if (maker !== null && taker !== null) return { exchange, symbol, maker, taker, source: "fetchTradingFees" };
  return { exchange, symbol, maker: toDecimalString(market.maker) ?? "0", taker: toDecimalString(market.taker) ?? "0", source: "market" };
}

export interface FeeEstimate {
  exchange: string;
  symbol: string;
  side: "buy" | "sell";
  role: "maker" | "taker";
  currency: string;
  fee: string;
  breakdown: { amount: string; price: string; notional: string; rate: string; source: FeeRates["source"] };
}

/** Fee in the quote currency: amount × price × rate(role). */
export function estimateFee(rates: FeeRates, input: { side: "buy" | "sell"; amount: string; price: string; role: "maker" | "taker" }): FeeEstimate {
  const rate = input.role === "maker" ? rates.maker : rates.taker;
  const notional = mulDecimal(input.amount, input.price);
  const quote = rates.symbol.split("/")[1]?.split(":")[0] ?? "";
  return {
    exchange: rates.exchange,
    symbol: rates.symbol,
    side: input.side,
    role: input.role,
    currency: quote,
    fee: mulDecimal(notional, rate),
    breakdown: { amount: input.amount, price: input.price, notional, rate, source: rates.source },
  };
}
