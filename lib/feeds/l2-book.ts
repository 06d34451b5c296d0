import { DecimalFormatError, DecimalInput, formatUnits, toUnits } from '../paper/fixed-point';

/** [price, amount, ...] as exchanges send them: decimal strings (Binance) or numbers (ccxt). */
export type LevelInput = readonly [DecimalInput, DecimalInput, ...unknown[]];

/** [price, amount] decimal strings, best first. */
export type Level = [string, string];

export interface L2Levels {
  bids: Level[];
  asks: Level[];
}

export class BookFormatError extends Error {
  override name = 'BookFormatError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

function readDecimal(value: unknown, field: string): bigint {
  if (typeof value !== 'string' && typeof value !== 'number') throw new BookFormatError(field, `must be a decimal, got ${typeof value}`);
  try {
    return toUnits(value, field);
  } catch (error) {
    if (error instanceof DecimalFormatError) throw new BookFormatError(field, `must be a decimal with at most 18 decimals, got ${JSON.stringify(value)}`);
    throw error;
  }
}

export interface ParsedLevel {
  price: bigint;
  amount: bigint;
}

/** Reads levels as exact units; an amount of 0 is kept (in a diff it removes the level). */
export function parseLevels(levels: readonly LevelInput[], field: string): ParsedLevel[] {
  if (!Array.isArray(levels)) throw new BookFormatError(field, 'must be an array of [price, amount] levels');
  return levels.map((level, i) => {
    if (!Array.isArray(level) || level.length < 2) throw new BookFormatError(`${field}[${i}]`, 'must be a [price, amount] pair');
    const price = readDecimal(level[0], `${field}[${i}][0]`);
    const amount = readDecimal(level[1], `${field}[${i}][1]`);
    if (price <= 0n) throw new BookFormatError(`${field}[${i}][0]`, `must be a positive price, got ${JSON.stringify(level[0])}`);
    if (amount < 0n) throw new BookFormatError(`${field}[${i}][1]`, `must not be negative, got ${JSON.stringify(level[1])}`);
    return { price, amount };
  });
}

/** One side of an aggregated (L2) book: price → amount, with prices kept sorted best first. */
export class L2BookSide {
  private readonly prices: bigint[] = [];
  private readonly amounts = new Map<bigint, bigint>();

  constructor(readonly side: 'bids' | 'asks') {}

  get depth(): number {
    return this.prices.length;
  }

  /** Sets a level's amount; 0 removes it (removing an absent level is not an error). */
  set(price: bigint, amount: bigint): void {
    const index = this.indexFor(price);
    const present = this.prices[index] === price;
    if (amount === 0n) {
      if (present) {
        this.prices.splice(index, 1);
        this.amounts.delete(price);
      }
      return;
    }
    if (!present) this.prices.splice(index, 0, price);
    this.amounts.set(price, amount);
  }

  clear(): void {
    this.prices.length = 0;
    this.amounts.clear();
  }

  best(): ParsedLevel | undefined {
    const price = this.prices[0];
    return price === undefined ? undefined : { price, amount: this.amounts.get(price)! };
  }

  levels(limit = Infinity): Level[] {
    const count = Math.min(limit, this.prices.length);
    const result: Level[] = [];
    for (let i = 0; i < count; i++) {
      const price = this.prices[i];
      result.push([formatUnits(price), formatUnits(this.amounts.get(price)!)]);
    }
    return result;
  }

  /** First index whose price is not better than `price` (binary search over best-first order). */
  private indexFor(price: bigint): number {
    let low = 0;
    let high = this.prices.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const better = this.side === 'bids' ? this.prices[mid] > price : this.prices[mid] < price;
      if (better) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

export class L2Book {
  readonly bids = new L2BookSide('bids');
  readonly asks = new L2BookSide('asks');

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  apply(bids: readonly ParsedLevel[], asks: readonly ParsedLevel[]): void {
    for (const { price, amount } of bids) this.bids.set(price, amount);
    for (const { price, amount } of asks) this.asks.set(price, amount);
  }

  /** Best bid at or above best ask: a local book in this state has missed or misapplied updates. */
  crossing(): { bestBid: string; bestAsk: string } | undefined {
    const bid = this.bids.best();
    const ask = this.asks.best();
    if (!bid || !ask || bid.price < ask.price) return undefined;
    return { bestBid: formatUnits(bid.price), bestAsk: formatUnits(ask.price) };
  }

  top(limit = Infinity): L2Levels {
    return { bids: this.bids.levels(limit), asks: this.asks.levels(limit) };
  }
}
