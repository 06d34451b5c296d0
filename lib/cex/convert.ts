/** ccxt shapes → mmesh wire shapes: every amount and price a decimal string. */
import type { Balances, MarketInterface, Order, OrderBook, Ticker, Trade } from "ccxt";
import { toDecimalString, isZeroDecimal } from "./decimal";

export type OrderStatus = "pending" | "open" | "closed" | "canceled" | "expired" | "rejected";

export interface WireFee {
  cost: string | null;
  currency: string | null;
}

export interface WireOrder {
  exchange: string;
  id: string | null;
  clientOrderId: string | null;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  status: OrderStatus;
  fee: WireFee;
  timestamp: number | null;
  /** Maker-only order (null: the venue did not say). */
  postOnly?: boolean | null;
  /** Average fill price, decimal string (null: nothing filled or not reported). */
  average?: string | null;
  /** Quote amount filled (filled × average), decimal string. */
  cost?: string | null;
}

/** A fill's identity (the cex_fills / mm_fills unique indexes): trade ids repeat across symbols (Binance) and for a self-trade's two sides. */
export function fillKey(fill: { exchange: string; symbol: string; tradeId: string; side: string }): string {
  return `${fill.exchange}:${fill.symbol}:${fill.tradeId}:${fill.side}`;
}

export interface WireFill {
  exchange: string;
  tradeId: string;
  orderId: string | null;
  clientOrderId: string | null;
  symbol: string;
  side: string;
  price: string;
  amount: string;
  cost: string;
  takerOrMaker: string | null;
  fee: WireFee;
  timestamp: number;
}

const s = toDecimalString;

function fee(f: { cost?: number | string; currency?: string } | undefined): WireFee {
  return { cost: f ? s(f.cost) : null, currency: f?.currency ?? null };
}

export function toWireOrder(exchange: string, o: Order): WireOrder {
  const amount = s(o.amount) ?? "0";
  const filled = s(o.filled) ?? "0";
  return {
    exchange,
    id: o.id ?? null,
    clientOrderId: o.clientOrderId ?? null,
    symbol: o.symbol ?? "",
    side: o.side ?? "",
    type: o.type ?? "limit",
    price: o.type === "market" && isZeroDecimal(s(o.price)) ? null : s(o.price),
    amount,
    filled,
    remaining: s(o.remaining) ?? amount,
    status: (o.status ?? "open") as OrderStatus,
    fee: fee(o.fee as never),
    timestamp: o.timestamp ?? null,
    postOnly: typeof o.postOnly === "boolean" ? o.postOnly : null,
    average: s(o.average),
    cost: s(o.cost),
  };
}

export function toWireFill(exchange: string, t: Trade): WireFill {
  const info = (t.info ?? {}) as { clientOrderId?: string };
  return {
    exchange,
    tradeId: String(t.id),
    orderId: t.order ?? null,
    clientOrderId: info.clientOrderId ?? null,
    symbol: t.symbol ?? "",
    side: t.side ?? "",
    price: s(t.price) ?? "0",
    amount: s(t.amount) ?? "0",
    cost: s(t.cost) ?? "0",
    takerOrMaker: t.takerOrMaker ?? null,
    fee: fee(t.fee as never),
    timestamp: t.timestamp ?? Date.now(),
  };
}

export function toWireMarket(m: MarketInterface) {
  return {
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    active: m.active !== false,
    precision: { amount: s(m.precision?.amount), price: s(m.precision?.price) },
    limits: { amountMin: s(m.limits?.amount?.min), costMin: s(m.limits?.cost?.min) },
    maker: s(m.maker),
    taker: s(m.taker),
  };
}

export function toWireBook(exchange: string, b: OrderBook) {
  const levels = (side: Array<[number | undefined, number | undefined] | number[]>) => side.map((l) => [s(l[0]) ?? "0", s(l[1]) ?? "0"]);
  return { exchange, symbol: b.symbol, bids: levels(b.bids as never), asks: levels(b.asks as never), timestamp: b.timestamp ?? null };
}

export function toWireTicker(exchange: string, t: Ticker) {
  return { exchange, symbol: t.symbol, bid: s(t.bid), ask: s(t.ask), last: s(t.last), high: s(t.high), low: s(t.low), baseVolume: s(t.baseVolume), quoteVolume: s(t.quoteVolume), timestamp: t.timestamp ?? null };
}

/** Every currency the exchange reports, zero ones included ("0"): { USDT: { free, used, total } } as decimal strings. */
export function toWireBalance(exchange: string, b: Balances) {
  const out: Record<string, { free: string; used: string; total: string }> = {};
  const skip = new Set(["info", "free", "used", "total", "timestamp", "datetime", "debt"]);
  for (const [currency, v] of Object.entries(b)) {
    if (skip.has(currency) || !v || typeof v !== "object") continue;
    const row = v as { free?: number; used?: number; total?: number };
    out[currency] = { free: s(row.free) ?? "0", used: s(row.used) ?? "0", total: s(row.total) ?? "0" };
  }
  return { exchange, balances: out };
}
