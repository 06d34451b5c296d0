/**
 * Executing an opportunity: which leg goes first, what bounds each leg gets, when the second
 * leg is not sent, and what the two fills booked.
 *
 * Order: the slower, riskier leg first. A DEX swap waits for a block, can revert and can slip,
 * so it goes first and the CEX leg (an immediate IOC order) hedges what it actually did. Between
 * two CEX legs the one using more of its visible depth goes first (the buy on a tie).
 *
 * Abort rules (decideSecondLeg):
 *  1. the first leg failed or filled nothing → the second leg is not sent; no exposure;
 *  2. the first leg filled at an average price worse than expected by more than maxAdverseBps →
 *     the second leg is not sent (the edge is gone); the filled amount is reported as exposure;
 *  3. otherwise the second leg is sent for exactly the amount the first one filled.
 * If the second leg then fails or fills short, the outcome is `exposed` with the unhedged amount.
 */
import { D, bps, str, type Dec } from "./decimal";
import type { Opportunity } from "./detect";
import type { Side, VenueKind } from "./pricing";

export interface ExecutionOptions {
  /** DEX slippage bound and CEX IOC limit distance from the expected worst price, in bps */
  slippageBps: number;
  /** how much worse than expected the first leg's average price may be before the second leg is dropped, in bps */
  maxAdverseBps: number;
}

export interface ExecutionLeg {
  step: 1 | 2;
  side: Side;
  kind: VenueKind;
  venue: string;
  /** CEX symbol or pool address */
  market: string;
  amount: string;
  /** expected average fill price */
  expectedPrice: string;
  /** CEX: the IOC limit price (the worst level ± slippage); DEX: the bound the swap enforces, as a price */
  limitPrice: string;
  slippageBps: number;
}

export interface ExecutionPlan {
  opportunityId: string;
  first: ExecutionLeg;
  second: ExecutionLeg;
  maxAdverseBps: number;
}

/** What one leg did, from the venue's own records. */
export interface LegFill {
  ok: boolean;
  side: Side;
  /** base filled */
  amount: string;
  /** quote paid or received as traded (a pool's fee inside) */
  notional: string;
  /** fee charged on top, in quote (CEX; a base fee valued at the fill price); 0 for a swap */
  fee: string;
  /** gas in quote */
  gas: string;
  error?: string;
  /** venue references: order ids, tx hashes */
  ref?: Record<string, unknown>;
}

export interface Exposure {
  /** the side that was filled without its hedge */
  side: Side;
  venue: string;
  amount: string;
}

export type SecondLegDecision = { action: "send"; amount: string } | { action: "abort"; reason: string; exposure: Exposure | null };

export type OutcomeStatus = "completed" | "aborted" | "exposed";

export interface Outcome {
  status: OutcomeStatus;
  reason?: string;
  first: LegFill;
  second: LegFill | null;
  /** sell notional − sell fee − buy notional − buy fee − gas, in quote; null when nothing was hedged */
  realizedProfit: string | null;
  /** expected net profit scaled to the hedged amount */
  expectedProfit: string;
  exposure: Exposure | null;
}

function legOf(opp: Opportunity, side: Side, step: 1 | 2, o: ExecutionOptions): ExecutionLeg {
  const est = side === "buy" ? opp.buy : opp.sell;
  const venue = side === "buy" ? opp.buyVenue : opp.sellVenue;
  const kind = side === "buy" ? opp.buyKind : opp.sellKind;
  const market = side === "buy" ? opp.buyMarket : opp.sellMarket;
  const reference = new D(est.worstPrice ?? est.averagePrice);
  const slip = bps(o.slippageBps);
  const limit = side === "buy" ? reference.mul(new D(1).add(slip)) : reference.mul(new D(1).sub(slip));
  return { step, side, kind, venue, market, amount: opp.size, expectedPrice: est.averagePrice, limitPrice: str(limit), slippageBps: o.slippageBps };
}

