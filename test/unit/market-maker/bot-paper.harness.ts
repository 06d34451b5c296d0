/**
 * A Bot on a quiet paper exchange (no simulated market: the book holds only the bot's orders
 * and those of a counterparty account the test controls), driven on simulated time the way
 * the backtester drives it: move the venue, hand over fills, fire due timers, wait for the
 * bot to finish its requote. Everything settles in microtasks, so each step is deterministic.
 */
import { Bot, type BotVenue } from "../../../lib/market-maker/bot";
import { paperBotVenue, botFillOf, simulatedClientOrderIds, SimulatedTimers, type BotFill } from "../../../lib/backtest";
import { riskLimitsFromConfig } from "../../../lib/risk";
import { createStrategy, orderPolicyOf } from "../../../lib/strategies";
import type { StrategyName } from "../../../lib/config/kinds";
import { PaperVenue, type PaperExchange, type PaperMarketDefinition } from "../../../lib/paper";

export const T0 = 1_700_000_000_000;
export const MARKET: PaperMarketDefinition = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: "0.01", lotSize: "0.001", makerFee: "0", takerFee: "0" };
const BOT = "pmm-test";

export interface HarnessOptions {
  /** The strategy's params (validated defaults are filled in by createStrategy/orderPolicyOf). */
  params: Record<string, unknown>;
  /** Default pure market making. */
  strategy?: StrategyName;
  /** The maker fee the strategy sees (the paper market charges none); default 0. */
  makerFee?: number;
  balances?: Record<string, string>;
  risk?: Record<string, unknown>;
  minRequoteIntervalMs?: number;
  /** Wraps the paper BotVenue (slow cancels, races). */
  wrap?: (venue: BotVenue, h: Harness) => BotVenue;
}

export interface RestingOrder {
  clientOrderId: string;
  side: string;
  price: string;
  amount: string;
  remaining: string;
}

export class Harness {
  readonly venue: PaperVenue;
  readonly exchange: PaperExchange;
  /** The counterparty: trades against the bot's orders when the test says so. */
  readonly taker: PaperExchange;
  readonly clock: SimulatedTimers;
  readonly bot: Bot;
  readonly counts = { placed: 0, refused: 0, cancelled: 0 };
  readonly warnings: string[] = [];
  /** Every `quotePlaced` the bot reported. */
  readonly quotes: Array<{ bid: string | null; ask: string | null; tickReceivedAt: number; orderAckAt: number }> = [];
  /** Every fill of the bot's account, in venue order (for delivering one twice). */
  readonly fills: BotFill[] = [];
  private readonly pending: BotFill[] = [];

  constructor(opts: HarnessOptions) {
    this.venue = new PaperVenue({
      markets: [MARKET],
      startTime: T0,
      accounts: { bot: opts.balances ?? { BTC: "10", USDT: "10000" }, taker: { BTC: "100", USDT: "100000" } },
    });
    this.exchange = this.venue.connect("bot");
    this.taker = this.venue.connect("taker");
    this.exchange.on("trade", (t) => {
      const fill = botFillOf(t as unknown as Parameters<typeof botFillOf>[0]);
      this.fills.push(fill);
      this.pending.push(fill);
    });
    this.clock = new SimulatedTimers(() => this.venue.now());
    const inner = paperBotVenue(this.venue, this.exchange, MARKET, this.counts);
    this.bot = new Bot(
      {
        name: BOT,
        exchange: "paper",
        symbol: MARKET.symbol,
        base: MARKET.base,
        quote: MARKET.quote,
        strategy: createStrategy(opts.strategy ?? "pure_market_making", opts.params),
        policy: orderPolicyOf(opts.strategy ?? "pure_market_making", opts.params),
        rules: { tickSize: 0.01, lotSize: 0.001, makerFee: opts.makerFee ?? 0, takerFee: 0 },
        decimalRules: { tickSize: MARKET.tickSize, lotSize: MARKET.lotSize },
        minRequoteIntervalMs: opts.minRequoteIntervalMs ?? 0,
        risk: riskLimitsFromConfig({ staleFeedMs: 3_600_000, ...(opts.risk ?? {}) }),
        clientOrderId: simulatedClientOrderIds(() => this.venue.now()),
      },
      opts.wrap ? opts.wrap(inner, this) : inner,
      { warn: (m) => this.warnings.push(m), quotePlaced: (q) => this.quotes.push(q) },
      this.clock,
    );
  }

