import { EventEmitter } from 'node:events';
import { InsufficientFunds } from './ccxt-errors';
import { Account, DecimalBalance } from './accounts';
import { MarketSimulation, MarketSimulationConfig } from './background-flow';
import { toCcxtOrder, toCcxtTrade } from './ccxt-shapes';
import { ManualClock, SettableClock, SimulationSource } from './clock';
import { formatUnits, toUnits } from './fixed-point';
import { DecimalOrderBook, DecimalTicker, orderBookSnapshot, publicTradeSnapshot, tickerSnapshot } from './market-data';
import { MarketSpec, PaperMarketConfig, buildMarketSpec } from './markets';
import { EngineObserver, MatchingEngine } from './matching-engine';
import { PaperFill, PaperOrder, PublicTrade } from './orders';
import { PaperExchange } from './paper-exchange';
import { DeadManTimers } from './dead-man';
import { Prng } from './prng';
import { ReplayEvent, ReplaySource, loadReplayFile } from './replay';
import { TickerStats } from './ticker-stats';

export interface PaperMarketDefinition extends PaperMarketConfig {
  /** simulated other traders on this market; omit for a quiet book that holds only the accounts' own orders */
  simulation?: MarketSimulationConfig;
}

export interface PaperVenueConfig {
  markets: PaperMarketDefinition[];
  /** seed of every random stream; same seed + same config + same calls = same run. Default 1 */
  seed?: number;
  /** simulated start time (epoch ms). Default: the first replay event, else the wall clock at construction */
  startTime?: number;
  /** your own clock (e.g. shared with a backtest); the venue moves it forward */
  clock?: SettableClock;
  /** recorded books and trades (events or a .jsonl/.csv path); replayed markets must not also be simulated */
  replay?: ReplayEvent[] | string;
  /** initial balances per account: { alice: { USDT: "10000" } } */
  accounts?: Record<string, Record<string, string>>;
  /** per account: closed orders and fills remembered for fetchOrder/fetchMyTrades (default 10 000 each) */
  history?: { maxClosedOrders?: number; maxTrades?: number };
  /**
   * Prepended to every order and trade id ("" by default: ids 1, 2, … as a backtest expects).
   * A venue whose ids are stored across process restarts needs one unique per instance, or a
   * restarted venue hands out ids already stored for the previous one.
   */
  idPrefix?: string;
  /** levels per side in 'orderbook' events, default 20 */
  bookEventDepth?: number;
}

export interface RealtimeOptions {
  /** how often simulated time catches up with the wall clock, default 100 ms */
  intervalMs?: number;
  /** simulated milliseconds per wall-clock millisecond, default 1 */
  speed?: number;
}

export const LIQUIDITY_ACCOUNT = '__liquidity__';
export const TAKER_ACCOUNT = '__takers__';
export const REPLAY_ACCOUNT = '__replay__';

interface PendingEvent {
  emitter: EventEmitter;
  name: string;
  payload: unknown;
}

/**
 * The simulated exchange: markets, books, accounts and the simulated/replayed market around
 * them. Each API key gets a ccxt-compatible facade from `connect(accountId)`; all facades share
 * this venue's books.
 *
 * Events (emitted after each operation, once state is consistent, only when someone listens):
 *   'orderbook' (book: DecimalOrderBook), 'ticker' (ticker: DecimalTicker), 'trade' (trade: DecimalPublicTrade)
 * Account events ('order', 'trade' in ccxt shapes) are on the facade.
 */
export class PaperVenue extends EventEmitter {
  readonly clock: SettableClock;
  readonly engine: MatchingEngine;
  private readonly stats = new Map<string, TickerStats>();
  private readonly sources: SimulationSource[] = [];
  /** Per-account `cancelAllOrdersAfter` deadlines (ccxt's dead man's switch). */
  readonly deadMan = new DeadManTimers((accountId) => {
    this.engine.cancelAll(this.engine.account(accountId), undefined, "canceled by the dead man's switch (cancelAllOrdersAfter)");
  });
  private readonly simulations = new Map<string, MarketSimulation>();
  private readonly replay: ReplaySource | undefined;
  private readonly bookEventDepth: number;
  private readonly pending: PendingEvent[] = [];
  private readonly dirtySymbols = new Set<string>();
  private operationDepth = 0;
  private advancing = false;
  private realtimeTimer: NodeJS.Timeout | undefined;

