import { grid, optionsFor, parseSweep, renderSweepHtml, sweepTable, type SweepRow } from "../../../lib/backtest/sweep";

describe("parameter sweeps", () => {
  it("parses --sweep specs into a grid, the first name varying slowest", () => {
    const axes = parseSweep(["bidSpread=0.0001,0.0002", "latency-entry=5;uniform:10,40"]);
    expect(axes).toEqual([
      { name: "bidSpread", values: ["0.0001", "0.0002"] },
      { name: "latency-entry", values: ["5", "uniform:10,40"] },
    ]);
    expect(grid(axes)).toEqual([
      { bidSpread: "0.0001", "latency-entry": "5" },
      { bidSpread: "0.0001", "latency-entry": "uniform:10,40" },
      { bidSpread: "0.0002", "latency-entry": "5" },
      { bidSpread: "0.0002", "latency-entry": "uniform:10,40" },
    ]);
    expect(() => parseSweep(["bidSpread"])).toThrow(/name=v1,v2/);
    expect(() => parseSweep(["a=1", "a=2"])).toThrow(/given twice/);
  });

  it("keeps each parameter's type and maps engine settings", () => {
    const base = { strategy: "pure_market_making" as const, params: { orderAmount: "0.01", bidSpread: 0.0001 }, data: "x.jsonl", queueModels: ["none"] };
    const o = optionsFor(base, { orderAmount: "0.02", bidSpread: "0.0003", hangingOrders: "true", queue: "risk_averse+log", "latency-feed": "7", "min-requote-ms": "500" });
    expect(o.params).toEqual({ orderAmount: "0.02", bidSpread: 0.0003, hangingOrders: true });
    expect(o.queueModels).toEqual(["risk_averse", "log"]);
    expect(o.latency).toEqual({ feed: "7" });
    expect(o.minRequoteIntervalMs).toBe(500);
    expect(base.params.bidSpread).toBe(0.0001);
  });

  it("tabulates the results as text and HTML, best PnL in bold", () => {
    const axes = [{ name: "bidSpread", values: ["1", "2"] }];
    const row = (v: string, pnl: string): SweepRow => ({ settings: { bidSpread: v }, queueModel: "risk_averse", pnl, sharpe: 1.5, maxDrawdown: "3", fills: 4, inventoryStd: 0.01, meanEdge: 0.5, eventsPerSecond: 1 });
    const rows = [row("1", "-2.5"), row("2", "7")];
    expect(sweepTable(axes, rows).split("\n")).toEqual([
      "bidSpread  PnL   Sharpe  max DD  fills  inventory std  mean edge",
      "1          -2.5  1.50    3       4      0.01000        0.5000   ",
      "2          7     1.50    3       4      0.01000        0.5000   ",
    ]);
    const html = renderSweepHtml("t", axes, rows);
    expect(html).toMatch(/<tr style="font-weight:bold"><td>2<\/td><td>7<\/td>/);
  });
});
