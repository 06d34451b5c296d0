/**
 * Converts exchange data files to the replay format (lib/paper/replay.ts JSONL), streaming
 * (gzip read as well), merging a depth file and a trades file by time.
 *
 * Tardis.dev CSV (https://docs.tardis.dev/downloadable-csv-files), timestamps in µs → ms:
 * - `incremental_book_L2`: exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
 *   side bid|ask; amount is the level's new size, 0 removes it; rows with is_snapshot=true
 *   after incremental rows start a new book. One `book` event (top `levels` per side) is
 *   written per timestamp, after all of that timestamp's rows.
 * - `trades`: exchange,symbol,timestamp,local_timestamp,id,side,price,amount
 *   side is the taker's (buy|sell); rows with side "unknown" are skipped.
 * Binance public data (https://data.binance.vision), CSV with or without a header:
 * - spot/futures `trades`: id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]
 * - `aggTrades`: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]
 *   is_buyer_maker=true means the taker sold: side "sell". `time` in ms, or µs (spot files
 *   since 2025) when it has 16 digits.
 * - futures `bookTicker`: update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time
 *   → a one-level `book` event per row at transaction_time (Binance publishes no L2 depth history).
 * Prices and amounts are copied as the files give them (decimal strings, never re-formatted).
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { readLineBatches } from "./event-stream";
import { BacktestError } from "./run";

export type ImportFormat = "tardis-book" | "tardis-trades" | "binance-trades" | "binance-aggtrades" | "binance-bookticker";
export const IMPORT_FORMATS: ImportFormat[] = ["tardis-book", "tardis-trades", "binance-trades", "binance-aggtrades", "binance-bookticker"];

/** One replay line with its time. */
export interface ImportedLine {
  ts: number;
  line: string;
}

async function* rows(path: string): AsyncGenerator<{ cells: string[]; where: string }> {
  let n = 0;
  for await (const batch of readLineBatches(path)) {
    for (const raw of batch) {
      n++;
      const line = raw.trim();
      if (line) yield { cells: line.split(","), where: `${path}:${n}` };
    }
  }
}

const isHeader = (cells: string[]): boolean => !/^\d/.test(cells[0]);
const micros = (text: string, where: string): number => {
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < 0) throw new BacktestError(`${where}: bad timestamp "${text}"`);
  return Math.floor(v / 1000);
};
const millisOrMicros = (text: string, where: string): number => {
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < 0) throw new BacktestError(`${where}: bad timestamp "${text}"`);
  return text.length >= 16 ? Math.floor(v / 1000) : v;
};
const trade = (ts: number, symbol: string, side: string, price: string, amount: string): ImportedLine => ({
  ts,
  line: `{"ts":${ts},"type":"trade","symbol":${JSON.stringify(symbol)},"side":"${side}","price":${JSON.stringify(price)},"amount":${JSON.stringify(amount)}}`,
});
const bookLine = (ts: number, symbol: string, bids: Array<[string, string]>, asks: Array<[string, string]>): ImportedLine => ({
  ts,
  line: `{"ts":${ts},"type":"book","symbol":${JSON.stringify(symbol)},"bids":${JSON.stringify(bids)},"asks":${JSON.stringify(asks)}}`,
});

