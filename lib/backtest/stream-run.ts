/**
 * The streaming backtest: a replay file (JSONL/CSV, optionally .gz) is read as a stream and each
 * event goes, in one pass, through one simulation per queue model (lib/backtest/queue-models.ts),
 * each with its own strategy instance (lib/strategies), simulated venue (sim-venue.ts) and
 * latency (latency-models.ts): the report gives the PnL under every model from the same read.
 *
 * What the strategy sees: every book and trade `feed` latency after it happened (in order);
 * on a book it may requote (at most every minRequoteIntervalMs, not for filledOrderDelayMs
 * after a fill). A requote diffs the desired quotes (rounded: bids down and asks up to the
 * tick, amounts down to the lot, below-minimum quotes dropped) against the live orders by side
 * and level: an order with the same price and amount stays (or within refreshTolerance), others
 * are cancelled (arriving `cancel` later) and new ones sent (arriving `entry` later).
 *
 * Unlike lib/backtest/run.ts (the full bot runtime on the paper venue, exact but slow and
 * in memory), this runs the strategy directly, without balance checks. With `risk` (a `risk`
 * config body) the live Bot's risk limits apply (lib/backtest/stream-risk.ts: lib/risk's
 * checkOrders on every requote, the kill switch, the stale-feed guard); without it, none.
 *
 * Numbers: market data and the strategy are floats; fills are integer ticks × lots and the
 * books (cash, fees, position) are bigint, so the final PnL and fees are exact decimal
 * strings. The sampled series is floats (charts, drawdown, Sharpe) and holds at most
 * MAX_SERIES points: past that it keeps every other point and samples half as often.
 */
import { Decimal, plainDecimal } from "../decimal";
import type { StrategyName } from "../config/kinds";
import { DEFAULT_PAPER_MARKETS, type PaperMarketDefinition } from "../paper";
import { parseUnits, SCALE } from "../paper/fixed-point";
import { createStrategy, orderPolicyOf, type MarketRules, type MarketSnapshot, type OrderPolicy, type Strategy, type StrategyContext } from "../strategies";
import { streamReplayFile, type StreamEvent } from "./event-stream";
import { latencyModel, type LatencyModel } from "./latency-models";
import { MARKOUT_HORIZONS_MS, summarizeFillQuality, type FillQualitySummary, type MarkoutHorizon } from "./fill-quality";
import { maxDrawdown, sharpeRatio, type Drawdown, type Sharpe } from "./metrics";
import { queueModel } from "./queue-models";
import { BacktestError, MAX_REPORTED_FILLS, validateRisk, validateStrategyParams, type BacktestFill, type BacktestSample } from "./run";
import { SimVenue, type SimFill, type SimOrder } from "./sim-venue";
import { StreamRisk, type StreamRiskReport } from "./stream-risk";
import type { ProposedOrder } from "../risk";

export const MAX_SERIES = 20_000;
export const DEFAULT_QUEUE_MODELS = ["risk_averse", "none"];

export interface LatencySpec {
  /** Order entry: decision → resting at the venue. */
  entry?: string;
  /** Cancel: decision → gone from the venue. */
  cancel?: string;
  /** Market data: happened at the venue → seen by the strategy. */
  feed?: string;
}

export interface StreamBacktestOptions {
  strategy: StrategyName;
  params: Record<string, unknown>;
  /** A .jsonl/.csv replay file, optionally .gz, in time order. */
  data: string;
  /** Default: the built-in paper definition of the first event's symbol. */
  market?: PaperMarketDefinition;
  initialBalances?: Record<string, string>;
  /** The market's maker/taker fees (decimal fractions), over its definition's. */
  fees?: { makerFee?: string; takerFee?: string };
  minRequoteIntervalMs?: number;
  sampleEveryMs?: number;
  /** Queue models, the first one the headline; default DEFAULT_QUEUE_MODELS. */
  queueModels?: string[];
  /** Latency model specs (lib/backtest/latency-models.ts), default 0 each. */
  latency?: LatencySpec;
  /** Seed of sampled latencies. */
  seed?: number;
  /** A `risk` config body (lib/config/kinds.ts): the live Bot's limits apply. Default: no limits. */
  risk?: Record<string, unknown>;
  /** Fraction of the file read, events so far. */
  onProgress?: (fraction: number, events: number) => void;
}

