import { DecimalInput, divUnits, formatUnits, mulUnits, SCALE } from '../paper/fixed-point';
import { bookDecimal, FeeInputError, oneOf, positiveDecimal } from './fee-input';
import { TradeSide } from './trade-fee';

/** [price, amount, ...] as in ccxt order books (numbers) or mmesh events (strings), best first. */
export type BookLevelInput = readonly [DecimalInput, DecimalInput, ...unknown[]];

interface WalkTotals {
  /** taker side: a buy walks the asks, a sell walks the bids */
  side: TradeSide;
  /** quote spent (buy) or received (sell), amount × price per level truncated to 18 decimals */
  cost: string;
  /** cost ÷ filled, rounded against the taker (up for a buy, down for a sell); null when nothing filled */
  averagePrice: string | null;
  /** price of the last level touched; null when nothing filled */
  worstPrice: string | null;
  /** true when the book ran out before the request was met */
  exhausted: boolean;
  levelsUsed: number;
}

export interface BookWalk extends WalkTotals {
  requested: string;
  filled: string;
  remaining: string;
}

export interface QuoteBudgetWalk extends WalkTotals {
  quoteBudget: string;
  /** base bought with at most quoteBudget (buy), or base to sell to receive at least quoteBudget (sell) */
  amount: string;
}

interface ParsedLevel {
  price: bigint;
  amount: bigint;
}

function parseLevels(levels: readonly BookLevelInput[], side: TradeSide): ParsedLevel[] {
  if (!Array.isArray(levels)) throw new FeeInputError('levels', 'an array of [price, amount] levels', levels);
  const parsed: ParsedLevel[] = [];
  levels.forEach((level, i) => {
    if (!Array.isArray(level) || level.length < 2) throw new FeeInputError(`levels[${i}]`, 'a [price, amount] pair', level);
    const price = bookDecimal(level[0], `levels[${i}][0]`, false);
    const amount = bookDecimal(level[1], `levels[${i}][1]`, true);
    const previous = parsed[parsed.length - 1];
    if (previous && (side === 'buy' ? price < previous.price : price > previous.price)) {
      const order = side === 'buy' ? 'asks ascending for a buy' : 'bids descending for a sell';
      throw new FeeInputError(`levels[${i}][0]`, `no better than the level before it (${order})`, level[0]);
    }
    parsed.push({ price, amount });
  });
  return parsed;
}

function divCeil(a: bigint, b: bigint): bigint {
  return (a * SCALE + b - 1n) / b;
}

function totals(side: TradeSide, cost: bigint, filled: bigint, worst: bigint | null, exhausted: boolean, levelsUsed: number): WalkTotals {
  const average = filled === 0n ? null : side === 'buy' ? divCeil(cost, filled) : divUnits(cost, filled);
  return {
    side,
    cost: formatUnits(cost),
    averagePrice: average === null ? null : formatUnits(average),
    worstPrice: worst === null ? null : formatUnits(worst),
    exhausted,
    levelsUsed,
  };
}

/** Takes `amount` base from the book, best level first. */
export function walkBook(levels: readonly BookLevelInput[], side: TradeSide, amount: string): BookWalk {
  const taker = oneOf(side, 'side', ['buy', 'sell'] as const);
  const requested = positiveDecimal(amount, 'amount');
  let remaining = requested;
  let cost = 0n;
  let worst: bigint | null = null;
  let levelsUsed = 0;
  for (const level of parseLevels(levels, taker)) {
    if (remaining === 0n) break;
    if (level.amount === 0n) continue;
    const take = level.amount < remaining ? level.amount : remaining;
    cost += mulUnits(level.price, take);
    remaining -= take;
    worst = level.price;
    levelsUsed += 1;
  }
  return {
    requested: formatUnits(requested),
    filled: formatUnits(requested - remaining),
    remaining: formatUnits(remaining),
    ...totals(taker, cost, requested - remaining, worst, remaining > 0n, levelsUsed),
  };
}

/**
 * How much base a quote budget moves: a buy spends at most `quoteBudget` on the asks; a sell
 * finds the base that brings in at least `quoteBudget` from the bids.
 */
export function amountForQuote(levels: readonly BookLevelInput[], quoteBudget: string, side: TradeSide = 'buy'): QuoteBudgetWalk {
  const taker = oneOf(side, 'side', ['buy', 'sell'] as const);
  const budget = positiveDecimal(quoteBudget, 'quoteBudget');
  let remainingQuote = budget;
  let base = 0n;
  let cost = 0n;
  let worst: bigint | null = null;
  let levelsUsed = 0;
  let budgetMet = false;
  for (const level of parseLevels(levels, taker)) {
    if (level.amount === 0n) continue;
    let take = level.amount;
    if (mulUnits(level.price, level.amount) >= remainingQuote) {
      budgetMet = true;
      // a buy rounds the last amount down to stay within budget, a sell rounds it up to reach the target
      take = taker === 'buy' ? divUnits(remainingQuote, level.price) : divCeil(remainingQuote, level.price);
      if (take > level.amount) take = level.amount;
    }
    if (take > 0n) {
      const spent = mulUnits(level.price, take);
      base += take;
      cost += spent;
      remainingQuote -= spent;
      worst = level.price;
      levelsUsed += 1;
    }
    if (budgetMet) break;
  }
  return {
    quoteBudget: formatUnits(budget),
    amount: formatUnits(base),
    ...totals(taker, cost, base, worst, !budgetMet, levelsUsed),
  };
}
