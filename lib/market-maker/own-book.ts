/**
 * The bot's own orders, kept apart from the public book it prices from (after Nautilus
 * Trader's OwnOrderBook and its filtered view of the public book): a strategy that joins the
 * best price or reads depth must see the liquidity of others, not its own quotes.
 *
 * A public snapshot received at R holds an own order for sure once the order was acknowledged
 * at least `bufferMs` before R ("accepted before the buffer"). An order in flight, acknowledged
 * more recently, or closed (cancelled, filled) less than `bufferMs` before R may or may not be
 * in it: such orders are taken out only when the level is large enough to hold them with the
 * sure ones (a level smaller than our order cannot contain it). The netted size of a level
 * never goes below 0; empty levels disappear. When a side's whole known depth was our own,
 * the last best price of others seen on that side stands in (a top-of-book feed shows no
 * deeper level); without one the side is empty.
 *
 * `audit` compares the orders the bot believes live with those the venue lists as open: an
 * order acknowledged before the audit's listing was asked for but absent from it has gone
 * (cancelled by the venue, a dead man's switch, filled while a fill is still on its way);
 * an order of the bot's that the venue lists but the bot does not know is unknown. Orders
 * in flight or acknowledged after the listing was asked for are left alone.
 *
 * Pure: times are passed in, nothing here talks to a venue. Prices are compared as numbers,
 * the form the strategies and the price events' levels use.
 */
import type { Level, MarketSnapshot } from "../strategies/types";

export interface OwnOrder {
  clientOrderId: string;
  side: "buy" | "sell";
  price: number;
  remaining: number;
  /** when the bot sent it */
  submittedAt: number;
  /** when the venue acknowledged it; null while in flight */
  acceptedAt: number | null;
  /** when it was cancelled, filled or found gone; null while live */
  closedAt: number | null;
}

export interface AuditResult {
  /** believed live, acknowledged before the listing was asked for, not listed: gone */
  vanished: string[];
  /** listed by the venue as the bot's, not known (or long closed) here */
  unknown: string[];
}

export class OwnOrderBook {
  private readonly orders = new Map<string, OwnOrder>();
  /** last best prices of others (public best after netting), per side */
  private lastPublic: { buy: number | null; sell: number | null } = { buy: null, sell: null };

  constructor(readonly bufferMs: number) {
    if (!(bufferMs >= 0)) throw new RangeError("bufferMs must not be negative");
  }

  get size(): number {
    return this.orders.size;
  }

  get(clientOrderId: string): OwnOrder | undefined {
    return this.orders.get(clientOrderId);
  }

  submitted(o: { clientOrderId: string; side: "buy" | "sell"; price: number; amount: number }, now: number): void {
    this.orders.set(o.clientOrderId, { clientOrderId: o.clientOrderId, side: o.side, price: o.price, remaining: o.amount, submittedAt: now, acceptedAt: null, closedAt: null });
  }

  accepted(clientOrderId: string, now: number): void {
    const o = this.orders.get(clientOrderId);
    if (o && o.acceptedAt === null && o.closedAt === null) o.acceptedAt = now;
  }

  filled(clientOrderId: string, amount: number, now: number): void {
    const o = this.orders.get(clientOrderId);
    if (!o) return;
    o.remaining = Math.max(0, o.remaining - amount);
    if (o.remaining <= 0 && o.closedAt === null) o.closedAt = now;
  }

  /** Cancelled, fully filled, refused or found gone. */
  closed(clientOrderId: string, now: number): void {
    const o = this.orders.get(clientOrderId);
    if (o && o.closedAt === null) o.closedAt = now;
  }

  /** Forgets orders closed for longer than the buffer (no snapshot can still show them). */
  prune(now: number): void {
    for (const [id, o] of this.orders) if (o.closedAt !== null && o.closedAt + this.bufferMs <= now) this.orders.delete(id);
  }

