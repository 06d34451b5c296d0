import { runBacktest, renderHtmlReport, validateStrategyParams, type BacktestReport } from "../../../lib/backtest";
import type { PaperMarketDefinition, ReplayEvent } from "../../../lib/paper";

const T0 = 1_700_000_000_000;
const MARKET: PaperMarketDefinition = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: "0.01", lotSize: "0.001", makerFee: "0.001", takerFee: "0.001" };
const book = (ts: number, bid: string, ask: string): ReplayEvent => ({ ts: T0 + ts, type: "book", symbol: "BTC/USDT", bids: [[bid, "10"]], asks: [[ask, "10"]] });
const print = (ts: number, side: "buy" | "sell", price: string, amount: string): ReplayEvent => ({ ts: T0 + ts, type: "trade", symbol: "BTC/USDT", side, price, amount });

/**
 * Mid 100, PMM ±1 % → bid 1 @ 99.00, ask 1 @ 101.00 (refresh 60 s: they stay put).
 *  t=1 s  a sell print 0.4 @ 99   → our bid fills 0.4 @ 99; maker fee 0.1 % in BTC: 0.0004 BTC (= 0.0396 USDT)
 *  t=2 s  a buy print 1 @ 101     → our ask fills 1 @ 101; fee 0.101 USDT
 *  t=3 s  the book again, mid 100
 * Position 0.3996 − 1 = −0.6004 (avg 101). Realized (101 − 99) × 0.3996 − 0.0396 − 0.101 = 0.6586.
 * Unrealized −0.6004 × (100 − 101) = 0.6004.
 */
const EVENTS: ReplayEvent[] = [book(0, "99.9", "100.1"), print(1000, "sell", "99", "0.4"), print(2000, "buy", "101", "1"), book(3000, "99.9", "100.1")];
const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 60_000, filledOrderDelayMs: 0 };

const run = (): Promise<BacktestReport> =>
  runBacktest({ strategy: "pure_market_making", params: PMM, data: EVENTS, market: MARKET, initialBalances: { BTC: "1", USDT: "100" }, minRequoteIntervalMs: 0, sampleEveryMs: 1000 });

describe("runBacktest on a hand-made replay (PMM)", () => {
  let r: BacktestReport;
  beforeAll(async () => {
    r = await run();
  });

  it("fills exactly the predicted orders", () => {
    expect(r.fills.map(({ ts, side, price, amount, fee, feeCurrency }) => ({ ts: ts - T0, side, price, amount, fee, feeCurrency }))).toEqual([
      { ts: 1000, side: "buy", price: "99", amount: "0.4", fee: "0.0004", feeCurrency: "BTC" },
      { ts: 2000, side: "sell", price: "101", amount: "1", fee: "0.101", feeCurrency: "USDT" },
    ]);
  });

  it("books PnL, fees and position in exact decimals", () => {
    expect(r.final).toMatchObject({
      realized: "0.6586",
      unrealized: "0.6004",
      total: "1.259",
      feesPaid: "0.1406",
      position: "-0.6004",
      volume: "140.6",
      fills: 2,
      mid: "100",
      inventory: { base: "0.3996", quote: "161.299" }, // 100 − 39.6 + 101 − 0.101; at mid 100 worth 201.259 = equity
    });
    expect(r.initial).toEqual({ base: "1", quote: "100", mid: "100", capital: "200" });
    expect(r.final.equity).toBe("201.259");
    expect(r.period).toEqual({ start: T0, end: T0 + 3000, events: 4, books: 2, trades: 2 });
    // bid and ask placed; the new ask after the fill needs 1 BTC with 0.3996 free: refused at t=2 s and t=3 s;
    // the bid's rest is cancelled when the run ends
    expect(r.orders).toMatchObject({ placed: 2, refused: 2, cancelled: 1 });
    expect(r.warnings[0]).toMatch(/sell 1.000@101.00 refused: paper insufficient BTC/);
  });

  it("samples equity every sampleEveryMs and computes drawdown and Sharpe from it", () => {
    expect(r.series.map((s) => s.ts - T0)).toEqual([0, 1000, 2000, 3000]);
    expect(r.series[0]).toMatchObject({ mid: "100", position: "0", realized: "0", equity: "200", base: "1", quote: "100" });
    // t=1 s: long 0.3996 @ 99, mark 100: unrealized 0.3996, realized −0.0396
    expect(r.series[1]).toMatchObject({ position: "0.3996", realized: "-0.0396", unrealized: "0.3996", equity: "200.36" });
    expect(r.series[3].equity).toBe("201.259");
    expect(r.maxDrawdown).toMatchObject({ absolute: "0", pct: 0 });
    expect(r.sharpe.samplesPerYear).toBe(365 * 86_400);
    expect(r.sharpe.annualized).not.toBeNull();
  });

  it("renders a self-contained HTML report with SVG charts", () => {
    const html = renderHtmlReport(r);
    expect(html).toContain("<svg");
    expect(html).toContain("<polygon"); // fill markers
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it("is deterministic: two runs give the same report (timing aside)", async () => {
    const strip = ({ runtimeMs: _a, eventsPerSecond: _b, ...rest }: BacktestReport) => rest;
    expect(strip(await run())).toEqual(strip(r));
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // JSON-serializable as is
  });
});

describe("backtest input errors", () => {
  it("names the unknown strategy and the known ones", () => {
    expect(() => validateStrategyParams("grid", {})).toThrow(/unknown strategy "grid"; known: pure_market_making, avellaneda_stoikov, cross_exchange/);
  });

  it("names the bad or unknown param field", () => {
    expect(() => validateStrategyParams("avellaneda_stoikov", { orderAmount: 0.01, riskAversion: 1 })).toThrow(/params\.orderAmount/);
    expect(() => validateStrategyParams("avellaneda_stoikov", { orderAmount: "0.01" })).toThrow(/params\.riskAversion/);
    expect(() => validateStrategyParams("pure_market_making", { ...PMM, spread: 1 })).toThrow(/Unknown field 'params\.spread'/);
  });

  it("refuses strategies that need a second market", () => {
    expect(() => validateStrategyParams("cross_exchange", { takerMarket: "x", minProfitability: 0.001, orderAmount: "1" })).toThrow(/second \(taker\) market/);
  });
});
