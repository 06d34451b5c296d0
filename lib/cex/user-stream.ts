/**
 * A live venue's user data stream: order reports and fills in milliseconds instead of on the
 * 30 s reconcile. For one exchange client with credentials it runs the ccxt.pro loops the
 * venue has (watchOrders, watchMyTrades, watchBalance) on a session of its own:
 *
 *   open a pro client → subscribe → start the loops → up → REST catch-up of the gap → ...
 *   any loop fails, or the venue ends the subscription → down → close → back-off → again
 *
 * Orders are applied with OrderStore.applyReport and fills booked with OrderStore.queueFill,
 * the functions the reconcile path uses (queueFill stores a fill once per exchange, symbol,
 * trade id and side), so `order.updated` / `order.filled` come from the store's hooks and a
 * fill seen by the stream and by REST is booked once. A trade carries no clientOrderId on
 * Binance: it is mapped to the stored order by the report's `c` or by the exchange order id.
 *
 * Catch-up (lib/cex/catch-up.ts through `catchUp`) runs after every (re)connect, every
 * `healthyCatchUpMs` while the stream is up (a fill message lost on a healthy socket) and
 * every `downCatchUpMs` while it is down, each time only when the venue has orders open or
 * changed since the previous catch-up; the venue's rate limiter paces the REST calls.
 * Keepalive is ccxt's: websocket pings, and on Binance spot the WebSocket API session,
 * which needs no listenKey renewal.
 */
import type { Balances, Order, Trade } from "ccxt";
import { Backoff, type BackoffOptions } from "../feeds/backoff";
import { toWireFill, toWireOrder } from "./convert";
import type { OrderStore } from "./order-store";
import { subscribeUserStream, type UserStreamClient } from "./user-stream-client";

export interface UserStreamHooks {
  /** The stream went up (subscribed) or down. */
  health(up: boolean): void;
  /** A balance snapshot from the stream. */
  balance?(balance: Balances): void;
  warn(message: string): void;
}

export interface UserStreamOptions {
  exchange: string;
  store: OrderStore;
  /** A new pro client for one session; `onTerminated`: the venue ended the subscription. */
  open(onTerminated: () => void): Promise<UserStreamClient>;
  /** The REST catch-up of fills since `since` (lib/cex/catch-up.ts); resolves to whether it ran. */
  catchUp(since: Date): Promise<boolean>;
  hooks: UserStreamHooks;
  /** Catch-up period while the stream is up (0: none), ms; default 60 000. */
  healthyCatchUpMs?: number;
  /** Catch-up period while the stream is down, ms; default 1000. */
  downCatchUpMs?: number;
  /** Reconnect delays; default 250 ms doubling to 15 s. */
  backoff?: BackoffOptions;
}

/** How far before the previous catch-up the next one looks (updates written while it ran). */
const CATCH_UP_OVERLAP_MS = 5_000;

class SessionEnded extends Error {
  override name = "SessionEnded";
}

export class UserStream {
  private stopped = true;
  private up = false;
  private client: UserStreamClient | null = null;
  private running: Promise<void> | null = null;
  private timer: Promise<void> | null = null;
  private readonly wakers = new Set<() => void>();
  /** Wakes the catch-up timer early (the stream went down: the short period starts now). */
  private wakeTimer: (() => void) | null = null;
  private readonly backoff: Backoff;
  private catching: Promise<void> | null = null;
  /** Fills being booked, by exchange order id: the same report's order update waits for them (see onOrders). */
  private readonly fillsInFlight = new Map<string, Promise<void>>();
  /** Start of the last catch-up that ran to the end; epoch 0: none yet. */
  private caughtUpFrom = new Date(0);
  private readonly healthyCatchUpMs: number;
  private readonly downCatchUpMs: number;
  /** Counters for status and benchmarks. */
  readonly stats = { sessions: 0, reports: 0, streamFills: 0, catchUps: 0 };

  constructor(private readonly options: UserStreamOptions) {
    this.backoff = new Backoff({ initialMs: 250, maxMs: 15_000, ...options.backoff });
    this.healthyCatchUpMs = options.healthyCatchUpMs ?? 60_000;
    this.downCatchUpMs = options.downCatchUpMs ?? 1_000;
  }

  get exchange(): string {
    return this.options.exchange;
  }

  isUp(): boolean {
    return this.up;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.caughtUpFrom = new Date();
    this.running = this.run();
    this.timer = this.catchUpTimer();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await this.client?.close().catch(() => undefined);
    await this.running;
    await this.timer;
    await this.catching;
    this.setUp(false);
  }