export interface SimulationResult {
  queueModel: string;
  final: {
    total: string;
    realized: string;
    unrealized: string;
    feesPaid: string;
    position: string;
    volume: string;
    fills: number;
    equity: string;
    inventory: { base: string; quote: string };
  };
  series: BacktestSample[];
  fills: BacktestFill[];
  fillsTruncated: boolean;
  maxDrawdown: Drawdown;
  sharpe: Sharpe;
  /** Std of the position over the samples (base units). */
  inventoryStd: number;
  /** Mean signed edge of fills against the mid at the fill, quote per base (buy: mid − price). */
  meanEdge: number | null;
  /** Edge, fee and markouts of the reported fills (lib/backtest/fill-quality.ts), bp. */
  fillQuality: FillQualitySummary;
  orders: { placed: number; rejected: number; cancelled: number; requotes: number };
  /** What the risk limits did (null: run without them). */
  risk: StreamRiskReport | null;
}

export interface StreamBacktestReport {
  engine: "stream";
  strategy: StrategyName;
  params: Record<string, unknown>;
  market: { symbol: string; base: string; quote: string; tickSize: string; lotSize: string; makerFee: string; takerFee: string; minNotional: string | null };
  settings: { queueModels: string[]; latency: Required<LatencySpec>; seed: number; minRequoteIntervalMs: number; sampleEveryMs: number; risk: Record<string, unknown> | null };
  period: { start: number; end: number; events: number; books: number; trades: number; otherSymbols: number };
  initial: { base: string; quote: string; mid: string; capital: string };
  final: { mid: string };
  /** One per queue model, in the order asked. */
  results: SimulationResult[];
  runtimeMs: number;
  eventsPerSecond: number;
}

const decimalsOf = (s: string): number => (s.includes(".") ? s.split(".")[1].replace(/0+$/, "").length : 0);

interface MarketNumbers {
  tick: number;
  lot: number;
  tickDp: number;
  lotDp: number;
  makerFeeUnits: bigint;
  makerFee: number;
}

const HORIZONS = Object.entries(MARKOUT_HORIZONS_MS) as Array<[MarkoutHorizon, number]>;

const isLive = (o: SimOrder): boolean => (o.state === "in_flight" || o.state === "open") && o.cancelAt === Infinity;

/** One strategy + venue + books under one queue model. */
class Simulation {
  readonly venue: SimVenue;
  private readonly strategy: Strategy;
  // observations waiting for the feed latency: a FIFO ring of parallel arrays (grows by doubling)
  private obsTime = new Float64Array(16);
  private obsKind = new Uint8Array(16); // 0 book, 1 buy print, 2 sell print
  private obsA = new Float64Array(16);
  private obsB = new Float64Array(16);
  private obsHead = 0;
  private obsCount = 0;
  private lastObsTime = -Infinity;
  // the strategy's view
  private seenBid = 0;
  private seenAsk = 0;
  private seenLast: number | undefined;
  private lastRequote = -Infinity;
  private pausedUntil = -Infinity;
  // risk limits: the kill switch tripped; when the stale-feed guard fires (Infinity: not armed)
  private halted = false;
  private lastBookSeen = -Infinity;
  private staleAt = Infinity;
  // a requote's new orders before they are sent: parallel arrays
  private readonly newSide: Array<"buy" | "sell"> = [];
  private readonly newPrice: number[] = [];
  private readonly newLots: number[] = [];
  private readonly newLevel: number[] = [];
  private readonly newAllowed: boolean[] = [];
  private readonly ctx: StrategyContext & { market: MarketSnapshot };
  // the venue's truth
  mid = 0;
  private midTicks2 = 0;
  // books: lots and tick·lot units; cash and fees scaled by 1e18 (exact)
  private posLots = 0;
  private cashScaled = 0n;
  private feesScaled = 0n;
  private volumeTickLots = 0n;
  private cashNumber = 0;
  private avgCost = new Decimal(0);
  private realized = new Decimal(0);
  fills: Array<Omit<BacktestFill, "quality">> = [];
  /** Mids 1 s / 10 s / 60 s after each reported fill, filled in as the replay reaches them. */
  private later: Array<Array<number | null>> = [];
  private readonly markoutQueues: Array<Array<{ fill: number; due: number }>> = HORIZONS.map(() => []);
  private readonly markoutHeads = HORIZONS.map(() => 0);
  fillCount = 0;
  private edgeSum = 0;
  readonly counts = { placed: 0, rejected: 0, cancelled: 0, requotes: 0 };
  // samples
  private series: Array<{ ts: number; mid: number; position: number; equity: number; pnl: number }> = [];
  private sampleEvery: number;
  nextSample = Infinity;

