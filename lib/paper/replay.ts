/**
 * Replay of recorded market data into the paper venue (backtests).
 *
 * File formats (chosen by extension: .jsonl / .ndjson, or .csv). Prices and amounts are decimal
 * strings (JSON numbers are accepted too); `ts` is epoch milliseconds. Events may be in any
 * order: they are replayed sorted by ts, file order breaking ties.
 *
 * JSONL: one object per line; empty lines and lines starting with '#' are ignored.
 *   {"ts":1700000000000,"type":"book","symbol":"BTC/USDT","bids":[["99.90","1.5"],["99.80","2"]],"asks":[["100.10","1"]]}
 *   {"ts":1700000000500,"type":"trade","symbol":"BTC/USDT","side":"sell","price":"99.85","amount":"0.4"}
 *   - book:  a full L2 snapshot (bids best first, asks best first) that replaces the previous one
 *   - trade: a print; `side` is the taker's side ("sell" = someone sold into bids)
 *
 * CSV: a header line `ts,type,symbol,side,price,amount`, then one row per book level or trade:
 *   1700000000000,book,BTC/USDT,bid,99.90,1.5
 *   1700000000000,book,BTC/USDT,ask,100.10,1
 *   1700000000500,trade,BTC/USDT,sell,99.85,0.4
 *   Consecutive book rows with the same ts and symbol form one snapshot.
 *
 * Replay semantics: a snapshot becomes the resting liquidity of a replay account (its previous
 * snapshot is withdrawn); snapshot levels that cross a user order trade with it, as the market
 * moving through the order would. A recorded trade at price P for amount A fills resting user
 * orders priced at P or better (bids ≥ P for a sell print, asks ≤ P for a buy print), best
 * first, up to A in total, at the user's price; it does not consume the snapshot liquidity,
 * which the next snapshot already reflects. Off-grid recorded prices are rounded to the tick
 * away from the user (bids down, asks up, prints conservatively) and amounts truncated to lots.
 */
import { readFileSync } from 'node:fs';
import { Account } from './accounts';
import { SimulationSource } from './clock';
import { mulUnits, parseUnits } from './fixed-point';
import { MarketSpec, ceilToTick, floorToLot, floorToTick } from './markets';
import { MatchingEngine } from './matching-engine';
import { PublicTrade, Side } from './orders';

export type ReplayLevel = [string, string];

export interface ReplayBookEvent {
  ts: number;
  type: 'book';
  symbol: string;
  bids: ReplayLevel[];
  asks: ReplayLevel[];
}

export interface ReplayTradeEvent {
  ts: number;
  type: 'trade';
  symbol: string;
  side: Side;
  price: string;
  amount: string;
}

export type ReplayEvent = ReplayBookEvent | ReplayTradeEvent;

export class ReplayFormatError extends Error {
  override name = 'ReplayFormatError';
}

export function loadReplayFile(path: string): ReplayEvent[] {
  const text = readFileSync(path, 'utf8');
  const format = /\.csv$/i.test(path) ? 'csv' : 'jsonl';
  return parseReplay(text, format, path);
}

export function parseReplay(text: string, format: 'jsonl' | 'csv', source = 'replay'): ReplayEvent[] {
  const events = format === 'csv' ? parseCsv(text, source) : parseJsonl(text, source);
  // Array.prototype.sort is stable, so file order breaks ties
  return events.sort((a, b) => a.ts - b.ts);
}

