/**
 * What a cross-exchange bot does at start with the maker fills no running bot hedged: booked
 * while it was not running (settle folded them into its snapshot), or just before its node
 * died. On a CEX taker they are hedged now: the hedge's client order id comes from the maker
 * fill, so a hedge that was sent comes back from the cex as it was, as long as the cex still
 * keeps that order (db-maintenance deletes final orders after RETENTION_DAYS). Older fills, and
 * every fill on a DEX taker (whether a swap went out is not known, and a swap is not repeated
 * blindly), are only reported.
 */
import { Decimal } from "../decimal";
import type { BotSpec } from "./bot-spec";
import type { BookedFill, BotRow } from "./store";

export interface RestoredFills {
  /** Maker fills to hedge now (oldest first). */
  hedge: BookedFill[];
  /** What could not be hedged, for an alert; null: nothing. */
  report: string | null;
}

const DAY_MS = 86_400_000;

/**
 * The seq after which the bot's maker fills were not hedged by a running bot; null when there
 * is nothing to hedge (not a cross-exchange bot, or one that never ran as one).
 */
export function unhedgedAfter(spec: BotSpec, row: BotRow | null): number | null {
  if (spec.strategy !== "cross_exchange" || !spec.reference || !row || row.strategy !== "cross_exchange") return null;
  return row.hedged_seq ?? row.fill_seq ?? null;
}

/** `ordersKeptDays`: how long the cex keeps a final order (RETENTION_DAYS); a day less is the margin. */
export function restoredMakerFills(spec: BotSpec, fillsAfter: BookedFill[], now: number, ordersKeptDays: number): RestoredFills {
  const makers = fillsAfter.filter((f) => f.role === "maker");
  if (makers.length === 0 || !spec.reference) return { hedge: [], report: null };
  const idempotentSince = now - Math.max(0, ordersKeptDays - 1) * DAY_MS;
  const hedge = spec.reference.kind === "cex" ? makers.filter((f) => f.ts >= idempotentSince) : [];
  const left = makers.filter((f) => !hedge.includes(f));
  if (left.length === 0) return { hedge, report: null };
  const exposure = left.reduce((sum, f) => (f.side === "buy" ? sum.plus(f.amount) : sum.minus(f.amount)), new Decimal(0));
  const why = spec.reference.kind === "cex" ? `older than the ${ordersKeptDays - 1} days the cex is sure to keep their hedge orders, so a hedge could be sent twice` : "a DEX swap is not repeated blindly";
  return {
    hedge,
    report: `Bot ${spec.name}: ${left.length} maker fill(s) no running bot hedged were not hedged on ${spec.reference.venue} (${why}): ${left.map((f) => f.tradeId).join(", ")}. Open exposure up to ${exposure.toFixed()} ${spec.market.base}.`,
  };
}
