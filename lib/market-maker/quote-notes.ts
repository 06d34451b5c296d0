/**
 * What the bot's status says about its quotes beyond the orders themselves: a side that cannot
 * be quoted (and why: the strategy withheld it, rounding dropped it, the risk check refused it)
 * and a quote the fee floor widened (and why), each with the time it began. A side that stops
 * being quotable is warned about once per change of reason (numbers in the reason, such as
 * prices, do not count as a change), and once more when it is quoted again; not on every tick.
 */
import type { RiskDecision } from "../risk/types";
import type { Quote, QuoteSide } from "../strategies/types";
import type { LiveOrder } from "./order-plan";
import type { RoundedQuote } from "./rounding";

export interface UnquotedSide {
  side: QuoteSide;
  /** strategy: the strategy proposed no order on the side; rounding: its orders were dropped at the tick/lot/minimums; risk: the pre-trade check refused them. */
  cause: "strategy" | "rounding" | "risk";
  reason: string;
  /** Clock time (ms) since when the side has not been quoted. */
  since: number;
}

export interface WidenedQuotes {
  /** "buy", "sell" or "buy,sell". */
  sides: string;
  reason: string;
  /** Clock time (ms) since when these sides have been widened. */
  since: number;
}

export interface QuoteNotesStatus {
  unquoted: UnquotedSide[];
  widened: WidenedQuotes | null;
}

const SIDES: QuoteSide[] = ["buy", "sell"];
const has = (orders: ReadonlyArray<{ side: string }>, side: QuoteSide): boolean => orders.some((o) => o.side === side);
/** A reason with its numbers taken out: two reasons that differ only in prices or amounts are the same. */
const shapeOf = (reason: string): string => reason.replace(/-?\d[\d.,e+-]*/g, "#");

export class QuoteNotes {
  private readonly unquoted = new Map<QuoteSide, UnquotedSide & { shape: string }>();
  private widened: WidenedQuotes | null = null;

  constructor(
    private readonly bot: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /**
   * One decision: the strategy's raw quotes and its state (`describe()`), the quotes left after
   * rounding, and, when the decision went to the risk check, its outcome and the orders kept.
   */
  observe(
    now: number,
    raw: readonly Quote[],
    state: Record<string, number | string | null>,
    desired: readonly RoundedQuote[],
    checked?: { risk: RiskDecision; keep: readonly LiveOrder[] },
  ): void {
    for (const side of SIDES) this.note(now, side, this.whyNot(side, raw, state, desired, checked));
    const sides = typeof state.widened === "string" && state.widened !== "" ? state.widened : null;
    if (sides === null) this.widened = null;
    else {
      const since = this.widened?.sides === sides ? this.widened.since : now;
      this.widened = { sides, reason: String(state.widenedReason ?? `${sides} widened`), since };
    }
  }

  status(): QuoteNotesStatus {
    return {
      unquoted: SIDES.flatMap((s) => {
        const u = this.unquoted.get(s);
        return u ? [{ side: u.side, cause: u.cause, reason: u.reason, since: u.since }] : [];
      }),
      widened: this.widened ? { ...this.widened } : null,
    };
  }

  private whyNot(
    side: QuoteSide,
    raw: readonly Quote[],
    state: Record<string, number | string | null>,
    desired: readonly RoundedQuote[],
    checked?: { risk: RiskDecision; keep: readonly LiveOrder[] },
  ): Pick<UnquotedSide, "cause" | "reason"> | null {
    if (!has(desired, side)) {
      const dropped = raw.filter((q) => q.side === side);
      if (dropped.length > 0) {
        const d = dropped[0];
        return { cause: "rounding", reason: `${side} ${d.amount}@${d.price} dropped when rounded to the market's tick and lot: price at or below 0, amount below the lot, minAmount or minNotional, or crossing the other side` };
      }
      const said = typeof state.warning === "string" && state.warning !== "" ? state.warning : null;
      if (said) return { cause: "strategy", reason: said };
      return { cause: "strategy", reason: raw.length === 0 ? "the strategy has no quotes (not enough market data yet)" : `the strategy proposes no ${side}` };
    }
    if (!checked) return null;
    const { risk, keep } = checked;
    const refused = risk.rejected.filter((r) => r.order.side === side);
    if (refused.length === 0 || risk.allowed.some((o) => o.side === side) || has(keep, side)) return null;
    return { cause: "risk", reason: `refused by the risk check: ${refused.map((r) => `${r.order.side} ${r.order.amount}@${r.order.price}: ${r.reason}`).join("; ")}` };
  }

  private note(now: number, side: QuoteSide, why: Pick<UnquotedSide, "cause" | "reason"> | null): void {
    const prev = this.unquoted.get(side);
    if (!why) {
      if (prev) {
        this.unquoted.delete(side);
        this.warn(`bot ${this.bot}: quoting the ${side} side again`);
      }
      return;
    }
    const shape = `${why.cause}:${shapeOf(why.reason)}`;
    this.unquoted.set(side, { side, ...why, since: prev?.since ?? now, shape });
    if (prev?.shape !== shape) this.warn(`bot ${this.bot}: cannot quote the ${side} side (${why.cause}): ${why.reason}`);
  }
}
