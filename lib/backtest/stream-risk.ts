/**
 * The live bot's risk limits in the streaming backtest. Nothing is re-implemented here: each
 * requote's new orders go through lib/risk's `checkOrders` (the code the Bot runs before it
 * sends anything), with the day's PnL and the equity peak kept by the Bot's own `PnlTracker`
 * (lib/market-maker/accounting.ts) and drawdown measured on capital + PnL as the Bot does.
 * As in the Bot (lib/market-maker/bot.ts):
 *
 * - rejected orders (max order notional, price band, self-trade, max base/quote inventory,
 *   max open orders) are not sent; the requote's cancels still go out;
 * - a kill switch (daily loss limit, max drawdown) cancels every order and stops quoting for
 *   the rest of the run; cancels already on the way can still be filled;
 * - the stale-feed guard: no book for longer than staleFeedMs pulls every order until the
 *   next book.
 *
 * The state is exact: inventory and PnL from the simulation's integer books (lots, 1e18-scaled
 * cash), prices as decimal strings of whole ticks. It is computed on every requote (the books'
 * decimals only after a fill), so risk limits cost decimal arithmetic per requote; without
 * `risk` the engine runs none of this.
 */
import { Decimal } from "../decimal";
import { PnlTracker } from "../market-maker/accounting";
import { checkOrders, riskLimitsFromConfig, type ProposedOrder, type RiskDecision, type RiskLimits, type RiskRejection } from "../risk";
import { SCALE } from "../paper/fixed-point";

export interface StreamRiskReport {
  /** Set when the kill switch tripped: when (simulated ms), why. */
  halt: { ts: number; reason: string; detail: string } | null;
  /** New orders the check refused, by reason. */
  rejected: Partial<Record<RiskRejection, number>>;
  /** Times the stale-feed guard pulled the orders. */
  stalePulls: number;
}

/** What the simulation knows at a requote, in its own units. */
export interface StreamRiskInputs {
  now: number;
  /** When the strategy last saw a book (the Bot's feedAliveAt). */
  feedAt: number;
  bestBid: number;
  bestAsk: number;
  /** Position in lots and cash (quote × 1e18 / (tick × lot)) from fills. */
  posLots: number;
  cashScaled: bigint;
}

export class StreamRisk {
  readonly limits: RiskLimits;
  private readonly pnl: PnlTracker;
  private readonly tick: Decimal;
  private readonly lot: Decimal;
  private readonly tickLot: Decimal;
  readonly report: StreamRiskReport = { halt: null, rejected: {}, stalePulls: 0 };
  // the books change only on fills: their decimals are kept until the next one
  private booksOf: { posLots: number; cashScaled: bigint; cash: Decimal; position: Decimal; base: string; quote: string } | null = null;
  private peakOf = { pnl: "", equity: "" };

  /** `body` is a validated `risk` config document body; capital, base0 and quote0 decimal strings. */
  constructor(
    body: Record<string, unknown>,
    private readonly capital: string,
    tickSize: string,
    lotSize: string,
    private readonly base0: string,
    private readonly quote0: string,
  ) {
    this.limits = riskLimitsFromConfig(body);
    this.pnl = new PnlTracker({ capital });
    this.tick = new Decimal(tickSize);
    this.lot = new Decimal(lotSize);
    this.tickLot = this.tick.times(this.lot);
  }

  /** A price in ticks as the decimal string the Bot would send. */
  price(ticks: number): string {
    return this.tick.times(ticks).toString();
  }

  /** An amount in lots as a decimal string. */
  amount(lots: number): string {
    return this.lot.times(lots).toString();
  }

  /** The Bot's check of `proposed` new orders, with `keep` the orders that stay; a halt is recorded. */
  check(proposed: ProposedOrder[], keep: ProposedOrder[], s: StreamRiskInputs): RiskDecision {
    const mid = new Decimal(s.bestBid).plus(s.bestAsk).div(2);
    const { cash, position, base, quote } = this.books(s.posLots, s.cashScaled);
    const equity = cash.plus(position.times(mid)).toString();
    const { dailyPnl, peakEquity } = this.pnl.update(equity, s.now);
    const decision = checkOrders(
      proposed,
      {
        now: s.now,
        priceReceivedAt: s.feedAt,
        mid: mid.toString(),
        inventory: { base, quote },
        openOrders: keep,
        dailyPnl,
        equity: this.forDrawdown(equity),
        peakEquity: this.peakForDrawdown(peakEquity),
      },
      this.limits,
    );
    if (decision.halt && !this.report.halt) this.report.halt = { ts: s.now, ...decision.halt };
    for (const r of decision.rejected) this.report.rejected[r.reason] = (this.report.rejected[r.reason] ?? 0) + 1;
    return decision;
  }

  private books(posLots: number, cashScaled: bigint): NonNullable<StreamRisk["booksOf"]> {
    const b = this.booksOf;
    if (b !== null && b.posLots === posLots && b.cashScaled === cashScaled) return b;
    const cash = new Decimal(cashScaled.toString()).times(this.tickLot).div(SCALE.toString());
    const position = this.lot.times(posLots);
    this.booksOf = { posLots, cashScaled, cash, position, base: position.plus(this.base0).toString(), quote: cash.plus(this.quote0).toString() };
    return this.booksOf;
  }

  /** Drawdown on capital + PnL (the Bot's equityForDrawdown). */
  private forDrawdown(pnlEquity: string): string {
    return new Decimal(this.capital).plus(pnlEquity).toString();
  }

  /** forDrawdown of the peak, kept while the peak stands. */
  private peakForDrawdown(pnlPeak: string): string {
    if (pnlPeak !== this.peakOf.pnl) this.peakOf = { pnl: pnlPeak, equity: this.forDrawdown(pnlPeak) };
    return this.peakOf.equity;
  }
}
