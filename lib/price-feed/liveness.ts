/**
 * `price.cex.alive`: the feed heard from a market whose top of book did not change. Depth
 * diffs deeper in the book, snapshots, polls and venue events all count as messages, but
 * `price.cex.updated` is sent only when the top moves; a consumer guarding against a dead
 * feed (the market-maker's staleFeedMs) must not take a quiet market for a dead one. The
 * signal is sent from a timer, never from the tick path: at most one per market per interval,
 * and none for a market whose last message was already announced by a price update.
 */
import { marketKey } from './events';

export interface CexPriceAlive {
  exchange: string;
  symbol: string;
  /** when this process received the market's last message (ms) */
  receivedAt: number;
}

export interface MarketActivity {
  exchange: string;
  symbol: string;
  /** last message of the market's source, or null before the first one */
  lastMessageAt: number | null;
  /** receivedAt of the last `price.cex.updated` sent for it, or null */
  lastPublishedAt: number | null;
}

/** Decides, once per interval, which markets get a `price.cex.alive`. */
export class LivenessAnnouncer {
  private readonly announced = new Map<string, number>();

  /** The signals due now: markets with a message newer than anything already sent for them. */
  due(markets: Iterable<MarketActivity>): CexPriceAlive[] {
    const out: CexPriceAlive[] = [];
    for (const m of markets) {
      if (m.lastMessageAt === null) continue;
      const key = marketKey(m.exchange, m.symbol);
      const sent = Math.max(this.announced.get(key) ?? -Infinity, m.lastPublishedAt ?? -Infinity);
      if (m.lastMessageAt <= sent) continue;
      this.announced.set(key, m.lastMessageAt);
      out.push({ exchange: m.exchange, symbol: m.symbol, receivedAt: m.lastMessageAt });
    }
    return out;
  }

  forget(exchange: string, symbol: string): void {
    this.announced.delete(marketKey(exchange, symbol));
  }
}
