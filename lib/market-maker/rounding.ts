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
import { Decimal as D, type Decimal as Dec } from "../decimal";
import type { Quote } from "../strategies/types";

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
  /** The rounded price in whole ticks (price = ticks × tickSize exactly); NaN beyond 2^53 ticks (then compared as decimals). */
  ticks: number;
  price: string;
  amount: string;
  level: number;
  idx: number;
}

/** A positive step (tick, lot, minimum) read once: exact decimal, float, and mantissa × 10^-dp when that fits a safe integer. */
interface Step {
  dec: Dec;
  f: number;
  dp: number;
  /** value = mant × 10^-dp; NaN when the mantissa is not a safe integer (the float path is then never used). */
  mant: number;
}

function stepOf(d: Dec): Step {
  const dp = d.decimalPlaces();
  const m = d.times(new D(10).pow(dp));
  const mant = m.toNumber();
  return { dec: d, f: d.toNumber(), dp, mant: Number.isSafeInteger(mant) && m.eq(mant) ? mant : NaN };
}

interface ParsedRules {
  src: [unknown, unknown, unknown, unknown];
  tick: Step;
  lot: Step;
  minAmount: Dec | null;
  minAmountF: number;
  minNotional: Dec | null;
  minNotionalF: number;
}

/** Rules are parsed once per rules object (re-parsed if its fields change). */
const parsedRules = new WeakMap<DecimalRules, ParsedRules>();

function parseRules(rules: DecimalRules): ParsedRules {
  const cached = parsedRules.get(rules);
  if (cached && cached.src[0] === rules.tickSize && cached.src[1] === rules.lotSize && cached.src[2] === rules.minAmount && cached.src[3] === rules.minNotional) return cached;
  // Rules may arrive as numbers from callers that merge MarketRules; read both.
  const tick = stepOf(positiveStep(rules.tickSize, "tickSize"));
  const lot = stepOf(positiveStep(rules.lotSize, "lotSize"));
  const minAmount = optionalMin(rules.minAmount, "minAmount");
  const minNotional = optionalMin(rules.minNotional, "minNotional");
  const parsed: ParsedRules = {
    src: [rules.tickSize, rules.lotSize, rules.minAmount, rules.minNotional],
    tick,
    lot,
    minAmount,
    minAmountF: minAmount ? minAmount.toNumber() : 0,
    minNotional,
    minNotionalF: minNotional ? minNotional.toNumber() : 0,
  };
  parsedRules.set(rules, parsed);
  return parsed;
}

/**
 * floor/ceil(x / step) when floats decide it for certain, else null (the caller rounds exactly).
 * x/step in floats is within ~4e-16 (relative) of the exact quotient of String(x) and the step,
 * so when it is further than 1e-12 (relative) from a whole number, its floor and ceil are the exact ones.
 */
function fastSteps(x: number, step: Step, mode: "floor" | "ceil"): number | null {
  if (Number.isNaN(step.mant)) return null;
  const n = x / step.f;
  if (!(Math.abs(n) < 1e15)) return null;
  const k = Math.abs(n - Math.round(n)) <= 1e-12 * Math.abs(n) + 1e-12 ? gridSteps(x, step, mode) : mode === "floor" ? Math.floor(n) : Math.ceil(n);
  return k !== null && Number.isSafeInteger(k * step.mant) ? k : null;
}

/**
 * floor/ceil(x / step) in integers when String(x) has no more decimals than the step (the usual case
 * of a value on or near the grid, e.g. an amount of 0.1 on a 0.001 lot); null otherwise.
 */
function gridSteps(x: number, step: Step, mode: "floor" | "ceil"): number | null {
  const s = String(x);
  if (s.includes("e")) return null;
  const dot = s.indexOf(".");
  const frac = dot < 0 ? "" : s.slice(dot + 1);
  if (frac.length > step.dp) return null;
  // x = m × 10^-dp exactly, and step = mant × 10^-dp.
  const m = Number((dot < 0 ? s : s.slice(0, dot)) + frac.padEnd(step.dp, "0"));
  if (!Number.isSafeInteger(m)) return null;
  let q = Math.floor(m / step.mant);
  let rem = m - q * step.mant;
  while (rem < 0) (q -= 1), (rem += step.mant);
  while (rem >= step.mant) (q += 1), (rem -= step.mant);
  return mode === "floor" || rem === 0 ? q : q + 1;
}

/** k × step as a plain decimal string with the step's decimal places (what Decimal#toFixed(dp) gives). */
function formatSteps(k: number, step: Step): string {
  const s = String(k * step.mant);
  if (step.dp === 0) return s;
  const digits = s.length <= step.dp ? "0".repeat(step.dp - s.length + 1) + s : s;
  return `${digits.slice(0, digits.length - step.dp)}.${digits.slice(digits.length - step.dp)}`;
}

