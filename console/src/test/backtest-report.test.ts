import { describe, expect, it } from "vitest";
import { byPnl, summarizeReport } from "../lib/backtest-report";

// Files written by `npm run backtest` on the shipped sample (series and fills cut to two entries).
import bot from "./fixtures/bot-report.json";
import stream from "./fixtures/stream-report.json";
import sweep from "./fixtures/sweep.json";

const FILES: Record<string, unknown> = { "bot-report.json": bot, "stream-report.json": stream, "sweep.json": sweep };
const load = (name: string) => structuredClone(FILES[name]);

describe("backtest reports", () => {
  it("reads a bot-engine report as one row", () => {
    const [row] = summarizeReport("bot.json", load("bot-report.json"));
    expect(row).toMatchObject({ strategy: "avellaneda_stoikov", symbol: "BTC/USDT", pnl: "0.52038095814", fills: 31, volume: "14663.1010733", maxDrawdown: "1.22569017464" });
  });

  it("reads a stream-engine report as a row per queue model", () => {
    const rows = summarizeReport("stream.json", load("stream-report.json"));
    expect(rows.map((r) => r.label)).toEqual(["queue risk_averse", "queue none"]);
    expect(rows[0].pnl).toBe("-2.07418348");
  });

  it("reads a sweep as a row per grid point, and sorts by PnL as decimals", () => {
    const rows = summarizeReport("sweep.json", load("sweep.json"));
    expect(rows.map((r) => r.label)).toEqual(["riskAversion=0.00001 · risk_averse", "riskAversion=0.0001 · risk_averse"]);
    expect(byPnl(rows).map((r) => r.pnl)).toEqual(["0", "-2.07418348"]);
    const mixed = byPnl([...rows, { ...rows[0], pnl: "0.000000011" }, { ...rows[0], pnl: "0.00000001" }, { ...rows[0], pnl: "-10" }]);
    expect(mixed.map((r) => r.pnl)).toEqual(["0.000000011", "0.00000001", "0", "-2.07418348", "-10"]);
  });

  it("refuses a file that is not a report", () => {
    expect(() => summarizeReport("x.json", { hello: 1 })).toThrow(/not a backtest report/);
  });
});
