/** The built backtest CLI (`npm run backtest`) on the shipped sample; needs `npm run build` (pretest). */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../..");
const CLI = join(ROOT, "dist/bin/backtest.js");

describe("backtest CLI", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "mmesh-backtest-"));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("backtests the sample with the default A-S params and writes report.json and report.html", async () => {
    const { stdout } = await run(process.execPath, [CLI, "--data", "samples/btc-usdt-1h.jsonl", "--out", out], { cwd: ROOT });
    expect(stdout).toMatch(/events\/s/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.strategy).toBe("avellaneda_stoikov");
    expect(report.final.fills).toBeGreaterThan(0);
    expect(report.series.length).toBeGreaterThan(100);
    expect(typeof report.maxDrawdown.absolute).toBe("string");
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<svg");
    // the sample's market-maker fee schedule, and fee-aware defaults: fills earn at least the maker fee on average
    expect(report.market.makerFee).toBe("0.0001");
    expect(report.fillQuality.meanEdgeBps).toBeGreaterThanOrEqual(report.fillQuality.makerFeeBps);
    expect(stdout).toMatch(/fill edge .* bp mean against the mid/);
    expect(stdout).toMatch(/markouts .* 1 s, .* 10 s, .* 60 s/);
  });

  it("fails clearly on bad arguments", async () => {
    const fails = async (args: string[]) => {
      try {
        await run(process.execPath, [CLI, ...args, "--out", out], { cwd: ROOT });
      } catch (err) {
        return (err as { stderr: string; code: number }).stderr;
      }
      throw new Error(`expected ${args.join(" ")} to fail`);
    };
    expect(await fails(["--strategy", "grid"])).toMatch(/unknown strategy "grid"; known: pure_market_making, avellaneda_stoikov/);
    expect(await fails(["--data", "nope.jsonl"])).toMatch(/data file not found/);
    expect(await fails(["--params", '{"orderAmount":"0.01","riskAversion":-1}'])).toMatch(/params\.riskAversion/);
  });
});
