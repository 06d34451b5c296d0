/** Configuration and wire types of the fake Binance spot exchange (test support only). */

export interface MarketConfig {
  /** Binance symbol id, e.g. "BTCUSDT". */
  symbol: string;
  base: string;
  quote: string;
  /** PRICE_FILTER */
  tickSize: string;
  minPrice?: string;
  maxPrice?: string;
  /** LOT_SIZE */
  stepSize: string;
  minQty: string;
  maxQty?: string;
  /** NOTIONAL filter (price * qty) */
  minNotional: string;
  maxNotional?: string;
  /** "TRADING" unless a test wants a halted market ("BREAK"). */
  status?: "TRADING" | "BREAK" | "HALT";
}

export interface AccountConfig {
  apiKey: string;
  secret: string;
  /** Free balances by asset, decimal strings. */
  balances?: Record<string, string>;
  /** Commission rates as fractions, e.g. "0.001" = 0.1 % (the Binance default). */
  makerFee?: string;
  takerFee?: string;
  /** false → every order placement answers -2010 "This account may not place or cancel orders." */
  canTrade?: boolean;
}

export interface FakeBinanceOptions {
  markets?: MarketConfig[];
  /** When omitted, one account DEFAULT_ACCOUNT with DEFAULT_BALANCES is created. */
  accounts?: AccountConfig[];
  /** Port to listen on; 0 (default) picks a random free port. Always bound to 127.0.0.1. */
  port?: number;
}

export type Side = "BUY" | "SELL";
export type OrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER";
export type TimeInForce = "GTC" | "IOC" | "FOK";
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED" | "EXPIRED_IN_MATCH";

/** A price level as Binance sends it: [price, quantity], both decimal strings. */
export type Level = [string, string];

/** A level given by a test: numbers are accepted and converted with String(). */
export type LevelInput = [string | number, string | number];

/** `<symbol>@depth` event. */
export interface DepthUpdateEvent {
  e: "depthUpdate";
  E: number;
  s: string;
  U: number;
  u: number;
  b: Level[];
  a: Level[];
}

/** Spot `<symbol>@bookTicker` event (spot sends no "e" field). */
export interface BookTickerEvent {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/** `<symbol>@trade` event. */
export interface TradeEvent {
  e: "trade";
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

/** A public trade as kept by the engine (GET /api/v3/trades format). */
export interface PublicTrade {
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
  isBestMatch: boolean;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Date.now() when the request arrived. */
  time: number;
  /** HTTP status answered (filled in when the response is sent; 0 until then or if the socket was dropped). */
  status: number;
  apiKey?: string;
}

export interface FailRule {
  /** How many more matching requests still fail. */
  remaining: number;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Only requests whose path matches (exact string or RegExp) fail; others pass. */
  path?: string | RegExp;
  method?: string;
}

export interface FailOptions {
  path?: string | RegExp;
  method?: string;
  /** Seconds for the Retry-After header (429/418 default: 1). */
  retryAfter?: number;
  headers?: Record<string, string>;
}

export interface StartedFakeBinance {
  port: number;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
}
