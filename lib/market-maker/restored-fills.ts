/**
 * What a cross-exchange bot does at start with the maker fills no running bot hedged: booked
 * while it was not running (settle folded them into its snapshot), or just before its node
 * died. On a CEX taker they are hedged now: the hedge's client order id comes from the maker
 * fill, so a hedge that was sent comes back as it was. On a DEX taker they are only reported,
 * since whether a swap went out is not known and a swap is not repeated blindly.
 */
import { Decimal } from "../decimal";
import type { BotSpec } from "./bot-spec";
import type { BookedFill, BotRow } from "./store";

export type RestoredFills = { kind: "none" } | { kind: "hedge"; fills: BookedFill[]; summary: string } | { kind: "report"; message: string };

/**
 * The seq after which the bot's maker fills were not hedged by a running bot; null when there
 * is nothing to hedge (not a cross-exchange bot, or one that never ran as one).
 */
export function unhedgedAfter(spec: BotSpec, row: BotRow | null): number | null {
  if (spec.strategy !== "cross_exchange" || !spec.reference || !row || row.strategy !== "cross_exchange") return null;
  return row.hedged_seq ?? row.fill_seq ?? null;
}

export function restoredMakerFills(spec: BotSpec, fillsAfter: BookedFill[]): RestoredFills {
  const makers = fillsAfter.filter((f) => f.role === "maker");
  if (makers.length === 0 || !spec.reference) return { kind: "none" };
  const ids = makers.map((f) => f.tradeId).join(", ");
  if (spec.reference.kind === "cex") return { kind: "hedge", fills: makers, summary: `hedging ${makers.length} maker fill(s) no running bot hedged (${ids})` };
  const exposure = makers.reduce((sum, f) => (f.side === "buy" ? sum.plus(f.amount) : sum.minus(f.amount)), new Decimal(0));
  return {
    kind: "report",
    message: `Bot ${spec.name}: ${makers.length} maker fill(s) booked while it was not running were not hedged on ${spec.reference.venue} (a DEX swap is not repeated blindly): ${ids}. Open exposure up to ${exposure.toFixed()} ${spec.market.base}.`,
  };
}