  /** Simulated ms since T0. */
  get t(): number {
    return this.venue.now() - T0;
  }

  async start(): Promise<void> {
    await this.bot.start();
    await this.settle();
  }

  /** Hands the fills the venue reported so far to the bot (as the service's fill stream would). */
  deliver(): void {
    for (const fill of this.pending.splice(0)) this.bot.onFill(fill);
  }

  async settle(): Promise<void> {
    await this.bot.idle();
    this.deliver();
    await this.bot.idle();
  }

  /** Moves simulated time to T0 + t, firing the bot's timers (housekeeping, throttle) on the way. */
  async to(t: number): Promise<void> {
    const target = T0 + t;
    for (;;) {
      const due = this.clock.nextDue();
      if (due === undefined || due > target) break;
      this.venue.advanceTo(due);
      this.deliver();
      this.clock.fireDue(due);
      await this.settle();
    }
    this.venue.advanceTo(target);
    await this.settle();
  }

  /** A price tick with mid `mid` (a one-price top of book, so the strategy's mid is exactly `mid`), received now. */
  tick(mid: number): void {
    this.bot.onPrice({ ts: this.venue.now(), bestBid: mid, bestAsk: mid }, this.venue.now());
  }

  /** Moves to T0 + t (timers first), then a tick at `mid`, and waits for the requote. */
  async tickAt(t: number, mid: number): Promise<void> {
    await this.to(t);
    this.tick(mid);
    await this.settle();
  }

  /** The counterparty takes liquidity: an IOC limit order that trades only against the book (the bot's orders). */
  async take(side: "buy" | "sell", price: string, amount: string): Promise<void> {
    await this.taker.createOrder(MARKET.symbol, "limit", side, amount, price, { timeInForce: "IOC" });
  }

  /** The bot's orders resting on the venue, bids first. */
  async resting(): Promise<RestingOrder[]> {
    const open = await this.exchange.fetchOpenOrders(MARKET.symbol);
    return open
      .map((o) => ({
        clientOrderId: String(o.info.clientOrderId),
        side: String(o.info.side),
        price: String(o.info.price),
        amount: String(o.info.amount),
        remaining: String(o.info.remaining),
      }))
      .sort((a, b) => (a.side === b.side ? 0 : a.side === "buy" ? -1 : 1));
  }

  /** The venue's status of one of the bot's orders. */
  async statusOf(clientOrderId: string): Promise<string> {
    const o = await this.exchange.fetchOrder(undefined, MARKET.symbol, { clientOrderId });
    return String(o.info.status);
  }

  /** The bot's own live set. */
  live(): Array<{ clientOrderId: string; side: string; price: string; remaining: string; hanging: boolean }> {
    return this.bot.status().liveOrders.map(({ clientOrderId, side, price, remaining, hanging }) => ({ clientOrderId, side, price, remaining, hanging }));
  }

  async stop(): Promise<void> {
    await this.bot.stop();
  }
}

/** [side, price, amount] of resting orders: what the assertions compare. */
export const quotesOf = (orders: RestingOrder[]): Array<[string, string, string]> => orders.map((o) => [o.side, o.price, o.amount]);
export const idsOf = (orders: RestingOrder[]): string[] => orders.map((o) => o.clientOrderId);

/** Lets pending microtasks and I/O callbacks run (for promises the test holds open). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
