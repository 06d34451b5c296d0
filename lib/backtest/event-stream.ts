/**
 * Streaming replay input: a .jsonl/.ndjson or .csv replay file (lib/paper/replay.ts formats),
 * optionally gzip-compressed (.gz), read in ~1 MB chunks and parsed line by line into ONE
 * reused event object handed to a sink, so memory does not grow with the file and the hot
 * path allocates nothing per event: lines in the layout this project writes are scanned in
 * place (lib/backtest/jsonl-scanner.ts), other JSON lines go through JSON.parse. Prices and amounts are
 * floats here (market data); exact money is booked from integer ticks and lots by the
 * simulation (lib/backtest/sim-venue.ts).
 *
 * Streaming needs the file in time order (non-decreasing ts); an out-of-order line is an
 * error naming it (lib/paper's loader sorts in memory instead).
 */
import { createReadStream, statSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { ReplayFormatError } from "../paper/replay";
import { scanReplayLine } from "./jsonl-scanner";

/** Book levels kept per side (deeper ones are ignored). */
export const MAX_LEVELS = 50;

export interface StreamEvent {
  ts: number;
  type: "book" | "trade";
  symbol: string;
  /** book: best first */
  bidPx: Float64Array;
  bidQty: Float64Array;
  askPx: Float64Array;
  askQty: Float64Array;
  bids: number;
  asks: number;
  /** trade: the taker's side */
  side: "buy" | "sell";
  price: number;
  amount: number;
}

export function newStreamEvent(): StreamEvent {
  return {
    ts: 0,
    type: "book",
    symbol: "",
    bidPx: new Float64Array(MAX_LEVELS),
    bidQty: new Float64Array(MAX_LEVELS),
    askPx: new Float64Array(MAX_LEVELS),
    askQty: new Float64Array(MAX_LEVELS),
    bids: 0,
    asks: 0,
    side: "buy",
    price: 0,
    amount: 0,
  };
}

export type ReplayFormat = "jsonl" | "csv";

export const formatOf = (path: string): ReplayFormat => (/\.csv(\.gz)?$/i.test(path) ? "csv" : "jsonl");

/**
 * The file's lines in batches (one batch per chunk read), decompressing `.gz`. `progress`
 * gets the fraction of the (compressed) file read so far.
 */
export async function* readLineBatches(path: string, progress?: (fraction: number) => void): AsyncGenerator<string[]> {
  const size = statSync(path).size || 1;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = /\.gz$/i.test(path) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  stream.setEncoding("utf8");
  raw.on("error", (err) => stream.destroy(err));
  let rest = "";
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() as string;
    progress?.(raw.bytesRead / size);
    yield lines;
  }
  if (rest !== "") yield [rest];
  progress?.(1);
}

const num = (v: unknown, where: string): number => {
  const n = typeof v === "string" ? Number(v) : (v as number);
  if (typeof n !== "number" || !(n >= 0) || (typeof v === "string" && v.trim() === "")) {
    throw new ReplayFormatError(`${where}: expected a non-negative decimal, got ${JSON.stringify(v)}`);
  }
  return n;
};

const tsOf = (v: unknown, where: string): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new ReplayFormatError(`${where}: ts must be a non-negative integer of epoch milliseconds, got ${JSON.stringify(v)}`);
  }
  return v;
};

function fillLevels(levels: unknown, px: Float64Array, qty: Float64Array, where: string): number {
  if (!Array.isArray(levels)) throw new ReplayFormatError(`${where}: expected an array of [price, amount]`);
  const n = Math.min(levels.length, MAX_LEVELS);
  for (let i = 0; i < n; i++) {
    const level = levels[i] as unknown[];
    if (!Array.isArray(level) || level.length < 2) throw new ReplayFormatError(`${where}[${i}]: expected [price, amount]`);
    px[i] = num(level[0], `${where}[${i}] price`);
    qty[i] = num(level[1], `${where}[${i}] amount`);
  }
  return n;
}

/**
 * Line-by-line parser into one reused event; `sink` gets each complete event (CSV book rows
 * of one ts and symbol make one snapshot, so a CSV book is complete at the next other row).
 */
export class ReplayLineParser {
  private readonly event = newStreamEvent();
  private line = 0;
  private lastTs = -1;
  private headerSeen = false;
  /** a CSV snapshot being collected */
  private open = false;
  events = 0;

  constructor(
    private readonly format: ReplayFormat,
    private readonly source: string,
    private readonly sink: (event: StreamEvent) => void,
  ) {}

