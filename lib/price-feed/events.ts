import { parseLevels } from '../feeds/l2-book';
import { topOfBook } from '../feeds/top-of-book';
import { formatUnits } from '../paper/fixed-point';
import type { SourceBook } from './watcher';

/** `price.cex.updated`: the top of one market's book, decimal strings. */
export interface CexPriceUpdate {
  exchange: string;
  symbol: string;
  bid: string;
  ask: string;
  mid: string;
  bidSize: string;
  askSize: string;
  /** exchange time of the book (ms), or receivedAt when the venue gives none */
  ts: number;
  /** when this process received it (ms) */
  receivedAt: number;
  /**
   * The first levels of each side, [price, size] decimal strings, best first (the feed's
   * `depthLevels`; absent when 0), for pricing that reads depth or must tell its own quotes
   * from those of others. Taken when the event is sent.
   */
  bids?: Array<[string, string]>;
  asks?: Array<[string, string]>;
}

/** `price.cex.stale`: no update for longer than the threshold (once per episode). */
export interface CexPriceStale {
  exchange: string;
  symbol: string;
  lastUpdate: number | null;
  ageMs: number;
}

/** `price.cex.fresh`: updates resumed after a stale episode. */
export interface CexPriceFresh {
  exchange: string;
  symbol: string;
  lastUpdate: number;
  silentForMs: number;
}

/** Cacher key of a market's latest top of book. */
export function latestCacheKey(exchange: string, symbol: string): string {
  return `price.cex.${exchange}.${symbol}`;
}

/** Key of a market in trackers and maps: "<exchange>|<symbol>" (symbols contain "/" and ":"). */
export function marketKey(exchange: string, symbol: string): string {
  return `${exchange}|${symbol}`;
}

export function splitMarketKey(key: string): { exchange: string; symbol: string } {
  const at = key.indexOf('|');
  return { exchange: key.slice(0, at), symbol: key.slice(at + 1) };
}

/**
 * The `price.cex.updated` payload for a book, or null while either side is empty (there is
 * no top of book to price from). Levels may be ccxt numbers or decimal strings.
 */
export function buildPriceUpdate(exchange: string, symbol: string, book: SourceBook, receivedAt: number): CexPriceUpdate | null {
  const top = topOfBook(book);
  if (top.bid === null || top.ask === null || top.mid === null || top.bidSize === null || top.askSize === null) return null;
  const ts = typeof book.timestamp === 'number' && Number.isFinite(book.timestamp) && book.timestamp > 0 ? book.timestamp : receivedAt;
  return { exchange, symbol, bid: top.bid, ask: top.ask, mid: top.mid, bidSize: top.bidSize, askSize: top.askSize, ts, receivedAt };
}

/** The first `levels` levels of each side as decimal strings (what `price.cex.updated` carries). */
export function depthOf(book: Pick<SourceBook, 'bids' | 'asks'>, levels: number): { bids: Array<[string, string]>; asks: Array<[string, string]> } {
  const side = (input: SourceBook['bids'], field: string) =>
    parseLevels(input.slice(0, levels), field).map((l): [string, string] => [formatUnits(l.price), formatUnits(l.amount)]);
  return { bids: side(book.bids, 'bids'), asks: side(book.asks, 'asks') };
}

/** Same prices and sizes (times aside). */
export function sameTop(a: CexPriceUpdate | undefined, b: CexPriceUpdate): boolean {
  return !!a && a.bid === b.bid && a.ask === b.ask && a.bidSize === b.bidSize && a.askSize === b.askSize;
}

export interface CoalescerOptions {
  /** at most one emission per market per this many ms; 0 emits every change */
  minIntervalMs: number;
  emit: (update: CexPriceUpdate) => void;
  now?: () => number;
  /** schedules fn after ms; returns a cancel function (injected for tests) */
  schedule?: (fn: () => void, ms: number) => () => void;
}

function defaultSchedule(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
}

interface MarketSlot {
  lastEmitAt: number | null;
  lastEmitted?: CexPriceUpdate;
  pending?: CexPriceUpdate;
  cancel?: () => void;
}

/**
 * Turns a stream of top-of-book updates into events: an update equal to the last emitted
 * top (a change deeper in the book) is dropped; within `minIntervalMs` of the last emission
 * a burst is coalesced and only its latest update is emitted, when the interval ends.
 */
export class TopOfBookCoalescer {
  private readonly slots = new Map<string, MarketSlot>();
  private readonly minIntervalMs: number;
  private readonly emitFn: (update: CexPriceUpdate) => void;
  private readonly now: () => number;
  private readonly schedule: NonNullable<CoalescerOptions['schedule']>;

  constructor(options: CoalescerOptions) {
    if (!(options.minIntervalMs >= 0)) throw new RangeError('minIntervalMs must not be negative');
    this.minIntervalMs = options.minIntervalMs;
    this.emitFn = options.emit;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? defaultSchedule;
  }

  offer(update: CexPriceUpdate): void {
    const key = marketKey(update.exchange, update.symbol);
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { lastEmitAt: null }));
    if (slot.pending) {
      slot.pending = update; // the scheduled flush sends the latest
      return;
    }
    if (sameTop(slot.lastEmitted, update)) return;
    const now = this.now();
    const wait = slot.lastEmitAt === null || this.minIntervalMs === 0 ? 0 : slot.lastEmitAt + this.minIntervalMs - now;
    if (wait <= 0) {
      this.send(slot, update, now);
      return;
    }
    slot.pending = update;
    const target = slot;
    slot.cancel = this.schedule(() => this.flush(target), wait);
  }

  /** Forgets a market (its pending update is dropped). */
  remove(exchange: string, symbol: string): void {
    const key = marketKey(exchange, symbol);
    this.slots.get(key)?.cancel?.();
    this.slots.delete(key);
  }

  clear(): void {
    for (const slot of this.slots.values()) slot.cancel?.();
    this.slots.clear();
  }

  private flush(slot: MarketSlot): void {
    const update = slot.pending;
    slot.pending = undefined;
    slot.cancel = undefined;
    if (update && !sameTop(slot.lastEmitted, update)) this.send(slot, update, this.now());
  }

  private send(slot: MarketSlot, update: CexPriceUpdate, now: number): void {
    slot.lastEmitAt = now;
    slot.lastEmitted = update;
    this.emitFn(update);
  }
}
