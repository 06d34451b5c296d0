/**
 * Recording market data to the replay format (lib/paper/replay.ts JSONL) for backtests:
 *
 * - `recordLive`: a ccxt.pro client's watchOrderBook and watchTrades for one symbol, until
 *   stopped: a `book` line (top `levels` per side) per book update and a `trade` line per
 *   print. Times are the exchange's, made non-decreasing across the two streams (a line is
 *   never written before the previous one's time). ccxt's numbers are written as exact
 *   decimal strings (trade price/amount from the exchange's own strings when ccxt keeps them).
 * - `recordPaper`: the paper venue's simulated market in simulated time (deterministic for a
 *   seed): a book every `bookEveryMs` and every public trade.
 */
import { Decimal } from "../decimal";
import { PaperVenue, type DecimalPublicTrade, type PaperMarketDefinition } from "../paper";

type Num = number | string | undefined | null;

export interface LiveClient {
  watchOrderBook(symbol: string, limit?: number): Promise<{ timestamp?: number | null; bids: Num[][]; asks: Num[][] }>;
  watchTrades(symbol: string): Promise<Array<{ id?: string | null; timestamp?: number | null; side?: string | null; price?: Num; amount?: Num }>>;
  close?(): Promise<unknown>;
}

export interface RecordCounts {
  books: number;
  trades: number;
}

const dec = (n: Num): string => new Decimal(n as number | string).toFixed();

export class Recorder {
  private last = 0;
  readonly counts: RecordCounts = { books: 0, trades: 0 };
  reconnects = 0;

  constructor(
    private readonly symbol: string,
    private readonly write: (line: string) => void,
  ) {}

  private at(ts: number | null | undefined): number {
    this.last = Math.max(this.last, typeof ts === "number" && ts > 0 ? ts : Date.now());
    return this.last;
  }

  book(ts: number | null | undefined, bids: Num[][], asks: Num[][], levels: number): void {
    const side = (l: Num[][]) => l.slice(0, levels).map((x) => [dec(x[0]), dec(x[1])]);
    this.write(JSON.stringify({ ts: this.at(ts), type: "book", symbol: this.symbol, bids: side(bids), asks: side(asks) }));
    this.counts.books++;
  }

  trade(ts: number | null | undefined, side: string, price: Num, amount: Num): void {
    if (side !== "buy" && side !== "sell") return;
    this.write(JSON.stringify({ ts: this.at(ts), type: "trade", symbol: this.symbol, side, price: dec(price), amount: dec(amount) }));
    this.counts.trades++;
  }
}

/** Records until `stop` resolves; then closes the client. */
export async function recordLive(client: LiveClient, symbol: string, write: (line: string) => void, stop: Promise<unknown>, levels = 10): Promise<RecordCounts> {
  const rec = new Recorder(symbol, write);
  let stopped = false;
  const seen = new Set<string>();
  // a dropped connection is retried (ccxt.pro reconnects on the next watch), up to 10 times in a row
  const retrying = async (fn: () => Promise<void>): Promise<void> => {
    let failures = 0;
    while (!stopped) {
      try {
        await fn();
        failures = 0;
      } catch (err) {
        if (stopped || ++failures > 10) throw err;
        rec.reconnects++;
        await new Promise((r) => setTimeout(r, 100 * failures));
      }
    }
  };
  const books = (): Promise<void> =>
    retrying(async () => {
      const ob = await client.watchOrderBook(symbol);
      if (!stopped) rec.book(ob.timestamp, ob.bids, ob.asks, levels);
    });
  const trades = (): Promise<void> =>
    retrying(async () => {
      const batch = await client.watchTrades(symbol);
      for (const t of batch) {
        // ccxt.pro hands back its cache: skip prints already written
        const key = t.id ?? `${t.timestamp}:${t.price}:${t.amount}:${t.side}`;
        if (stopped || seen.has(key)) continue;
        seen.add(key);
        if (seen.size > 100_000) seen.delete(seen.values().next().value as string);
        rec.trade(t.timestamp, String(t.side), t.price, t.amount);
      }
    });
  const run = (async () => {
    // the first book before the trade stream: subscribing both while the connection opens
    // can make the server drop it
    const first = await client.watchOrderBook(symbol);
    if (!stopped) rec.book(first.timestamp, first.bids, first.asks, levels);
    await Promise.all([books(), trades()]);
  })();
  await Promise.race([stop, run]);
  stopped = true;
  await client.close?.();
  await run.catch(() => undefined);
  return rec.counts;
}

export interface PaperRecordOptions {
  minutes: number;
  seed: number;
  startTime: number;
  bookEveryMs: number;
  levels: number;
}

/** The paper venue's simulated `market` (with a `simulation`) for `minutes` of simulated time. */
export function recordPaper(market: PaperMarketDefinition, o: PaperRecordOptions, write: (line: string) => void): RecordCounts {
  const venue = new PaperVenue({ markets: [market], seed: o.seed, startTime: o.startTime });
  const rec = new Recorder(market.symbol, write);
  venue.on("trade", (t: DecimalPublicTrade) => rec.trade(t.timestamp, t.side, t.price, t.amount));
  const end = o.startTime + o.minutes * 60_000;
  for (let ts = o.startTime; ts <= end; ts += o.bookEveryMs) {
    venue.advanceTo(ts);
    const book = venue.orderBook(market.symbol, o.levels);
    rec.book(ts, book.bids, book.asks, o.levels);
  }
  return rec.counts;
}
