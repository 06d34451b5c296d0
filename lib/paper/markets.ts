import { SCALE, decimalsOf, formatUnits, mulUnits, toUnits, DecimalFormatError } from './fixed-point';

/** One market of the paper venue; every number is a decimal string. */
export interface PaperMarketConfig {
  symbol: string;
  base: string;
  quote: string;
  /** price increment, e.g. "0.01" */
  tickSize: string;
  /** amount increment, e.g. "0.0001" */
  lotSize: string;
  /** smallest order amount in base currency (defaults to one lot) */
  minAmount?: string;
  /** smallest order value price × amount in quote currency (defaults to 0: no minimum) */
  minNotional?: string;
  /** fee rates as fractions: "0.001" = 0.1 %; a negative maker fee is a rebate */
  makerFee: string;
  takerFee: string;
}

/** A validated market with every figure in units (value × 10^18). */
export interface MarketSpec {
  symbol: string;
  id: string;
  base: string;
  quote: string;
  tick: bigint;
  lot: bigint;
  minAmount: bigint;
  minNotional: bigint;
  makerFee: bigint;
  takerFee: bigint;
  config: PaperMarketConfig;
}

export function buildMarketSpec(config: PaperMarketConfig): MarketSpec {
  const { symbol, base, quote } = config;
  if (!symbol || !base || !quote) throw new Error(`paper market needs symbol, base and quote: ${JSON.stringify(config)}`);
  if (symbol !== `${base}/${quote}`) throw new Error(`paper market symbol ${symbol} must be "${base}/${quote}"`);
  const read = (value: string | undefined, field: string, fallback?: bigint): bigint => {
    if (value === undefined) {
      if (fallback === undefined) throw new Error(`paper market ${symbol}: ${field} is required`);
      return fallback;
    }
    try {
      return toUnits(value, `${symbol} ${field}`);
    } catch (error) {
      if (error instanceof DecimalFormatError) throw new Error(`paper market ${symbol}: ${error.message}`);
      throw error;
    }
  };
  const tick = read(config.tickSize, 'tickSize');
  const lot = read(config.lotSize, 'lotSize');
  if (tick <= 0n || lot <= 0n) throw new Error(`paper market ${symbol}: tickSize and lotSize must be positive`);
  // price × amount must stay exact in 18 decimals, so the decimals of tick and lot must add up to ≤ 18
  if ((tick * lot) % SCALE !== 0n) {
    throw new Error(
      `paper market ${symbol}: tickSize ${config.tickSize} and lotSize ${config.lotSize} have ${decimalsOf(tick) + decimalsOf(lot)} decimals together, at most 18 are supported`,
    );
  }
  const minAmount = read(config.minAmount, 'minAmount', lot);
  if (minAmount <= 0n || minAmount % lot !== 0n) {
    throw new Error(`paper market ${symbol}: minAmount ${config.minAmount} must be a positive multiple of lotSize ${config.lotSize}`);
  }
  const minNotional = read(config.minNotional, 'minNotional', 0n);
  if (minNotional < 0n) throw new Error(`paper market ${symbol}: minNotional must be >= 0`);
  const makerFee = read(config.makerFee, 'makerFee');
  const takerFee = read(config.takerFee, 'takerFee');
  for (const [field, fee] of [['makerFee', makerFee], ['takerFee', takerFee]] as const) {
    if (fee <= -SCALE || fee >= SCALE) throw new Error(`paper market ${symbol}: ${field} must be between -1 and 1`);
  }
  if (takerFee < 0n) throw new Error(`paper market ${symbol}: takerFee cannot be negative`);
  return { symbol, id: `${base}${quote}`, base, quote, tick, lot, minAmount, minNotional, makerFee, takerFee, config };
}

/** price × amount in quote units (exact for on-grid prices and amounts). */
export function notional(price: bigint, amount: bigint): bigint {
  return mulUnits(price, amount);
}

/** Rounds a price to the nearest tick, halves up (ccxt's ROUND on a tick size). */
export function roundToTick(spec: MarketSpec, price: bigint): bigint {
  const remainder = price % spec.tick;
  return remainder * 2n >= spec.tick ? price - remainder + spec.tick : price - remainder;
}

export function floorToTick(spec: MarketSpec, price: bigint): bigint {
  return price - (((price % spec.tick) + spec.tick) % spec.tick);
}

export function ceilToTick(spec: MarketSpec, price: bigint): bigint {
  const floored = floorToTick(spec, price);
  return floored === price ? price : floored + spec.tick;
}

/** Truncates an amount down to whole lots (ccxt's TRUNCATE on a lot size). */
export function floorToLot(spec: MarketSpec, amount: bigint): bigint {
  return amount - (amount % spec.lot);
}

/** Smallest on-lot amount at this price that meets both the minimum amount and the minimum notional. */
export function minimumAmountAt(spec: MarketSpec, price: bigint): bigint {
  let amount = spec.minAmount;
  if (spec.minNotional > 0n && price > 0n && notional(price, amount) < spec.minNotional) {
    const needed = (spec.minNotional * SCALE + price - 1n) / price;
    const lots = (needed + spec.lot - 1n) / spec.lot;
    amount = lots * spec.lot;
  }
  return amount;
}
