import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { newStreamEvent, streamReplayFile, type StreamEvent } from "../../../lib/backtest/event-stream";
import { scanReplayLine } from "../../../lib/backtest/jsonl-scanner";
import { loadReplayFile, ReplayFormatError, type ReplayEvent } from "../../../lib/paper";

const SAMPLE = resolve(__dirname, "../../../samples/btc-usdt-1h.jsonl");

/** A plain copy of the reused event, in lib/paper's shape with numbers. */
function plain(e: StreamEvent): unknown {
  if (e.type === "trade") return { ts: e.ts, type: "trade", symbol: e.symbol, side: e.side, price: e.price, amount: e.amount };
  const levels = (px: Float64Array, qty: Float64Array, n: number) => Array.from({ length: n }, (_, i) => [px[i], qty[i]]);
  return { ts: e.ts, type: "book", symbol: e.symbol, bids: levels(e.bidPx, e.bidQty, e.bids), asks: levels(e.askPx, e.askQty, e.asks) };
}

function asNumbers(e: ReplayEvent): unknown {
  if (e.type === "trade") return { ts: e.ts, type: "trade", symbol: e.symbol, side: e.side, price: Number(e.price), amount: Number(e.amount) };
  const levels = (l: Array<[string, string]>) => l.map(([p, a]) => [Number(p), Number(a)]);
  return { ts: e.ts, type: "book", symbol: e.symbol, bids: levels(e.bids), asks: levels(e.asks) };
}

async function collect(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  await streamReplayFile(path, (e) => out.push(plain(e)));
  return out;
}

describe("streaming replay input", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-stream-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("streams the JSONL sample to the same events as the in-memory loader, and its .gz copy too", async () => {
    const expected = loadReplayFile(SAMPLE).map(asNumbers);
    expect(await collect(SAMPLE)).toEqual(expected);
    const gz = join(dir, "sample.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
    expect(await collect(gz)).toEqual(expected);
  });

  it("streams CSV (book rows of one ts make one snapshot), plain and gzipped", async () => {
    const csv = [
      "ts,type,symbol,side,price,amount",
      "1000,book,BTC/USDT,bid,99.9,1.5",
      "1000,book,BTC/USDT,bid,99.8,2",
      "1000,book,BTC/USDT,ask,100.1,1",
      "1500,trade,BTC/USDT,sell,99.9,0.4",
      "2000,book,BTC/USDT,bid,99.7,1",
      "2000,book,BTC/USDT,ask,100,3",
      "",
    ].join("\n");
    const path = join(dir, "a.csv");
    writeFileSync(path, csv);
    const expected = [
      { ts: 1000, type: "book", symbol: "BTC/USDT", bids: [[99.9, 1.5], [99.8, 2]], asks: [[100.1, 1]] },
      { ts: 1500, type: "trade", symbol: "BTC/USDT", side: "sell", price: 99.9, amount: 0.4 },
      { ts: 2000, type: "book", symbol: "BTC/USDT", bids: [[99.7, 1]], asks: [[100, 3]] },
    ];
    expect(await collect(path)).toEqual(expected);
    writeFileSync(`${path}.gz`, gzipSync(csv));
    expect(await collect(`${path}.gz`)).toEqual(expected);
  });

  it("reads JSON lines in other layouts through JSON.parse", async () => {
    const path = join(dir, "other.jsonl");
    writeFileSync(path, '{"type":"trade","ts":5,"symbol":"BTC/USDT","amount":0.5,"price":100,"side":"buy"}\n{ "ts": 6, "type": "book", "symbol": "BTC/USDT", "bids": [[99, 1]], "asks": [] }\n');
    expect(await collect(path)).toEqual([
      { ts: 5, type: "trade", symbol: "BTC/USDT", side: "buy", price: 100, amount: 0.5 },
      { ts: 6, type: "book", symbol: "BTC/USDT", bids: [[99, 1]], asks: [] },
    ]);
  });

  it("names the line of an event out of time order, and of a bad value", async () => {
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, '{"ts":5,"type":"trade","symbol":"BTC/USDT","side":"buy","price":"1","amount":"1"}\n{"ts":4,"type":"trade","symbol":"BTC/USDT","side":"buy","price":"1","amount":"1"}\n');
    await expect(collect(path)).rejects.toThrow(/bad\.jsonl:2: ts 4 is before the previous event's 5/);
    writeFileSync(path, '# c\n{"ts":5,"type":"trade","symbol":"BTC/USDT","side":"buy","price":"-1","amount":"1"}\n');
    await expect(collect(path)).rejects.toThrow(ReplayFormatError);
    await expect(collect(path)).rejects.toThrow(/bad\.jsonl:2 price/);
  });

  it("the scanner reads exactly what JSON.parse + Number read, and declines other shapes", () => {
    const lines = readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.startsWith("{"));
    const e = newStreamEvent();
    for (const line of lines) {
      expect(scanReplayLine(line, e)).toBe(true);
      const r = JSON.parse(line);
      const want = r.type === "trade" ? { ...r, price: Number(r.price), amount: Number(r.amount) } : { ...r, bids: r.bids.map((l: string[]) => l.map(Number)), asks: r.asks.map((l: string[]) => l.map(Number)) };
      expect(plain(e)).toEqual(want);
    }
    // long decimals fall back to Number(): still the same double
    expect(scanReplayLine('{"ts":1,"type":"trade","symbol":"A/B","side":"buy","price":"0.1234567890123456789","amount":12345678901234567}', e)).toBe(true);
    expect(e.price).toBe(0.1234567890123456789);
    expect(e.amount).toBe(12345678901234567);
    for (const other of ['{"ts":1,"type":"trade","symbol":"A/B","side":"buy","price":"1e3","amount":"1"}', '{"ts":1, "type":"book"}', '{"ts":-1,"type":"trade","symbol":"A/B","side":"buy","price":"1","amount":"1"}', '{"ts":1,"type":"trade","symbol":"A/B","side":"buy","price":"1","amount":"1"} x']) {
      expect(scanReplayLine(other, e)).toBe(false);
    }
  });
});
