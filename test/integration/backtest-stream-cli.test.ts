/** The built backtest CLI with `--engine stream`; needs `npm run build` (pretest). */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../..");
const CLI = join(ROOT, "dist/bin/backtest.js");

describe("backtest CLI, streaming engine", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "mmesh-backtest-stream-"));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("backtests a gzipped file under two queue models with latency, with a progress bar on stderr", async () => {
    const gz = join(out, "sample.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(join(ROOT, "samples/btc-usdt-1h.jsonl"))));
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, "--engine", "stream", "--strategy", "pure_market_making", "--data", gz, "--queue", "risk_averse,none", "--latency-entry", "uniform:10,40", "--latency-cancel", "20", "--latency-feed", "5", "--progress", "--out", out],
      { cwd: ROOT },
    );
    expect(stderr).toMatch(/100\.0 %.*ETA 0:00/);
    expect(stdout).toMatch(/queue models risk_averse, none; latency entry uniform:10,40 \/ cancel 20 \/ feed 5 ms/);
    expect(stdout).toMatch(/risk_averse\s+-?\d/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.engine).toBe("stream");
    expect(report.results.map((r: { queueModel: string }) => r.queueModel)).toEqual(["risk_averse", "none"]);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("Queue and latency");
  });

  it("applies the bot's risk limits with --risk and reports what they did", async () => {
    const { stdout } = await run(
      process.execPath,
      [CLI, "--engine", "stream", "--strategy", "pure_market_making", "--queue", "risk_averse", "--risk", '{"maxBaseInventory":"1.02","maxDrawdownPct":0.5}', "--out", out],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/risk \{"maxBaseInventory":"1\.02","maxDrawdownPct":0\.5,"staleFeedMs":5000\}: risk_averse: refused \d+ max_base_inventory/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.settings.risk).toMatchObject({ maxBaseInventory: "1.02" });
    expect(Number(report.results[0].final.inventory.base)).toBeLessThanOrEqual(1.02);
    expect(report.results[0].risk.rejected.max_base_inventory).toBeGreaterThan(0);
  });

  it("sweeps a grid on worker threads and writes the table and an HTML comparison", async () => {
    const { stdout } = await run(
      process.execPath,
      [CLI, "--engine", "stream", "--strategy", "pure_market_making", "--queue", "risk_averse", "--maker-fee", "0.0001", "--sweep", "bidSpread=0.0001,0.0005", "--sweep", "latency-entry=0;50", "--threads", "2", "--out", out],
      { cwd: ROOT },
    );
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^bidSpread\s+latency-entry\s+PnL\s+Sharpe\s+max DD\s+fills\s+inventory std\s+mean edge$/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual(["0.0001 0", "0.0001 50", "0.0005 0", "0.0005 50"]);
    const sweep = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
    expect(sweep.rows).toHaveLength(4);
    expect(new Set(sweep.rows.map((r: { pnl: string }) => r.pnl)).size).toBeGreaterThan(1);
    expect(readFileSync(join(out, "sweep.html"), "utf8")).toContain("<table>");
  });

  it("refuses stream flags without --engine stream, and bad models", async () => {
    const fails = async (args: string[]) => {
      try {
        await run(process.execPath, [CLI, ...args, "--out", out], { cwd: ROOT });
      } catch (err) {
        return (err as { stderr: string }).stderr;
      }
      throw new Error(`expected ${args.join(" ")} to fail`);
    };
    expect(await fails(["--queue", "none"])).toMatch(/--queue needs --engine stream/);
    expect(await fails(["--engine", "stream", "--queue", "fifo"])).toMatch(/backtest: unknown queue model "fifo"/);
    expect(await fails(["--engine", "stream", "--latency-entry", "gamma:1"])).toMatch(/backtest: unknown latency model/);
    expect(await fails(["--engine", "stream", "--sweep", "nope=1,2"])).toMatch(/backtest: --sweep: "nope" is neither/);
  });
});