function top(side: Map<string, string>, bids: boolean, levels: number): Array<[string, string]> {
  return [...side.entries()].sort((a, b) => (bids ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, levels);
}

async function* tardisBook(path: string, symbol: string, levels: number): AsyncGenerator<ImportedLine> {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  let ts = -1;
  let inSnapshot = false;
  for await (const { cells, where } of rows(path)) {
    if (isHeader(cells) && cells[0] === "exchange") continue;
    if (cells.length !== 8) throw new BacktestError(`${where}: Tardis incremental_book_L2 rows have 8 columns, got ${cells.length}`);
    const t = micros(cells[2], where);
    if (t !== ts && ts >= 0 && bids.size + asks.size > 0) yield bookLine(ts, symbol, top(bids, true, levels), top(asks, false, levels));
    ts = t;
    const snapshot = cells[4] === "true";
    if (snapshot && !inSnapshot) {
      bids.clear();
      asks.clear();
    }
    inSnapshot = snapshot;
    const book = cells[5] === "bid" ? bids : cells[5] === "ask" ? asks : null;
    if (!book) throw new BacktestError(`${where}: side must be bid or ask, got "${cells[5]}"`);
    if (Number(cells[7]) === 0) book.delete(cells[6]);
    else book.set(cells[6], cells[7]);
  }
  if (ts >= 0 && bids.size + asks.size > 0) yield bookLine(ts, symbol, top(bids, true, levels), top(asks, false, levels));
}

async function* tardisTrades(path: string, symbol: string): AsyncGenerator<ImportedLine> {
  for await (const { cells, where } of rows(path)) {
    if (isHeader(cells) && cells[0] === "exchange") continue;
    if (cells.length !== 8) throw new BacktestError(`${where}: Tardis trades rows have 8 columns, got ${cells.length}`);
    if (cells[5] !== "buy" && cells[5] !== "sell") continue;
    yield trade(micros(cells[2], where), symbol, cells[5], cells[6], cells[7]);
  }
}

async function* binanceTrades(path: string, symbol: string, agg: boolean): AsyncGenerator<ImportedLine> {
  for await (const { cells, where } of rows(path)) {
    if (isHeader(cells)) continue;
    const time = agg ? cells[5] : cells[4];
    const maker = agg ? cells[6] : cells[5];
    if (time === undefined || (maker !== "true" && maker !== "false" && maker !== "True" && maker !== "False")) {
      throw new BacktestError(`${where}: not a Binance ${agg ? "aggTrades" : "trades"} row`);
    }
    yield trade(millisOrMicros(time, where), symbol, maker.toLowerCase() === "true" ? "sell" : "buy", cells[1], cells[2]);
  }
}

async function* binanceBookTicker(path: string, symbol: string): AsyncGenerator<ImportedLine> {
  for await (const { cells, where } of rows(path)) {
    if (isHeader(cells)) continue;
    if (cells.length < 6) throw new BacktestError(`${where}: Binance bookTicker rows have 7 columns, got ${cells.length}`);
    yield bookLine(millisOrMicros(cells[5], where), symbol, [[cells[1], cells[2]]], [[cells[3], cells[4]]]);
  }
}

export function importSource(format: ImportFormat, path: string, symbol: string, levels = 10): AsyncGenerator<ImportedLine> {
  if (!symbol.includes("/")) throw new BacktestError(`--symbol must look like BASE/QUOTE, got "${symbol}"`);
  switch (format) {
    case "tardis-book":
      return tardisBook(path, symbol, levels);
    case "tardis-trades":
      return tardisTrades(path, symbol);
    case "binance-trades":
      return binanceTrades(path, symbol, false);
    case "binance-aggtrades":
      return binanceTrades(path, symbol, true);
    case "binance-bookticker":
      return binanceBookTicker(path, symbol);
  }
}

/** Merges time-ordered sources into one time-ordered sequence (ties: the earlier source first). */
export async function* mergeByTime(sources: Array<AsyncGenerator<ImportedLine>>): AsyncGenerator<ImportedLine> {
  const heads = await Promise.all(sources.map((s) => s.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (!h.done && (best < 0 || h.value.ts < (heads[best].value as ImportedLine).ts)) best = i;
    }
    if (best < 0) return;
    yield heads[best].value as ImportedLine;
    heads[best] = await sources[best].next();
  }
}

/** Writes the merged sources to a replay JSONL file; resolves with the number of events. */
export async function writeReplay(out: string, sources: Array<AsyncGenerator<ImportedLine>>, header?: string): Promise<number> {
  const stream = createWriteStream(out);
  if (header) stream.write(`# ${header}\n`);
  let n = 0;
  let last = -1;
  for await (const { ts, line } of mergeByTime(sources)) {
    if (ts < last) throw new BacktestError(`an input is not in time order (${ts} after ${last})`);
    last = ts;
    n++;
    if (!stream.write(`${line}\n`)) await once(stream, "drain");
  }
  stream.end();
  await once(stream, "finish");
  return n;
}
