/**
 * Feed latency in the streaming engine, on a hand-made sequence: the strategy sees the market
 * `feed` ms late, so its orders rest only from then (plus entry latency), and a print before
 * that finds nothing of ours. Market of whole ticks and lots; PMM quotes 1 % either side.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStreamBacktest } from "../../../lib/backtest/stream-run";

const MARKET = { symbol: "T/USD", base: "T", quote: "USD", tickSize: "1", lotSize: "1", makerFee: "0", takerFee: "0" };
const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", filledOrderDelayMs: 0, edgeOverFee: 0 };
const book = (ts: number, bid: number, ask: number) => JSON.stringify({ ts, type: "book", symbol: "T/USD", bids: [[String(bid), "5"]], asks: [[String(ask), "5"]] });
const trade = (ts: number, side: "buy" | "sell", price: number, amount: number) => JSON.stringify({ ts, type: "trade", symbol: "T/USD", side, price: String(price), amount: String(amount) });

describe("streaming backtest: feed latency", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-stream-feed-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("orders rest only after the book has reached the strategy (feed) and the order the venue (entry)", async () => {
    const data = join(dir, "feed.jsonl");
    // bid 99 from the book at 0; prints at our bid at 50, 120 and 200
    writeFileSync(data, [book(0, 98, 102), trade(50, "sell", 99, 1), trade(120, "sell", 99, 1), trade(200, "sell", 99, 1), book(1000, 98, 102)].join("\n") + "\n");
    const run = (latency: { feed?: string; entry?: string }) =>
      runStreamBacktest({ strategy: "pure_market_making", params: PMM, data, market: MARKET, queueModels: ["none"], minRequoteIntervalMs: 0, initialBalances: { T: "1", USD: "1000" }, latency });
    const first = async (latency: { feed?: string; entry?: string }) => (await run(latency)).results[0].fills.map((f) => f.ts)[0];
    expect(await first({})).toBe(50);
    expect(await first({ feed: "100" })).toBe(120); // seen at 100: resting from 100
    expect(await first({ feed: "100", entry: "50" })).toBe(200); // sent at 100, resting from 150
    expect((await run({ feed: "100" })).settings.latency).toEqual({ entry: "0", cancel: "0", feed: "100" });
  });
});
