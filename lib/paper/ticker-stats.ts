const MINUTE = 60_000;
const WINDOW = 24 * 60 * MINUTE;

interface MinuteBucket {
  minute: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  baseVolume: bigint;
  quoteVolume: bigint;
}

export interface TradeStats {
  open: bigint | undefined;
  high: bigint | undefined;
  low: bigint | undefined;
  last: bigint | undefined;
  baseVolume: bigint;
  quoteVolume: bigint;
}

/** Rolling 24 h open/high/low/last/volume of one market, in one-minute buckets. */
export class TickerStats {
  private readonly buckets: MinuteBucket[] = [];
  private head = 0;
  private last: bigint | undefined;

  record(timestamp: number, price: bigint, amount: bigint, cost: bigint): void {
    this.last = price;
    const minute = Math.floor(timestamp / MINUTE);
    const current = this.buckets[this.buckets.length - 1];
    if (current && current.minute >= minute) {
      if (price > current.high) current.high = price;
      if (price < current.low) current.low = price;
      current.close = price;
      current.baseVolume += amount;
      current.quoteVolume += cost;
      return;
    }
    this.buckets.push({ minute, open: price, high: price, low: price, close: price, baseVolume: amount, quoteVolume: cost });
  }

  snapshot(now: number): TradeStats {
    const firstMinute = Math.floor((now - WINDOW) / MINUTE) + 1;
    while (this.head < this.buckets.length && this.buckets[this.head].minute < firstMinute) this.head += 1;
    if (this.head > 1024) {
      this.buckets.splice(0, this.head);
      this.head = 0;
    }
    const stats: TradeStats = { open: undefined, high: undefined, low: undefined, last: this.last, baseVolume: 0n, quoteVolume: 0n };
    for (let i = this.head; i < this.buckets.length; i++) {
      const bucket = this.buckets[i];
      if (stats.open === undefined) stats.open = bucket.open;
      if (stats.high === undefined || bucket.high > stats.high) stats.high = bucket.high;
      if (stats.low === undefined || bucket.low < stats.low) stats.low = bucket.low;
      stats.baseVolume += bucket.baseVolume;
      stats.quoteVolume += bucket.quoteVolume;
    }
    return stats;
  }
}
