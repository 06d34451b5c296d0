import { formatUnits, optionalString } from './fixed-point';
import { OrderBook } from './order-book';
import { PublicTrade, Side } from './orders';
import { TickerStats } from './ticker-stats';

/** Order book snapshot in decimal strings: what the venue emits as 'orderbook' for price feeds. */
export interface DecimalOrderBook {
  symbol: string;
  /** [price, amount] best first */
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
  timestamp: number;
  nonce: number;
}

/** Ticker in decimal strings (undefined where there is no book side or no trade yet). */
export interface DecimalTicker {
  symbol: string;
  timestamp: number;
  bid: string | undefined;
  bidVolume: string | undefined;
  ask: string | undefined;
  askVolume: string | undefined;
  last: string | undefined;
  open: string | undefined;
  high: string | undefined;
  low: string | undefined;
  /** 24 h volumes */
  baseVolume: string;
  quoteVolume: string;
}

export interface DecimalPublicTrade {
  id: string;
  symbol: string;
  side: Side;
  price: string;
  amount: string;
  cost: string;
  timestamp: number;
}

export function orderBookSnapshot(book: OrderBook, depth: number, now: number): DecimalOrderBook {
  const format = (levels: Array<[bigint, bigint]>): Array<[string, string]> => levels.map(([price, amount]) => [formatUnits(price), formatUnits(amount)]);
  return { symbol: book.symbol, bids: format(book.bids.depth(depth)), asks: format(book.asks.depth(depth)), timestamp: now, nonce: book.nonce };
}

export function tickerSnapshot(book: OrderBook, stats: TickerStats, now: number): DecimalTicker {
  const bid = book.bids.best();
  const ask = book.asks.best();
  const trades = stats.snapshot(now);
  return {
    symbol: book.symbol,
    timestamp: now,
    bid: optionalString(bid?.price),
    bidVolume: optionalString(bid?.volume),
    ask: optionalString(ask?.price),
    askVolume: optionalString(ask?.volume),
    last: optionalString(trades.last),
    open: optionalString(trades.open),
    high: optionalString(trades.high),
    low: optionalString(trades.low),
    baseVolume: formatUnits(trades.baseVolume),
    quoteVolume: formatUnits(trades.quoteVolume),
  };
}

export function publicTradeSnapshot(trade: PublicTrade): DecimalPublicTrade {
  return {
    id: trade.id,
    symbol: trade.symbol,
    side: trade.side,
    price: formatUnits(trade.price),
    amount: formatUnits(trade.amount),
    cost: formatUnits(trade.cost),
    timestamp: trade.timestamp,
  };
}