  constructor(config: PaperVenueConfig) {
    super();
    this.setMaxListeners(0);
    if (!config.markets?.length) throw new Error('paper venue needs at least one market');
    const replayEvents = typeof config.replay === 'string' ? loadReplayFile(config.replay) : config.replay;
    const firstReplayTime = replayEvents?.length ? replayEvents.reduce((first, event) => Math.min(first, event.ts), Number.POSITIVE_INFINITY) : undefined;
    const startTime = config.startTime ?? firstReplayTime ?? Date.now();
    this.clock = config.clock ?? new ManualClock(startTime);
    this.bookEventDepth = config.bookEventDepth ?? 20;
    const specs: MarketSpec[] = config.markets.map(buildMarketSpec);
    this.engine = new MatchingEngine(specs, this.clock, this.observer(), config.history ?? {}, config.idPrefix ?? '');
    for (const spec of specs) this.stats.set(spec.symbol, new TickerStats());

    this.sources.push(this.deadMan);
    const rng = new Prng(config.seed ?? 1);
    const replayed = new Set(replayEvents?.map((event) => event.symbol) ?? []);
    if (replayEvents?.length) {
      this.replay = new ReplaySource(this.engine, replayEvents, this.engine.account(REPLAY_ACCOUNT, { unlimited: true }), (trade) =>
        this.recordPublicTrade(trade),
      );
      this.sources.push(this.replay);
    }
    for (const market of config.markets) {
      if (!market.simulation) continue;
      if (replayed.has(market.symbol)) throw new Error(`paper market ${market.symbol} has both a simulation and replay data; choose one`);
      const simulation = new MarketSimulation(
        this.engine,
        this.engine.spec(market.symbol),
        market.simulation,
        rng.fork(market.symbol),
        this.clock,
        this.engine.account(LIQUIDITY_ACCOUNT, { unlimited: true }),
        this.engine.account(TAKER_ACCOUNT, { unlimited: true }),
      );
      this.simulations.set(market.symbol, simulation);
      this.sources.push(simulation);
      this.operation(() => simulation.start());
    }
    for (const [accountId, balances] of Object.entries(config.accounts ?? {})) {
      for (const [currency, amount] of Object.entries(balances)) this.deposit(accountId, currency, amount);
    }
  }

  get symbols(): string[] {
    return this.engine.symbols;
  }

  now(): number {
    return this.clock.now();
  }

  /** A ccxt-compatible exchange object for one API key (account), created on first use. */
  connect(accountId: string): PaperExchange {
    return new PaperExchange(this, this.userAccount(accountId));
  }

  /** Credits an account (funding test accounts). Amount is a decimal string. */
  deposit(accountId: string, currency: string, amount: string): void {
    const units = this.positiveAmount(amount, `deposit of ${currency}`);
    this.userAccount(accountId).credit(currency, units);
  }

  /** Debits free funds; throws InsufficientFunds when they are not there. */
  withdraw(accountId: string, currency: string, amount: string): void {
    const units = this.positiveAmount(amount, `withdrawal of ${currency}`);
    const account = this.userAccount(accountId);
    if (account.free(currency) < units) {
      throw new InsufficientFunds(`paper insufficient ${currency} balance to withdraw ${amount}: free ${formatUnits(account.free(currency))}`);
    }
    account.debitFree(currency, units);
  }

  /** Balances as decimal strings: { USDT: { free, used, total } }. */
  balances(accountId: string): Record<string, DecimalBalance> {
    return this.userAccount(accountId).decimalBalances();
  }

  /** The simulated fair price of a simulated market (decimal string), undefined for replayed or quiet markets. */
  fairPrice(symbol: string): string | undefined {
    this.engine.spec(symbol);
    const simulation = this.simulations.get(symbol);
    return simulation ? formatUnits(simulation.fairPrice) : undefined;
  }

  orderBook(symbol: string, depth = Infinity): DecimalOrderBook {
    return orderBookSnapshot(this.engine.book(symbol), depth, this.clock.now());
  }

  ticker(symbol: string): DecimalTicker {
    return tickerSnapshot(this.engine.book(symbol), this.stats.get(symbol)!, this.clock.now());
  }

  /** Simulated time of the last replay event, undefined without replay. */
  get replayEndTime(): number | undefined {
    return this.replay?.endTime;
  }