/** a < b for a float a read from an exact decimal string, b's float bF and exact b: floats when clear, decimals when close. */
function lessThan(aF: number, aStr: () => Dec, bF: number, b: Dec): boolean {
  const margin = 1e-12 * (Math.abs(aF) + Math.abs(bF));
  if (aF < bF - margin) return true;
  if (aF > bF + margin) return false;
  return aStr().lt(b);
}

/** One quote rounded to tick/lot and filtered; null when dropped. Floats where they decide exactly, decimals otherwise. */
function roundOne(q: Quote, idx: number, r: ParsedRules): Work | null {
  if (q.side !== "buy" && q.side !== "sell") return null;
  if (typeof q.price !== "number" || typeof q.amount !== "number" || !Number.isFinite(q.price) || !Number.isFinite(q.amount)) return roundOneExact(q, idx, r);
  const mode = q.side === "buy" ? "floor" : "ceil";
  const k = fastSteps(q.price, r.tick, mode);
  const a = fastSteps(q.amount, r.lot, "floor");
  if (k === null || a === null) return roundOneExact(q, idx, r);
  if (k <= 0 || a <= 0) return null;
  const price = formatSteps(k, r.tick);
  const amount = formatSteps(a, r.lot);
  const amountF = (a * r.lot.mant) / 10 ** r.lot.dp;
  if (r.minAmount && lessThan(amountF, () => new D(amount), r.minAmountF, r.minAmount)) return null;
  if (r.minNotional) {
    const priceF = (k * r.tick.mant) / 10 ** r.tick.dp;
    if (lessThan(priceF * amountF, () => new D(price).times(amount), r.minNotionalF, r.minNotional)) return null;
  }
  return { side: q.side, ticks: k, price, amount, level: q.level, idx };
}

/** The exact decimal rounding of one quote (the reference the float path reproduces). */
function roundOneExact(q: Quote, idx: number, r: ParsedRules): Work | null {
  const rawPrice = toDecimal(q.price);
  const rawAmount = toDecimal(q.amount);
  if (!rawPrice || !rawAmount) return null;
  const price = roundToStep(rawPrice, r.tick.dec, q.side === "buy" ? "floor" : "ceil");
  const amount = roundToStep(rawAmount, r.lot.dec, "floor");
  if (price.lte(0) || amount.lte(0)) return null;
  if (r.minAmount && amount.lt(r.minAmount)) return null;
  if (r.minNotional && price.times(amount).lt(r.minNotional)) return null;
  const t = price.div(r.tick.dec).toNumber();
  return { side: q.side, ticks: Number.isSafeInteger(t) ? t : NaN, price: price.toFixed(r.tick.dp), amount: amount.toFixed(r.lot.dp), level: q.level, idx };
}

/** Compares two rounded prices: whole ticks, or decimals when either is beyond 2^53 ticks. */
function comparePrice(a: Work, b: Work): number {
  if (!Number.isNaN(a.ticks) && !Number.isNaN(b.ticks)) return a.ticks - b.ticks;
  return new D(a.price).cmp(new D(b.price));
}

export function roundQuotes(quotes: Quote[], rules: DecimalRules): RoundedQuote[] {
  const r = parseRules(rules);
  const kept: Work[] = [];
  for (let idx = 0; idx < quotes.length; idx++) {
    const w = roundOne(quotes[idx], idx, r);
    if (w) kept.push(w);
  }

  // Drop crossing inner pairs until the book is uncrossed.
  let dropped: Set<number> | null = null;
  for (;;) {
    let bestBid: Work | null = null;
    let bestAsk: Work | null = null;
    for (const w of kept) {
      if (dropped?.has(w.idx)) continue;
      if (w.side === "buy" && (!bestBid || comparePrice(w, bestBid) > 0)) bestBid = w;
      if (w.side === "sell" && (!bestAsk || comparePrice(w, bestAsk) < 0)) bestAsk = w;
    }
    if (!bestBid || !bestAsk || comparePrice(bestBid, bestAsk) < 0) break;
    dropped ??= new Set<number>();
    dropped.add(bestBid.idx);
    dropped.add(bestAsk.idx);
  }

  const out = dropped ? kept.filter((w) => !(dropped as Set<number>).has(w.idx)) : kept;
  if (out.length > 1) out.sort((a, b) => (a.side === b.side ? a.level - b.level || a.idx - b.idx : a.side === "buy" ? -1 : 1));
  return out.map((w) => ({ side: w.side, price: w.price, amount: w.amount, level: w.level }));
}
