import { runBacktest, renderHtmlReport, validateStrategyParams, type BacktestReport } from "../../../lib/backtest";
import type { PaperMarketDefinition, ReplayEvent } from "../../../lib/paper";
import { exponentStrings } from "../../support/exponent-strings";
import { summary } from "../../../bin/backtest";

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
    expect(() => validateStrategyParams("grid", {})).toThrow(/unknown strategy "grid"; known: pure_market_making, avellaneda_stoikov, glft, cross_exchange/);
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

describe("fill quality: edge, fee and markouts per fill", () => {
  it("hand-made: a fee-floored bid, the fee override, and the mid's move after the fill", async () => {
    // maker fee overridden to 0.2 %: PMM's 1 bp bid is floored to 100·(1 − 0.002) = 99.8, ask to 100.2
    // t=1 s a sell print @ 99 fills the bid 0.5 @ 99.8: edge (100 − 99.8)/100 = 20 bp; fee 0.001 BTC = 20 bp
    // t=2 s the mid drops to 99: markout 1 s = (99 − 100)/100 = −100 bp; t=11 s mid 100.5: markout 10 s = +50 bp; 60 s: past the end, null
    const events: ReplayEvent[] = [book(0, "99.9", "100.1"), print(1000, "sell", "99", "0.5"), book(2000, "98.9", "99.1"), book(11_000, "100.4", "100.6")];
    const r = await runBacktest({
      strategy: "pure_market_making",
      params: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.5", orderRefreshTimeMs: 60_000, filledOrderDelayMs: 60_000 },
      data: events,
      market: MARKET,
      fees: { makerFee: "0.002" },
      initialBalances: { BTC: "1", USDT: "100" },
      minRequoteIntervalMs: 0,
    });
    expect(r.market.makerFee).toBe("0.002");
    expect(r.fills).toHaveLength(1);
    expect(r.fills[0]).toMatchObject({ side: "buy", price: "99.8", amount: "0.5", fee: "0.001", mid: "100" });
    expect(r.fills[0].quality).toEqual({
      edgeBps: expect.closeTo(20, 9),
      feeBps: expect.closeTo(20, 9),
      markoutBps: { "1s": expect.closeTo(-100, 9), "10s": expect.closeTo(50, 9), "60s": null },
    });
    expect(r.fillQuality).toEqual({
      fills: 1,
      makerFeeBps: 20,
      meanEdgeBps: expect.closeTo(20, 9),
      meanFeeBps: expect.closeTo(20, 9),
      meanMarkoutBps: { "1s": expect.closeTo(-100, 9), "10s": expect.closeTo(50, 9), "60s": null },
    });
    const html = renderHtmlReport(r);
    expect(html).toContain("Mean fill edge / fee");
    // the fills table: each fill's edge, fee and markouts 1 s / 10 s / 60 s (bp)
    expect(html).toContain("<td>buy</td><td>99.8</td><td>0.5</td><td>100</td><td>20.000</td><td>20.000</td><td>-100.000</td><td>50.000</td><td>n/a</td>");
  });

  it("rejects a fee that is not a decimal", async () => {
    await expect(runBacktest({ strategy: "pure_market_making", params: PMM, data: EVENTS, market: MARKET, fees: { makerFee: "1e-4" } })).rejects.toThrow(/makerFee must be a decimal fraction/);
  });
});

describe("amounts below 1e-7 (a micro-priced coin)", () => {
  // The first scenario with prices ×1e-10 (tick 1e-11) and amounts ×100 (lot 1): every quote figure is ×1e-8 of it,
  // below decimal.js's default 1e-7 exponent threshold. A last book at mid 1.01e-8 marks the short at its entry.
  const TINY: PaperMarketDefinition = { symbol: "PEPE/USDT", base: "PEPE", quote: "USDT", tickSize: "0.00000000001", lotSize: "1", makerFee: "0.001", takerFee: "0.001" };
  const tinyBook = (ts: number, bid: string, ask: string): ReplayEvent => ({ ts: T0 + ts, type: "book", symbol: "PEPE/USDT", bids: [[bid, "1000000"]], asks: [[ask, "1000000"]] });
  const tinyPrint = (ts: number, side: "buy" | "sell", price: string, amount: string): ReplayEvent => ({ ts: T0 + ts, type: "trade", symbol: "PEPE/USDT", side, price, amount });

  it("reports fills, fees, PnL, mids and drawdown as plain decimal strings, exactly", async () => {
    const events = [
      tinyBook(0, "0.00000000999", "0.00000001001"),
      tinyPrint(1000, "sell", "0.0000000099", "40"),
      tinyPrint(2000, "buy", "0.0000000102", "100"),
      tinyBook(3000, "0.00000000999", "0.00000001001"),
      tinyBook(4000, "0.00000001009", "0.00000001011"),
    ];
    const r = await runBacktest({ strategy: "pure_market_making", params: { ...PMM, orderAmount: "100" }, data: events, market: TINY, initialBalances: { PEPE: "1000", USDT: "100000000" }, minRequoteIntervalMs: 0, sampleEveryMs: 1000 });
    // t=1 s: buy 40 @ 0.0000000099, fee 0.04 PEPE (= 0.000000000396 USDT): long 39.96, cost 0.000000395604
    // t=2 s: the float ask 1e-8 × 1.01 ceils to 1011 ticks; sell 100 @ 0.00000001011, fee 0.000000001011 USDT:
    //   closes 39.96 for 39.96 × 0.00000001011 − 0.000000395604 = 0.0000000083916, opens a short of 60.04 @ 0.00000001011
    // realized 0.0000000083916 − 0.000000000396 − 0.000000001011 = 0.0000000069846; fees 0.000000001407
    // t=4 s: mid 0.0000000101, unrealized 60.04 × 0.00000000001 = 0.0000000006004 (it was 0.0000000066044 at mid 1e-8)
    expect(r.fills.map(({ side, price, amount, fee, feeCurrency, mid }) => ({ side, price, amount, fee, feeCurrency, mid }))).toEqual([
      { side: "buy", price: "0.0000000099", amount: "40", fee: "0.04", feeCurrency: "PEPE", mid: "0.00000001" },
      { side: "sell", price: "0.00000001011", amount: "100", fee: "0.000000001011", feeCurrency: "USDT", mid: "0.00000001" },
    ]);
    expect(r.initial).toEqual({ base: "1000", quote: "100000000", mid: "0.00000001", capital: "100000000.00001" });
    expect(r.final).toEqual({
      realized: "0.0000000069846",
      unrealized: "0.0000000006004",
      total: "0.000000007585",
      feesPaid: "0.000000001407",
      position: "-60.04",
      volume: "0.000001407",
      fills: 2,
      mid: "0.0000000101",
      equity: "100000000.000010007585", // 21 significant digits
      inventory: { base: "939.96", quote: "100000000.000000613989" },
    });
    expect(r.series.map((s) => s.mid)).toEqual(["0.00000001", "0.00000001", "0.00000001", "0.00000001", "0.0000000101"]);
    expect(r.series[4]).toMatchObject({ realized: "0.0000000069846", unrealized: "0.0000000006004", equity: "100000000.000010007585" });
    expect(r.maxDrawdown).toMatchObject({ absolute: "0.000000006004", peakTs: T0 + 2000, troughTs: T0 + 4000 });
    expect(exponentStrings(r)).toEqual([]);
    // the CLI's summary rounds to 8 decimals
    expect(summary(r, "out")).toContain("PnL        0.00000001 USDT (realized 0.00000001, unrealized 0)");
    expect(summary(r, "out")).toContain("max DD     0.00000001 USDT");
  });
});
