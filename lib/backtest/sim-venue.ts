/**
 * The simulated venue of the streaming backtest: our own resting orders against a replayed L2
 * market, with queue position (lib/backtest/queue-models.ts) and order-entry / cancel latency
 * in simulated time. Prices are integer ticks and amounts integer lots (exact); the market's
 * volumes are floats in base units (they only move queue positions).
 *
 * - An order sent at t reaches the venue at t + entry latency; post-only: if it would cross
 *   the book then, it is rejected. Otherwise the queue model gives the volume ahead of it
 *   from the book's volume at its price.
 * - A trade print at the order's price eats the volume ahead first, then fills the order by
 *   what is left (partial fills); a print beyond its price (a sell print below our bid) or a
 *   book that crosses it means the market went through it: it fills in full.
 * - A book change at its price that trades do not explain moves the queue by the model.
 * - A cancel sent at t takes effect at t + cancel latency; until then the order can fill.
 */
import type { QueueModel } from "./queue-models";
import type { StreamEvent } from "./event-stream";

export type SimOrderState = "in_flight" | "open" | "filled" | "cancelled" | "rejected";

export interface SimOrder {
  id: number;
  side: "buy" | "sell";
  /** Price in ticks. */
  price: number;
  /** Ordered lots, and lots not filled yet. */
  lots: number;
  remaining: number;
  /** Strategy level (0 = closest to the price). */
  level: number;
  state: SimOrderState;
  /** Base-unit volume ahead in the queue at its price. */
  ahead: number;
  /** The level's volume (others') at the last book, and traded there since. */
  levelQty: number;
  tradedSinceBook: number;
  /** When a cancel sent for it reaches the venue (Infinity: none sent). */
  cancelAt: number;
  /** Free for the caller (the stream backtest marks orders a requote keeps). */
  keep: number;
}

export interface SimFill {
  ts: number;
  order: SimOrder;
  lots: number;
}

interface Action {
  at: number;
  cancel: boolean;
  order: SimOrder;
}

export class SimVenue {
  readonly orders: SimOrder[] = [];
  private readonly actions: Action[] = [];
  private seq = 0;
  private rejectedCount = 0;
  /** The last book in ticks / base units. */
  private bidTicks = new Float64Array(0);
  private bidQty = new Float64Array(0);
  private askTicks = new Float64Array(0);
  private askQty = new Float64Array(0);
  private bids = 0;
  private asks = 0;

  constructor(
    readonly tickSize: number,
    readonly lotSize: number,
    readonly queue: QueueModel,
    private readonly onFill: (fill: SimFill) => void,
  ) {}

  toTicks(price: number): number {
    return Math.round(price / this.tickSize);
  }

  /** Sends a new order now; it reaches the venue at `arrivesAt`. */
  submit(side: "buy" | "sell", price: number, lots: number, level: number, arrivesAt: number): SimOrder {
    const order: SimOrder = { id: ++this.seq, side, price, lots, remaining: lots, level, state: "in_flight", ahead: 0, levelQty: 0, tradedSinceBook: 0, cancelAt: Infinity, keep: -1 };
    this.orders.push(order);
    this.schedule({ at: arrivesAt, cancel: false, order });
    return order;
  }

  /** Sends a cancel now; it takes effect at `arrivesAt` unless the order is done by then. */
  cancel(order: SimOrder, arrivesAt: number): void {
    if (order.cancelAt !== Infinity || order.state === "filled" || order.state === "cancelled" || order.state === "rejected") return;
    order.cancelAt = arrivesAt;
    this.schedule({ at: arrivesAt, cancel: true, order });
  }

  /** Orders sent or resting without a cancel on the way. */
  live(): SimOrder[] {
    return this.orders.filter((o) => (o.state === "in_flight" || o.state === "open") && o.cancelAt === Infinity);
  }

  /** When the next order or cancel reaches the venue. */
  nextActionAt(): number {
    return this.actions.length > 0 ? this.actions[0].at : Infinity;
  }

  /** Applies the orders and cancels that reached the venue by `now`. */
  advance(now: number): void {
    while (this.actions.length > 0 && this.actions[0].at <= now) {
      const a = this.actions.shift() as Action;
      const o = a.order;
      if (a.cancel) {
        if (o.state === "open" || o.state === "in_flight") o.state = "cancelled";
      } else if (o.state === "in_flight") this.arrive(o);
    }
    if (this.orders.length > 16) this.prune();
  }

