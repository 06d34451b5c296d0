/**
 * What one leg of an arbitrage costs or brings in for a given base size, in quote currency:
 * a CEX leg walks the order book (lib/fees walkBook, not the top of book) and adds the taker fee;
 * a DEX leg follows the pool curve (Uniswap V2 constant product here, or the chain's quoter through
 * the dex service) with the pool fee inside the price, and pays gas.
 *
 * Every estimate splits the same way, so a route adds up exactly:
 *   buy:  net = gross + fee + gas   (quote paid)
 *   sell: net = gross − fee − gas   (quote received)
 * where gross is the price before any fee (for a pool, the amount with its fee taken back out).
 */
import { parseUnits } from "ethers";
import { walkBook, type BookLevelInput, type FeeSide } from "../fees";
import { formatAmount, v2AmountIn, v2AmountOut } from "../dex/math";
import { D, str, type Dec } from "./decimal";

export type Side = "buy" | "sell";
export type VenueKind = "cex" | "dex";

export interface LegEstimate {
  side: Side;
  /** base amount */
  amount: string;
  /** quote before fees */
  gross: string;
  /** trading fee in quote (a CEX taker fee; a pool's fee, already inside the pool's price) */
  fee: string;
  /** gas in quote */
  gas: string;
  /** quote paid (buy) or received (sell), fees and gas included */
  net: string;
  /** net of the trading fee per base unit: notional ÷ amount as the venue fills it */
  averagePrice: string;
  /** the last book level touched (CEX) or the pool's marginal price after the trade (DEX, when known) */
  worstPrice?: string;
  /** 0..1: how much of the visible depth the leg uses (a DEX leg is taken as 1: it can revert or slip) */
  risk: number;
}

export interface LegPricer {
  venue: string;
  kind: VenueKind;
  side: Side;
  /** CEX symbol or pool address */
  market: string;
  /** The leg for `amount` base, or null when the venue cannot fill it. */
  price(amount: string): LegEstimate | null | Promise<LegEstimate | null>;
}

function combine(side: Side, amount: string, gross: Dec, fee: Dec, gas: Dec, notional: Dec, risk: number, worstPrice?: string): LegEstimate {
  const net = side === "buy" ? gross.add(fee).add(gas) : gross.sub(fee).sub(gas);
  return {
    side, amount, gross: str(gross), fee: str(fee), gas: str(gas), net: str(net),
    averagePrice: str(notional.div(amount)), ...(worstPrice !== undefined ? { worstPrice } : {}), risk,
  };
}

export interface CexPricerInput {
  venue: string;
  symbol: string;
  side: Side;
  /** asks for a buy, bids for a sell, best first */
  levels: readonly BookLevelInput[];
  /** taker rate as a fraction, "0.001" */
  takerFee: string;
  feeSide?: FeeSide;
}

/** A CEX leg: walks the book for the size and charges the taker fee on the notional. */
export function cexLegPricer(input: CexPricerInput): LegPricer {
  const rate = new D(input.takerFee);
  return {
    venue: input.venue, kind: "cex", side: input.side, market: input.symbol,
    price(amount: string): LegEstimate | null {
      if (input.levels.length === 0) return null;
      const walk = walkBook(input.levels, input.side, amount);
      if (walk.exhausted) return null;
      const cost = new D(walk.cost);
      // A fee charged in base (a Binance-style buy) is valued at the fill's average price: the same quote value.
      const fee = cost.mul(rate).toDecimalPlaces(18, D.ROUND_UP);
      return combine(input.side, amount, cost, fee, new D(0), cost, walk.levelsUsed / input.levels.length, walk.worstPrice ?? undefined);
    },
  };
}

/** The pool fee, in quote, of a trade whose quote side moved `quoteAmount` through the pool. */
function poolFee(side: Side, quoteAmount: Dec, rate: Dec): Dec {
  // buy: quote goes in and the fee is taken from it; sell: base goes in, its fee is worth out × rate / (1 − rate)
  return side === "buy" ? quoteAmount.mul(rate) : quoteAmount.mul(rate).div(new D(1).sub(rate));
}

export interface DexQuoteResult {
  /** quote paid (buy, exact-out) or received (sell, exact-in), decimal string; pool fee inside */
  quoteAmount: string;
}

export interface DexPricerInput {
  venue: string;
  pool: string;
  side: Side;
  /** pool fee as a fraction ("0.003") */
  feeRate: string;
  /** gas of one swap in quote */
  gasQuote: string;
  /** Quotes the pool: exact-out `amount` base for a buy, exact-in `amount` base for a sell; null when it cannot. */
  quote(side: Side, amount: string): DexQuoteResult | null | Promise<DexQuoteResult | null>;
}

/** A DEX leg priced by any quoter (the chain's QuoterV2 / Router02 through the dex service, or local math). */
export function dexLegPricer(input: DexPricerInput): LegPricer {
  const rate = new D(input.feeRate);
  const gas = new D(input.gasQuote);
  return {
    venue: input.venue, kind: "dex", side: input.side, market: input.pool,
    async price(amount: string): Promise<LegEstimate | null> {
      const q = await input.quote(input.side, amount);
      if (!q) return null;
      const notional = new D(q.quoteAmount);
      if (notional.lte(0)) return null;
      const fee = poolFee(input.side, notional, rate);
      const gross = input.side === "buy" ? notional.sub(fee) : notional.add(fee);
      return combine(input.side, amount, gross, fee, gas, notional, 1);
    },
  };
}

export interface V2PoolInput {
  reserveBase: bigint;
  reserveQuote: bigint;
  baseDecimals: number;
  quoteDecimals: number;
}

/** Uniswap V2 constant-product quote (0.3 % fee, exact integer math of the router) for dexLegPricer. */
export function v2Quoter(pool: V2PoolInput): DexPricerInput["quote"] {
  return (side, amount) => {
    let units: bigint;
    try {
      units = parseUnits(amount, pool.baseDecimals);
    } catch {
      return null;
    }
    if (units <= 0n) return null;
    if (side === "sell") {
      const out = v2AmountOut(units, pool.reserveBase, pool.reserveQuote);
      return out > 0n ? { quoteAmount: formatAmount(out, pool.quoteDecimals) } : null;
    }
    if (units >= pool.reserveBase) return null;
    return { quoteAmount: formatAmount(v2AmountIn(units, pool.reserveQuote, pool.reserveBase), pool.quoteDecimals) };
  };
}
