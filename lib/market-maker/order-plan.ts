/**
 * Diffing desired (rounded) quotes against the bot's live orders. Pure and deterministic:
 * the same inputs always give the same plan, and nothing here talks to a venue.
 *
 * Rules:
 * 1. Hanging orders (the opposite side of a fill, left resting when
 *    `policy.hangingOrders` is on) are not matched against desired quotes. They are kept
 *    until their age (now − placedAt) reaches `maxOrderAgeMs`, then cancelled.
 * 2. Non-hanging live orders are matched to desired quotes by (side, level). When several
 *    live orders share a (side, level), the first in the `live` array is the match and the
 *    others are cancelled as duplicates. When several desired quotes share a (side, level),
 *    only the first is used.
 * 3. A live order with no desired counterpart is cancelled.
 * 4. A matched live order is cancelled and its desired quote placed when
 *    - age ≥ maxOrderAgeMs, or
 *    - age ≥ refreshTimeMs and (|live.price − desired.price| / desired.price >
 *      refreshTolerance, or live.amount ≠ desired.amount, compared as decimals).
 *    Otherwise it is kept and that desired quote is not placed.
 * 5. Desired quotes with no match, and those whose match was replaced, are placed —
 *    except while now − lastFillAt < filledOrderDelayMs, when nothing is placed (cancels
 *    still happen).
 * 6. `cancel`, `keep` and `place` are sorted by side (buy first), then level, then
 *    (for live orders) placedAt and clientOrderId.
 */
import { Decimal as D } from "../decimal";
import type { OrderPolicy } from "../strategies/types";
import type { RoundedQuote } from "./rounding";

export interface LiveOrder {
  clientOrderId: string;
  side: "buy" | "sell";
  price: string;
  amount: string;
  remaining: string;
  placedAt: number;
  level: number;
  hanging: boolean;
}

export interface OrderPlan {
  cancel: LiveOrder[];
  place: RoundedQuote[];
  keep: LiveOrder[];
}

const sideRank = (s: "buy" | "sell"): number => (s === "buy" ? 0 : 1);

function compareLive(a: LiveOrder, b: LiveOrder): number {
  return (
    sideRank(a.side) - sideRank(b.side) ||
    a.level - b.level ||
    a.placedAt - b.placedAt ||
    (a.clientOrderId < b.clientOrderId ? -1 : a.clientOrderId > b.clientOrderId ? 1 : 0)
  );
}

function compareQuote(a: RoundedQuote, b: RoundedQuote): number {
  return sideRank(a.side) - sideRank(b.side) || a.level - b.level;
}

/** True when the live order is out of tolerance of the desired quote (price or amount). */
export function needsRefresh(live: LiveOrder, desired: RoundedQuote, refreshTolerance: number): boolean {
  // Floats decide unless the drift is within a hair of the tolerance (then the exact decimals below do).
  const wantF = Number(desired.price);
  const haveF = Number(live.price);
  if (wantF > 0 && Number.isFinite(wantF) && Number.isFinite(haveF) && Number.isFinite(refreshTolerance)) {
    const drift = Math.abs(haveF - wantF) / wantF;
    const margin = 1e-12 * (1 + drift + Math.abs(refreshTolerance));
    if (drift > refreshTolerance + margin) return true;
    if (drift < refreshTolerance - margin) return live.amount === desired.amount ? false : !new D(live.amount).eq(new D(desired.amount));
  }
  const want = new D(desired.price);
  const have = new D(live.price);
  if (want.lte(0)) return true;
  const drift = have.minus(want).abs().div(want);
  if (drift.gt(new D(String(refreshTolerance)))) return true;
  return !new D(live.amount).eq(new D(desired.amount));
}

export function planOrders(
  desired: RoundedQuote[],
  live: LiveOrder[],
  policy: OrderPolicy,
  now: number,
  lastFillAt: number | null,
): OrderPlan {
  const cancel: LiveOrder[] = [];
  const keep: LiveOrder[] = [];
  const place: RoundedQuote[] = [];

  // The first desired quote of each (side, level), in order. Inputs are a few orders: arrays beat maps here.
  const wanted: RoundedQuote[] = [];
  for (const q of desired) if (indexOfKey(wanted, q) < 0) wanted.push(q);
  /** Per wanted quote: 1 = a live order matched it, 2 = and was kept. */
  const state: number[] = wanted.length === 0 ? [] : new Array<number>(wanted.length).fill(0);

  for (const o of live) {
    const age = now - o.placedAt;
    if (o.hanging) {
      (age >= policy.maxOrderAgeMs ? cancel : keep).push(o);
      continue;
    }
    const i = indexOfKey(wanted, o);
    // No desired counterpart, or a duplicate for an already matched (side, level).
    if (i < 0 || state[i] !== 0) {
      cancel.push(o);
      continue;
    }
    const q = wanted[i];
    const replace =
      age >= policy.maxOrderAgeMs || (age >= policy.refreshTimeMs && needsRefresh(o, q, policy.refreshTolerance));
    if (replace) {
      state[i] = 1;
      cancel.push(o);
    } else {
      state[i] = 2;
      keep.push(o);
    }
  }

  // Place everything wanted whose match was not kept.
  const delaying = lastFillAt !== null && now - lastFillAt < policy.filledOrderDelayMs;
  if (!delaying) for (let i = 0; i < wanted.length; i++) if (state[i] !== 2) place.push(wanted[i]);

  if (cancel.length > 1) cancel.sort(compareLive);
  if (keep.length > 1) keep.sort(compareLive);
  if (place.length > 1) place.sort(compareQuote);
  return { cancel, place, keep };
}

function indexOfKey(list: RoundedQuote[], o: { side: "buy" | "sell"; level: number }): number {
  for (let i = 0; i < list.length; i++) if (list[i].side === o.side && list[i].level === o.level) return i;
  return -1;
}