  /** A book snapshot at e.ts (call advance(e.ts) first). */
  onBook(e: StreamEvent): void {
    if (this.bidTicks.length < e.bidPx.length) {
      this.bidTicks = new Float64Array(e.bidPx.length);
      this.bidQty = new Float64Array(e.bidPx.length);
      this.askTicks = new Float64Array(e.askPx.length);
      this.askQty = new Float64Array(e.askPx.length);
    }
    for (let i = 0; i < e.bids; i++) (this.bidTicks[i] = this.toTicks(e.bidPx[i])), (this.bidQty[i] = e.bidQty[i]);
    for (let i = 0; i < e.asks; i++) (this.askTicks[i] = this.toTicks(e.askPx[i])), (this.askQty[i] = e.askQty[i]);
    this.bids = e.bids;
    this.asks = e.asks;
    for (let i = 0; i < this.orders.length; i++) {
      const o = this.orders[i];
      if (o.state !== "open") continue;
      const crossed = o.side === "buy" ? this.asks > 0 && this.askTicks[0] <= o.price : this.bids > 0 && this.bidTicks[0] >= o.price;
      if (crossed) {
        this.fill(o, o.remaining, e.ts);
        continue;
      }
      const qty = this.levelQtyAt(o.side, o.price);
      if (qty < 0) continue; // deeper than the book shows: nothing known
      const prev = Math.max(qty, o.levelQty - o.tradedSinceBook);
      o.ahead = this.queue.depth(o.ahead, prev, qty);
      o.levelQty = qty;
      o.tradedSinceBook = 0;
    }
  }

  /** A public trade at e.ts (call advance(e.ts) first). */
  onTrade(e: StreamEvent): void {
    const price = this.toTicks(e.price);
    // a sell print hits bids: our bids at or above it; a buy print lifts asks at or below it
    const side = e.side === "sell" ? "buy" : "sell";
    for (let i = 0; i < this.orders.length; i++) {
      const o = this.orders[i];
      if (o.state !== "open" || o.side !== side) continue;
      if (side === "buy" ? o.price > price : o.price < price) {
        this.fill(o, o.remaining, e.ts);
      } else if (o.price === price) {
        o.tradedSinceBook += e.amount;
        const left = e.amount - o.ahead;
        o.ahead = Math.max(0, o.ahead - e.amount);
        if (left > 0) {
          const lots = Math.min(o.remaining, Math.floor(left / this.lotSize + 1e-9));
          if (lots > 0) this.fill(o, lots, e.ts);
        }
      }
    }
  }

  /** Base-unit volume of others at `price` on `side`, 0 for an empty level inside the book, -1 beyond its depth. */
  levelQtyAt(side: "buy" | "sell", price: number): number {
    const ticks = side === "buy" ? this.bidTicks : this.askTicks;
    const qty = side === "buy" ? this.bidQty : this.askQty;
    const n = side === "buy" ? this.bids : this.asks;
    for (let i = 0; i < n; i++) {
      if (ticks[i] === price) return qty[i];
      if (side === "buy" ? ticks[i] < price : ticks[i] > price) return 0;
    }
    return n > 0 ? -1 : 0;
  }

  /** Orders the venue refused (post-only would have crossed). */
  rejected(): number {
    return this.rejectedCount;
  }

  private arrive(o: SimOrder): void {
    const crosses = o.side === "buy" ? this.asks > 0 && o.price >= this.askTicks[0] : this.bids > 0 && o.price <= this.bidTicks[0];
    if (crosses) {
      o.state = "rejected";
      this.rejectedCount++;
      return;
    }
    const qty = Math.max(0, this.levelQtyAt(o.side, o.price));
    o.state = "open";
    o.levelQty = qty;
    o.ahead = this.queue.placed(qty);
  }

  private fill(o: SimOrder, lots: number, ts: number): void {
    o.remaining -= lots;
    if (o.remaining === 0) o.state = "filled";
    this.onFill({ ts, order: o, lots });
  }

  private schedule(a: Action): void {
    let i = this.actions.length;
    while (i > 0 && this.actions[i - 1].at > a.at) i--;
    this.actions.splice(i, 0, a);
  }

  private prune(): void {
    let w = 0;
    for (let r = 0; r < this.orders.length; r++) {
      const o = this.orders[r];
      if (o.state === "in_flight" || o.state === "open") this.orders[w++] = o;
    }
    this.orders.length = w;
  }
}
