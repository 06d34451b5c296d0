/**
 * Position and PnL accounting of one market-maker bot, in exact decimals (strings out).
 *
 * Average cost, not FIFO: a bot needs one number per market (its average entry price),
 * which gives the same answer whatever the order of fills at a price, is trivially cheap
 * to persist and restore (a LedgerSnapshot row), and needs no lot queue that grows with
 * every fill. Realized PnL is booked only on the part of a fill that reduces the position:
 * (fill price − average entry) × closed amount for a long, the mirror for a short.
 *
 * - The position is signed: long positive, short negative.
 * - Increases re-average the entry price: avg = (|pos|·avg + amount·price) / |pos + amount|.
 * - A fill through zero closes the old position (realizing on it) and opens the remainder
 *   at the fill price. A position back at exactly zero has avgEntryPrice "0".
 * - Fees:
 *   - in the quote currency: added to feesPaid and subtracted from realized;
 *   - in the base currency: change the base that actually moves (a buy receives
 *     amount − fee, a sell gives up amount + fee) and are valued at the fill price
 *     (fee × price) in feesPaid and subtracted from realized. That keeps the identity
 *     equity = realized + position·(mark − avg) equal to the change in holdings' value;
 *   - in any other currency (BNB, KCS ...): recorded in `otherFees[currency]` only — the
 *     ledger has no price for it; feesPaid and realized exclude it;
 *   - negative fees (maker rebates) are taken as given: they lower feesPaid and raise
 *     realized.
 * - volume is the quote notional (price × amount) of the fills.
 * - Internally the ledger keeps the open position's cost (|position| × avg), so increases,
 *   full closes and unrealized PnL are exact; a partial close of a position whose average
 *   is a repeating decimal (e.g. 302/3) rounds to 40 significant digits, as does the
 *   avgEntryPrice reported (and restored from) a snapshot.
 * - The ledger does not de-duplicate trades: the caller (the bot, backed by the fills
 *   table's unique trade id) applies each fill once.
 *
 * PnlTracker: daily PnL and drawdown on top of the ledger's equity (see its docs).
 */
import { Decimal } from "../decimal";

// 40 digits, ties to even, where a quotient is rounded (a repeating average): the snapshot's
// avgEntryPrice and realized are stored in 64-character columns (mm_bots, mm_pnl_history), which a
// 60-digit quotient below 0.001 ("0.0000106666…") would overflow. Sums and products of amounts
// stay exact (they need far fewer digits).
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
type Dec = InstanceType<typeof D>;

export interface AccountingFill {
  tradeId: string;
  side: "buy" | "sell";
  price: string;
  amount: string;
  feeCost: string | null;
  feeCurrency: string | null;
  ts: number;
}

export interface LedgerSnapshot {
  base: string;
  quote: string;
  position: string;
  avgEntryPrice: string;
  realized: string;
  feesPaid: string;
  volume: string;
  fills: number;
  lastFillAt: number | null;
  /** Fees paid in currencies other than base and quote, by currency (absent in old snapshots). */
  otherFees?: Record<string, string>;
}

/** Plain decimal string: no exponent, no "-0". */
function str(d: Dec): string {
  return d.isZero() ? "0" : d.toFixed();
}

function dec(x: string | number | null | undefined, what: string): Dec {
  if (x === null || x === undefined || x === "") throw new Error(`accounting: ${what} missing`);
  let d: Dec;
  try {
    d = new D(typeof x === "number" ? String(x) : x);
  } catch {
    throw new Error(`accounting: ${what} is not a number: ${String(x)}`);
  }
  if (!d.isFinite()) throw new Error(`accounting: ${what} is not finite: ${String(x)}`);
  return d;
}

