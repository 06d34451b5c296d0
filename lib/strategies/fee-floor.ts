/**
 * Fee-aware quoting: no quote closer to the mid than the maker fee plus a chosen edge, so a
 * round trip (a buy and a sell, each paying the maker fee) never costs more than the spread
 * earns unless the configuration asks for it. The floor is a fraction of the mid:
 *   bid ≤ mid·(1 − f),  ask ≥ mid·(1 + f),  f = makerFee + edgeOverFee.
 * edgeOverFee may be negative (a rebate programme, a deliberate loss leader); f ≤ 0 means no
 * floor. An unknown maker fee counts as 0, and the status says so.
 */
import type { MarketRules, Quote } from "./types";

export interface FeeFloorState {
  /** The maker fee the floor was built from; null when the market's fee is unknown. */
  makerFee: number | null;
  /** f above (fraction of the mid); 0 when there is no floor. */
  feeFloor: number;
  /** Sides moved away from the mid by the floor ("buy", "sell", "buy,sell"), null when none. */
  widened: string | null;
  /** Why, in words, for mm.status; null when nothing was widened. */
  widenedReason: string | null;
}

export function feeFloorOf(rules: MarketRules, edgeOverFee: number): { makerFee: number | null; floor: number } {
  const makerFee = rules.makerFee ?? null;
  const floor = (makerFee ?? 0) + edgeOverFee;
  return { makerFee, floor: floor > 0 ? floor : 0 };
}

export interface FeeFloorResult {
  /** The quotes, those inside the floor moved out to it (new objects; amounts unchanged). */
  quotes: Quote[];
  /** Sides widened: 1 buy, 2 sell, 3 both. */
  widened: number;
  mid: number;
  makerFee: number | null;
  floor: number;
  edgeOverFee: number;
}

/** The floor applied, without the words: strategies keep this and build the state only when asked (`feeFloorState`). */
export function floorQuotes(quotes: Quote[], mid: number, rules: MarketRules, edgeOverFee: number): FeeFloorResult {
  const { makerFee, floor } = feeFloorOf(rules, edgeOverFee);
  const maxBid = mid * (1 - floor);
  const minAsk = mid * (1 + floor);
  let widened = 0;
  const out: Quote[] = new Array(quotes.length);
  for (let i = 0; i < quotes.length; i++) {
    const q = quotes[i];
    if (floor > 0 && q.side === "buy" && q.price > maxBid) {
      widened |= 1;
      out[i] = { side: q.side, price: maxBid, amount: q.amount, level: q.level };
    } else if (floor > 0 && q.side === "sell" && q.price < minAsk) {
      widened |= 2;
      out[i] = { side: q.side, price: minAsk, amount: q.amount, level: q.level };
    } else out[i] = q;
  }
  return { quotes: out, widened, mid, makerFee, floor, edgeOverFee };
}

/** mm.status's view of a `floorQuotes` result. */
export function feeFloorState(r: FeeFloorResult): FeeFloorState {
  const sides = (["buy", "sell"] as const).filter((_, i) => (r.widened & (1 << i)) !== 0);
  const bp = (x: number) => `${Number((x * 10_000).toFixed(4))} bp`;
  return {
    makerFee: r.makerFee,
    feeFloor: r.floor,
    widened: sides.length ? sides.join(",") : null,
    widenedReason: sides.length
      ? `${sides.join(" and ")} widened to ${bp(r.floor)} from the mid ${r.mid}: maker fee ${r.makerFee === null ? "unknown (0)" : bp(r.makerFee)}${r.edgeOverFee !== 0 ? ` + edgeOverFee ${bp(r.edgeOverFee)}` : ""}`
      : null,
  };
}

/** Moves every quote inside the floor out to it; the quotes are new objects, amounts unchanged. */
export function applyFeeFloor(quotes: Quote[], mid: number, rules: MarketRules, edgeOverFee: number): { quotes: Quote[]; state: FeeFloorState } {
  const r = floorQuotes(quotes, mid, rules, edgeOverFee);
  return { quotes: r.quotes, state: feeFloorState(r) };
}