export function planExecution(opp: Opportunity, o: ExecutionOptions): ExecutionPlan {
  let firstSide: Side;
  if (opp.buyKind === "dex" && opp.sellKind !== "dex") firstSide = "buy";
  else if (opp.sellKind === "dex" && opp.buyKind !== "dex") firstSide = "sell";
  else firstSide = opp.sell.risk > opp.buy.risk ? "sell" : "buy";
  const secondSide: Side = firstSide === "buy" ? "sell" : "buy";
  return { opportunityId: opp.id, first: legOf(opp, firstSide, 1, o), second: legOf(opp, secondSide, 2, o), maxAdverseBps: o.maxAdverseBps };
}

/** Average price of a fill, fees aside; null when it filled nothing. */
export function fillPrice(f: LegFill): Dec | null {
  const amount = new D(f.amount || "0");
  return amount.gt(0) ? new D(f.notional).div(amount) : null;
}

export function decideSecondLeg(plan: ExecutionPlan, first: LegFill): SecondLegDecision {
  const leg = plan.first;
  if (!first.ok) return { action: "abort", reason: `first leg (${leg.side} on ${leg.venue}) failed: ${first.error ?? "unknown error"}`, exposure: null };
  const avg = fillPrice(first);
  if (avg === null) return { action: "abort", reason: `first leg (${leg.side} on ${leg.venue}) filled nothing`, exposure: null };
  const expected = new D(leg.expectedPrice);
  const tolerance = bps(plan.maxAdverseBps);
  const bound = leg.side === "buy" ? expected.mul(new D(1).add(tolerance)) : expected.mul(new D(1).sub(tolerance));
  const worse = leg.side === "buy" ? avg.gt(bound) : avg.lt(bound);
  if (worse) {
    return {
      action: "abort",
      reason: `first leg (${leg.side} on ${leg.venue}) filled at ${str(avg)}, worse than the bound ${str(bound)} (expected ${leg.expectedPrice} ± ${plan.maxAdverseBps} bps)`,
      exposure: { side: leg.side, venue: leg.venue, amount: first.amount },
    };
  }
  return { action: "send", amount: first.amount };
}

/** The booked result of both legs (or of an aborted first one). */
export function bookOutcome(plan: ExecutionPlan, opp: Pick<Opportunity, "size" | "netProfit">, first: LegFill, second: LegFill | null, abort?: { reason: string; exposure: Exposure | null }): Outcome {
  const hedgedShare = (amount: string) => (new D(opp.size).gt(0) ? new D(amount).div(opp.size) : new D(0));
  if (abort || !second) {
    return {
      status: "aborted", reason: abort?.reason ?? "second leg not sent", first, second: null, realizedProfit: null, expectedProfit: "0",
      exposure: abort?.exposure ?? null,
    };
  }
  const buy = first.side === "buy" ? first : second;
  const sell = first.side === "sell" ? first : second;
  const bought = new D(buy.ok ? buy.amount : "0");
  const sold = new D(sell.ok ? sell.amount : "0");
  const hedged = D.min(bought, sold);
  const unhedged = bought.sub(sold);
  let exposure: Exposure | null = null;
  if (!unhedged.isZero()) {
    const over = unhedged.gt(0) ? buy : sell;
    exposure = { side: over.side, venue: over === first ? plan.first.venue : plan.second.venue, amount: str(unhedged.abs()) };
  }
  if (!second.ok || hedged.isZero()) {
    return { status: "exposed", reason: `second leg (${plan.second.side} on ${plan.second.venue}) failed after the first filled: ${second.error ?? "filled nothing"}`, first, second, realizedProfit: null, expectedProfit: "0", exposure };
  }
  // Per-unit proceeds and costs over the hedged amount; an unhedged remainder is exposure, not profit.
  const perUnit = (f: LegFill, x: string) => new D(x).div(f.amount);
  const sellValue = perUnit(sell, sell.notional).sub(perUnit(sell, sell.fee)).mul(hedged);
  const buyValue = perUnit(buy, buy.notional).add(perUnit(buy, buy.fee)).mul(hedged);
  const gas = new D(buy.gas).add(sell.gas);
  const realized = sellValue.sub(buyValue).sub(gas);
  return {
    status: exposure ? "exposed" : "completed",
    ...(exposure ? { reason: `legs filled ${str(bought)} bought vs ${str(sold)} sold` } : {}),
    first, second, realizedProfit: str(realized), expectedProfit: str(new D(opp.netProfit).mul(hedgedShare(str(hedged)))), exposure,
  };
}
