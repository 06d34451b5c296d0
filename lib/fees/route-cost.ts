import { DecimalFormatError, formatUnits, mulUnitsCeil, parseUnits, SCALE } from '../paper/fixed-point';
import { FeeSide } from './fee-schedule';
import { FeeInputError, nonEmptyString, nonNegativeInteger, oneOf, positiveDecimal } from './fee-input';
import { TradeSide, tradeFeeUnits } from './trade-fee';

export interface CexRouteLeg {
  venue: 'cex';
  exchange: string;
  symbol: string;
  side: TradeSide;
  amount: string;
  price: string;
  role: 'maker' | 'taker';
  /** the rate for `role`, e.g. from FeeScheduleRegistry.rate() */
  feeRate: string;
  feeSide?: FeeSide;
}

export interface DexRouteLeg {
  venue: 'dex';
  pool: string;
  /** a fraction ("0.003", 0.003) or Uniswap V3's integer fee in hundredths of a basis point (3000 = 0.3 %) */
  feeTier: string | number;
  /** amount of the input token, decimal string */
  amountIn: string;
  /** quote value of one input token; omitted means the input token is the quote currency */
  tokenInPriceInQuote?: string;
  gasUnits: string | number | bigint;
  gasPriceWei: string | number | bigint;
  /** quote value of one native coin (ETH), decimal string */
  nativePriceInQuote: string;
}

export type RouteLeg = CexRouteLeg | DexRouteLeg;

interface LegCostBase {
  index: number;
  /** all in quote currency */
  tradingFee: string;
  gasCost: string;
  total: string;
}

export interface CexLegCost extends LegCostBase {
  venue: 'cex';
  exchange: string;
  symbol: string;
  role: 'maker' | 'taker';
  notional: string;
  feeCurrency: 'base' | 'quote';
  feeInBase?: string;
}

export interface DexLegCost extends LegCostBase {
  venue: 'dex';
  pool: string;
  /** the pool fee as a fraction */
  feeRate: string;
  /** the pool fee in the input token */
  feeInTokenIn: string;
  /** gasUnits × gasPriceWei in native coin */
  gasNative: string;
}

export type RouteLegCost = CexLegCost | DexLegCost;

export interface RouteCost {
  legs: RouteLegCost[];
  tradingFees: string;
  gasCosts: string;
  total: string;
}

/** Uniswap V3 fees are integers in millionths (hundredths of a basis point): 500, 3000, 10000. */
const UNISWAP_FEE_DENOMINATOR = 1_000_000n;

function poolFeeRate(value: unknown, field: string): bigint {
  const requirement = 'a fraction below 1 ("0.003") or a Uniswap fee in hundredths of a basis point (3000)';
  if (typeof value !== 'string' && typeof value !== 'number') throw new FeeInputError(field, requirement, value);
  const text = String(value).trim();
  if (/^\d+$/.test(text) && BigInt(text) >= 1n) {
    const pips = BigInt(text);
    if (pips >= UNISWAP_FEE_DENOMINATOR) throw new FeeInputError(field, requirement, value);
    return (pips * SCALE) / UNISWAP_FEE_DENOMINATOR;
  }
  let parsed;
  try {
    parsed = parseUnits(text, field);
  } catch (error) {
    if (error instanceof DecimalFormatError) throw new FeeInputError(field, requirement, value);
    throw error;
  }
  if (!parsed.exact || parsed.units < 0n || parsed.units >= SCALE) throw new FeeInputError(field, requirement, value);
  return parsed.units;
}

function cexLegCost(leg: CexRouteLeg, index: number): CexLegCost {
  const path = `legs[${index}].`;
  const exchange = nonEmptyString(leg.exchange, `${path}exchange`);
  const symbol = nonEmptyString(leg.symbol, `${path}symbol`);
  const role = oneOf(leg.role, `${path}role`, ['maker', 'taker'] as const);
  const fee = tradeFeeUnits(leg, path);
  return {
    index,
    venue: 'cex',
    exchange,
    symbol,
    role,
    notional: formatUnits(fee.notional),
    feeCurrency: fee.feeCurrency,
    ...(fee.feeInBase !== undefined ? { feeInBase: formatUnits(fee.feeInBase) } : {}),
    tradingFee: formatUnits(fee.feeInQuote),
    gasCost: '0',
    total: formatUnits(fee.feeInQuote),
  };
}

function dexLegCost(leg: DexRouteLeg, index: number): DexLegCost {
  const path = `legs[${index}].`;
  const pool = nonEmptyString(leg.pool, `${path}pool`);
  const rate = poolFeeRate(leg.feeTier, `${path}feeTier`);
  const amountIn = positiveDecimal(leg.amountIn, `${path}amountIn`);
  const tokenInPrice = leg.tokenInPriceInQuote === undefined ? SCALE : positiveDecimal(leg.tokenInPriceInQuote, `${path}tokenInPriceInQuote`);
  const gasUnits = nonNegativeInteger(leg.gasUnits, `${path}gasUnits`);
  const gasPriceWei = nonNegativeInteger(leg.gasPriceWei, `${path}gasPriceWei`);
  const nativePrice = positiveDecimal(leg.nativePriceInQuote, `${path}nativePriceInQuote`);
  const feeInTokenIn = mulUnitsCeil(amountIn, rate);
  const tradingFee = mulUnitsCeil(feeInTokenIn, tokenInPrice);
  // wei are exactly the 18-decimal units of the native coin
  const gasNative = gasUnits * gasPriceWei;
  const gasCost = mulUnitsCeil(gasNative, nativePrice);
  return {
    index,
    venue: 'dex',
    pool,
    feeRate: formatUnits(rate),
    feeInTokenIn: formatUnits(feeInTokenIn),
    gasNative: formatUnits(gasNative),
    tradingFee: formatUnits(tradingFee),
    gasCost: formatUnits(gasCost),
    total: formatUnits(tradingFee + gasCost),
  };
}

/** Total cost of a route in quote currency, leg by leg. Throws FeeInputError naming the leg and field. */
export function estimateRoute(legs: readonly RouteLeg[]): RouteCost {
  if (!Array.isArray(legs) || legs.length === 0) throw new FeeInputError('legs', 'a non-empty array of route legs', legs);
  const costs = legs.map((leg, index): RouteLegCost => {
    if (leg === null || typeof leg !== 'object') throw new FeeInputError(`legs[${index}]`, 'an object', leg);
    const venue = oneOf((leg as { venue?: unknown }).venue, `legs[${index}].venue`, ['cex', 'dex'] as const);
    return venue === 'cex' ? cexLegCost(leg as CexRouteLeg, index) : dexLegCost(leg as DexRouteLeg, index);
  });
  let tradingFees = 0n;
  let gasCosts = 0n;
  for (const cost of costs) {
    tradingFees += parseUnits(cost.tradingFee).units;
    gasCosts += parseUnits(cost.gasCost).units;
  }
  return {
    legs: costs,
    tradingFees: formatUnits(tradingFees),
    gasCosts: formatUnits(gasCosts),
    total: formatUnits(tradingFees + gasCosts),
  };
}
