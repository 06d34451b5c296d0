import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { main } from "../../../bin/backtest-import";
import { streamReplayFile } from "../../../lib/backtest/event-stream";
import { importSource, writeReplay } from "../../../lib/backtest/import-formats";

describe("importing exchange data files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-import-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const events = (path: string): string[] => readFileSync(path, "utf8").split("\n").filter((l) => l.startsWith("{"));

  it("Tardis incremental L2 + trades (gzipped) → one time-ordered replay the backtester streams", async () => {
    const book = join(dir, "book.csv.gz");
    writeFileSync(
      book,
      gzipSync(
        [
          "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount",
          "binance,BTCUSDT,1700000000000000,1700000000001000,true,bid,99.5,2",
          "binance,BTCUSDT,1700000000000000,1700000000001000,true,bid,99.6,1",
          "binance,BTCUSDT,1700000000000000,1700000000001000,true,ask,100.1,3",
          "binance,BTCUSDT,1700000000002000,1700000000003000,false,bid,99.6,0",
          "binance,BTCUSDT,1700000000002000,1700000000003000,false,ask,100.0,0.5",
          "binance,BTCUSDT,1700000000005000,1700000000006000,true,bid,90,1",
          "binance,BTCUSDT,1700000000005000,1700000000006000,true,ask,91,1",
        ].join("\n"),
      ),
    );
    const trades = join(dir, "trades.csv");
    writeFileSync(
      trades,
      ["exchange,symbol,timestamp,local_timestamp,id,side,price,amount", "binance,BTCUSDT,1700000000001500,1700000000001600,1,sell,99.6,0.25", "binance,BTCUSDT,1700000000003000,1700000000003100,2,unknown,99.5,1"].join("\n"),
    );
    const out = join(dir, "tardis.jsonl");
    expect(await main(["--symbol", "BTC/USDT", "--out", out, `tardis-book:${book}`, `tardis-trades:${trades}`])).toBe(4);
    expect(events(out)).toEqual([
      '{"ts":1700000000000,"type":"book","symbol":"BTC/USDT","bids":[["99.6","1"],["99.5","2"]],"asks":[["100.1","3"]]}',
      '{"ts":1700000000001,"type":"trade","symbol":"BTC/USDT","side":"sell","price":"99.6","amount":"0.25"}',
      '{"ts":1700000000002,"type":"book","symbol":"BTC/USDT","bids":[["99.5","2"]],"asks":[["100.0","0.5"],["100.1","3"]]}',
      '{"ts":1700000000005,"type":"book","symbol":"BTC/USDT","bids":[["90","1"]],"asks":[["91","1"]]}',
    ]);
    expect(await streamReplayFile(out, () => undefined)).toBe(4);
  });

  it("Binance trades / aggTrades (ms or µs, is_buyer_maker → taker side) and bookTicker", async () => {
    const t = join(dir, "BTCUSDT-trades.csv");
    writeFileSync(t, "1,60000.10,0.002,120.0002,1700000000000,true,true\n2,60000.20,0.001,60.0002,1700000000000500,False,True\n");
    const agg = join(dir, "BTCUSDT-aggTrades.csv");
    writeFileSync(agg, "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n7,60000.30,0.5,10,12,1700000000002,false\n");
    const bt = join(dir, "BTCUSDT-bookTicker.csv");
    writeFileSync(bt, "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n9,60000.00,1.5,60000.40,2,1700000000001,1700000000001\n");
    const out = join(dir, "binance.jsonl");
    await writeReplay(out, [importSource("binance-bookticker", bt, "BTC/USDT"), importSource("binance-trades", t, "BTC/USDT"), importSource("binance-aggtrades", agg, "BTC/USDT")]);
    expect(events(out)).toEqual([
      '{"ts":1700000000000,"type":"trade","symbol":"BTC/USDT","side":"sell","price":"60000.10","amount":"0.002"}',
      '{"ts":1700000000000,"type":"trade","symbol":"BTC/USDT","side":"buy","price":"60000.20","amount":"0.001"}',
      '{"ts":1700000000001,"type":"book","symbol":"BTC/USDT","bids":[["60000.00","1.5"]],"asks":[["60000.40","2"]]}',
      '{"ts":1700000000002,"type":"trade","symbol":"BTC/USDT","side":"buy","price":"60000.30","amount":"0.5"}',
    ]);
  });

  it("names the bad row", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "1,60000.10,0.002,120.0002,1700000000000,maybe\n");
    await expect(writeReplay(join(dir, "x.jsonl"), [importSource("binance-trades", bad, "BTC/USDT")])).rejects.toThrow(/bad\.csv:1: not a Binance trades row/);
    await expect(main(["--symbol", "BTCUSDT", "--out", join(dir, "y.jsonl"), `binance-trades:${bad}`])).rejects.toThrow(/BASE\/QUOTE/);
  });
});