  /** Moves simulated time forward by `ms`, running every simulated event due on the way. */
  step(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`step must be >= 0 ms, got ${ms}`);
    this.advanceTo(this.clock.now() + Math.floor(ms));
  }

  /** Moves simulated time to `timestamp` (epoch ms), running every simulated event due on the way, in time order. */
  advanceTo(timestamp: number): void {
    if (timestamp < this.clock.now()) throw new RangeError(`simulated time cannot go back from ${this.clock.now()} to ${timestamp}`);
    if (this.advancing) throw new Error('paper venue: advanceTo called from inside a simulated event');
    this.advancing = true;
    try {
      for (;;) {
        let due: SimulationSource | undefined;
        let dueAt = Number.POSITIVE_INFINITY;
        for (const source of this.sources) {
          const at = source.nextTime();
          if (at !== undefined && at < dueAt) {
            dueAt = at;
            due = source;
          }
        }
        if (!due || dueAt > timestamp) break;
        this.clock.set(Math.max(dueAt, this.clock.now()));
        const source = due;
        this.operation(() => source.fire(this.clock.now()));
      }
      this.clock.set(timestamp);
    } finally {
      this.advancing = false;
    }
  }

  /** Lets simulated time follow the wall clock (unref'd timer: it never keeps the process alive). */
  startRealtime(options: RealtimeOptions = {}): void {
    if (this.realtimeTimer) return;
    const intervalMs = options.intervalMs ?? 100;
    const speed = options.speed ?? 1;
    if (!(speed > 0)) throw new RangeError(`realtime speed must be positive, got ${speed}`);
    let lastWall = Date.now();
    let carry = 0;
    this.realtimeTimer = setInterval(() => {
      const wall = Date.now();
      const elapsed = (wall - lastWall) * speed + carry;
      lastWall = wall;
      const whole = Math.floor(elapsed);
      carry = elapsed - whole;
      try {
        this.step(whole);
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error);
        else {
          this.stopRealtime();
          throw error;
        }
      }
    }, intervalMs);
    this.realtimeTimer.unref();
  }

  stopRealtime(): void {
    if (this.realtimeTimer) clearInterval(this.realtimeTimer);
    this.realtimeTimer = undefined;
  }

  get realtime(): boolean {
    return this.realtimeTimer !== undefined;
  }

  /** @internal used by the exchange facade */
  userAccount(accountId: string): Account {
    if (typeof accountId !== 'string' || accountId === '') throw new Error('paper account id must be a non-empty string');
    if (accountId.startsWith('__')) throw new Error(`paper account id "${accountId}" is reserved for simulated traders`);
    return this.engine.account(accountId);
  }

  /**
   * Runs a state change and then delivers the events it produced. Nested calls deliver once, at
   * the end of the outermost one, so listeners never observe a half-applied match.
   * @internal used by the exchange facade
   */
  operation<T>(change: () => T): T {
    this.operationDepth += 1;
    try {
      return change();
    } finally {
      this.operationDepth -= 1;
      if (this.operationDepth === 0) this.flush();
    }
  }

  private flush(): void {
    while (this.pending.length > 0 || this.dirtySymbols.size > 0) {
      const events = this.pending.splice(0, this.pending.length);
      for (const { emitter, name, payload } of events) emitter.emit(name, payload);
      const symbols = [...this.dirtySymbols];
      this.dirtySymbols.clear();
      for (const symbol of symbols) {
        if (this.listenerCount('orderbook') > 0) this.emit('orderbook', this.orderBook(symbol, this.bookEventDepth));
        if (this.listenerCount('ticker') > 0) this.emit('ticker', this.ticker(symbol));
      }
    }
  }

  private recordPublicTrade(trade: PublicTrade): void {
    this.stats.get(trade.symbol)!.record(trade.timestamp, trade.price, trade.amount, trade.cost);
    this.dirtySymbols.add(trade.symbol);
    if (this.listenerCount('trade') > 0) this.pending.push({ emitter: this, name: 'trade', payload: publicTradeSnapshot(trade) });
  }

  private observer(): EngineObserver {
    return {
      orderUpdated: (account: Account, order: PaperOrder) => {
        if (account.events.listenerCount('order') > 0) this.pending.push({ emitter: account.events, name: 'order', payload: toCcxtOrder(order) });
      },
      filled: (account: Account, fill: PaperFill) => {
        if (account.events.listenerCount('trade') > 0) this.pending.push({ emitter: account.events, name: 'trade', payload: toCcxtTrade(fill) });
      },
      publicTrade: (trade: PublicTrade) => this.recordPublicTrade(trade),
      bookChanged: (symbol: string) => {
        this.dirtySymbols.add(symbol);
      },
    };
  }

  private positiveAmount(amount: string, what: string): bigint {
    let units: bigint;
    try {
      units = toUnits(amount, what);
    } catch (error) {
      throw new Error(`paper ${(error as Error).message}`);
    }
    if (units <= 0n) throw new Error(`paper ${what} must be positive, got ${amount}`);
    return units;
  }
}
