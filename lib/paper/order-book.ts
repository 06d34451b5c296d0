import { PaperOrder, PriceLevel, Side, remainingOf } from './orders';

/**
 * One side of a book: price levels kept sorted worst → best, so the best level is the last
 * element and consuming it is a pop. Each level is a FIFO (doubly linked) of orders, which gives
 * price-time priority and O(1) cancel once the level is found.
 */
export class BookSide {
  /** prices sorted worst → best */
  private readonly prices: bigint[] = [];
  private readonly levels = new Map<bigint, PriceLevel>();

  constructor(readonly side: Side) {}

  get levelCount(): number {
    return this.prices.length;
  }

  /** Level by rank from the best: 0 is the best level. */
  levelFromBest(rank: number): PriceLevel | undefined {
    const price = this.prices[this.prices.length - 1 - rank];
    return price === undefined ? undefined : this.levels.get(price);
  }

  best(): PriceLevel | undefined {
    return this.levelFromBest(0);
  }

  /** true when `a` is a better price than `b` for this side */
  isBetter(a: bigint, b: bigint): boolean {
    return this.side === 'buy' ? a > b : a < b;
  }

  add(order: PaperOrder): void {
    const price = order.price!;
    let level = this.levels.get(price);
    if (!level) {
      level = { price, volume: 0n, count: 0, head: null, tail: null };
      this.levels.set(price, level);
      this.prices.splice(this.insertionIndex(price), 0, price);
    }
    order.level = level;
    order.prev = level.tail;
    order.next = null;
    if (level.tail) level.tail.next = order;
    else level.head = order;
    level.tail = order;
    level.count += 1;
    level.volume += remainingOf(order);
  }

  remove(order: PaperOrder): void {
    const level = order.level;
    if (!level) return;
    if (order.prev) order.prev.next = order.next;
    else level.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else level.tail = order.prev;
    level.count -= 1;
    level.volume -= remainingOf(order);
    order.level = null;
    order.prev = null;
    order.next = null;
    if (level.count === 0) {
      this.levels.delete(level.price);
      const index = this.indexOf(level.price);
      if (index === this.prices.length - 1) this.prices.pop();
      else this.prices.splice(index, 1);
    }
  }

  /** A resting order traded `amount`: keep the level volume in step. */
  reduce(order: PaperOrder, amount: bigint): void {
    if (order.level) order.level.volume -= amount;
  }

  /** Aggregated [price, volume] pairs from the best, at most `limit` levels. */
  depth(limit = Infinity): Array<[bigint, bigint]> {
    const result: Array<[bigint, bigint]> = [];
    for (let i = this.prices.length - 1; i >= 0 && result.length < limit; i--) {
      const level = this.levels.get(this.prices[i])!;
      result.push([level.price, level.volume]);
    }
    return result;
  }

  /** Orders from best to worst, in time priority within a level. */
  *orders(): IterableIterator<PaperOrder> {
    for (let i = this.prices.length - 1; i >= 0; i--) {
      for (let order = this.levels.get(this.prices[i])!.head; order; order = order.next) yield order;
    }
  }

  // ascending comparator for "worst → best": bids ascend, asks descend
  private before(a: bigint, b: bigint): boolean {
    return this.side === 'buy' ? a < b : a > b;
  }

  private insertionIndex(price: bigint): number {
    let low = 0;
    let high = this.prices.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.before(this.prices[mid], price)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private indexOf(price: bigint): number {
    const index = this.insertionIndex(price);
    if (this.prices[index] !== price) throw new Error(`order book corrupt: price level ${price} missing`);
    return index;
  }
}

export class OrderBook {
  readonly bids = new BookSide('buy');
  readonly asks = new BookSide('sell');
  /** bumped on every change, exposed as the ccxt order book nonce */
  nonce = 0;
  lastChange = 0;

  constructor(readonly symbol: string) {}

  sideFor(side: Side): BookSide {
    return side === 'buy' ? this.bids : this.asks;
  }

  oppositeOf(side: Side): BookSide {
    return side === 'buy' ? this.asks : this.bids;
  }
}
