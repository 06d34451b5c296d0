/** Recording to the replay format: the paper venue (CLI) and a live ccxt.pro feed (the fake Binance over WebSocket). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../bin/record";
import { streamReplayFile } from "../../lib/backtest/event-stream";
import { recordLive } from "../../lib/backtest/record";
import { runStreamBacktest } from "../../lib/backtest/stream-run";
import { FakeBinance } from "../support/fake-binance";
import { createFakeBinanceProClient } from "../support/fake-binance/ccxt-client";

describe("record", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-record-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("records the paper venue's simulated market (gzip) to a file the backtester streams", async () => {
    const out = join(dir, "paper.jsonl.gz");
    const counts = await main(["--market", '{"venue":"paper","kind":"cex","symbol":"BTC/USDT"}', "--minutes", "3", "--seed", "42", "--out", out]);
    expect(counts.books).toBe(181);
    expect(counts.trades).toBeGreaterThan(0);
    expect(await streamReplayFile(out, () => undefined)).toBe(counts.books + counts.trades);
    const r = await runStreamBacktest({ strategy: "pure_market_making", params: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01" }, data: out, queueModels: ["none"] });
    expect(r.period.events).toBe(counts.books + counts.trades);
  });

  it("refuses a bad market document, naming the field", async () => {
    await expect(main(["--market", '{"venue":"paper","kind":"cex","symbol":"btc-usdt"}', "--out", join(dir, "x.jsonl")])).rejects.toThrow(/symbol/);
    await expect(main(["--market", '{"venue":"paper","kind":"cex","symbol":"DOGE/EUR"}', "--out", join(dir, "x.jsonl")])).rejects.toThrow(/simulates/);
  });

  it("records a live ccxt.pro feed: books and prints in time order, exact decimals", async () => {
    const fake = new FakeBinance();
    const ep = await fake.start();
    try {
      fake.setBook("BTCUSDT", { bids: [["60000.10", "1.5"]], asks: [["60000.20", "2"]] });
      const client = await createFakeBinanceProClient(ep, { rateLimit: 1, options: { ws: { backoff: { base: 50 } } } });
      await client.loadMarkets();
      const lines: string[] = [];
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      const run = recordLive(client as never, "BTC/USDT", (l) => lines.push(l), stopped, 5);
      // the recorder takes its first book before it subscribes to the trades
      for (const deadline = Date.now() + 5000; lines.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      await fake.waitForSubscription("btcusdt@trade");
      await new Promise((r) => setTimeout(r, 50));
      fake.pushBookUpdate("BTCUSDT", [["60000.00", "3"]], []);
      fake.pushTrade("BTCUSDT", "60000.10", "0.25", true);
      fake.pushBookUpdate("BTCUSDT", [], [["60000.30", "1"]]);
      const deadline = Date.now() + 5000;
      while ((!lines.some((l) => l.includes('"trade"')) || lines.filter((l) => l.includes('"book"')).length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      const counts = await run;
      expect(counts.trades).toBe(1);
      expect(counts.books).toBeGreaterThanOrEqual(2);
      const events = lines.map((l) => JSON.parse(l));
      expect(events.find((e) => e.type === "trade")).toMatchObject({ symbol: "BTC/USDT", side: "sell", price: "60000.1", amount: "0.25" });
      const last = events.filter((e) => e.type === "book").pop();
      expect(last.bids[0]).toEqual(["60000.1", "1.5"]);
      expect(last.asks).toContainEqual(["60000.3", "1"]);
      for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
    } finally {
      await fake.stop();
    }
  });
});
