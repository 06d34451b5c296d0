/**
 * Conversions from the engine's records to ccxt's unified structures. ccxt carries JS numbers in
 * its top-level fields; `info` carries the venue's own exact decimal strings, the way a real
 * exchange's raw response does, for callers that must not round.
 */
import type { Balances, MarketInterface, Order, OrderBook, Ticker, Trade, TradingFeeInterface } from 'ccxt';
import { Account } from './accounts';
import { divUnits, formatUnits, optionalNumber, optionalString, toUnits, unitsToNumber } from './fixed-point';
import { DecimalOrderBook, DecimalTicker } from './market-data';
import { MarketSpec } from './markets';
import { PaperFill, PaperOrder, remainingOf } from './orders';

export function iso8601(timestamp: number | undefined): string | undefined {
  return timestamp === undefined ? undefined : new Date(timestamp).toISOString();
}

export function orderInfo(order: PaperOrder): Record<string, unknown> {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    status: order.status,
    price: optionalString(order.price),
    amount: formatUnits(order.amount),
    filled: formatUnits(order.filled),
    remaining: formatUnits(remainingOf(order)),
    cost: formatUnits(order.cost),
    average: order.filled > 0n ? formatUnits(divUnits(order.cost, order.filled)) : undefined,
    fee: formatUnits(order.fee),
    feeCurrency: order.feeCurrency,
    cancelReason: order.cancelReason,
    timestamp: order.timestamp,
    lastTradeTimestamp: order.lastTradeTimestamp,
  };
}

export function toCcxtOrder(order: PaperOrder): Order {
  const average = order.filled > 0n ? divUnits(order.cost, order.filled) : undefined;
  const fee = { currency: order.feeCurrency, cost: unitsToNumber(order.fee) };
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    datetime: iso8601(order.timestamp),
    timestamp: order.timestamp,
    lastTradeTimestamp: order.lastTradeTimestamp,
    lastUpdateTimestamp: order.lastUpdateTimestamp,
    status: order.status,
    symbol: order.symbol,
    type: order.type,
    timeInForce: order.timeInForce,
    side: order.side,
    price: optionalNumber(order.price ?? average),
    average: optionalNumber(average),
    amount: unitsToNumber(order.amount),
    filled: unitsToNumber(order.filled),
    remaining: unitsToNumber(remainingOf(order)),
    triggerPrice: undefined,
    stopPrice: undefined,
    takeProfitPrice: undefined,
    stopLossPrice: undefined,
    cost: unitsToNumber(order.cost),
    trades: (order.fills ?? []).map(toCcxtTrade),
    fee,
    fees: [fee],
    reduceOnly: false,
    postOnly: order.postOnly,
    info: orderInfo(order),
  } as Order;
}

export function toCcxtTrade(fill: PaperFill): Trade {
  const fee = { currency: fill.feeCurrency, cost: unitsToNumber(fill.fee), rate: unitsToNumber(fill.feeRate) };
  return {
    id: fill.id,
    order: fill.orderId,
    info: {
      id: fill.id,
      orderId: fill.orderId,
      clientOrderId: fill.clientOrderId,
      symbol: fill.symbol,
      side: fill.side,
      takerOrMaker: fill.takerOrMaker,
      price: formatUnits(fill.price),
      amount: formatUnits(fill.amount),
      cost: formatUnits(fill.cost),
      fee: formatUnits(fill.fee),
      feeCurrency: fill.feeCurrency,
      feeRate: formatUnits(fill.feeRate),
      timestamp: fill.timestamp,
    },
    timestamp: fill.timestamp,
    datetime: iso8601(fill.timestamp),
    symbol: fill.symbol,
    type: fill.orderType,
    side: fill.side,
    takerOrMaker: fill.takerOrMaker,
    price: unitsToNumber(fill.price),
    amount: unitsToNumber(fill.amount),
    cost: unitsToNumber(fill.cost),
    fee,
    fees: [fee],
  } as Trade;
}