  constructor(
    readonly queueName: string,
    strategyName: StrategyName,
    params: Record<string, unknown>,
    private readonly policy: OrderPolicy,
    private readonly rules: MarketRules,
    private readonly m: MarketNumbers,
    private readonly lat: { entry: LatencyModel; cancel: LatencyModel; feed: LatencyModel },
    private readonly base0: number,
    private readonly quote0: number,
    private readonly capital: number,
    sampleEveryMs: number,
    private readonly minRequoteMs: number,
    private readonly risk: StreamRisk | null,
  ) {
    this.strategy = createStrategy(strategyName, params);
    this.ctx = { now: 0, market: { ts: 0, bestBid: 0, bestAsk: 0, last: undefined }, inventory: { base: 0, quote: 0 }, rules };
    this.venue = new SimVenue(m.tick, m.lot, queueModel(queueName), (f) => this.book(f));
    this.sampleEvery = sampleEveryMs;
  }

  start(ts: number): void {
    this.nextSample = ts;
  }

  process(e: StreamEvent): void {
    this.catchUp(e.ts);
    const v = this.venue;
    if (e.type === "book") {
      v.onBook(e);
      if (e.bids > 0 && e.asks > 0) {
        // a markout due before this book takes the mid it replaces; one due now, the new mid
        this.resolveMarkouts(e.ts, false);
        this.midTicks2 = v.toTicks(e.bidPx[0]) + v.toTicks(e.askPx[0]);
        this.mid = (e.bidPx[0] + e.askPx[0]) / 2;
        this.resolveMarkouts(e.ts, true);
        this.observe(e.ts, 0, e.bidPx[0], e.askPx[0]);
      }
    } else {
      v.onTrade(e);
      this.observe(e.ts, e.side === "buy" ? 1 : 2, e.price, e.amount);
    }
    this.catchUp(e.ts);
  }

  /** Runs everything due up to `t`: observations reaching the strategy, orders/cancels reaching the venue, samples. */
  catchUp(t: number): void {
    for (;;) {
      const obsAt = this.obsCount > 0 ? this.obsTime[this.obsHead] : Infinity;
      const actAt = this.venue.nextActionAt();
      const at = Math.min(obsAt, actAt, this.nextSample, this.staleAt);
      if (at > t) return;
      if (actAt === at) this.venue.advance(at);
      else if (obsAt === at) this.deliver();
      else if (this.nextSample === at) this.sample(at);
      else this.pullStale(at);
    }
  }

  private resolveMarkouts(t: number, inclusive: boolean): void {
    for (let h = 0; h < HORIZONS.length; h++) {
      const q = this.markoutQueues[h];
      while (this.markoutHeads[h] < q.length && (inclusive ? q[this.markoutHeads[h]].due <= t : q[this.markoutHeads[h]].due < t)) {
        this.later[q[this.markoutHeads[h]++].fill][h] = this.mid;
      }
      if (this.markoutHeads[h] === q.length) {
        q.length = 0;
        this.markoutHeads[h] = 0;
      }
    }
  }