function parseJsonl(text: string, source: string): ReplayEvent[] {
  const events: ReplayEvent[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `${source}:${index + 1}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new ReplayFormatError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    const ts = readTimestamp(record.ts, where);
    const symbol = readSymbol(record.symbol, where);
    if (record.type === 'book') {
      events.push({ ts, type: 'book', symbol, bids: readLevels(record.bids, `${where} bids`), asks: readLevels(record.asks, `${where} asks`) });
    } else if (record.type === 'trade') {
      events.push({
        ts,
        type: 'trade',
        symbol,
        side: readSide(record.side, where),
        price: readDecimal(record.price, `${where} price`),
        amount: readDecimal(record.amount, `${where} amount`),
      });
    } else {
      throw new ReplayFormatError(`${where}: type must be "book" or "trade", got ${JSON.stringify(record.type)}`);
    }
  });
  return events;
}

const CSV_HEADER = ['ts', 'type', 'symbol', 'side', 'price', 'amount'];

function parseCsv(text: string, source: string): ReplayEvent[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex < 0) return [];
  const header = lines[headerIndex].split(',').map((cell) => cell.trim().toLowerCase());
  if (header.join(',') !== CSV_HEADER.join(',')) {
    throw new ReplayFormatError(`${source}:${headerIndex + 1}: header must be "${CSV_HEADER.join(',')}", got "${lines[headerIndex].trim()}"`);
  }
  const events: ReplayEvent[] = [];
  let snapshot: ReplayBookEvent | undefined;
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index].trim();
    if (!line || line.startsWith('#')) continue;
    const where = `${source}:${index + 1}`;
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== CSV_HEADER.length) throw new ReplayFormatError(`${where}: expected ${CSV_HEADER.length} columns, got ${cells.length}`);
    const [tsCell, type, symbolCell, side, price, amount] = cells;
    const ts = readTimestamp(Number(tsCell), where);
    const symbol = readSymbol(symbolCell, where);
    if (type === 'book') {
      if (side !== 'bid' && side !== 'ask') throw new ReplayFormatError(`${where}: book rows need side "bid" or "ask", got "${side}"`);
      if (!snapshot || snapshot.ts !== ts || snapshot.symbol !== symbol) {
        snapshot = { ts, type: 'book', symbol, bids: [], asks: [] };
        events.push(snapshot);
      }
      const level: ReplayLevel = [readDecimal(price, `${where} price`), readDecimal(amount, `${where} amount`)];
      (side === 'bid' ? snapshot.bids : snapshot.asks).push(level);
    } else if (type === 'trade') {
      snapshot = undefined;
      events.push({ ts, type: 'trade', symbol, side: readSide(side, where), price: readDecimal(price, `${where} price`), amount: readDecimal(amount, `${where} amount`) });
    } else {
      throw new ReplayFormatError(`${where}: type must be "book" or "trade", got "${type}"`);
    }
  }
  return events;
}

function readTimestamp(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ReplayFormatError(`${where}: ts must be a non-negative integer of epoch milliseconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readSymbol(value: unknown, where: string): string {
  if (typeof value !== 'string' || !value.includes('/')) throw new ReplayFormatError(`${where}: symbol must look like "BASE/QUOTE", got ${JSON.stringify(value)}`);
  return value;
}

function readSide(value: unknown, where: string): Side {
  if (value !== 'buy' && value !== 'sell') throw new ReplayFormatError(`${where}: trade side must be "buy" or "sell", got ${JSON.stringify(value)}`);
  return value;
}

function readDecimal(value: unknown, where: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new ReplayFormatError(`${where}: expected a decimal, got ${JSON.stringify(value)}`);
  try {
    if (parseUnits(text, where).units < 0n) throw new ReplayFormatError(`${where}: must not be negative, got ${text}`);
  } catch (error) {
    if (error instanceof ReplayFormatError) throw error;
    throw new ReplayFormatError((error as Error).message);
  }
  return text;
}

function readLevels(value: unknown, where: string): ReplayLevel[] {
  if (!Array.isArray(value)) throw new ReplayFormatError(`${where}: expected an array of [price, amount]`);
  return value.map((level, index) => {
    if (!Array.isArray(level) || level.length < 2) throw new ReplayFormatError(`${where}[${index}]: expected [price, amount]`);
    return [readDecimal(level[0], `${where}[${index}] price`), readDecimal(level[1], `${where}[${index}] amount`)];
  });
}

/** Feeds replay events into the engine at their timestamps. */
export class ReplaySource implements SimulationSource {
  private index = 0;
  private readonly events: ReplayEvent[];

  constructor(
    private readonly engine: MatchingEngine,
    events: ReplayEvent[],
    private readonly replayAccount: Account,
    private readonly onPrint: (trade: PublicTrade) => void,
  ) {
    for (const event of events) engine.spec(event.symbol);
    this.events = [...events].sort((a, b) => a.ts - b.ts);
  }

  /** time of the last event */
  get endTime(): number | undefined {
    return this.events[this.events.length - 1]?.ts;
  }

  nextTime(): number | undefined {
    return this.events[this.index]?.ts;
  }

  fire(now: number): void {
    const event = this.events[this.index++];
    if (!event) return;
    const spec = this.engine.spec(event.symbol);
    if (event.type === 'book') this.applySnapshot(spec, event);
    else this.applyPrint(spec, event, now);
  }

  private applySnapshot(spec: MarketSpec, event: ReplayBookEvent): void {
    this.engine.cancelAll(this.replayAccount, spec.symbol);
    const place = (side: Side, levels: ReplayLevel[]): void => {
      for (const [priceText, amountText] of levels) {
        const raw = parseUnits(priceText).units;
        const price = side === 'buy' ? floorToTick(spec, raw) : ceilToTick(spec, raw);
        const amount = floorToLot(spec, parseUnits(amountText).units);
        if (price <= 0n || amount <= 0n) continue;
        this.engine.placeOrder(this.replayAccount, { symbol: spec.symbol, side, type: 'limit', price, amount }, { enforceMinimums: false });
      }
    };
    place('buy', event.bids);
    place('sell', event.asks);
  }

  private applyPrint(spec: MarketSpec, event: ReplayTradeEvent, now: number): void {
    const rawPrice = parseUnits(event.price).units;
    const rawAmount = parseUnits(event.amount).units;
    this.onPrint({ id: `replay-${this.index}`, symbol: spec.symbol, side: event.side, price: rawPrice, amount: rawAmount, cost: mulUnits(rawPrice, rawAmount), timestamp: now });
    // a buy print lifted asks up to P: user asks ≤ P fill, so the limit rounds down; a sell print the reverse
    const price = event.side === 'buy' ? floorToTick(spec, rawPrice) : ceilToTick(spec, rawPrice);
    const amount = floorToLot(spec, rawAmount);
    if (price <= 0n || amount <= 0n) return;
    this.engine.placeOrder(
      this.replayAccount,
      { symbol: spec.symbol, side: event.side, type: 'limit', price, amount, timeInForce: 'IOC' },
      { enforceMinimums: false, skipAccountId: this.replayAccount.id, publishTrades: false },
    );
  }
}