export function toCcxtMarket(spec: MarketSpec): MarketInterface {
  return {
    id: spec.id,
    symbol: spec.symbol,
    base: spec.base,
    quote: spec.quote,
    baseId: spec.base,
    quoteId: spec.quote,
    active: true,
    type: 'spot',
    subType: undefined,
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    contract: false,
    settle: undefined,
    settleId: undefined,
    contractSize: undefined,
    linear: undefined,
    inverse: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    taker: unitsToNumber(spec.takerFee),
    maker: unitsToNumber(spec.makerFee),
    percentage: true,
    tierBased: false,
    feeSide: 'get',
    precision: { amount: unitsToNumber(spec.lot), price: unitsToNumber(spec.tick) },
    marginModes: { isolated: false, cross: false },
    limits: {
      amount: { min: unitsToNumber(spec.minAmount), max: undefined },
      price: { min: unitsToNumber(spec.tick), max: undefined },
      cost: { min: spec.minNotional > 0n ? unitsToNumber(spec.minNotional) : undefined, max: undefined },
      leverage: { min: undefined, max: undefined },
    },
    created: undefined,
    info: { ...spec.config },
  };
}

export function toCcxtTradingFee(spec: MarketSpec): TradingFeeInterface {
  return {
    info: { symbol: spec.symbol, maker: spec.config.makerFee, taker: spec.config.takerFee },
    symbol: spec.symbol,
    maker: unitsToNumber(spec.makerFee),
    taker: unitsToNumber(spec.takerFee),
    percentage: true,
    tierBased: false,
  };
}

export function toCcxtOrderBook(book: DecimalOrderBook): OrderBook {
  const levels = (side: Array<[string, string]>): Array<[number, number]> => side.map(([price, amount]) => [Number(price), Number(amount)]);
  const result: OrderBook = {
    symbol: book.symbol,
    bids: levels(book.bids),
    asks: levels(book.asks),
    timestamp: book.timestamp,
    datetime: iso8601(book.timestamp),
    nonce: book.nonce,
    copy: () => ({ ...result, bids: result.bids.map((level) => [...level] as [number, number]), asks: result.asks.map((level) => [...level] as [number, number]) }),
  };
  return result;
}

export function toCcxtTicker(ticker: DecimalTicker): Ticker {
  const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
  const units = (value: string | undefined): bigint | undefined => (value === undefined ? undefined : toUnits(value));
  const open = units(ticker.open);
  const last = units(ticker.last);
  const change = open !== undefined && last !== undefined ? last - open : undefined;
  const baseVolume = toUnits(ticker.baseVolume);
  const quoteVolume = toUnits(ticker.quoteVolume);
  return {
    symbol: ticker.symbol,
    info: ticker,
    timestamp: ticker.timestamp,
    datetime: iso8601(ticker.timestamp),
    high: num(ticker.high),
    low: num(ticker.low),
    bid: num(ticker.bid),
    bidVolume: num(ticker.bidVolume),
    ask: num(ticker.ask),
    askVolume: num(ticker.askVolume),
    vwap: baseVolume > 0n ? unitsToNumber(divUnits(quoteVolume, baseVolume)) : undefined,
    open: num(ticker.open),
    close: num(ticker.last),
    last: num(ticker.last),
    previousClose: undefined,
    change: optionalNumber(change),
    percentage: change !== undefined && open !== undefined && open > 0n ? unitsToNumber(divUnits(change * 100n, open)) : undefined,
    average: open !== undefined && last !== undefined ? unitsToNumber((open + last) / 2n) : undefined,
    baseVolume: unitsToNumber(baseVolume),
    quoteVolume: unitsToNumber(quoteVolume),
    indexPrice: undefined,
    markPrice: undefined,
  };
}

export function toCcxtBalances(account: Account, timestamp: number): Balances {
  const decimal = account.decimalBalances();
  const free: Record<string, number> = {};
  const used: Record<string, number> = {};
  const total: Record<string, number> = {};
  const result: Record<string, unknown> = { info: decimal, timestamp, datetime: iso8601(timestamp), free, used, total };
  for (const [currency, balance] of Object.entries(decimal)) {
    free[currency] = Number(balance.free);
    used[currency] = Number(balance.used);
    total[currency] = Number(balance.total);
    result[currency] = { free: free[currency], used: used[currency], total: total[currency] };
  }
  return result as unknown as Balances;
}
