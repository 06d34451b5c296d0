import path from "node:path";
import { fitReport } from "../../../lib/backtest/report-fit";
import { runStreamBacktest, type StreamBacktestReport } from "../../../lib/backtest/stream-run";
import type { SweepRow } from "../../../lib/backtest/sweep";

const SAMPLE = path.resolve(__dirname, "../../../samples/btc-usdt-1h.jsonl");

describe("a report as stored", () => {
  let report: StreamBacktestReport;
  beforeAll(async () => {
    report = await runStreamBacktest({ strategy: "pure_market_making", params: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01" }, data: SAMPLE, queueModels: ["none", "risk_averse"] });
  });

  it("is the report itself under the cap", () => {
    const fitted = fitReport(report);
    expect(fitted.trimmed).toBeNull();
    expect(JSON.parse(fitted.json)).toEqual(report);
  });

  it("past the cap: series thinned (last sample kept), fills cut and flagged, headline kept, and says so", () => {
    const whole = JSON.stringify(report).length;
    const cap = Math.floor(whole / 3);
    const fitted = fitReport(report, cap);
    expect(Buffer.byteLength(fitted.json)).toBeLessThanOrEqual(cap);
    const stored = JSON.parse(fitted.json) as StreamBacktestReport & { trimmed: string };
    expect(stored.trimmed).toBe(fitted.trimmed);
    expect(stored.trimmed).toMatch(new RegExp(`trimmed to fit ${cap} bytes \\(the run's was ${whole}\\): each series thinned to 1 sample in \\d+`));
    const stride = Number(/1 sample in (\d+)/.exec(stored.trimmed)![1]);
    stored.results.forEach((r, i) => {
      const run = report.results[i];
      expect(r.final).toEqual(run.final);
      expect(r.sharpe).toEqual(run.sharpe);
      expect(r.series.length).toBeLessThan(run.series.length);
      expect(r.series.at(-1)).toEqual(run.series.at(-1));
      expect(r.series[1]).toEqual(run.series[stride]);
      expect(r.fills).toEqual(run.fills.slice(0, r.fills.length));
      expect(r.fills.length).toBeLessThan(run.fills.length);
      expect(r.fillsTruncated).toBe(true);
    });
  });

  it("keeps a sweep's first rows in grid order", () => {
    const row = (i: number): SweepRow => ({ settings: { bidSpread: String(i) }, queueModel: "none", pnl: String(i), sharpe: null, maxDrawdown: "0", fills: i, inventoryStd: 0, meanEdge: null, eventsPerSecond: 1 });
    const sweep = { strategy: "pure_market_making", params: {}, axes: [{ name: "bidSpread", values: [] }], rows: Array.from({ length: 400 }, (_, i) => row(i)) };
    const cap = Math.floor(JSON.stringify(sweep).length / 3);
    const fitted = fitReport(sweep, cap);
    const stored = JSON.parse(fitted.json) as typeof sweep;
    expect(Buffer.byteLength(fitted.json)).toBeLessThanOrEqual(cap);
    expect(stored.rows).toEqual(sweep.rows.slice(0, stored.rows.length));
    expect(fitted.trimmed).toContain(`the first ${stored.rows.length} of 400 rows are kept`);
  });
});