function sameCurrency(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

export class PositionLedger {
  readonly base: string;
  readonly quote: string;
  private position: Dec;
  /** Cost of the open position, |position| × average entry, ≥ 0. */
  private cost: Dec;
  private realized: Dec;
  private feesPaid: Dec;
  private volume: Dec;
  private fills: number;
  private lastFillAt: number | null;
  private otherFees: Map<string, Dec>;
  /** Bumped by every fill applied: what was computed from the ledger is still valid while it holds. */
  version = 0;
  /** Float copies of realized, position and cost for cheap per-tick estimates; null after a change. */
  private floats: { realized: number; position: number; cost: number } | null = null;

  constructor(base: string, quote: string, initial?: LedgerSnapshot) {
    this.base = base;
    this.quote = quote;
    this.position = dec(initial?.position ?? "0", "position");
    this.cost = this.position.isZero() ? new D(0) : dec(initial?.avgEntryPrice ?? "0", "avgEntryPrice").times(this.position.abs());
    this.realized = dec(initial?.realized ?? "0", "realized");
    this.feesPaid = dec(initial?.feesPaid ?? "0", "feesPaid");
    this.volume = dec(initial?.volume ?? "0", "volume");
    this.fills = initial?.fills ?? 0;
    this.lastFillAt = initial?.lastFillAt ?? null;
    this.otherFees = new Map(Object.entries(initial?.otherFees ?? {}).map(([c, v]) => [c, dec(v, `otherFees.${c}`)]));
  }

  apply(fill: AccountingFill): void {
    if (fill.side !== "buy" && fill.side !== "sell") throw new Error(`accounting: bad side ${String(fill.side)}`);
    const price = dec(fill.price, "price");
    const amount = dec(fill.amount, "amount");
    this.floats = null;
    this.version++;
    if (price.lte(0)) throw new Error(`accounting: price must be > 0, got ${fill.price}`);
    if (amount.lte(0)) throw new Error(`accounting: amount must be > 0, got ${fill.amount}`);

    let baseFee = new D(0);
    let quoteFee = new D(0);
    if (fill.feeCost !== null && fill.feeCost !== undefined && fill.feeCost !== "") {
      const fee = dec(fill.feeCost, "feeCost");
      const cur = fill.feeCurrency ?? "";
      if (!fee.isZero()) {
        if (cur !== "" && sameCurrency(cur, this.base)) baseFee = fee;
        else if (cur !== "" && sameCurrency(cur, this.quote)) quoteFee = fee;
        else {
          const key = cur === "" ? "unknown" : cur;
          this.otherFees.set(key, (this.otherFees.get(key) ?? new D(0)).plus(fee));
        }
      }
    }

    // The base that actually moves: a buy receives amount − fee, a sell gives amount + fee.
    const delta = fill.side === "buy" ? amount.minus(baseFee) : amount.plus(baseFee).neg();
    this.move(delta, price);

    const feeValue = baseFee.times(price).plus(quoteFee);
    this.feesPaid = this.feesPaid.plus(feeValue);
    this.realized = this.realized.minus(feeValue);
    this.volume = this.volume.plus(price.times(amount));
    this.fills += 1;
    this.lastFillAt = this.lastFillAt === null ? fill.ts : Math.max(this.lastFillAt, fill.ts);
  }

  /**
   * Signed base change at a price: average in, realize on the reducing part, flip at the
   * price. The open position's cost (|position| × avg) is kept rather than the average, so
   * that increases and full closes are exact; only a partial close divides.
   */
  private move(delta: Dec, price: Dec): void {
    if (delta.isZero()) return;
    const pos = this.position;
    if (pos.isZero() || pos.isPositive() === delta.isPositive()) {
      this.cost = this.cost.plus(delta.abs().times(price));
      this.position = pos.plus(delta);
      return;
    }
    const closing = D.min(delta.abs(), pos.abs());
    const removed = closing.eq(pos.abs()) ? this.cost : this.cost.times(closing).div(pos.abs());
    const gain = price.times(closing).minus(removed);
    this.realized = pos.isPositive() ? this.realized.plus(gain) : this.realized.minus(gain);
    this.cost = this.cost.minus(removed);
    const next = pos.plus(delta);
    // Flipped through zero: the remainder opens at the fill price.
    if (!next.isZero() && next.isPositive() !== pos.isPositive()) this.cost = next.abs().times(price);
    if (next.isZero()) this.cost = new D(0);
    this.position = next;
  }

  private avgEntry(): Dec {
    return this.position.isZero() ? new D(0) : this.cost.div(this.position.abs());
  }

  snapshot(): LedgerSnapshot {
    const otherFees: Record<string, string> = {};
    for (const c of [...this.otherFees.keys()].sort()) otherFees[c] = str(this.otherFees.get(c) as Dec);
    return {
      base: this.base,
      quote: this.quote,
      position: str(this.position),
      avgEntryPrice: str(this.avgEntry()),
      realized: str(this.realized),
      feesPaid: str(this.feesPaid),
      volume: str(this.volume),
      fills: this.fills,
      lastFillAt: this.lastFillAt,
      otherFees,
    };
  }

  /** position × (mark − avgEntryPrice). */
  unrealized(mark: string): string {
    if (this.position.isZero()) return "0";
    const value = this.position.abs().times(dec(mark, "mark")).minus(this.cost);
    return str(this.position.isPositive() ? value : value.neg());
  }

  /** No open position: equity is the realized PnL whatever the mark. */
  isFlat(): boolean {
    return this.position.isZero();
  }

  /**
   * equity(mark) in floats, for a per-tick estimate: `scale` bounds the magnitudes involved, so the
   * float is within ~1e-15 × scale of the exact equity (callers decide exactly when that matters).
   */
  equityEstimate(mark: number): { equity: number; scale: number } {
    const f = (this.floats ??= { realized: this.realized.toNumber(), position: this.position.toNumber(), cost: this.cost.toNumber() });
    const value = Math.abs(f.position) * mark;
    const unrealized = f.position === 0 ? 0 : f.position > 0 ? value - f.cost : f.cost - value;
    return { equity: f.realized + unrealized, scale: Math.abs(f.realized) + value + Math.abs(f.cost) };
  }

  /** realized + unrealized (fees are already inside realized). */
  equity(mark: string): string {
    return str(this.realized.plus(this.unrealized(mark)));
  }
}

export interface PnlState {
  /** UTC day key "YYYY-MM-DD" of dayStartEquity. */
  day: string;
  dayStartEquity: string;
  peakEquity: string;
}

export interface PnlUpdate {
  dailyPnl: string;
  peakEquity: string;
  drawdownPct: number;
}

/** "YYYY-MM-DD" of a ms timestamp in UTC. */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/**
 * Daily PnL and drawdown of a bot's equity (the ledger's realized + unrealized, quote
 * currency; it starts at 0).
 * - dailyPnl = equity − the equity at the first update of the current UTC day; the first
 *   update on a new day ("YYYY-MM-DD" changes) starts the day at that equity.
 * - peakEquity = the highest equity seen (initially the restored peak, else the first).
 * - drawdownPct = (peak − equity) / (capital + peak) when capital + peak > 0, else 0.
 *   Without `capital` this is relative to the peak of the PnL alone, which is noisy near
 *   zero (any loss from a 0 peak is "no drawdown", a loss after a 1-unit peak is huge);
 *   pass `capital` (quote currency) to measure drawdown on capital + PnL.
 */
export class PnlTracker {
  private day: string | null;
  private dayStartEquity: Dec | null;
  private peak: Dec | null;
  private readonly capital: Dec;
  private readonly capitalF: number;
  /** [start, end) ms of `day`, and float copies of the baseline and peak (see `unchangedBy`). */
  private dayFrom = 0;
  private dayTo = 0;
  private dayStartF = 0;
  private peakF = 0;
  /** Bumped whenever the day, its starting equity or the peak changes. */
  version = 0;

  constructor(initial?: Partial<PnlState> & { capital?: string }) {
    this.day = initial?.day ?? null;
    this.dayStartEquity = initial?.dayStartEquity !== undefined ? dec(initial.dayStartEquity, "dayStartEquity") : null;
    this.peak = initial?.peakEquity !== undefined ? dec(initial.peakEquity, "peakEquity") : null;
    this.capital = initial?.capital !== undefined && initial.capital !== "" ? dec(initial.capital, "capital") : new D(0);
    this.capitalF = this.capital.toNumber();
    if (this.day === null || this.dayStartEquity === null) {
      this.day = null;
      this.dayStartEquity = null;
    }
    this.mirror();
  }

  private mirror(): void {
    this.version++;
    const from = this.day === null ? NaN : Date.parse(`${this.day}T00:00:00.000Z`);
    this.dayFrom = Number.isFinite(from) ? from : 0;
    this.dayTo = Number.isFinite(from) ? from + 86_400_000 : 0;
    this.dayStartF = this.dayStartEquity ? this.dayStartEquity.toNumber() : 0;
    this.peakF = this.peak ? this.peak.toNumber() : 0;
  }

  /** `now` is in the UTC day of the current baseline. */
  sameDay(now: number): boolean {
    return this.day !== null && now >= this.dayFrom && now < this.dayTo;
  }

  /** What `update(equity, now)` would return, when it would change nothing; null when it would change the state. */
  peek(equity: string, now: number): PnlUpdate | null {
    if (this.dayStartEquity === null || this.peak === null || !this.sameDay(now)) return null;
    const eq = dec(equity, "equity");
    if (eq.gt(this.peak)) return null;
    const basis = this.capital.plus(this.peak);
    const drawdownPct = basis.gt(0) ? this.peak.minus(eq).div(basis).toNumber() : 0;
    return { dailyPnl: str(eq.minus(this.dayStartEquity)), peakEquity: str(this.peak), drawdownPct };
  }

  /**
   * True when `update` with any equity within ±err of the float `equity` at `now` would change
   * nothing (same UTC day, below the peak), so a caller may skip it.
   */
  unchangedBy(equity: number, err: number, now: number): boolean {
    if (this.dayStartEquity === null || this.peak === null || !this.sameDay(now)) return false;
    return equity < this.peakF - err;
  }

  /** Float copies of the day's starting equity, the peak and the capital (meaningful after an update). */
  estimates(): { dayStartEquity: number; peakEquity: number; capital: number } {
    return { dayStartEquity: this.dayStartF, peakEquity: this.peakF, capital: this.capitalF };
  }

  update(equity: string, now: number): PnlUpdate {
    const eq = dec(equity, "equity");
    const today = this.day !== null && now >= this.dayFrom && now < this.dayTo ? this.day : utcDay(now);
    let changed = false;
    if (this.day !== today || this.dayStartEquity === null) {
      this.day = today;
      this.dayStartEquity = eq;
      changed = true;
    }
    if (this.peak === null || eq.gt(this.peak)) {
      this.peak = eq;
      changed = true;
    }
    if (changed) this.mirror();
    const basis = this.capital.plus(this.peak);
    const drawdownPct = basis.gt(0) ? this.peak.minus(eq).div(basis).toNumber() : 0;
    return { dailyPnl: str(eq.minus(this.dayStartEquity)), peakEquity: str(this.peak), drawdownPct };
  }

  /**
   * Drawdown of `equity` from the peak, as `update` computes it and the drawdown kill switch
   * compares it with maxDrawdownPct, without changing anything: an equity above the peak (or
   * before any update) is a new peak, 0. A ratio (0 at the peak, 1 = capital + peak lost).
   */
  drawdown(equity: string): number {
    const eq = dec(equity, "equity");
    const peak = this.peak === null || eq.gt(this.peak) ? eq : this.peak;
    const basis = this.capital.plus(peak);
    return basis.gt(0) ? peak.minus(eq).div(basis).toNumber() : 0;
  }

  /**
   * Drawdown of `equity` from the peak in the quote currency (peak − equity, exact; 0 at or
   * above the peak and before any update). Meaningful without a capital: the PnL starts at 0 when
   * the bot first quotes, so this is how far the PnL has fallen from its best since then.
   */
  drawdownAmount(equity: string): string {
    const eq = dec(equity, "equity");
    if (this.peak === null || !this.peak.gt(eq)) return "0";
    return str(this.peak.minus(eq));
  }

  /** True when a capital was given (the drawdown ratio is then on capital + PnL). */
  hasCapital(): boolean {
    return !this.capital.isZero();
  }

  /** What to persist to resume after a restart (with `capital` when one was given). */
  state(): PnlState & { capital?: string } {
    const s: PnlState & { capital?: string } = {
      day: this.day ?? "",
      dayStartEquity: this.dayStartEquity ? str(this.dayStartEquity) : "0",
      peakEquity: this.peak ? str(this.peak) : "0",
    };
    if (!this.capital.isZero()) s.capital = str(this.capital);
    return s;
  }
}

/** Money shown to people and metrics: exact inside, 12 decimal places out (averages can carry 40 digits). */
export function money(x: string | number): string {
  return str(new D(x).toDecimalPlaces(12));
}

/**
 * Base share of the value of an inventory at `mid`: base·mid / (base·mid + quote), 0..1
 * (what inventoryTargetBasePct steers); null without a price or with nothing (or a negative
 * holding) to value. A float: it is for metrics, never for a decision.
 */
export function inventoryRatio(base: string, quote: string, mid: string | null): number | null {
  if (mid === null) return null;
  const value = dec(base, "base").times(dec(mid, "mid"));
  const q = dec(quote, "quote");
  const total = value.plus(q);
  if (value.isNegative() || q.isNegative() || !total.gt(0)) return null;
  return value.div(total).toNumber();
}

/** A bot's mark-to-market as `mm.pnl.updated` carries it (lib/monitoring/business-metrics.ts MmPnlUpdated). */
export interface BotMark {
  /** `money` strings, quote currency. */
  realized: string;
  unrealized: string;
  total: string;
  /** PnlTracker.drawdownAmount of the total (`money` string, quote currency): set for every bot. */
  drawdownQuote: string;
  /** PnlTracker.drawdown of the total (capital + PnL), only when the bot has a capital: without one a ratio of the PnL alone means little. */
  drawdown?: number;
  /** inventoryRatio of the bot's inventory at the mark; null without a mark. */
  inventoryRatio: number | null;
}

/** PnL at `mid` (unrealized 0 without one), drawdown from the tracker's peak (quote currency; the ratio with a capital), inventory ratio. */
export function botMark(ledger: PositionLedger, pnl: PnlTracker, mid: string | null, inventory: { base: string; quote: string }): BotMark {
  const realized = ledger.snapshot().realized;
  const unrealized = mid === null ? "0" : ledger.unrealized(mid);
  const total = str(new D(realized).plus(unrealized));
  const mark: BotMark = { realized: money(realized), unrealized: money(unrealized), total: money(total), drawdownQuote: money(pnl.drawdownAmount(total)), inventoryRatio: inventoryRatio(inventory.base, inventory.quote, mid) };
  if (pnl.hasCapital()) mark.drawdown = pnl.drawdown(total);
  return mark;
}

/** One bot's ledger and mark-to-market, for a PnL report. */
export interface BotPnl {
  bot: string;
  exchange: string;
  symbol: string;
  ledger: Pick<LedgerSnapshot, "position" | "avgEntryPrice" | "realized" | "feesPaid" | "volume" | "fills">;
  unrealized: string;
}

/** Per-bot and total realized, unrealized and total PnL and fees (quote currency, `money` strings). */
export function pnlReport(bots: BotPnl[]) {
  let realized = new D(0);
  let unrealized = new D(0);
  let fees = new D(0);
  const rows = bots.map(({ bot, exchange, symbol, ledger, unrealized: u }) => {
    realized = realized.plus(ledger.realized);
    unrealized = unrealized.plus(u);
    fees = fees.plus(ledger.feesPaid);
    return {
      bot,
      exchange,
      symbol,
      position: ledger.position,
      avgEntryPrice: money(ledger.avgEntryPrice),
      realized: money(ledger.realized),
      unrealized: money(u),
      total: money(str(new D(ledger.realized).plus(u))),
      feesPaid: money(ledger.feesPaid),
      volume: money(ledger.volume),
      fills: ledger.fills,
    };
  });
  return { bots: rows, total: { realized: money(str(realized)), unrealized: money(str(unrealized)), total: money(str(realized.plus(unrealized))), feesPaid: money(str(fees)) } };
}
