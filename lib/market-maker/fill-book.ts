/**
 * Books the fills of the market-maker's bots, once per fill (`fillKey`: exchange, symbol, trade id, side).
 *
 * Every fill arrives twice on purpose: as the `order.filled` event (which does not depend on
 * the durable bus) and from the durable bus (which reaches a node that was down). The second
 * delivery stops here in memory: at the trade keys this node booked or saw booked lately, or
 * at the booking of the same trade still under way. Across nodes, the unique index of mm_fills
 * stops it (`MarketMakerStore.recordFill` answers null).
 *
 * A booked fill is announced (every node hears it; the one quoting the bot applies it, see
 * fill-sequence.ts). A fill of a bot nobody quotes (removed from config, stopped, halted) is
 * folded into the bot's snapshot right away, so its PnL shows it.
 */
import { fillKey, type WireFill } from "../cex";
import type { FillAttribution } from "./fill-attribution";
import type { BookedFill, MarketMakerStore } from "./store";

export interface FillBookDeps {
  store: Pick<MarketMakerStore, "recordFill" | "getBot" | "settle">;
  attribution: Pick<FillAttribution, "attribute">;
  /** Tells the nodes (this one included) that a fill was booked. */
  announce(fill: BookedFill): Promise<unknown>;
  /** Whether this node is running the bot right now. */
  quotedHere(bot: string): boolean;
  /** How many trade keys to remember (default 10 000). */
  remember?: number;
}

export class FillBook {
  /** Trade keys booked or seen booked lately, oldest first: a redelivery costs no DB round trip. */
  private readonly recent = new Set<string>();
  /** Bookings under way by trade key. */
  private readonly booking = new Map<string, Promise<void>>();
  private readonly capacity: number;

  constructor(private readonly deps: FillBookDeps) {
    this.capacity = deps.remember ?? 10_000;
  }

  /** Books a venue fill if it is a bot's and not booked yet. */
  async book(wire: WireFill): Promise<void> {
    const key = fillKey(wire);
    if (this.recent.has(key)) return;
    // The same trade delivered again while its booking is under way: wait for that one.
    const pending = this.booking.get(key);
    if (pending && (await pending.then(() => true, () => false))) return;
    const work = this.record(wire, key);
    this.booking.set(key, work);
    try {
      await work;
    } finally {
      if (this.booking.get(key) === work) this.booking.delete(key);
    }
  }

  /** A booked fill this node heard of (booked here or elsewhere): its redeliveries stop in memory. */
  seen(fill: { exchange: string; symbol: string; tradeId: string; side: string }): void {
    this.remember(fillKey(fill));
  }

  private async record(wire: WireFill, key: string): Promise<void> {
    const fill = await this.deps.attribution.attribute(wire);
    if (!fill) return;
    const booked = await this.deps.store.recordFill(fill);
    // Remembered once in the table (a failed write is retried by the bus, so not before).
    this.remember(key);
    if (!booked) return;
    await this.deps.announce(booked);
    // Nobody quotes it: its snapshot takes the fill now.
    if (!this.deps.quotedHere(booked.bot) && (await this.deps.store.getBot(booked.bot))?.state !== "running") await this.deps.store.settle(booked.bot);
  }

  private remember(key: string): void {
    this.recent.add(key);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.values().next().value as string);
  }
}
