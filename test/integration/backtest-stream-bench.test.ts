/** The built streaming-backtest bench (bench/backtest/stream.ts) prints events/s, the parse floor, the ratio and the peak RSS; needs `npm run build`. */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../..");

describe("streaming backtest bench", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-stream-bench-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("measures the floor before and after the backtests and prints the ratios and peak RSS", async () => {
    const file = join(dir, "sample.jsonl");
    copyFileSync(join(ROOT, "samples/btc-usdt-1h.jsonl"), file);
    const { stdout } = await run(process.execPath, [join(ROOT, "dist/bench/backtest/stream.js"), "0", file, "--strategy=pure_market_making"], { cwd: ROOT });
    expect(stdout.match(/^parse floor\s+\d+ lines\/s wall,\s+\d+ lines\/CPU-s/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^backtest\s+\d+ events\/s wall,\s+\d+ events\/CPU-s\s+\(7180 events, .*pure_market_making, queue risk_averse,/m);
    expect(stdout).toMatch(/^ratio to the faster JSON-parse floor, queue risk_averse: \d+\.\d\d wall, \d+\.\d\d CPU$/m);
    expect(stdout).toMatch(/^ratio to the faster JSON-parse floor, queue risk_averse\+power:2: \d+\.\d\d wall, \d+\.\d\d CPU$/m);
    expect(stdout).toMatch(/^peak RSS\s+\d+ MB/m);
  });
});
