import { formatUnits, mulUnits, mulUnitsCeil } from '../paper/fixed-point';
import { FeeSide } from './fee-schedule';
import { feeRate, oneOf, positiveDecimal } from './fee-input';

export type TradeSide = 'buy' | 'sell';

export interface TradeFeeInput {
  side: TradeSide;
  /** base amount, decimal string */
  amount: string;
  /** quote per base, decimal string */
  price: string;
  /** fraction, decimal string: "0.001" is 0.1 % */
  feeRate: string;
  /** ccxt's market feeSide; ccxt assumes "quote" when a market does not say (Binance spot says "get") */
  feeSide?: FeeSide;
}

export interface TradeFeeEstimate {
  side: TradeSide;
  /** amount × price in quote */
  notional: string;
  feeRate: string;
  feeCurrency: 'base' | 'quote';
  /** the fee valued in quote (a base fee is valued at the trade price) */
  feeInQuote: string;
  /** only when the fee is charged in base, e.g. a Binance buy without BNB */
  feeInBase?: string;
}

/** Same arithmetic, in 18-decimal units, for callers that sum fees. */
export interface TradeFeeUnits {
  notional: bigint;
  feeCurrency: 'base' | 'quote';
  feeInQuote: bigint;
  feeInBase?: bigint;
}

export function feeCurrencyOf(side: TradeSide, feeSide: FeeSide): 'base' | 'quote' {
  switch (feeSide) {
    case 'get':
      return side === 'buy' ? 'base' : 'quote';
    case 'give':
      return side === 'buy' ? 'quote' : 'base';
    default:
      return feeSide;
  }
}

/**
 * Notional is truncated to 18 decimals and fees are rounded up to 18 decimals, the paper
 * exchange's rule, so an estimate never falls below what a venue charges.
 * `path` prefixes field names in errors (e.g. "legs[0].").
 */
export function tradeFeeUnits(input: TradeFeeInput, path = ''): TradeFeeUnits {
  if (input === null || typeof input !== 'object') throw new TypeError(`${path || 'trade'} must be an object`);
  const side = oneOf(input.side, `${path}side`, ['buy', 'sell'] as const);
  const amount = positiveDecimal(input.amount, `${path}amount`);
  const price = positiveDecimal(input.price, `${path}price`);
  const rate = feeRate(input.feeRate, `${path}feeRate`);
  const feeSide = input.feeSide === undefined ? 'quote' : oneOf(input.feeSide, `${path}feeSide`, ['get', 'give', 'quote', 'base'] as const);
  const notional = mulUnits(amount, price);
  const feeCurrency = feeCurrencyOf(side, feeSide);
  if (feeCurrency === 'quote') return { notional, feeCurrency, feeInQuote: mulUnitsCeil(notional, rate) };
  const feeInBase = mulUnitsCeil(amount, rate);
  return { notional, feeCurrency, feeInBase, feeInQuote: mulUnitsCeil(feeInBase, price) };
}

export function estimateTrade(input: TradeFeeInput): TradeFeeEstimate {
  const units = tradeFeeUnits(input);
  return {
    side: input.side,
    notional: formatUnits(units.notional),
    feeRate: formatUnits(feeRate(input.feeRate, 'feeRate')),
    feeCurrency: units.feeCurrency,
    feeInQuote: formatUnits(units.feeInQuote),
    ...(units.feeInBase !== undefined ? { feeInBase: formatUnits(units.feeInBase) } : {}),
  };
}
