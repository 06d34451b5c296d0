/**
 * Rounding desired quotes to a market's tick and lot at the bot's boundary. Strategies
 * work in floats (lib/strategies/types.ts); everything after this point is exact decimal
 * strings.
 *
 * Rules:
 * - A float is read through its shortest round-trip representation (`String(x)`), so
 *   0.1 becomes exactly "0.1", not 0.1000000000000000055...
 * - Bids are floored to the tick and asks ceiled to the tick: rounding never makes a
 *   quote tighter (more aggressive) than the strategy asked for.
 * - Amounts are floored to the lot: never more size than asked for.
 * - A quote is dropped when its price is ≤ 0 (or not finite), its amount is 0 after
 *   rounding or below `minAmount`, or its notional (price × amount) is below `minNotional`.
 * - Crossing: rounding alone cannot cross an uncrossed pair (floor(bid) ≤ bid < ask ≤
 *   ceil(ask)), but a strategy may hand over touching or crossed quotes. While the best
 *   (highest) bid is ≥ the best (lowest) ask, the inner pair — that best bid and that best
 *   ask — is dropped; outer levels that do not cross are kept.
 * - Output strings have no exponent and exactly the tick's (prices) or lot's (amounts)
 *   decimal places: tick "0.01" → "100.50", tick "5" → "105", lot "0.001" → "0.120".
 * - Output order: buys then sells, each by level (stable for equal levels).
 */
import Decimal from "decimal.js";
import type { Quote } from "../strategies/types";

const D = Decimal.clone({ precision: 60, toExpNeg: -1e9, toExpPos: 1e9 });
type Dec = InstanceType<typeof D>;

export interface DecimalRules {
  tickSize: string;
  lotSize: string;
  minAmount?: string;
  minNotional?: string;
}

export interface RoundedQuote {
  side: "buy" | "sell";
  price: string;
  amount: string;
  level: number;
}

/** A decimal from a string, or from a float's shortest repr; null when not a finite number. */
export function toDecimal(x: string | number | null | undefined): Dec | null {
  if (x === null || x === undefined) return null;
  if (typeof x === "number" && !Number.isFinite(x)) return null;
  const s = typeof x === "number" ? String(x) : x.trim();
  if (s === "") return null;
  try {
    const d = new D(s);
    return d.isFinite() ? d : null;
  } catch {
    return null;
  }
}

function positiveStep(x: string | number, name: string): Dec {
  const d = toDecimal(x);
  if (!d || d.lte(0)) throw new Error(`rounding: ${name} must be a positive number, got ${String(x)}`);
  return d;
}

function optionalMin(x: string | number | undefined, name: string): Dec | null {
  if (x === undefined || x === null || x === "") return null;
  const d = toDecimal(x);
  if (!d || d.lt(0)) throw new Error(`rounding: ${name} must be a non-negative number, got ${String(x)}`);
  return d;
}

/** Round to a multiple of `step`, floor or ceil. */
export function roundToStep(value: Dec, step: Dec, mode: "floor" | "ceil"): Dec {
  const n = value.div(step);
  return (mode === "floor" ? n.floor() : n.ceil()).times(step);
}

interface Work {
  side: "buy" | "sell";
  price: Dec;
  amount: Dec;
  level: number;
  idx: number;
}

export function roundQuotes(quotes: Quote[], rules: DecimalRules): RoundedQuote[] {
  // Rules may arrive as numbers from callers that merge MarketRules; read both.
  const tick = positiveStep(rules.tickSize, "tickSize");
  const lot = positiveStep(rules.lotSize, "lotSize");
  const minAmount = optionalMin(rules.minAmount, "minAmount");
  const minNotional = optionalMin(rules.minNotional, "minNotional");
  const priceDp = tick.decimalPlaces();
  const amountDp = lot.decimalPlaces();

  const kept: Work[] = [];
  quotes.forEach((q, idx) => {
    if (q.side !== "buy" && q.side !== "sell") return;
    const rawPrice = toDecimal(q.price);
    const rawAmount = toDecimal(q.amount);
    if (!rawPrice || !rawAmount) return;
    const price = roundToStep(rawPrice, tick, q.side === "buy" ? "floor" : "ceil");
    const amount = roundToStep(rawAmount, lot, "floor");
    if (price.lte(0) || amount.lte(0)) return;
    if (minAmount && amount.lt(minAmount)) return;
    if (minNotional && price.times(amount).lt(minNotional)) return;
    kept.push({ side: q.side, price, amount, level: q.level, idx });
  });

  // Drop crossing inner pairs until the book is uncrossed.
  const dropped = new Set<number>();
  for (;;) {
    let bestBid: Work | null = null;
    let bestAsk: Work | null = null;
    for (const w of kept) {
      if (dropped.has(w.idx)) continue;
      if (w.side === "buy" && (!bestBid || w.price.gt(bestBid.price))) bestBid = w;
      if (w.side === "sell" && (!bestAsk || w.price.lt(bestAsk.price))) bestAsk = w;
    }
    if (!bestBid || !bestAsk || bestBid.price.lt(bestAsk.price)) break;
    dropped.add(bestBid.idx);
    dropped.add(bestAsk.idx);
  }

  return kept
    .filter((w) => !dropped.has(w.idx))
    .sort((a, b) => (a.side === b.side ? a.level - b.level || a.idx - b.idx : a.side === "buy" ? -1 : 1))
    .map((w) => ({ side: w.side, price: w.price.toFixed(priceDp), amount: w.amount.toFixed(amountDp), level: w.level }));
}
