/** Data model of the fake Binance engine: markets, accounts, orders, book levels and helpers. */
import Decimal from "decimal.js";
import { Errors } from "./errors";
import type { BookTickerEvent, DepthUpdateEvent, MarketConfig, OrderStatus, OrderType, PublicTrade, Side, TimeInForce } from "./types";

export const ZERO = new Decimal(0);

/** Binance prints every amount with 8 decimals. */
export function fmt(d: Decimal.Value): string {
  return new Decimal(d).toFixed(8);
}

export function dec(value: string | number | undefined, param: string): Decimal {
  if (value === undefined || value === "") throw Errors.mandatory(param);
  const s = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(s) && !/^\d+(\.\d+)?e[-+]?\d+$/i.test(s)) throw Errors.illegal(param);
  return new Decimal(s);
}

export interface Market {
  symbol: string;
  base: string;
  quote: string;
  status: string;
  tickSize: Decimal;
  minPrice: Decimal;
  maxPrice: Decimal;
  stepSize: Decimal;
  minQty: Decimal;
  maxQty: Decimal;
  minNotional: Decimal;
  maxNotional: Decimal;
}

export interface Balance {
  free: Decimal;
  locked: Decimal;
}

export interface Fill {
  price: Decimal;
  qty: Decimal;
  commission: Decimal;
  commissionAsset: string;
  tradeId: number;
}

export interface Order {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  account: Account;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  price: Decimal;
  origQty: Decimal;
  origQuoteOrderQty: Decimal;
  executedQty: Decimal;
  cummulativeQuoteQty: Decimal;
  status: OrderStatus;
  time: number;
  updateTime: number;
  workingTime: number;
  /** Funds still locked for the resting remainder (quote for BUY, base for SELL). */
  locked: Decimal;
  fills: Fill[];
}

export interface AccountTrade {
  symbol: string;
  id: number;
  orderId: number;
  orderListId: -1;
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
  isBestMatch: boolean;
}

export interface Account {
  apiKey: string;
  secret: string;
  balances: Map<string, Balance>;
  makerFee: Decimal;
  takerFee: Decimal;
  canTrade: boolean;
  orders: Map<number, Order>;
  trades: AccountTrade[];
}

export interface BookLevel {
  price: Decimal;
  /** Anonymous (seeded) quantity. */
  liquidity: Decimal;
  /** Resting account orders, oldest first. */
  orders: Order[];
}

export interface MarketState {
  market: Market;
  bids: Map<string, BookLevel>;
  asks: Map<string, BookLevel>;
  lastUpdateId: number;
  nextTradeId: number;
  trades: PublicTrade[];
  dirtyBids: Set<string>;
  dirtyAsks: Set<string>;
  lastTop: string;
}

export interface EngineListener {
  depth(symbol: string, event: DepthUpdateEvent): void;
  bookTicker(symbol: string, event: BookTickerEvent): void;
  trade(symbol: string, trade: PublicTrade): void;
  /** An account order event (user data stream executionReport); `fill` and `isMaker` with execution type TRADE. */
  execution?(order: Order, executionType: ExecutionType, fill?: Fill, isMaker?: boolean): void;
  /** Balances of `assets` changed (user data stream outboundAccountPosition). */
  balances?(account: Account, assets: string[]): void;
}

export type ExecutionType = "NEW" | "CANCELED" | "TRADE" | "EXPIRED" | "TRADE_PREVENTION";

export interface NewOrderParams {
  symbol?: string;
  side?: string;
  type?: string;
  timeInForce?: string;
  quantity?: string;
  quoteOrderQty?: string;
  price?: string;
  newClientOrderId?: string;
}

export function levelTotal(level: BookLevel): Decimal {
  return level.orders.reduce((sum, o) => sum.plus(o.origQty.minus(o.executedQty)), level.liquidity);
}

export function isOpen(o: Order): boolean {
  return o.status === "NEW" || o.status === "PARTIALLY_FILLED";
}

export function isMultiple(value: Decimal, base: Decimal, step: Decimal): boolean {
  if (step.isZero()) return true;
  return value.minus(base).mod(step).isZero();
}

export function floorToStep(value: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return value;
  return value.div(step).floor().times(step);
}

export function normalizeMarket(cfg: MarketConfig): Market {
  return {
    symbol: cfg.symbol.toUpperCase(),
    base: cfg.base,
    quote: cfg.quote,
    status: cfg.status ?? "TRADING",
    tickSize: new Decimal(cfg.tickSize),
    minPrice: new Decimal(cfg.minPrice ?? cfg.tickSize),
    maxPrice: new Decimal(cfg.maxPrice ?? "1000000"),
    stepSize: new Decimal(cfg.stepSize),
    minQty: new Decimal(cfg.minQty),
    maxQty: new Decimal(cfg.maxQty ?? "9000"),
    minNotional: new Decimal(cfg.minNotional),
    maxNotional: new Decimal(cfg.maxNotional ?? "9000000"),
  };
}
