/**
 * Backtesting: recorded market data (lib/paper/replay.ts format) replayed through the same
 * bot runtime (lib/market-maker/bot.ts), strategies, rounding, order planning and risk checks
 * as the live market-maker, against the paper venue's matching engine, as fast as the CPU
 * allows. No broker: the bot gets a BotVenue over a PaperExchange and a simulated clock.
 *
 * The loop, deterministic because the venue is in-process (its async methods settle in
 * microtasks): repeatedly take the earliest of (next replay timestamp, next bot timer, next
 * sample time); move the venue there (`advanceTo`, which replays the events: snapshots and
 * prints fill resting orders); hand the fills the venue reported to `bot.onFill`; fire due
 * timers (requote throttle, order refresh); feed the recorded book as `onPrice` and prints as
 * `onPublicTrade`; `await bot.idle()` so every requote finishes before time moves on.
 *
 * Market data given to the bot is the recorded book (what the rest of the market quoted),
 * not the venue's book with our own orders in it: a live feed would show our orders too, but
 * in a replay that only makes the strategy chase its own quotes.
 *
 * Money figures are decimal strings. Equity = starting capital (base × first mid + quote) +
 * the ledger's PnL (realized + unrealized, after fees) — what the bot's drawdown check uses.
 */
import { Decimal } from "../decimal";
import { validateDocument } from "../config/validate";
import { STRATEGY_PARAMS, type StrategyName } from "../config/kinds";
import { Bot } from "../market-maker/bot";
import type { DecimalRules } from "../market-maker/rounding";
import { riskLimitsFromConfig } from "../risk";
import { createStrategy, orderPolicyOf, type MarketRules, type MarketSnapshot, type Level } from "../strategies";
import { DEFAULT_PAPER_MARKETS, PaperVenue, loadReplayFile, type PaperMarketDefinition, type ReplayBookEvent, type ReplayEvent } from "../paper";
import { maxDrawdown, sharpeRatio, type Drawdown, type Sharpe } from "./metrics";
import { MidTimeline, fillQuality, summarizeFillQuality, type FillQuality, type FillQualityInput, type FillQualitySummary } from "./fill-quality";
import { botFillOf, paperBotVenue, simulatedClientOrderIds } from "./paper-bot-venue";
import { SimulatedTimers } from "./sim-clock";

export const STRATEGY_NAMES = Object.keys(STRATEGY_PARAMS) as StrategyName[];
const ACCOUNT = "backtest";
const BOT = "backtest";
export const MAX_REPORTED_FILLS = 10_000;

export interface BacktestOptions {
  strategy: StrategyName;
  params: Record<string, unknown>;
  /** A .jsonl/.csv replay file, or the events. */
  data: string | ReplayEvent[];
  /** The replayed market (no `simulation`); default the built-in paper definition of the data's symbol. */
  market?: PaperMarketDefinition;
  /** The replayed market's maker/taker fees (decimal fractions), over its definition's. */
  fees?: { makerFee?: string; takerFee?: string };
  /** Starting balances; default 1 base and its value at the first mid in quote. */
  initialBalances?: Record<string, string>;
  /** A `risk` config body (lib/config/kinds.ts), default {} (stale feed guard only). */
  risk?: Record<string, unknown>;
  minRequoteIntervalMs?: number;
  /** PnL/inventory sample interval of simulated time, default 10 000 ms. */
  sampleEveryMs?: number;
  /** Book levels per side handed to the strategy, default 10. */
  depth?: number;
}

export interface BacktestSample {
  ts: number;
  mid: string;
  position: string;
  realized: string;
  unrealized: string;
  equity: string;
  base: string;
  quote: string;
}

export interface BacktestFill extends FillQualityInput {
  tradeId: string;
  /** Edge against that mid, fee, and markouts (lib/backtest/fill-quality.ts), in bp. */
  quality: FillQuality;
}

