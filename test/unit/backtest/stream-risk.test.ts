/**
 * The live Bot's risk limits in the streaming backtest (lib/backtest/stream-risk.ts), on
 * hand-made event sequences: a market of whole ticks and lots, PMM quoting 1 lot 1 % either
 * side of the mid, no latency, no queue (the first print at our price fills us).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStreamBacktest, type StreamBacktestOptions } from "../../../lib/backtest/stream-run";
import { renderStreamHtmlReport } from "../../../lib/backtest/stream-report";

const MARKET = { symbol: "T/USD", base: "T", quote: "USD", tickSize: "1", lotSize: "1", makerFee: "0", takerFee: "0" };
const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", filledOrderDelayMs: 0, edgeOverFee: 0 };

const book = (ts: number, bid: number, ask: number) => JSON.stringify({ ts, type: "book", symbol: "T/USD", bids: [[String(bid), "5"]], asks: [[String(ask), "5"]] });
const trade = (ts: number, side: "buy" | "sell", price: number, amount: number) => JSON.stringify({ ts, type: "trade", symbol: "T/USD", side, price: String(price), amount: String(amount) });

describe("streaming backtest: the bot's risk limits", () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-stream-risk-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (lines: string[], extra: Partial<StreamBacktestOptions> = {}) => {
    const data = join(dir, `events-${n++}.jsonl`);
    writeFileSync(data, lines.join("\n") + "\n");
    return runStreamBacktest({ strategy: "pure_market_making", params: PMM, data, market: MARKET, queueModels: ["none"], minRequoteIntervalMs: 0, initialBalances: { T: "1", USD: "1000" }, ...extra });
  };

  // quotes 99 / 101 around a mid of 100; a sell print at 99 fills our bid, every second
  const buyer = [book(0, 98, 102), trade(100, "sell", 99, 1), book(1000, 98, 102), trade(1100, "sell", 99, 1), book(2000, 98, 102), trade(2100, "sell", 99, 1), book(3000, 98, 102)];

  it("max base inventory: a buy that would pass it is not sent, the sell still is", async () => {
    const free = await run(buyer);
    expect(free.results[0].final.fills).toBe(3);
    expect(free.results[0].risk).toBeNull();
    const r = await run(buyer, { risk: { maxBaseInventory: "2" } });
    const s = r.results[0];
    // base 1 → one buy of 1 allowed (2 ≤ 2); then every new buy would make 3
    expect(s.final.fills).toBe(1);
    expect(s.final.position).toBe("1");
    expect(s.final.inventory.base).toBe("2");
    expect(s.risk?.rejected.max_base_inventory).toBe(3);
    expect(s.risk?.halt).toBeNull();
    expect(r.settings.risk).toMatchObject({ maxBaseInventory: "2", staleFeedMs: 5000 });
  });

  it("max open orders and max order notional refuse orders as the bot does", async () => {
    const open = await run(buyer, { risk: { maxOpenOrders: 1 } });
    // each requote proposes a bid and an ask: only the first fits under 1 open order
    expect(open.results[0].risk?.rejected.max_open_orders).toBeGreaterThan(0);
    const notional = await run(buyer, { risk: { maxOrderNotional: "100" } });
    // the ask at 101 is over 100 of notional, the bid at 99 is not
    expect(notional.results[0].risk?.rejected.max_order_notional).toBe(4);
    expect(notional.results[0].final.fills).toBe(3);
  });

  // we buy at 99; the market then falls to 50 and a buyer lifts us at 51 only after that
  const crash = [book(0, 98, 102), trade(100, "sell", 99, 1), book(1000, 49, 51), book(2000, 49, 51), trade(2100, "buy", 51, 1), trade(2200, "sell", 49, 1), book(3000, 49, 51)];

  it("drawdown: the kill switch cancels every order and nothing is quoted again", async () => {
    const free = await run(crash, { initialBalances: { T: "0", USD: "100" } });
    expect(free.results[0].final.fills).toBe(3);
    // capital 100 USD; after the fill at 99 and the mid at 50: PnL −49, 49 % under the peak
    const r = await run(crash, { initialBalances: { T: "0", USD: "100" }, risk: { maxDrawdownPct: 0.2 } });
    const s = r.results[0];
    expect(s.risk?.halt).toMatchObject({ ts: 1000, reason: "drawdown" });
    expect(s.risk?.halt?.detail).toMatch(/^drawdown 0\.49 of peak equity 100 /);
    expect(s.final.fills).toBe(1);
    expect(s.final.position).toBe("1");
    expect(s.orders.requotes).toBe(2); // none after the halt
    expect(s.orders.cancelled).toBe(1); // the ask at 101 resting since the first requote
    expect(renderStreamHtmlReport(r)).toContain("drawdown");
  });

  it("daily loss limit trips the kill switch on the same sequence; a limit not reached does nothing", async () => {
    const r = await run(crash, { initialBalances: { T: "0", USD: "100" }, risk: { dailyLossLimit: "40" } });
    expect(r.results[0].risk?.halt).toMatchObject({ ts: 1000, reason: "daily_loss" });
    expect(r.results[0].risk?.halt?.detail).toBe("daily PnL -49 reached the loss limit -40");
    const loose = await run(crash, { initialBalances: { T: "0", USD: "100" }, risk: { dailyLossLimit: "60", maxDrawdownPct: 0.6 } });
    expect(loose.results[0].risk?.halt).toBeNull();
    expect(loose.results[0].final.fills).toBe(3);
  });

  it("a cancel the kill switch sends with latency can still be filled on the way", async () => {
    const lines = [book(0, 98, 102), trade(100, "sell", 99, 1), book(1000, 49, 51), trade(1010, "buy", 101, 1), book(2000, 49, 51)];
    const r = await run(lines, { initialBalances: { T: "0", USD: "100" }, risk: { maxDrawdownPct: 0.2 }, latency: { cancel: "50" } });
    const s = r.results[0];
    expect(s.risk?.halt?.ts).toBe(1000);
    // the ask at 101 is lifted at 1010, before its cancel (sent at 1000) arrives at 1050
    expect(s.final.fills).toBe(2);
    expect(s.final.position).toBe("0");
  });

  it("stale feed: no book for longer than staleFeedMs pulls the orders until the next book", async () => {
    const lines = [book(0, 98, 102), trade(2500, "sell", 99, 1), book(10_000, 98, 102), trade(10_100, "sell", 99, 1), book(11_000, 98, 102)];
    const free = await run(lines);
    expect(free.results[0].final.fills).toBe(2);
    const r = await run(lines, { risk: { staleFeedMs: 2000 } });
    const s = r.results[0];
    // pulled at 2001: the print at 2500 finds no bid; quoting resumes with the book at 10 000
    expect(s.risk?.stalePulls).toBe(1);
    expect(s.final.fills).toBe(1);
    expect(s.fills[0].ts).toBe(10_100);
    expect(s.risk?.halt).toBeNull();
  });

  it("refuses an invalid risk document before reading", async () => {
    await expect(run(buyer, { risk: { maxBaseInventory: "lots" } })).rejects.toThrow(/invalid risk/);
  });
});
