import { DecimalFormatError, formatUnits, parseUnits } from '../paper/fixed-point';

/** Where a market's rates came from, most specific first. */
export type FeeScheduleSource = 'tradingFees' | 'market' | 'exchangeDefault';

/** ccxt's market `feeSide`: the currency you get, the one you give, or always quote / base. */
export type FeeSide = 'get' | 'give' | 'quote' | 'base';

export interface FeeSchedule {
  exchange: string;
  symbol: string;
  /** fractions as decimal strings: "0.001" is 0.1 %; a negative maker rate is a rebate */
  maker: string;
  taker: string;
  source: FeeScheduleSource;
  /** from the ccxt market when it says; ccxt assumes "quote" otherwise */
  feeSide?: FeeSide;
}

/** The rate fields shared by ccxt's TradingFeeInterface, MarketInterface and `exchange.fees.trading`. */
export interface FeeRateFields {
  maker?: number | string | null;
  taker?: number | string | null;
  /** false means a flat fee per trade, which is not a rate and is skipped */
  percentage?: boolean | null;
}

export interface MarketFeeFields extends FeeRateFields {
  feeSide?: string | null;
}

export interface FeeScheduleSources {
  /** the result of ccxt `fetchTradingFees()`: account-specific, so it wins */
  tradingFees?: Record<string, FeeRateFields | undefined> | null;
  /** the ccxt market (`exchange.markets[symbol]`) */
  market?: MarketFeeFields | null;
  /** exchange-wide rates, e.g. ccxt's `exchange.fees.trading` or configured ones */
  exchangeDefault?: FeeRateFields | null;
}

export class FeeScheduleUnavailableError extends Error {
  override name = 'FeeScheduleUnavailableError';

  constructor(
    readonly exchange: string,
    readonly symbol: string,
  ) {
    super(`no maker/taker fee rates for ${symbol} on ${exchange}: none from fetchTradingFees, the market or an exchange default`);
  }
}

const FEE_SIDES: readonly FeeSide[] = ['get', 'give', 'quote', 'base'];

/** ccxt rates are JS numbers; they are read through their shortest decimal form, never multiplied as floats. */
function rateString(value: number | string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    const units = parseUnits(value).units;
    return units > -(10n ** 18n) && units < 10n ** 18n ? formatUnits(units) : undefined;
  } catch (error) {
    if (error instanceof DecimalFormatError) return undefined;
    throw error;
  }
}

function ratesOf(fields: FeeRateFields | null | undefined): { maker: string; taker: string } | undefined {
  if (!fields || fields.percentage === false) return undefined;
  const maker = rateString(fields.maker);
  const taker = rateString(fields.taker);
  return maker !== undefined && taker !== undefined ? { maker, taker } : undefined;
}

/** Picks rates from fetchTradingFees(), then the market, then the exchange default. */
export function resolveFeeSchedule(exchange: string, symbol: string, sources: FeeScheduleSources): FeeSchedule {
  const feeSide = sources.market?.feeSide;
  const side = FEE_SIDES.includes(feeSide as FeeSide) ? { feeSide: feeSide as FeeSide } : {};
  const candidates: Array<[FeeScheduleSource, FeeRateFields | null | undefined]> = [
    ['tradingFees', sources.tradingFees?.[symbol]],
    ['market', sources.market],
    ['exchangeDefault', sources.exchangeDefault],
  ];
  for (const [source, fields] of candidates) {
    const rates = ratesOf(fields);
    if (rates) return { exchange, symbol, ...rates, source, ...side };
  }
  throw new FeeScheduleUnavailableError(exchange, symbol);
}

/** What the fee service knows per exchange, refreshed as ccxt answers arrive. */
export class FeeScheduleRegistry {
  private readonly tradingFees = new Map<string, Record<string, FeeRateFields | undefined>>();
  private readonly markets = new Map<string, Record<string, MarketFeeFields | undefined>>();
  private readonly defaults = new Map<string, FeeRateFields>();

  setTradingFees(exchange: string, fees: Record<string, FeeRateFields | undefined>): void {
    this.tradingFees.set(exchange, fees);
  }

  setMarkets(exchange: string, markets: Record<string, MarketFeeFields | undefined>): void {
    this.markets.set(exchange, markets);
  }

  setExchangeDefault(exchange: string, rates: FeeRateFields): void {
    this.defaults.set(exchange, rates);
  }

  resolve(exchange: string, symbol: string): FeeSchedule {
    return resolveFeeSchedule(exchange, symbol, {
      tradingFees: this.tradingFees.get(exchange),
      market: this.markets.get(exchange)?.[symbol],
      exchangeDefault: this.defaults.get(exchange),
    });
  }

  rate(exchange: string, symbol: string, role: 'maker' | 'taker'): string {
    return this.resolve(exchange, symbol)[role];
  }
}