export interface BacktestReport {
  strategy: StrategyName;
  /** The validated parameters, schema defaults filled in. */
  params: Record<string, unknown>;
  market: { symbol: string; base: string; quote: string; tickSize: string; lotSize: string; makerFee: string; takerFee: string; minNotional: string | null };
  risk: Record<string, unknown>;
  minRequoteIntervalMs: number;
  sampleEveryMs: number;
  period: { start: number; end: number; events: number; books: number; trades: number };
  initial: { base: string; quote: string; mid: string; capital: string };
  final: {
    realized: string;
    unrealized: string;
    total: string;
    feesPaid: string;
    position: string;
    /** Traded notional, quote currency. */
    volume: string;
    fills: number;
    mid: string;
    equity: string;
    /** Totals on the paper venue at the end. */
    inventory: { base: string; quote: string };
  };
  series: BacktestSample[];
  fills: BacktestFill[];
  fillsTruncated: boolean;
  /** Means over the reported fills: edge against the mid, fee, markouts 1 s / 10 s / 60 s after (bp). */
  fillQuality: FillQualitySummary;
  maxDrawdown: Drawdown;
  sharpe: Sharpe;
  orders: { placed: number; refused: number; cancelled: number; requotes: number };
  botState: string;
  haltReason: string | null;
  warnings: string[];
  runtimeMs: number;
  eventsPerSecond: number;
}

export class BacktestError extends Error {
  override name = "BacktestError";
}

/** Validates strategy params as the config service does; the error names each bad field. */
export function validateStrategyParams(strategy: string, params: unknown): Record<string, unknown> {
  if (!STRATEGY_NAMES.includes(strategy as StrategyName)) {
    throw new BacktestError(`unknown strategy "${strategy}"; known: ${STRATEGY_NAMES.join(", ")}`);
  }
  const res = validateDocument("strategies", { market: "backtest", strategy, params });
  if (!res.ok) throw new BacktestError(`invalid ${strategy} params: ${res.errors.map((e) => e.message).join(" ")}`);
  const p = res.value.params as Record<string, unknown>;
  if (strategy === "cross_exchange") throw new BacktestError("cross_exchange needs a second (taker) market; the backtester replays one market");
  if (p.priceSource === "external") throw new BacktestError('priceSource "external" needs a reference market; the backtester replays one market');
  return p;
}

export function validateRisk(risk: Record<string, unknown>): Record<string, unknown> {
  const res = validateDocument("risk", risk);
  if (!res.ok) throw new BacktestError(`invalid risk: ${res.errors.map((e) => e.message).join(" ")}`);
  return res.value;
}

function defaultMarket(symbol: string): PaperMarketDefinition {
  const known = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === symbol);
  if (!known) throw new BacktestError(`no built-in market definition for ${symbol}; pass one (tick, lot, fees)`);
  const { simulation: _simulation, ...market } = known;
  return market;
}

const levelsOf = (levels: Array<[string, string]>, n: number): Level[] => levels.slice(0, n).map(([p, a]) => [Number(p), Number(a)]);

