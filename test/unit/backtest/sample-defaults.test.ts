import { join } from "node:path";
import { runBacktest, type BacktestReport } from "../../../lib/backtest";
import { DEFAULT_PARAMS, SAMPLE_DATA, SAMPLE_FEES } from "../../../bin/backtest";

/** The defaults `npm run backtest` uses on the shipped sample, run in-process. */
describe("fee-aware defaults on the shipped sample", () => {
  const runDefault = (strategy: "avellaneda_stoikov" | "glft" | "pure_market_making"): Promise<BacktestReport> =>
    runBacktest({ strategy, params: DEFAULT_PARAMS[strategy]!, data: join(__dirname, "../../..", SAMPLE_DATA), fees: SAMPLE_FEES });

  it("default A-S: fills whose mean edge against the mid is at least the maker fee", async () => {
    const r = await runDefault("avellaneda_stoikov");
    expect(r.market.makerFee).toBe("0.0001");
    expect(r.fillQuality.fills).toBeGreaterThan(20);
    expect(r.fillQuality.meanEdgeBps!).toBeGreaterThanOrEqual(r.fillQuality.makerFeeBps);
    expect(r.fillQuality.meanFeeBps!).toBeCloseTo(1, 6);
    for (const h of ["1s", "10s", "60s"] as const) expect(r.fillQuality.meanMarkoutBps[h]).not.toBeNull();
  }, 60_000);

  it("default GLFT quotes and fills on the sample", async () => {
    const r = await runDefault("glft");
    expect(r.fillQuality.fills).toBeGreaterThan(20);
  }, 60_000);
});
