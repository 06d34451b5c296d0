/**
 * One market-making bot: a strategy on one market, driven by price ticks and fills.
 * No broker here: the venue, the hedger and the clock are injected, so the market-maker
 * service runs it against the cex service and the backtester against a paper exchange.
 *
 * Each requote: strategy → desired quotes → rounded to tick/lot → planned against live
 * orders (lib/market-maker/order-plan) → new orders checked by lib/risk → cancels sent and
 * awaited → new orders sent. A venue with `replace` (the cex service's replaceOrders) does both
 * in one round trip, cancelling first and placing only if every cancel resolved; others get
 * the cancels, then the places, as two rounds. Only one requote runs at a time; ticks arriving meanwhile
 * coalesce into one more requote, and none starts sooner than `minRequoteIntervalMs`
 * after the previous one. Because placements wait for the cancels, no new order leaves
 * while a cancel is in flight. Positions come only from fills (`onFill`), so a cancel
 * that loses a race with a fill still ends with the right position.
 *
 * The strategy sees the book of others: the bot's own orders are netted out of each snapshot
 * (lib/market-maker/own-book.ts), and a periodic audit against the venue's open orders drops
 * orders that vanished there. The stale-feed guard runs from the feed's last message: a price
 * (`onPrice`) or a report that the feed heard from the market without a change (`onFeedAlive`).
 *
 * Per-tick cost: the decision is made synchronously when a requote is due. When the plan is
 * empty and the kill-switch/stale-feed check certainly passes ("quiet": the usual tick in a
 * quiet market), nothing else runs — no promise, no decimal PnL update. That check is made
 * in floats with a wide error margin (exactly, and cached per fill, for a flat position);
 * near a limit, a new equity peak or a new UTC day it falls back to the exact decimal path,
 * so halts happen on the same tick as before. Rounding and planning keep exact decimal
 * strings as output (lib/market-maker/rounding.ts, order-plan.ts).
 */
import { Decimal } from "../decimal";
import { preciseNow } from "../runtime/precise-now";
import type { RiskDecision, RiskLimits } from "../risk/types";
import { checkOrders } from "../risk";
import type { Inventory, MarketRules, MarketSnapshot, OrderPolicy, Strategy } from "../strategies/types";
import { PnlTracker, PositionLedger, type AccountingFill, type LedgerSnapshot } from "./accounting";
import { isBotOrder, newClientOrderId } from "./client-order-id";
import { planOrders, type LiveOrder } from "./order-plan";
import { OwnOrderBook } from "./own-book";
import { QuoteNotes, type UnquotedSide, type WidenedQuotes } from "./quote-notes";
import { roundQuotes, type DecimalRules, type RoundedQuote } from "./rounding";

export interface VenueOrder {
  clientOrderId: string | null;
  side: string;
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  status: string;
}

/** The quoted venue as the bot sees it (the cex service, or a paper exchange in a backtest). */
export interface BotVenue {
  /** A post-only limit order. */
  place(order: { clientOrderId: string; side: "buy" | "sell"; price: string; amount: string }): Promise<VenueOrder>;
  /** Cancel; resolves with the order's final state. Rejects with `OrderGoneError` when the venue no longer knows it. */
  cancel(clientOrderId: string): Promise<VenueOrder | null>;
  openOrders(): Promise<VenueOrder[]>;
  /** Totals (free + locked) of the market's base and quote. */
  balance(): Promise<{ base: string; quote: string }>;
  /**
   * Optional: cancels then places in one round trip (the cex service's `replaceOrders`). The
   * venue runs every cancel first and places only when each succeeded or found the order gone;
   * per-order outcomes come back in the result, a refusal is never thrown.
   */
  replace?(cancel: string[], place: VenuePlacement[]): Promise<VenueReplaceResult>;
}

export type VenuePlacement = Parameters<BotVenue["place"]>[0];

export interface VenueOrderError {
  code?: number;
  type?: string;
  message: string;
}

export interface VenueReplaceResult {
  /** ok: cancelled, or already gone from the venue (filled, cancelled, unknown). */
  canceled: Array<{ clientOrderId: string; ok: boolean; order?: VenueOrder | null; error?: VenueOrderError }>;
  /** `ackedAt`: when the venue's node had the acknowledgement (ms since epoch), when it says. */
  placed: Array<{ clientOrderId: string; ok: boolean; order?: VenueOrder; ackedAt?: number; error?: VenueOrderError }>;
  /** A cancel failed: nothing was placed. */
  placesSkipped: boolean;
}

/** Takes the other side of a maker fill on the taker venue (cross-exchange market making). */
export interface Hedger {
  /** `makerFill`: the hedged fill's venue and trade id, the same for every delivery of that fill. */
  hedge(order: { side: "buy" | "sell"; amount: string; reason: string; makerFill: string }): Promise<{ price: string; amount: string }>;
}