export async function runBacktest(opts: BacktestOptions): Promise<BacktestReport> {
  const params = validateStrategyParams(opts.strategy, opts.params);
  const riskBody = validateRisk(opts.risk ?? {});
  let events = typeof opts.data === "string" ? loadReplayFile(opts.data) : [...opts.data].sort((a, b) => a.ts - b.ts);
  if (events.length === 0) throw new BacktestError("the replay has no events");
  const symbols = [...new Set(events.map((e) => e.symbol))];
  const defined = opts.market ?? (symbols.length === 1 ? defaultMarket(symbols[0]) : undefined);
  for (const [field, fee] of Object.entries(opts.fees ?? {})) {
    if (fee !== undefined && !/^-?\d+(\.\d+)?$/.test(fee)) throw new BacktestError(`${field} must be a decimal fraction like 0.0001, got "${fee}"`);
  }
  const market = defined && { ...defined, ...(opts.fees?.makerFee !== undefined ? { makerFee: opts.fees.makerFee } : {}), ...(opts.fees?.takerFee !== undefined ? { takerFee: opts.fees.takerFee } : {}) };
  if (!market) throw new BacktestError(`the replay has several symbols (${symbols.join(", ")}); say which market to trade`);
  if (market.simulation) throw new BacktestError(`market ${market.symbol}: a replayed market must not have a simulation`);
  events = events.filter((e) => e.symbol === market.symbol);
  const firstBook = events.find((e): e is ReplayBookEvent => e.type === "book" && e.bids.length > 0 && e.asks.length > 0);
  if (!firstBook) throw new BacktestError(`the replay has no two-sided book of ${market.symbol}`);
  const sampleEveryMs = opts.sampleEveryMs ?? 10_000;
  if (!(sampleEveryMs > 0)) throw new BacktestError(`sampleEveryMs must be positive, got ${sampleEveryMs}`);
  const minRequoteIntervalMs = opts.minRequoteIntervalMs ?? 250;
  const depth = opts.depth ?? 10;
  const firstMid = new Decimal(firstBook.bids[0][0]).plus(firstBook.asks[0][0]).div(2);
  const balances = opts.initialBalances ?? { [market.base]: "1", [market.quote]: firstMid.toDecimalPlaces(2).toString() };
  for (const [currency, amount] of Object.entries(balances)) {
    if (!/^\d+(\.\d+)?$/.test(amount)) throw new BacktestError(`initial balance of ${currency} must be a non-negative decimal, got "${amount}"`);
  }
  const base0 = new Decimal(balances[market.base] ?? "0");
  const quote0 = new Decimal(balances[market.quote] ?? "0");
  const capital = base0.times(firstMid).plus(quote0);

  const venue = new PaperVenue({
    markets: [market],
    replay: events,
    accounts: { [ACCOUNT]: Object.fromEntries(Object.entries(balances).filter(([, a]) => new Decimal(a).gt(0))) },
  });
  const exchange = venue.connect(ACCOUNT);
  const clock = new SimulatedTimers(() => venue.now());
  const counts = { placed: 0, refused: 0, cancelled: 0 };
  const warnings: string[] = [];

  const botVenue = paperBotVenue(venue, exchange, market, counts);

  const rules: MarketRules = {
    tickSize: Number(market.tickSize),
    lotSize: Number(market.lotSize),
    minAmount: market.minAmount ? Number(market.minAmount) : undefined,
    minNotional: market.minNotional ? Number(market.minNotional) : undefined,
    makerFee: Number(market.makerFee),
    takerFee: Number(market.takerFee),
  };
  const decimalRules: DecimalRules = { tickSize: market.tickSize, lotSize: market.lotSize, minAmount: market.minAmount, minNotional: market.minNotional };

  const bot = new Bot(
    {
      name: BOT,
      exchange: "paper",
      symbol: market.symbol,
      base: market.base,
      quote: market.quote,
      strategy: createStrategy(opts.strategy, params),
      policy: orderPolicyOf(opts.strategy, params),
      rules,
      decimalRules,
      minRequoteIntervalMs,
      risk: riskLimitsFromConfig(riskBody),
      capital: capital.toString(),
      clientOrderId: simulatedClientOrderIds(() => venue.now()),
    },
    botVenue,
    { warn: (m) => warnings.length < 100 && warnings.push(`${new Date(venue.now()).toISOString()} ${m}`) },
    clock,
  );

  // Fills arrive while the venue replays (inside advanceTo): queue them, hand them over after.
  type CcxtTrade = { id: string; timestamp: number; info: Record<string, unknown> };
  const pending: CcxtTrade[] = [];
  exchange.on("trade", (t) => pending.push(t as unknown as CcxtTrade));

  let mid = firstMid;
  let lastBook = null as MarketSnapshot | null;
  const fills: Array<Omit<BacktestFill, "quality">> = [];
  const mids = new MidTimeline();
  mids.add(firstBook.ts, firstMid.toNumber());
  let fillCount = 0;
  const deliverFills = (): void => {
    for (const t of pending.splice(0)) {
      const fill = botFillOf(t);
      bot.onFill(fill);
      fillCount++;
      if (fills.length < MAX_REPORTED_FILLS) {
        fills.push({ ts: fill.ts, tradeId: fill.tradeId, side: fill.side, price: fill.price, amount: fill.amount, fee: fill.feeCost ?? "0", feeCurrency: fill.feeCurrency, mid: mid.toString() });
      }
    }
  };

  const series: BacktestSample[] = [];
  const sample = (ts: number): void => {
    const ledger = bot.ledger.snapshot();
    const unrealized = bot.ledger.unrealized(mid.toString());
    const b = venue.balances(ACCOUNT);
    series.push({
      ts,
      mid: mid.toString(),
      position: ledger.position,
      realized: ledger.realized,
      unrealized,
      equity: capital.plus(bot.ledger.equity(mid.toString())).toString(),
      base: b[market.base]?.total ?? "0",
      quote: b[market.quote]?.total ?? "0",
    });
  };

  const started = performance.now();
  const start = events[0].ts;
  const end = events[events.length - 1].ts;
  await bot.start();
  sample(start);
  let nextSample = start + sampleEveryMs;
  let books = 0;
  let trades = 0;
  let index = 0;
  while (index < events.length) {
    const eventAt = events[index].ts;
    const timerAt = clock.nextDue();
    const at = Math.min(eventAt, timerAt ?? Infinity, nextSample);
    venue.advanceTo(at);
    deliverFills();
    // The data of `at` first, then the timers due at `at`: a requote deferred to `at` then quotes
    // on the book of `at`, not on the one before it (which let quotes rest 250 ms behind the mid).
    if (at === eventAt) {
      // the venue has applied this timestamp's events; show them to the bot
      for (; index < events.length && events[index].ts === at; index++) {
        const e = events[index];
        if (e.type === "book") {
          books++;
          if (e.bids.length === 0 || e.asks.length === 0) continue;
          lastBook = { ts: e.ts, bestBid: Number(e.bids[0][0]), bestAsk: Number(e.asks[0][0]), last: lastBook?.last, bids: levelsOf(e.bids, depth), asks: levelsOf(e.asks, depth) };
          mid = new Decimal(e.bids[0][0]).plus(e.asks[0][0]).div(2);
          mids.add(e.ts, mid.toNumber());
          bot.onPrice(lastBook, at);
        } else {
          trades++;
          if (lastBook) lastBook = { ...lastBook, last: Number(e.price) };
          bot.onPublicTrade({ ts: e.ts, price: Number(e.price), amount: Number(e.amount), side: e.side });
        }
      }
    }
    clock.fireDue(at);
    await bot.idle();
    deliverFills();
    if (at === nextSample) {
      sample(at);
      nextSample += sampleEveryMs;
    }
  }
  await bot.idle();
  deliverFills();
  if (series[series.length - 1].ts !== end) sample(end);
  const botState = bot.state;
  const haltReason = bot.haltReason;
  await bot.stop();
  deliverFills();
  const runtimeMs = performance.now() - started;

  const ledger = bot.ledger.snapshot();
  const unrealized = bot.ledger.unrealized(mid.toString());
  const balancesEnd = venue.balances(ACCOUNT);
  const status = bot.status();
  const equity = series.map((s) => Number(s.equity));
  const reported = fills.map((f) => ({ ...f, quality: fillQuality(f, mids, market.base) }));
  return {
    strategy: opts.strategy,
    params,
    market: {
      symbol: market.symbol,
      base: market.base,
      quote: market.quote,
      tickSize: market.tickSize,
      lotSize: market.lotSize,
      makerFee: market.makerFee,
      takerFee: market.takerFee,
      minNotional: market.minNotional ?? null,
    },
    risk: riskBody,
    minRequoteIntervalMs,
    sampleEveryMs,
    period: { start, end, events: events.length, books, trades },
    initial: { base: base0.toString(), quote: quote0.toString(), mid: firstMid.toString(), capital: capital.toString() },
    final: {
      realized: ledger.realized,
      unrealized,
      total: new Decimal(ledger.realized).plus(unrealized).toString(),
      feesPaid: ledger.feesPaid,
      position: ledger.position,
      volume: ledger.volume,
      fills: fillCount,
      mid: mid.toString(),
      equity: capital.plus(bot.ledger.equity(mid.toString())).toString(),
      inventory: { base: balancesEnd[market.base]?.total ?? "0", quote: balancesEnd[market.quote]?.total ?? "0" },
    },
    series,
    fills: reported,
    fillsTruncated: fillCount > fills.length,
    fillQuality: summarizeFillQuality(reported.map((f) => f.quality), Number(market.makerFee)),
    maxDrawdown: maxDrawdown(series),
    sharpe: sharpeRatio(equity, sampleEveryMs),
    orders: { ...counts, requotes: status.requotes },
    botState,
    haltReason,
    warnings,
    runtimeMs: Math.round(runtimeMs * 1000) / 1000,
    eventsPerSecond: Math.round(events.length / (runtimeMs / 1000)),
  };
}