  push(raw: string): void {
    this.line++;
    const line = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return;
    if (this.format === "jsonl") this.jsonl(line);
    else this.csv(line);
  }

  /** Flushes a CSV snapshot still being collected. */
  end(): void {
    if (this.open) this.emit();
  }

  private where(): string {
    return `${this.source}:${this.line}`;
  }

  private emit(): void {
    this.open = false;
    const e = this.event;
    if (e.ts < this.lastTs) {
      throw new ReplayFormatError(`${this.where()}: ts ${e.ts} is before the previous event's ${this.lastTs}; streaming replay needs the file in time order (sort it by ts)`);
    }
    this.lastTs = e.ts;
    this.events++;
    this.sink(e);
  }

  private jsonl(line: string): void {
    if (scanReplayLine(line, this.event)) {
      this.emit();
      return;
    }
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new ReplayFormatError(`${this.where()}: not valid JSON (${(error as Error).message})`);
    }
    const e = this.event;
    const where = this.where();
    e.ts = tsOf(r.ts, where);
    if (typeof r.symbol !== "string") throw new ReplayFormatError(`${where}: symbol must look like "BASE/QUOTE", got ${JSON.stringify(r.symbol)}`);
    e.symbol = r.symbol;
    if (r.type === "book") {
      e.type = "book";
      e.bids = fillLevels(r.bids, e.bidPx, e.bidQty, `${where} bids`);
      e.asks = fillLevels(r.asks, e.askPx, e.askQty, `${where} asks`);
    } else if (r.type === "trade") {
      e.type = "trade";
      if (r.side !== "buy" && r.side !== "sell") throw new ReplayFormatError(`${where}: trade side must be "buy" or "sell", got ${JSON.stringify(r.side)}`);
      e.side = r.side;
      e.price = num(r.price, `${where} price`);
      e.amount = num(r.amount, `${where} amount`);
    } else {
      throw new ReplayFormatError(`${where}: type must be "book" or "trade", got ${JSON.stringify(r.type)}`);
    }
    this.emit();
  }

  private csv(line: string): void {
    const where = this.where();
    const cells = line.split(",");
    if (!this.headerSeen) {
      if (cells.map((c) => c.trim().toLowerCase()).join(",") !== "ts,type,symbol,side,price,amount") {
        throw new ReplayFormatError(`${where}: header must be "ts,type,symbol,side,price,amount", got "${line.trim()}"`);
      }
      this.headerSeen = true;
      return;
    }
    if (cells.length !== 6) throw new ReplayFormatError(`${where}: expected 6 columns, got ${cells.length}`);
    const ts = tsOf(Number(cells[0]), where);
    const type = cells[1].trim();
    const symbol = cells[2].trim();
    const side = cells[3].trim();
    const price = num(cells[4], `${where} price`);
    const amount = num(cells[5], `${where} amount`);
    const e = this.event;
    if (type === "book") {
      if (side !== "bid" && side !== "ask") throw new ReplayFormatError(`${where}: book rows need side "bid" or "ask", got "${side}"`);
      if (this.open && (e.ts !== ts || e.symbol !== symbol)) this.emit();
      if (!this.open) {
        this.open = true;
        e.type = "book";
        e.ts = ts;
        e.symbol = symbol;
        e.bids = 0;
        e.asks = 0;
      }
      if (side === "bid") {
        if (e.bids < MAX_LEVELS) (e.bidPx[e.bids] = price), (e.bidQty[e.bids++] = amount);
      } else if (e.asks < MAX_LEVELS) (e.askPx[e.asks] = price), (e.askQty[e.asks++] = amount);
    } else if (type === "trade") {
      if (this.open) this.emit();
      if (side !== "buy" && side !== "sell") throw new ReplayFormatError(`${where}: trade side must be "buy" or "sell", got "${side}"`);
      e.type = "trade";
      e.ts = ts;
      e.symbol = symbol;
      e.side = side;
      e.price = price;
      e.amount = amount;
      this.emit();
    } else {
      throw new ReplayFormatError(`${where}: type must be "book" or "trade", got "${type}"`);
    }
  }
}

/** Streams a replay file's events into `sink`, one reused object at a time; resolves with the event count. */
export async function streamReplayFile(path: string, sink: (event: StreamEvent) => void, progress?: (fraction: number) => void): Promise<number> {
  const parser = new ReplayLineParser(formatOf(path.replace(/\.gz$/i, "")), path, sink);
  for await (const lines of readLineBatches(path, progress)) {
    for (let i = 0; i < lines.length; i++) parser.push(lines[i]);
  }
  parser.end();
  return parser.events;
}