  private observe(ts: number, kind: number, a: number, b: number): void {
    const at = Math.max(this.lastObsTime, ts + this.lat.feed.next());
    this.lastObsTime = at;
    if (this.obsCount === this.obsTime.length) this.growObservations();
    const i = (this.obsHead + this.obsCount++) & (this.obsTime.length - 1);
    this.obsTime[i] = at;
    this.obsKind[i] = kind;
    this.obsA[i] = a;
    this.obsB[i] = b;
  }

  private growObservations(): void {
    const n = this.obsTime.length;
    const time = new Float64Array(2 * n);
    const kind = new Uint8Array(2 * n);
    const a = new Float64Array(2 * n);
    const b = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const i = (this.obsHead + k) & (n - 1);
      time[k] = this.obsTime[i];
      kind[k] = this.obsKind[i];
      a[k] = this.obsA[i];
      b[k] = this.obsB[i];
    }
    this.obsTime = time;
    this.obsKind = kind;
    this.obsA = a;
    this.obsB = b;
    this.obsHead = 0;
  }

  private deliver(): void {
    const i = this.obsHead;
    this.obsHead = (i + 1) & (this.obsTime.length - 1);
    this.obsCount--;
    const now = this.obsTime[i];
    const kind = this.obsKind[i];
    const a = this.obsA[i];
    const b = this.obsB[i];
    if (kind === 0) {
      this.seenBid = a;
      this.seenAsk = b;
      this.strategy.observeMid?.(now, (a + b) / 2);
      if (this.risk !== null && !this.halted) {
        this.lastBookSeen = now;
        this.staleAt = now + this.risk.limits.staleFeedMs + 1;
      }
      if (now - this.lastRequote >= this.minRequoteMs && now >= this.pausedUntil && !this.halted) this.requote(now);
    } else {
      this.seenLast = a;
      if (this.seenBid > 0) this.strategy.observeTrade?.({ ts: now, price: a, amount: b, side: kind === 1 ? "buy" : "sell" }, (this.seenBid + this.seenAsk) / 2);
    }
  }

  private requote(now: number): void {
    this.lastRequote = now;
    this.counts.requotes++;
    // one context, refilled each requote (strategies read it during quotes() only)
    const ctx = this.ctx;
    ctx.now = now;
    ctx.market.ts = now;
    ctx.market.bestBid = this.seenBid;
    ctx.market.bestAsk = this.seenAsk;
    ctx.market.last = this.seenLast;
    ctx.inventory.base = this.base0 + this.posLots * this.m.lot;
    ctx.inventory.quote = this.quote0 + this.cashNumber;
    const quotes = this.strategy.quotes(ctx);
    // orders sent or resting without a cancel on the way; `keep` marks the ones a quote matches
    const orders = this.venue.orders;
    const stamp = this.counts.requotes;
    const tol = this.policy.refreshTolerance;
    let n = 0; // new orders to send
    for (let k = 0; k < quotes.length; k++) {
      const q = quotes[k];
      const price = q.side === "buy" ? Math.floor(q.price / this.m.tick + 1e-9) : Math.ceil(q.price / this.m.tick - 1e-9);
      const lots = Math.floor(q.amount / this.m.lot + 1e-9);
      if (price <= 0 || lots <= 0) continue;
      const amount = lots * this.m.lot;
      if ((this.rules.minAmount && amount < this.rules.minAmount) || (this.rules.minNotional && amount * price * this.m.tick < this.rules.minNotional)) continue;
      let same: SimOrder | undefined;
      for (let i = 0; i < orders.length && !same; i++) {
        const o = orders[i];
        if (isLive(o) && o.keep !== stamp && o.side === q.side && o.level === q.level && o.lots === lots && Math.abs(o.price - price) <= tol * price) same = o;
      }
      if (same) {
        same.keep = stamp;
        continue;
      }
      this.newSide[n] = q.side;
      this.newPrice[n] = price;
      this.newLots[n] = lots;
      this.newLevel[n] = q.level;
      this.newAllowed[n] = true;
      n++;
    }
    if (this.risk !== null && !this.checkRisk(now, n, stamp)) return;
    for (let i = 0; i < n; i++) {
      if (!this.newAllowed[i]) continue;
      const sent = this.venue.submit(this.newSide[i], this.newPrice[i], this.newLots[i], this.newLevel[i], now + this.lat.entry.next());
      sent.keep = stamp;
      this.counts.placed++;
    }
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i];
      if (!isLive(o) || o.keep === stamp) continue;
      this.venue.cancel(o, now + this.lat.cancel.next());
      this.counts.cancelled++;
    }
  }

  /**
   * The Bot's pre-trade check of the `n` new orders (the kept ones resting): marks the refused
   * ones in newAllowed. False when nothing may be sent (kill switch or stale feed): every order is cancelled then.
   */
  private checkRisk(now: number, n: number, stamp: number): boolean {
    const risk = this.risk as StreamRisk;
    const proposed: ProposedOrder[] = [];
    for (let i = 0; i < n; i++) proposed.push({ side: this.newSide[i], price: risk.price(this.newPrice[i]), amount: risk.amount(this.newLots[i]) });
    const keep: ProposedOrder[] = [];
    for (const o of this.venue.orders) if (isLive(o) && o.keep === stamp) keep.push({ side: o.side, price: risk.price(o.price), amount: risk.amount(o.remaining) });
    const d = risk.check(proposed, keep, { now, feedAt: this.lastBookSeen, bestBid: this.seenBid, bestAsk: this.seenAsk, posLots: this.posLots, cashScaled: this.cashScaled });
    if (d.halt) {
      this.halted = true;
      this.staleAt = Infinity;
    }
    if (d.halt || d.blocked) {
      this.cancelAll(now);
      return false;
    }
    const allowed = new Set(d.allowed);
    for (let i = 0; i < n; i++) this.newAllowed[i] = allowed.has(proposed[i]);
    return true;
  }

  /** The stale-feed guard: no book for longer than staleFeedMs, every order pulled until the next one. */
  private pullStale(at: number): void {
    this.staleAt = Infinity;
    (this.risk as StreamRisk).report.stalePulls++;
    this.cancelAll(at);
  }

  private cancelAll(now: number): void {
    const orders = this.venue.orders;
    for (let i = 0; i < orders.length; i++) {
      if (!isLive(orders[i])) continue;
      this.venue.cancel(orders[i], now + this.lat.cancel.next());
      this.counts.cancelled++;
    }
  }

  private book(f: SimFill): void {
    const o = f.order;
    const tickLots = o.price * f.lots; // exact: both integers, far below 2^53
    const notional = BigInt(tickLots);
    const fee = notional * this.m.makerFeeUnits; // scaled by 1e18
    const signed = o.side === "buy" ? 1 : -1;
    // average-cost split of realized / unrealized (Decimal: fills are rare next to events)
    const px = new Decimal(o.price).times(this.m.tick);
    const qty = new Decimal(f.lots).times(this.m.lot);
    const pos = new Decimal(this.posLots).times(this.m.lot);
    if (this.posLots === 0 || Math.sign(this.posLots) === signed) {
      this.avgCost = this.posLots === 0 ? px : this.avgCost.times(pos.abs()).plus(px.times(qty)).div(pos.abs().plus(qty));
    } else {
      const closed = Decimal.min(qty, pos.abs());
      this.realized = this.realized.plus(px.minus(this.avgCost).times(closed).times(-signed));
      if (qty.gt(pos.abs())) this.avgCost = px;
    }
    this.realized = this.realized.minus(new Decimal(fee.toString()).times(this.m.tick).times(this.m.lot).div(SCALE.toString()));
    this.posLots += signed * f.lots;
    this.cashScaled += -BigInt(signed) * notional * SCALE - fee;
    this.feesScaled += fee;
    this.volumeTickLots += notional;
    const cash = tickLots * this.m.tick * this.m.lot;
    this.cashNumber += -signed * cash - cash * Number(this.m.makerFeeUnits) / 1e18;
    this.fillCount++;
    this.edgeSum += signed * (this.mid - o.price * this.m.tick);
    if (this.policy.filledOrderDelayMs > 0) this.pausedUntil = f.ts + this.policy.filledOrderDelayMs;
    if (this.fills.length < MAX_REPORTED_FILLS) {
      this.fills.push({
        ts: f.ts,
        tradeId: `${this.queueName}-${this.fillCount}`,
        side: o.side,
        price: (o.price * this.m.tick).toFixed(this.m.tickDp),
        amount: (f.lots * this.m.lot).toFixed(this.m.lotDp),
        fee: new Decimal(fee.toString()).times(this.m.tick).times(this.m.lot).div(SCALE.toString()).toString(),
        feeCurrency: null,
        mid: plainDecimal(this.mid),
      });
      this.later.push(HORIZONS.map(() => null));
      for (let h = 0; h < HORIZONS.length; h++) this.markoutQueues[h].push({ fill: this.fills.length - 1, due: f.ts + HORIZONS[h][1] });
    }
  }

  private sample(at: number): void {
    const position = this.posLots * this.m.lot;
    const pnl = this.cashNumber + position * this.mid;
    this.series.push({ ts: at, mid: this.mid, position, equity: this.capital + pnl, pnl });
    if (this.series.length >= MAX_SERIES) {
      this.series = this.series.filter((_, i) => i % 2 === 0);
      this.sampleEvery *= 2;
    }
    this.nextSample = at + this.sampleEvery;
  }

  finish(end: number, quote: string, base: string, capital: Decimal): SimulationResult {
    this.catchUp(end);
    this.resolveMarkouts(end, true);
    const fills: BacktestFill[] = this.fills.map((f, i) => {
      const price = Number(f.price);
      const mid = Number(f.mid);
      const sign = f.side === "buy" ? 1 : -1;
      const markoutBps = {} as Record<MarkoutHorizon, number | null>;
      HORIZONS.forEach(([h], k) => {
        const later = this.later[i][k];
        markoutBps[h] = later === null ? null : ((sign * (later - mid)) / mid) * 10_000 + 0;
      });
      const notional = price * Number(f.amount);
      return { ...f, quality: { edgeBps: ((sign * (mid - price)) / mid) * 10_000 + 0, feeBps: notional > 0 ? (Number(f.fee) / notional) * 10_000 : 0, markoutBps } };
    });
    if (this.series.length === 0 || this.series[this.series.length - 1].ts !== end) this.sample(end);
    const tl = new Decimal(this.m.tick).times(this.m.lot);
    const cash = new Decimal(this.cashScaled.toString()).times(tl).div(SCALE.toString());
    const position = new Decimal(this.posLots).times(this.m.lot);
    const mid = new Decimal(this.midTicks2).times(this.m.tick).div(2);
    const total = cash.plus(position.times(mid));
    const unrealized = this.posLots === 0 ? new Decimal(0) : mid.minus(this.avgCost).times(position);
    const n = this.series.length;
    const meanPos = this.series.reduce((s, x) => s + x.position, 0) / n;
    const inventoryStd = Math.sqrt(this.series.reduce((s, x) => s + (x.position - meanPos) ** 2, 0) / Math.max(1, n - 1));
    const series: BacktestSample[] = this.series.map((s) => ({
      ts: s.ts,
      mid: plainDecimal(s.mid),
      position: plainDecimal(s.position),
      realized: "0",
      unrealized: "0",
      equity: plainDecimal(s.equity),
      base: plainDecimal(this.base0 + s.position),
      quote: plainDecimal(s.equity - s.mid * (this.base0 + s.position)),
    }));
    return {
      queueModel: this.queueName,
      final: {
        total: total.toString(),
        realized: total.minus(unrealized).toString(),
        unrealized: unrealized.toString(),
        feesPaid: new Decimal(this.feesScaled.toString()).times(tl).div(SCALE.toString()).toString(),
        position: position.toString(),
        volume: new Decimal(this.volumeTickLots.toString()).times(tl).toString(),
        fills: this.fillCount,
        equity: capital.plus(total).toString(),
        inventory: { base: new Decimal(base).plus(position).toString(), quote: new Decimal(quote).plus(cash).toString() },
      },
      series,
      fills,
      fillsTruncated: this.fillCount > this.fills.length,
      maxDrawdown: maxDrawdown(series),
      sharpe: sharpeRatio(this.series.map((s) => s.equity), this.sampleEvery),
      inventoryStd,
      meanEdge: this.fillCount > 0 ? this.edgeSum / this.fillCount : null,
      fillQuality: summarizeFillQuality(fills.map((f) => f.quality), this.m.makerFee),
      orders: { ...this.counts, rejected: this.venue.rejected() },
      risk: this.risk ? this.risk.report : null,
    };
  }
}