export interface BotClock {
  now(): number;
  /** Wall-clock ms with a fraction (sub-millisecond), for latency stamps such as `orderAckAt`; default `now()`. */
  preciseNow?(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: BotClock = {
  now: () => Date.now(),
  preciseNow,
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type BotState = "starting" | "running" | "paused" | "halted" | "stopped";

export interface BotEvents {
  /**
   * `orderAckAt`: when this bot had the acknowledgement; `venueAckAt`: when the venue's node had it
   * (the latest of the quote's orders; only through `replace`, whose answer carries it).
   */
  quotePlaced?(q: { bid: string | null; ask: string | null; tickReceivedAt: number; orderAckAt: number; venueAckAt?: number }): void;
  pnlUpdated?(p: { realized: string; unrealized: string; total: string; position: string; feesPaid: string }): void;
  inventoryUpdated?(inv: { base: string; quote: string }): void;
  /** The kill switch tripped on this bot: its orders are cancelled and it stopped. */
  halted?(h: { reason: string; detail: string }): void;
  /** A maker fill could not be hedged (its retries spent): the exposure stays open. */
  hedgeFailed?(h: { tradeId: string; side: "buy" | "sell"; amount: string; error: string }): void;
  /** Something went wrong that the bot survived (logged by the service). */
  warn?(message: string): void;
}

export interface BotConfig {
  name: string;
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  strategy: Strategy;
  policy: OrderPolicy;
  /** Numbers for the strategy's math. */
  rules: MarketRules;
  /** The same limits as exact decimal strings, for rounding at the boundary. */
  decimalRules: DecimalRules;
  minRequoteIntervalMs: number;
  risk: RiskLimits;
  /** Capital the drawdown is measured against (quote currency); without it, the PnL alone (no drawdown until the PnL has been above 0). */
  capital?: string;
  /** Checked right before orders leave: false (e.g. the bot's lease may have lapsed) sends nothing. */
  canQuote?: () => boolean;
  /**
   * An acknowledged order is taken for being in a public book snapshot received this long after
   * its ack (and a closed one for no longer being in it); default 1 s. See lib/market-maker/own-book.ts.
   */
  ownBookBufferMs?: number;
  /** How often the live orders are checked against the venue's open orders; default 5 s, 0 = never. */
  auditIntervalMs?: number;
  /** Client order ids for new orders; default `newClientOrderId` (wall clock + randomness). A backtest passes a deterministic one. */
  clientOrderId?: (bot: string) => string;
}

export interface BotStatus {
  name: string;
  exchange: string;
  symbol: string;
  strategy: string;
  state: BotState;
  haltReason: string | null;
  liveOrders: LiveOrder[];
  inventory: { base: string; quote: string };
  ledger: LedgerSnapshot;
  unrealized: string;
  mid: string | null;
  priceReceivedAt: number | null;
  /** Last message of the feed (a price change or a message that left the top as it was). */
  feedAliveAt: number | null;
  lastRequoteAt: number | null;
  lastRisk: { blocked: string | null; rejected: string[] };
  strategyState: Record<string, number | string | null>;
  /** Sides the bot cannot quote now, why and since when (lib/market-maker/quote-notes.ts); warned about once per change. */
  unquoted: UnquotedSide[];
  /** Quotes the fee floor moved away from the mid, why and since when; null when none. */
  widened: WidenedQuotes | null;
  requotes: number;
}

/** The venue no longer knows the order (already filled or cancelled): not an error for the bot. */
export class OrderGoneError extends Error {
  override name = "OrderGoneError";
}

const ZERO = new Decimal(0);
const DEFAULT_OWN_BOOK_BUFFER_MS = 1_000;
const DEFAULT_AUDIT_INTERVAL_MS = 5_000;

type Decision = { plan: ReturnType<typeof planOrders>; risk: RiskDecision } | "quiet";

export class Bot {
  state: BotState = "starting";
  haltReason: string | null = null;
  readonly ledger: PositionLedger;
  readonly pnl: PnlTracker;

  /** The quoted market's latest public snapshot (marks, risk). */
  private market: MarketSnapshot | null = null;
  /** The same without the bot's own orders: what the strategy prices from. */
  private view: MarketSnapshot | null = null;
  private reference: MarketSnapshot | null = null;
  private priceReceivedAt: number | null = null;
  /**
   * When the feed last heard from the venue (any message: a price change, or a depth diff,
   * snapshot or poll that left the top of book as it was): the stale-feed guard's clock.
   */
  private feedAliveAt: number | null = null;
  private tickReceivedAt = 0;
  private inventory: { base: Decimal; quote: Decimal } = { base: ZERO, quote: ZERO };
  /** The inventory as floats for the strategy (kept in step with `inventory`). */
  private inventoryF: Inventory = { base: 0, quote: 0 };
  private readonly live = new Map<string, LiveOrder>();
  /** The live orders as the public book may show them, to price from the book of others (lib/market-maker/own-book.ts). */
  private readonly own: OwnOrderBook;
  private lastAuditAt: number | null = null;
  private auditing: Promise<void> | null = null;
  private readonly seenTrades = new Set<string>();
  private lastFillAt: number | null = null;
  private lastRequoteAt: number | null = null;
  private requoting: Promise<void> | null = null;
  private requoteAgain = false;
  private deferred: unknown = null;
  private housekeeping: unknown = null;
  private staleTimer: unknown = null;
  /** Clock time the armed stale check fires at. */
  private staleCheckAt = 0;
  /** Limits as floats for the per-tick kill-switch estimate (exact decimals decide near them). */
  private readonly dailyLossLimitF: number | null;
  private readonly capitalF: number;
  /** With no open position the kill-switch check depends only on the ledger and the PnL baselines: its exact result, per their versions. */
  private flatCheck = { ledger: -1, pnl: -1, quiet: false };
  /** The top of book the exact path last found no halt at, and the ledger/PnL versions it left: the same book again is quiet too. */
  private markCheck = { ledger: -1, pnl: -1, bid: NaN, ask: NaN };
  private lastRisk: { blocked: string | null; rejected: string[] } = { blocked: null, rejected: [] };
  private requotes = 0;
  private hedges: Promise<void> = Promise.resolve();
  private pendingHedges = 0;
  private readonly notes: QuoteNotes;

  constructor(
    readonly config: BotConfig,
    private readonly venue: BotVenue,
    private readonly events: BotEvents = {},
    private readonly clock: BotClock = SYSTEM_CLOCK,
    private readonly hedger: Hedger | null = null,
    initial?: { ledger?: LedgerSnapshot; pnl?: { day: string; dayStartEquity: string; peakEquity: string } },
  ) {
    this.ledger = new PositionLedger(config.base, config.quote, initial?.ledger);
    this.own = new OwnOrderBook(config.ownBookBufferMs ?? DEFAULT_OWN_BOOK_BUFFER_MS);
    this.pnl = new PnlTracker({ ...initial?.pnl, capital: config.capital });
    this.dailyLossLimitF = config.risk.dailyLossLimit !== undefined ? Number(config.risk.dailyLossLimit) : null;
    this.capitalF = config.capital ? Number(config.capital) : 0;
    this.notes = new QuoteNotes(config.name, (m) => this.events.warn?.(m));
  }

  /** Takes over the market: cancels orders a previous owner of this bot left resting, reads balances, starts quoting. */
  async start(): Promise<void> {
    const leftovers = (await this.venue.openOrders()).filter((o) => isBotOrder(this.config.name, o.clientOrderId));
    await Promise.all(leftovers.map((o) => this.cancelQuietly(o.clientOrderId as string)));
    await this.refreshBalance();
    this.state = "running";
    this.scheduleHousekeeping();
    this.trigger();
  }

  /** Stops quoting and cancels every order of this bot. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    await this.quiesce();
    await this.cancelAll();
  }

  /** Stops quoting without forgetting the bot (orders cancelled); `resume` starts again. */
  async pause(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "paused";
    await this.quiesce();
    await this.cancelAll();
  }

  resume(): void {
    if (this.state !== "paused") return;
    this.state = "running";
    this.scheduleHousekeeping();
    this.trigger();
  }

  /** Kill switch: cancel everything, stop, report. */
  async halt(reason: string, detail: string): Promise<void> {
    if (this.state === "halted" || this.state === "stopped") return;
    this.state = "halted";
    this.haltReason = `${reason}: ${detail}`;
    await this.quiesce();
    await this.cancelAll();
    this.events.halted?.({ reason, detail });
  }

  /** A new price for the quoted market. `receivedAt` is when the tick entered this system. */
  onPrice(snapshot: MarketSnapshot, receivedAt: number): void {
    this.market = snapshot;
    // The book of others: the strategy never prices off (joins, steps ahead of, counts the depth of) the bot's own quotes.
    this.view = this.own.netSnapshot(snapshot, receivedAt);
    this.priceReceivedAt = receivedAt;
    this.tickReceivedAt = receivedAt;
    this.noteFeedAlive(receivedAt);
    this.config.strategy.observeMid?.(snapshot.ts, (snapshot.bestBid + snapshot.bestAsk) / 2);
    this.trigger();
  }

  /** A new price for the reference market (external price source, or the XEMM taker venue). */
  onReferencePrice(snapshot: MarketSnapshot, receivedAt: number): void {
    this.reference = snapshot;
    this.tickReceivedAt = receivedAt;
    this.trigger();
  }

  /**
   * The feed received a message at `receivedAt` that did not change the top of book (a quiet
   * market): the last price still holds, so the stale-feed guard restarts from it. A bot
   * pulled for a stale feed quotes again.
   */
  onFeedAlive(receivedAt: number): void {
    if (this.priceReceivedAt === null || (this.feedAliveAt !== null && receivedAt <= this.feedAliveAt)) return;
    const wasStale = this.lastRisk.blocked === "stale_feed";
    this.noteFeedAlive(receivedAt);
    if (wasStale) this.trigger();
  }

  /** The market's feed went stale: quotes come down at once rather than at the next tick. */
  onStale(): void {
    this.trigger();
  }

  /** A public trade print on the quoted market (feeds trade-intensity estimation). */
  onPublicTrade(trade: { ts: number; price: number; amount: number; side: "buy" | "sell" }): void {
    if (this.market && this.config.strategy.observeTrade) this.config.strategy.observeTrade(trade, (this.market.bestBid + this.market.bestAsk) / 2);
  }

  /** A fill of one of this bot's orders; duplicates (same tradeId) are ignored. */
  onFill(fill: AccountingFill & { clientOrderId: string | null }): boolean {
    if (this.seenTrades.has(fill.tradeId)) return false;
    this.seenTrades.add(fill.tradeId);
    if (this.seenTrades.size > 10_000) this.seenTrades.delete(this.seenTrades.values().next().value as string);

    this.ledger.apply(fill);
    this.applyToInventory(fill);
    this.lastFillAt = this.clock.now();
    const order = fill.clientOrderId ? this.live.get(fill.clientOrderId) : undefined;
    if (order) {
      const remaining = new Decimal(order.remaining).minus(fill.amount);
      this.own.filled(order.clientOrderId, Number(fill.amount), this.clock.now());
      if (remaining.lte(0)) this.untrack(order.clientOrderId);
      else order.remaining = remaining.toString();
      // A fill of a managed order leaves the other side hanging; a fill of a hanging order changes nothing else.
      if (this.config.policy.hangingOrders && !order.hanging) {
        for (const other of this.live.values()) if (other.side !== order.side) other.hanging = true;
      }
    }
    if (this.market && this.config.strategy.observeTrade) {
      const mid = (this.market.bestBid + this.market.bestAsk) / 2;
      this.config.strategy.observeTrade({ ts: fill.ts, price: Number(fill.price), amount: Number(fill.amount), side: fill.side === "buy" ? "sell" : "buy" }, mid);
    }
    this.reportPnl();
    this.queueHedge(fill);
    this.trigger();
    // Quote again the moment the filled-order delay ends, even without a tick.
    if (this.config.policy.filledOrderDelayMs > 0) this.clock.setTimeout(() => this.trigger(), this.config.policy.filledOrderDelayMs + 1);
    return true;
  }

  /** A fill of this bot's hedge on the taker venue: it moves the position and PnL, not the quoted venue's inventory. */
  onHedgeFill(fill: AccountingFill): boolean {
    if (this.seenTrades.has(fill.tradeId)) return false;
    this.seenTrades.add(fill.tradeId);
    this.ledger.apply(fill);
    this.reportPnl();
    return true;
  }

  /**
   * Hedges maker fills that the restored ledger holds but no running bot saw (booked while the
   * bot was down, or just before its node died). The hedger's idempotency key is the maker fill,
   * so a hedge that was sent comes back as it was, never a second time.
   */
  hedgeRestored(fills: AccountingFill[]): void {
    for (const fill of fills) this.queueHedge(fill);
  }

  /** Hedges sent or queued and not finished (filled, or failed and reported). */
  get hedgesInFlight(): number {
    return this.pendingHedges;
  }

  /** Fills already inside the restored ledger: a late duplicate of one must not count twice. */
  markSeen(tradeIds: Iterable<string>): void {
    for (const id of tradeIds) this.seenTrades.add(id);
  }

  /** Requotes (strategy evaluations) so far; what status().requotes reports, without building a status. */
  get requoteCount(): number {
    return this.requotes;
  }

  /** Resolves when every hedge started so far has finished (tests, shutdown). */
  hedgesSettled(): Promise<void> {
    return this.hedges;
  }

  status(): BotStatus {
    const mid = this.midDecimal();
    return {
      name: this.config.name,
      exchange: this.config.exchange,
      symbol: this.config.symbol,
      strategy: this.config.strategy.name,
      state: this.state,
      haltReason: this.haltReason,
      liveOrders: [...this.live.values()].map((o) => ({ ...o })),
      inventory: { base: this.inventory.base.toString(), quote: this.inventory.quote.toString() },
      ledger: this.ledger.snapshot(),
      unrealized: mid ? this.ledger.unrealized(mid.toString()) : "0",
      mid: mid?.toString() ?? null,
      priceReceivedAt: this.priceReceivedAt,
      feedAliveAt: this.feedAliveAt,
      lastRequoteAt: this.lastRequoteAt,
      lastRisk: this.lastRisk,
      strategyState: this.config.strategy.describe(),
      ...this.notes.status(),
      requotes: this.requotes,
    };
  }

  /** Asks for a requote now (coalesced, rate-limited). */
  trigger(): void {
    if (this.state !== "running") return;
    if (this.requoting) {
      this.requoteAgain = true;
      return;
    }
    const now = this.clock.now();
    const wait = this.lastRequoteAt === null ? 0 : this.lastRequoteAt + this.config.minRequoteIntervalMs - now;
    if (wait > 0) {
      if (this.deferred === null) {
        this.deferred = this.clock.setTimeout(() => {
          this.deferred = null;
          this.trigger();
        }, wait);
      }
      return;
    }
    // Decide now, synchronously: most ticks change nothing, and those need no async requote at all.
    let decision: Decision | null;
    try {
      decision = this.market ? this.decide(now) : null;
    } catch (err) {
      this.lastRequoteAt = now;
      this.requotes++;
      this.events.warn?.(`bot ${this.config.name}: requote failed: ${(err as Error).message}`);
      return;
    }
    if (decision === "quiet") {
      this.lastRequoteAt = now;
      this.requotes++;
      if (this.lastRisk.blocked !== null || this.lastRisk.rejected.length > 0) this.lastRisk = { blocked: null, rejected: [] };
      return;
    }
    this.requoting = this.requote(now, decision).finally(() => {
      this.requoting = null;
      if (this.requoteAgain) {
        this.requoteAgain = false;
        this.trigger();
      }
    });
  }

  /** Resolves when no requote is running (a test or the backtester waits on it). */
  async idle(): Promise<void> {
    while (this.requoting || this.auditing) await (this.requoting ?? this.auditing);
    await this.hedges;
  }

  /** Carries out a decision made at `now` (by `decide`, just before). */
  private async requote(now: number, decision: Exclude<Decision, "quiet"> | null): Promise<void> {
    this.lastRequoteAt = now;
    this.requotes++;
    const tickReceivedAt = this.tickReceivedAt;
    try {
      if (!decision) {
        this.lastRisk = { blocked: "no_price", rejected: [] };
        return;
      }
      const { plan, risk } = decision;
      this.lastRisk = { blocked: risk.blocked?.reason ?? null, rejected: risk.rejected.map((r) => `${r.order.side} ${r.order.amount}@${r.order.price}: ${r.reason}`) };
      if (risk.halt) {
        await this.halt(risk.halt.reason, risk.halt.detail);
        return;
      }
      if (risk.blocked) {
        await this.cancelAll();
        return;
      }
      if (this.venue.replace && (plan.cancel.length > 0 || plan.place.length > 0)) {
        await this.replace(plan, risk, now, tickReceivedAt);
        return;
      }
      const cancelled = await Promise.all(plan.cancel.map((o) => this.cancelQuietly(o.clientOrderId)));
      if (cancelled.some((ok) => !ok)) return; // a cancel failed: place nothing until the book is known again
      // A tick arrived while the cancels were in flight: plan again on it rather than place stale quotes.
      if (plan.cancel.length > 0 && this.tickReceivedAt !== tickReceivedAt) {
        this.requoteAgain = true;
        return;
      }
      if (this.state !== "running" || risk.allowed.length === 0) return;
      if (this.config.canQuote && !this.config.canQuote()) return;
      const allowed = new Set(risk.allowed);
      const placed = await Promise.all(plan.place.filter((q) => allowed.has(q)).map((q) => this.place(q, now)));
      this.reportQuote(placed, tickReceivedAt);
    } catch (err) {
      this.events.warn?.(`bot ${this.config.name}: requote failed: ${(err as Error).message}`);
    }
  }

  /**
   * The requote in one round trip (`venue.replace`): the venue cancels first and places only if
   * every cancel succeeded or found the order gone, so no new order is out while a cancel is
   * unresolved. Bookkeeping as on the two-round path: the new orders are live from just before
   * they are sent (a fill may come before the ack), cancelled ones leave `live`, a failed cancel
   * stays and nothing is placed, refused or closed new orders are warned about and dropped.
   */
  private async replace(plan: Exclude<Decision, "quiet">["plan"], risk: RiskDecision, now: number, tickReceivedAt: number): Promise<void> {
    const allowed = new Set(risk.allowed);
    const quoting = this.state === "running" && risk.allowed.length > 0 && (!this.config.canQuote || this.config.canQuote());
    const orders = quoting ? plan.place.filter((q) => allowed.has(q)).map((q) => this.newLiveOrder(q, now)) : [];
    const cancel = plan.cancel.map((o) => o.clientOrderId);
    if (cancel.length === 0 && orders.length === 0) return;
    for (const o of orders) this.track(o);
    let result: VenueReplaceResult;
    try {
      result = await (this.venue.replace as NonNullable<BotVenue["replace"]>)(
        cancel,
        orders.map((o) => ({ clientOrderId: o.clientOrderId, side: o.side, price: o.price, amount: o.amount })),
      );
    } catch (err) {
      // Outcome unknown (refusals come back per order, not thrown): the new orders may be resting.
      // Kept as expired quotes, the next requote (next tick or timer, not at once: the venue may
      // keep failing) cancels them, gone if never placed, so nothing rests without the bot knowing.
      for (const o of orders) o.placedAt = Number.NEGATIVE_INFINITY;
      this.events.warn?.(`bot ${this.config.name}: replace (cancel ${cancel.length}, place ${orders.length}) failed: ${(err as Error).message}`);
      return;
    }
    for (const c of result.canceled) {
      if (c.ok) this.untrack(c.clientOrderId);
      else this.events.warn?.(`bot ${this.config.name}: cancel ${c.clientOrderId} failed: ${c.error?.message ?? "unknown error"}`);
    }
    const acks = new Map(result.placed.map((p) => [p.clientOrderId, p]));
    let venueAckAt: number | undefined;
    const placed = orders.map((o): LiveOrder | null => {
      const ack = result.placesSkipped ? undefined : acks.get(o.clientOrderId);
      if (!ack?.ok || !ack.order) {
        this.untrack(o.clientOrderId);
        if (!result.placesSkipped) this.events.warn?.(`bot ${this.config.name}: ${o.side} ${o.amount}@${o.price} refused: ${ack?.error?.message ?? "no answer from the venue"}`);
        return null;
      }
      if (ack.ackedAt !== undefined) venueAckAt = Math.max(venueAckAt ?? ack.ackedAt, ack.ackedAt);
      return this.acknowledged(o, ack.order.status);
    });
    this.reportQuote(placed, tickReceivedAt, venueAckAt);
  }

  /** `quotePlaced` for the best bid and ask among the new orders the venue acknowledged (none: nothing to report). */
  private reportQuote(placed: Array<LiveOrder | null>, tickReceivedAt: number, venueAckAt?: number): void {
    const ok = placed.filter((p): p is LiveOrder => p !== null);
    if (ok.length === 0) return;
    const orderAckAt = this.clock.preciseNow ? this.clock.preciseNow() : this.clock.now();
    const bid = ok.filter((o) => o.side === "buy").sort((a, b) => a.level - b.level)[0];
    const ask = ok.filter((o) => o.side === "sell").sort((a, b) => a.level - b.level)[0];
    this.events.quotePlaced?.({ bid: bid?.price ?? null, ask: ask?.price ?? null, tickReceivedAt, orderAckAt, ...(venueAckAt !== undefined ? { venueAckAt } : {}) });
  }

  /** The venue took `order`: it stays live while open (fills, even immediate ones, arrive through onFill); closed or rejected, it is done. */
  private acknowledged(order: LiveOrder, status: string): LiveOrder | null {
    if (status !== "open" && status !== "pending") this.untrack(order.clientOrderId);
    else this.own.accepted(order.clientOrderId, this.clock.now());
    return this.live.has(order.clientOrderId) ? order : null;
  }

  /** A new order goes live (just before it is sent: a fill may come before the ack). */
  private track(order: LiveOrder): void {
    this.live.set(order.clientOrderId, order);
    this.own.submitted({ clientOrderId: order.clientOrderId, side: order.side, price: Number(order.price), amount: Number(order.remaining) }, this.clock.now());
  }

  /** Cancelled, filled, refused or gone. */
  private untrack(clientOrderId: string): void {
    this.live.delete(clientOrderId);
    this.own.closed(clientOrderId, this.clock.now());
  }

  private newLiveOrder(q: RoundedQuote, now: number): LiveOrder {
    const clientOrderId = (this.config.clientOrderId ?? newClientOrderId)(this.config.name);
    return { clientOrderId, side: q.side, price: q.price, amount: q.amount, remaining: q.amount, placedAt: now, level: q.level, hanging: false };
  }

  /**
   * Strategy → rounded quotes → plan → risk. "quiet" when the plan is empty and the risk check
   * certainly neither halts nor blocks: then nothing would be sent, cancelled or changed.
   */
  private decide(now: number): Decision {
    const market = this.market as MarketSnapshot;
    const inventory: Inventory = { base: this.inventoryF.base, quote: this.inventoryF.quote };
    const quotes = this.config.strategy.quotes({ now, market: this.view ?? market, reference: this.reference ?? undefined, inventory, rules: this.config.rules });
    const desired = roundQuotes(quotes, this.config.decimalRules);
    // Plan first, then check the risk of what would actually be sent.
    const plan = planOrders(desired, this.live.size === 0 ? [] : [...this.live.values()], this.config.policy, now, this.lastFillAt);
    const state = this.config.strategy.describe();
    if (plan.cancel.length === 0 && plan.place.length === 0 && this.quietRisk(now)) {
      this.notes.observe(now, quotes, state, desired);
      return "quiet";
    }
    const mid = this.midDecimal() as Decimal;
    const equity = this.ledger.equity(mid.toString());
    const { dailyPnl, peakEquity } = this.pnl.update(equity, now);
    const risk = checkOrders(
      plan.place,
      {
        now,
        priceReceivedAt: this.feedAliveAt,
        mid: mid.toString(),
        inventory: { base: this.inventory.base.toString(), quote: this.inventory.quote.toString() },
        openOrders: plan.keep.map((o) => ({ side: o.side, price: o.price, amount: o.remaining })),
        dailyPnl,
        equity: this.equityForDrawdown(equity),
        peakEquity: this.equityForDrawdown(peakEquity),
      },
      this.config.risk,
    );
    this.notes.observe(now, quotes, state, desired, { risk, keep: plan.keep });
    // The same book with the same ledger and baselines gives the same PnL and no halt: quiet next time.
    if (!risk.halt) this.markCheck = { ledger: this.ledger.version, pnl: this.pnl.version, bid: market.bestBid, ask: market.bestAsk };
    return { plan, risk };
  }

  /**
   * True when checkOrders (with nothing to place) would neither halt nor block and the PnL tracker's
   * update would change nothing: decided in floats with a wide error margin; anything close to a
   * limit, a new peak or a new UTC day returns false, and the exact decimal path decides.
   */
  private quietRisk(now: number): boolean {
    const limits = this.config.risk;
    if (this.feedAliveAt === null || now - this.feedAliveAt > limits.staleFeedMs) return false;
    if (this.ledger.isFlat()) return this.pnl.sameDay(now) && this.quietWhenFlat(now);
    const market = this.market as MarketSnapshot;
    const m = this.markCheck;
    if (m.bid === market.bestBid && m.ask === market.bestAsk && m.ledger === this.ledger.version && m.pnl === this.pnl.version) return this.pnl.sameDay(now);
    const { equity, scale } = this.ledger.equityEstimate((market.bestBid + market.bestAsk) / 2);
    if (!Number.isFinite(equity) || !Number.isFinite(scale)) return false;
    const { dayStartEquity, peakEquity, capital } = this.pnl.estimates();
    const err = 1e-9 * (scale + Math.abs(dayStartEquity) + Math.abs(peakEquity) + Math.abs(capital) + Math.abs(this.capitalF) + Math.abs(this.dailyLossLimitF ?? 0)) + 1e-12;
    if (!this.pnl.unchangedBy(equity, err, now)) return false;
    if (this.dailyLossLimitF !== null && !(equity - dayStartEquity > -this.dailyLossLimitF + err)) return false;
    if (limits.maxDrawdownPct !== undefined) {
      const peak = this.capitalF + peakEquity;
      const drawdown = peak - (this.capitalF + equity);
      if (!(peak < -err || (peak > err && drawdown < limits.maxDrawdownPct * peak - err))) return false;
    }
    return true;
  }

  /** quietRisk for a flat position, decided exactly (equity = realized, whatever the mark) and cached. */
  private quietWhenFlat(now: number): boolean {
    const c = this.flatCheck;
    if (c.ledger === this.ledger.version && c.pnl === this.pnl.version) return c.quiet;
    const equity = this.ledger.equity("0");
    const peeked = this.pnl.peek(equity, now);
    let quiet = false;
    if (peeked) {
      const state = { now, priceReceivedAt: now, mid: "0", inventory: { base: "0", quote: "0" }, openOrders: [], dailyPnl: peeked.dailyPnl, equity: this.equityForDrawdown(equity), peakEquity: this.equityForDrawdown(peeked.peakEquity) };
      quiet = !checkOrders([], state, this.config.risk).halt;
    }
    this.flatCheck = { ledger: this.ledger.version, pnl: this.pnl.version, quiet };
    return quiet;
  }

  /** Drawdown is measured on capital + PnL; without a capital it is measured on PnL alone. */
  private equityForDrawdown(pnlEquity: string): string {
    return this.config.capital ? new Decimal(this.config.capital).plus(pnlEquity).toString() : pnlEquity;
  }

  private async place(q: RoundedQuote, now: number): Promise<LiveOrder | null> {
    const order = this.newLiveOrder(q, now);
    const { clientOrderId } = order;
    this.track(order);
    try {
      const ack = await this.venue.place({ clientOrderId, side: q.side, price: q.price, amount: q.amount });
      return this.acknowledged(order, ack.status);
    } catch (err) {
      this.untrack(clientOrderId);
      this.events.warn?.(`bot ${this.config.name}: ${q.side} ${q.amount}@${q.price} refused: ${(err as Error).message}`);
      return null;
    }
  }

  /** true when the order is gone from the venue (cancelled, filled or unknown). */
  private async cancelQuietly(clientOrderId: string): Promise<boolean> {
    try {
      await this.venue.cancel(clientOrderId);
      this.untrack(clientOrderId);
      return true;
    } catch (err) {
      if (err instanceof OrderGoneError) {
        this.untrack(clientOrderId);
        return true;
      }
      this.events.warn?.(`bot ${this.config.name}: cancel ${clientOrderId} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private async cancelAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.cancelQuietly(id)));
  }

  /** Waits for a running requote and drops a deferred one. */
  private async quiesce(): Promise<void> {
    if (this.deferred !== null) this.clock.clearTimeout(this.deferred);
    if (this.housekeeping !== null) this.clock.clearTimeout(this.housekeeping);
    if (this.staleTimer !== null) this.clock.clearTimeout(this.staleTimer);
    this.deferred = this.housekeeping = this.staleTimer = null;
    this.requoteAgain = false;
    while (this.requoting || this.auditing) await (this.requoting ?? this.auditing);
  }

  private noteFeedAlive(receivedAt: number): void {
    if (this.feedAliveAt === null || receivedAt > this.feedAliveAt) this.feedAliveAt = receivedAt;
    this.armStaleCheck(receivedAt);
  }

  /** Pulls the quotes as soon as the feed is silent for longer than staleFeedMs, not at the next housekeeping run. */
  private armStaleCheck(receivedAt: number): void {
    const at = receivedAt + this.config.risk.staleFeedMs + 1;
    // One timer, not one per tick: an armed check that fires before the latest price is stale re-arms itself.
    if (this.staleTimer !== null) {
      if (this.staleCheckAt <= at) return;
      this.clock.clearTimeout(this.staleTimer);
    }
    this.staleCheckAt = at;
    this.staleTimer = this.clock.setTimeout(() => {
      this.staleTimer = null;
      const latest = (this.feedAliveAt ?? receivedAt) + this.config.risk.staleFeedMs + 1;
      if (latest > this.clock.now()) {
        this.armStaleCheck(this.feedAliveAt ?? receivedAt);
        return;
      }
      this.trigger();
    }, Math.max(0, at - this.clock.now()));
  }

  /**
   * The live orders against the venue's open ones, listed by a request sent at `listedFrom`: an
   * order gone from the venue without the bot hearing of it (cancelled there, e.g. by the dead
   * man's switch while this node could not reach it) leaves the live set, so the bot quotes
   * again; an order of this bot's the venue lists but the bot does not know is cancelled.
   */
  private async auditOrders(listedFrom: number): Promise<void> {
    this.lastAuditAt = listedFrom;
    let listed: VenueOrder[];
    try {
      listed = await this.venue.openOrders();
    } catch (err) {
      this.events.warn?.(`bot ${this.config.name}: order audit failed: ${(err as Error).message}`);
      return;
    }
    if (this.state !== "running") return;
    const open = listed.filter((o) => isBotOrder(this.config.name, o.clientOrderId)).map((o) => o.clientOrderId as string);
    const { vanished, unknown } = this.own.audit(open, listedFrom);
    const gone = vanished.filter((id) => this.live.has(id));
    for (const id of gone) this.untrack(id);
    if (gone.length > 0) this.events.warn?.(`bot ${this.config.name}: ${gone.length} order(s) no longer open at the venue: ${gone.join(", ")}`);
    if (unknown.length > 0) {
      this.events.warn?.(`bot ${this.config.name}: cancelling ${unknown.length} order(s) the venue lists but the bot does not know: ${unknown.join(", ")}`);
      await Promise.all(unknown.map((id) => this.cancelQuietly(id)));
    }
    if (gone.length > 0) this.trigger();
  }

  /** Order refresh, max age and the stale-feed guard must act even when no tick arrives. */
  private scheduleHousekeeping(): void {
    const { refreshTimeMs, maxOrderAgeMs } = this.config.policy;
    const every = Math.max(100, Math.min(refreshTimeMs || Infinity, maxOrderAgeMs || Infinity, this.config.risk.staleFeedMs, 5_000));
    this.housekeeping = this.clock.setTimeout(() => {
      this.housekeeping = null;
      if (this.state !== "running") return;
      const now = this.clock.now();
      this.own.prune(now);
      const auditEvery = this.config.auditIntervalMs ?? DEFAULT_AUDIT_INTERVAL_MS;
      if (auditEvery > 0 && (this.lastAuditAt === null || now - this.lastAuditAt >= auditEvery)) this.auditing ??= this.auditOrders(now).finally(() => (this.auditing = null));
      this.trigger();
      this.scheduleHousekeeping();
    }, every);
  }

  private async refreshBalance(): Promise<void> {
    const b = await this.venue.balance();
    this.inventory = { base: new Decimal(b.base), quote: new Decimal(b.quote) };
    this.inventoryF = { base: this.inventory.base.toNumber(), quote: this.inventory.quote.toNumber() };
    this.events.inventoryUpdated?.({ base: b.base, quote: b.quote });
  }

  private applyToInventory(fill: AccountingFill): void {
    const amount = new Decimal(fill.amount);
    const cost = amount.times(fill.price);
    const fee = fill.feeCost ? new Decimal(fill.feeCost) : ZERO;
    let { base, quote } = this.inventory;
    if (fill.side === "buy") {
      base = base.plus(amount);
      quote = quote.minus(cost);
    } else {
      base = base.minus(amount);
      quote = quote.plus(cost);
    }
    if (fill.feeCurrency === this.config.base) base = base.minus(fee);
    else if (fill.feeCurrency === this.config.quote) quote = quote.minus(fee);
    this.inventory = { base, quote };
    this.inventoryF = { base: base.toNumber(), quote: quote.toNumber() };
    this.events.inventoryUpdated?.({ base: base.toString(), quote: quote.toString() });
  }

  private reportPnl(): void {
    const mid = this.midDecimal();
    const snap = this.ledger.snapshot();
    const unrealized = mid ? this.ledger.unrealized(mid.toString()) : "0";
    this.events.pnlUpdated?.({ realized: snap.realized, unrealized, total: new Decimal(snap.realized).plus(unrealized).toString(), position: snap.position, feesPaid: snap.feesPaid });
  }

  /** Hedges run one after the other, in fill order. */
  private queueHedge(fill: AccountingFill): void {
    if (!this.hedger) return;
    this.pendingHedges++;
    this.hedges = this.hedges.then(() => this.hedge(fill)).finally(() => {
      this.pendingHedges--;
    });
  }

  /** Hedges what the fill changed in our base holdings: its amount less a fee taken in base. */
  private async hedge(fill: AccountingFill): Promise<void> {
    const side = fill.side === "buy" ? "sell" : "buy";
    const baseFee = fill.feeCurrency === this.config.base && fill.feeCost ? new Decimal(fill.feeCost) : ZERO;
    const amount = fill.side === "buy" ? new Decimal(fill.amount).minus(baseFee).toString() : new Decimal(fill.amount).plus(baseFee).toString();
    try {
      // Retries (with the same client order id, so never a second hedge) belong to the hedger's transport.
      await (this.hedger as Hedger).hedge({ side, amount, reason: `hedge of ${fill.tradeId}`, makerFill: `${this.config.exchange}:${fill.tradeId}` });
    } catch (err) {
      const error = (err as Error).message;
      this.events.warn?.(`bot ${this.config.name}: hedge ${side} ${amount} for ${fill.tradeId} failed: ${error}`);
      this.events.hedgeFailed?.({ tradeId: fill.tradeId, side, amount, error });
    }
  }

  private midDecimal(): Decimal | null {
    if (!this.market) return null;
    return new Decimal(this.market.bestBid).plus(this.market.bestAsk).div(2);
  }
}