  /**
   * The public snapshot received at `receivedAt` without our own orders: levels netted, best
   * prices taken from what is left. The same object when nothing of ours is in it.
   */
  netSnapshot(m: MarketSnapshot, receivedAt: number): MarketSnapshot {
    if (this.orders.size === 0) {
      this.rememberPublic(m.bestBid, m.bestAsk);
      return m;
    }
    // without levels (no sizes) nothing can be netted: the snapshot stands as it is
    const { bids, asks } = m;
    const netBids = bids ? this.netLevels("buy", bids, receivedAt) : undefined;
    const netAsks = asks ? this.netLevels("sell", asks, receivedAt) : undefined;
    if (netBids === bids && netAsks === asks) {
      this.rememberPublic(m.bestBid, m.bestAsk);
      return m;
    }
    const bestBid = netBids === bids ? m.bestBid : netBids && netBids.length > 0 ? netBids[0][0] : (this.lastPublic.buy ?? 0);
    const bestAsk = netAsks === asks ? m.bestAsk : netAsks && netAsks.length > 0 ? netAsks[0][0] : (this.lastPublic.sell ?? 0);
    this.rememberPublic(netBids && netBids.length > 0 ? bestBid : null, netAsks && netAsks.length > 0 ? bestAsk : null);
    return { ...m, bestBid, bestAsk, bids: netBids, asks: netAsks };
  }

  /**
   * One side's levels (best first) less our own size at each price; the same array when none
   * of our orders sits at any of its prices.
   */
  netLevels(side: "buy" | "sell", levels: Level[], receivedAt: number): Level[] {
    let out: Level[] | null = null;
    for (let i = 0; i < levels.length; i++) {
      const [price, size] = levels[i];
      let sure = 0;
      let maybe = 0;
      for (const o of this.orders.values()) {
        if (o.side !== side || o.price !== price || o.remaining <= 0) continue;
        const state = this.presence(o, receivedAt);
        if (state === "sure") sure += o.remaining;
        else if (state === "maybe") maybe += o.remaining;
      }
      const own = maybe > 0 && size >= sure + maybe - 1e-12 ? sure + maybe : sure;
      if (own === 0) {
        out?.push(levels[i]);
        continue;
      }
      if (!out) out = levels.slice(0, i);
      const net = size - own;
      // float leftovers of an exact match are not liquidity
      if (net > 1e-12 * Math.max(1, size)) out.push([price, net]);
    }
    return out ?? levels;
  }

  /**
   * Compares the live orders with the venue's open orders listed by a request sent at
   * `listedFrom`: `venueOpen` are the client order ids of the bot's orders the venue lists.
   */
  audit(venueOpen: Iterable<string>, listedFrom: number): AuditResult {
    const open = new Set(venueOpen);
    const vanished: string[] = [];
    const unknown: string[] = [];
    for (const o of this.orders.values()) {
      if (o.closedAt !== null || o.acceptedAt === null) continue;
      if (o.acceptedAt + this.bufferMs <= listedFrom && !open.has(o.clientOrderId)) vanished.push(o.clientOrderId);
    }
    for (const id of open) {
      const o = this.orders.get(id);
      // submitted after the listing was asked for: the listing may be older than its cancel
      if (!o || (o.closedAt !== null && o.closedAt + this.bufferMs <= listedFrom)) unknown.push(id);
    }
    return { vanished: vanished.sort(), unknown: unknown.sort() };
  }

  private presence(o: OwnOrder, receivedAt: number): "sure" | "maybe" | "gone" {
    if (o.closedAt !== null) return o.closedAt + this.bufferMs > receivedAt ? "maybe" : "gone";
    if (o.acceptedAt !== null && o.acceptedAt + this.bufferMs <= receivedAt) return "sure";
    return "maybe";
  }

  private rememberPublic(bid: number | null, ask: number | null): void {
    if (bid !== null && bid > 0) this.lastPublic.buy = bid;
    if (ask !== null && ask > 0) this.lastPublic.sell = ask;
  }
}