function defaultMarket(symbol: string): PaperMarketDefinition {
  const known = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === symbol);
  if (!known) throw new BacktestError(`no built-in market definition for ${symbol}; pass one (tick, lot, fees)`);
  const { simulation: _simulation, ...market } = known;
  return market;
}

export async function runStreamBacktest(opts: StreamBacktestOptions): Promise<StreamBacktestReport> {
  const params = validateStrategyParams(opts.strategy, opts.params);
  const queueModels = opts.queueModels ?? DEFAULT_QUEUE_MODELS;
  if (queueModels.length === 0) throw new BacktestError("give at least one queue model");
  for (const q of queueModels) queueModel(q); // names checked before reading anything
  const seed = opts.seed ?? 1;
  const latency = { entry: opts.latency?.entry ?? "0", cancel: opts.latency?.cancel ?? "0", feed: opts.latency?.feed ?? "0" };
  for (const spec of Object.values(latency)) latencyModel(spec); // specs checked before reading anything
  const sampleEveryMs = opts.sampleEveryMs ?? 10_000;
  if (!(sampleEveryMs > 0)) throw new BacktestError(`sampleEveryMs must be positive, got ${sampleEveryMs}`);
  const minRequoteIntervalMs = opts.minRequoteIntervalMs ?? 250;
  const policy = orderPolicyOf(opts.strategy, params);
  const riskBody = opts.risk !== undefined ? validateRisk(opts.risk) : null;

  let market = opts.market;
  if (market?.simulation) throw new BacktestError(`market ${market.symbol}: a replayed market must not have a simulation`);
  let sims: Simulation[] = [];
  let initial: StreamBacktestReport["initial"] | null = null;
  let capital = new Decimal(0);
  let start = -1;
  let end = 0;
  let events = 0;
  let books = 0;
  let trades = 0;
  let other = 0;
  let lastMid = "0";
  let feesApplied = false;
  for (const [field, fee] of Object.entries(opts.fees ?? {})) {
    if (fee !== undefined && !/^-?\d+(\.\d+)?$/.test(fee)) throw new BacktestError(`${field} must be a decimal fraction such as 0.0001, got "${fee}"`);
  }

  const setup = (e: StreamEvent): void => {
    const mk = market as PaperMarketDefinition;
    const firstMid = new Decimal(e.bidPx[0]).plus(e.askPx[0]).div(2);
    const balances = opts.initialBalances ?? { [mk.base]: "1", [mk.quote]: firstMid.toDecimalPlaces(2).toString() };
    for (const [currency, amount] of Object.entries(balances)) {
      if (!/^\d+(\.\d+)?$/.test(amount)) throw new BacktestError(`initial balance of ${currency} must be a non-negative decimal, got "${amount}"`);
    }
    const base0 = new Decimal(balances[mk.base] ?? "0");
    const quote0 = new Decimal(balances[mk.quote] ?? "0");
    capital = base0.times(firstMid).plus(quote0);
    initial = { base: base0.toString(), quote: quote0.toString(), mid: firstMid.toString(), capital: capital.toString() };
    const m: MarketNumbers = {
      tick: Number(mk.tickSize),
      lot: Number(mk.lotSize),
      tickDp: decimalsOf(mk.tickSize),
      lotDp: decimalsOf(mk.lotSize),
      makerFeeUnits: parseUnits(mk.makerFee).units,
      makerFee: Number(mk.makerFee),
    };
    const rules: MarketRules = {
      tickSize: m.tick,
      lotSize: m.lot,
      minAmount: mk.minAmount ? Number(mk.minAmount) : undefined,
      minNotional: mk.minNotional ? Number(mk.minNotional) : undefined,
      makerFee: Number(mk.makerFee),
      takerFee: Number(mk.takerFee),
    };
    sims = queueModels.map((q, i) => {
      const lat = {
        entry: latencyModel(latency.entry, seed * 7 + i * 3 + 1),
        cancel: latencyModel(latency.cancel, seed * 7 + i * 3 + 2),
        feed: latencyModel(latency.feed, seed * 7 + i * 3 + 3),
      };
      const risk = riskBody ? new StreamRisk(riskBody, capital.toString(), mk.tickSize, mk.lotSize, base0.toString(), quote0.toString()) : null;
      const sim = new Simulation(q, opts.strategy, params, policy, rules, m, lat, base0.toNumber(), quote0.toNumber(), capital.toNumber(), sampleEveryMs, minRequoteIntervalMs, risk);
      sim.start(e.ts);
      return sim;
    });
  };

  const started = performance.now();
  const sink = (e: StreamEvent): void => {
    if (market === undefined) market = defaultMarket(e.symbol);
    if (!feesApplied) {
      feesApplied = true;
      market = { ...market, ...(opts.fees?.makerFee !== undefined ? { makerFee: opts.fees.makerFee } : {}), ...(opts.fees?.takerFee !== undefined ? { takerFee: opts.fees.takerFee } : {}) };
    }
    if (e.symbol !== market.symbol) {
      other++;
      return;
    }
    events++;
    if (e.type === "book") books++;
    else trades++;
    if (sims.length === 0) {
      if (e.type !== "book" || e.bids === 0 || e.asks === 0) return; // nothing to price before the first two-sided book
      start = e.ts;
      setup(e);
    }
    end = e.ts;
    for (let i = 0; i < sims.length; i++) sims[i].process(e);
  };
  const progress = opts.onProgress;
  await streamReplayFile(opts.data, sink, progress ? (f) => progress(f, events) : undefined);
  if (!market) throw new BacktestError("the replay has no events");
  if (sims.length === 0 || !initial) throw new BacktestError(`the replay has no two-sided book of ${market.symbol}`);
  const mk = market as PaperMarketDefinition;
  const init = initial as StreamBacktestReport["initial"];
  const results = sims.map((s) => s.finish(end, init.quote, init.base, capital));
  lastMid = plainDecimal(sims[0].mid);
  const runtimeMs = performance.now() - started;
  return {
    engine: "stream",
    strategy: opts.strategy,
    params,
    market: { symbol: mk.symbol, base: mk.base, quote: mk.quote, tickSize: mk.tickSize, lotSize: mk.lotSize, makerFee: mk.makerFee, takerFee: mk.takerFee, minNotional: mk.minNotional ?? null },
    settings: { queueModels, latency, seed, minRequoteIntervalMs, sampleEveryMs, risk: riskBody },
    period: { start, end, events, books, trades, otherSymbols: other },
    initial: init,
    final: { mid: lastMid },
    results,
    runtimeMs: Math.round(runtimeMs * 1000) / 1000,
    eventsPerSecond: Math.round(events / (runtimeMs / 1000)),
  };
}