  private sleep(ms: number, onWaker?: (wake: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
      onWaker?.(wake);
    });
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.options.hooks.health(up);
    if (!up) this.wakeTimer?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let endSession: (err: Error) => void = () => undefined;
      const ended = new Promise<never>((_, reject) => (endSession = reject));
      ended.catch(() => undefined);
      try {
        this.client = await this.options.open(() => endSession(new SessionEnded(`${this.exchange}: the exchange ended the user data stream`)));
        if (this.stopped) break;
        await subscribeUserStream(this.client);
        const loops = this.startLoops(this.client);
        this.stats.sessions += 1;
        this.setUp(true);
        // Fills made while no session listened: booked from REST now (the loops already run).
        await this.runCatchUp(true);
        this.backoff.reset();
        await Promise.race([...loops, ended]);
      } catch (err) {
        if (!this.stopped) this.options.hooks.warn(`user stream ${this.exchange} down: ${(err as Error).message}`);
      }
      this.setUp(false);
      const client = this.client;
      this.client = null;
      await client?.close().catch(() => undefined);
      if (!this.stopped) await this.sleep(this.backoff.next());
    }
  }

  /** One loop per stream the venue has; each rejects when its watch fails (the session is over). */
  private startLoops(client: UserStreamClient): Array<Promise<never>> {
    const loops: Array<Promise<never>> = [];
    const has = client.has;
    if (has["watchOrders"]) loops.push(this.loop(() => client.watchOrders(), (orders) => this.onOrders(orders)));
    if (has["watchMyTrades"]) loops.push(this.loop(() => client.watchMyTrades(), (trades) => this.onTrades(trades)));
    if (has["watchBalance"] && this.options.hooks.balance) loops.push(this.loop(() => client.watchBalance(), async (b) => this.options.hooks.balance?.(b)));
    if (loops.length === 0) throw new Error(`${this.exchange} has no private order or trade stream`);
    for (const l of loops) l.catch(() => undefined);
    return loops;
  }

  private async loop<T>(watch: () => Promise<T>, handle: (items: T) => Promise<void>): Promise<never> {
    for (;;) {
      const items = await watch();
      try {
        await handle(items);
      } catch (err) {
        // Not booked now (e.g. the database is down): the next catch-up books it from REST.
        this.options.hooks.warn(`user stream ${this.exchange}: update not applied: ${(err as Error).message}`);
      }
    }
  }

  private async onOrders(orders: Order[]): Promise<void> {
    for (const order of orders) {
      this.stats.reports += 1;
      // A fill's report updates the order too; both write in the order's queue. The fill goes
      // first (ccxt hands the trade out before the order): order.filled is what callers wait on.
      if (order.id) await this.fillsInFlight.get(order.id)?.catch(() => undefined);
      await this.options.store.applyReport(this.exchange, toWireOrder(this.exchange, order));
    }
  }

  private async onTrades(trades: Trade[]): Promise<void> {
    const booking = this.bookTrades(trades);
    const ids = trades.map((t) => (t.order ? String(t.order) : "")).filter(Boolean);
    for (const id of ids) this.fillsInFlight.set(id, booking);
    try {
      await booking;
    } finally {
      for (const id of ids) if (this.fillsInFlight.get(id) === booking) this.fillsInFlight.delete(id);
    }
  }

  private async bookTrades(trades: Trade[]): Promise<void> {
    const { store } = this.options;
    for (const trade of trades) {
      const orderId = trade.order ? String(trade.order) : null;
      const reportedClientId = (trade.info as { c?: unknown } | undefined)?.c;
      const byClientId = typeof reportedClientId === "string" && reportedClientId !== "" ? await store.findRow(this.exchange, { clientOrderId: reportedClientId }) : null;
      const row = byClientId && (!byClientId.exchange_order_id || byClientId.exchange_order_id === orderId) ? byClientId : orderId ? await store.findRow(this.exchange, { id: orderId }) : null;
      if (!row || row.symbol !== trade.symbol) continue; // not an order of ours
      this.stats.streamFills += 1;
      await store.queueFill({ ...toWireFill(this.exchange, trade), orderId: orderId ?? row.exchange_order_id, clientOrderId: row.client_order_id });
    }
  }

  /**
   * One catch-up at a time, of the orders open or changed since shortly before the previous
   * catch-up that ran to the end (so a gap, however long, is covered once the stream is back).
   * `fresh`: one that starts from now is needed (after a subscription), not one in flight.
   */
  private async runCatchUp(fresh = false): Promise<void> {
    if (this.catching) {
      await this.catching;
      if (!fresh) return;
    }
    if (this.catching) return this.catching; // started by another caller after ours ended
    const started = new Date();
    const since = new Date(this.caughtUpFrom.getTime() - CATCH_UP_OVERLAP_MS);
    this.catching = this.options
      .catchUp(since)
      .then(
        (ran) => {
          if (ran) this.stats.catchUps += 1;
          this.caughtUpFrom = started;
        },
        (err) => this.options.hooks.warn(`user stream ${this.exchange}: catch-up failed: ${(err as Error).message}`),
      )
      .finally(() => {
        this.catching = null;
      });
    return this.catching;
  }

  private async catchUpTimer(): Promise<void> {
    while (!this.stopped) {
      const period = this.up ? this.healthyCatchUpMs : this.downCatchUpMs;
      if (period <= 0) {
        await this.sleep(this.downCatchUpMs > 0 ? this.downCatchUpMs : 1000);
        continue;
      }
      await this.sleep(period, (wake) => (this.wakeTimer = wake));
      this.wakeTimer = null;
      if (!this.stopped) await this.runCatchUp();
    }
  }
}
