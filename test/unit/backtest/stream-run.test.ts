import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Decimal } from "../../../lib/decimal";
import { renderProgress } from "../../../lib/backtest/progress";
import { renderStreamHtmlReport, streamSummary } from "../../../lib/backtest/stream-report";
import { runStreamBacktest, MAX_SERIES } from "../../../lib/backtest/stream-run";
import { DEFAULT_PARAMS, SAMPLE_FEES } from "../../../bin/backtest";
import { exponentStrings } from "../../support/exponent-strings";

const SAMPLE = resolve(__dirname, "../../../samples/btc-usdt-1h.jsonl");
// the CLI's defaults for the sample, at its fee schedule (maker 1 bp)
const PMM = DEFAULT_PARAMS.pure_market_making as Record<string, unknown>;
const FEES = SAMPLE_FEES;

describe("streaming backtest", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmesh-stream-run-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the sample under two queue models in one pass, books exactly, and the queue costs fills", async () => {
    const r = await runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, fees: FEES, queueModels: ["none", "risk_averse"], latency: { entry: "20", cancel: "20", feed: "5" } });
    expect(r.results.map((s) => s.queueModel)).toEqual(["none", "risk_averse"]);
    expect(r.period.events).toBe(readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.startsWith("{")).length);
    const [none, averse] = r.results;
    expect(none.final.fills).toBeGreaterThan(0);
    // behind the level, fewer prints reach the order
    expect(averse.final.fills).toBeLessThan(none.final.fills);
    expect(averse.final.total).not.toBe(none.final.total);
    for (const s of r.results) {
      // books add up exactly: total = realized + unrealized; inventory = initial + position
      expect(new Decimal(s.final.realized).plus(s.final.unrealized).eq(s.final.total)).toBe(true);
      expect(new Decimal(r.initial.base).plus(s.final.position).eq(s.final.inventory.base)).toBe(true);
      // fees are maker fee × volume, to the last digit
      expect(new Decimal(s.final.volume).times(FEES.makerFee).eq(s.final.feesPaid)).toBe(true);
      // the reported fills replay to the same position and fees
      const position = s.fills.reduce((p, f) => p.plus(f.side === "buy" ? f.amount : new Decimal(f.amount).neg()), new Decimal(0));
      expect(position.eq(s.final.position)).toBe(true);
      expect(s.fills.reduce((p, f) => p.plus(f.fee), new Decimal(0)).eq(s.final.feesPaid)).toBe(true);
      expect(s.series.length).toBeGreaterThan(300);
      expect(s.series.length).toBeLessThanOrEqual(MAX_SERIES);
    }
    // each reported fill's edge, fee and markouts, measured as the replay passes them (bounded memory)
    const q = averse.fills[0].quality;
    expect(q.feeBps).toBeCloseTo(1, 6);
    expect(q.markoutBps["1s"]).not.toBeNull();
    expect(averse.fillQuality.fills).toBe(averse.fills.length);
    expect(averse.fillQuality.meanMarkoutBps["60s"]).not.toBeNull();
    expect(renderStreamHtmlReport(r)).toContain("<td>risk_averse</td>");
    expect(streamSummary(r)).toMatch(/queue model\s+PnL\s+Sharpe/);
  });

  it("takes fee overrides, booked exactly", async () => {
    const r = await runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, queueModels: ["none"], fees: { makerFee: "0.00005" } });
    const s = r.results[0];
    expect(r.market.makerFee).toBe("0.00005");
    expect(s.final.fills).toBeGreaterThan(0);
    expect(new Decimal(s.final.volume).times("0.00005").eq(s.final.feesPaid)).toBe(true);
    await expect(runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, fees: { makerFee: "1bp" } })).rejects.toThrow(/makerFee must be a decimal/);
  });

  it("is deterministic for a seed, and latency changes the outcome", async () => {
    const opts = { strategy: "pure_market_making" as const, params: PMM, data: SAMPLE, fees: FEES, queueModels: ["risk_averse"], latency: { entry: "uniform:5,80", cancel: "uniform:5,80", feed: "lognormal:10,0.5" }, seed: 7 };
    const a = await runStreamBacktest(opts);
    const b = await runStreamBacktest(opts);
    expect(b.results[0].final).toEqual(a.results[0].final);
    const fast = await runStreamBacktest({ ...opts, latency: {} });
    expect(fast.results[0].final.total).not.toBe(a.results[0].final.total);
  });

  it("validates settings before reading, and reports progress to the end", async () => {
    await expect(runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, queueModels: ["fifo"] })).rejects.toThrow(/unknown queue model "fifo"/);
    await expect(runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, latency: { entry: "soon" } })).rejects.toThrow(/latency/);
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "# nothing\n");
    await expect(runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: empty })).rejects.toThrow(/no events/);
    const seen: number[] = [];
    await runStreamBacktest({ strategy: "pure_market_making", params: PMM, data: SAMPLE, queueModels: ["none"], onProgress: (f) => seen.push(f) });
    expect(seen[seen.length - 1]).toBe(1);
  });

  it("reports fills, fees and PnL below 1e-7 as plain decimal strings, exactly", async () => {
    const file = join(dir, "tiny.jsonl");
    const T0 = 1_700_000_000_000;
    const book = (ts: number, bid: string, ask: string) => JSON.stringify({ ts: T0 + ts, type: "book", symbol: "PEPE/USDT", bids: [[bid, "1000000"]], asks: [[ask, "1000000"]] });
    const print = (ts: number, side: string, price: string, amount: string) => JSON.stringify({ ts: T0 + ts, type: "trade", symbol: "PEPE/USDT", side, price, amount });
    writeFileSync(file, [book(0, "0.00000000999", "0.00000001001"), print(1000, "sell", "0.0000000099", "40"), print(2000, "buy", "0.0000000102", "100"), book(3000, "0.00000000999", "0.00000001001"), book(4000, "0.00000001009", "0.00000001011")].join("\n") + "\n");
    const r = await runStreamBacktest({
      strategy: "pure_market_making",
      params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "100", orderRefreshTimeMs: 60_000, filledOrderDelayMs: 0 },
      data: file,
      market: { symbol: "PEPE/USDT", base: "PEPE", quote: "USDT", tickSize: "0.00000000001", lotSize: "1", makerFee: "0.001", takerFee: "0.001" },
      queueModels: ["none"],
      initialBalances: { PEPE: "1000", USDT: "100000000" },
      minRequoteIntervalMs: 0,
      sampleEveryMs: 1000,
    });
    // mid 1e-8; bid 990 ticks, ask 1010 ticks (the engine's rounding allows for the float's last bit)
    // t=1 s buy 40 @ 0.0000000099, fee 0.1 % = 0.000000000396; t=2 s sell 100 @ 0.0000000101, fee 0.00000000101
    // realized (0.0000000101 − 0.0000000099) × 40 − 0.000000001406 = 0.000000006594; the short of 60 is at its entry at the end
    const s = r.results[0];
    expect(s.fills.map(({ side, price, amount, fee, mid }) => ({ side, price, amount, fee, mid }))).toEqual([
      { side: "buy", price: "0.00000000990", amount: "40", fee: "0.000000000396", mid: "0.00000001" },
      { side: "sell", price: "0.00000001010", amount: "100", fee: "0.00000000101", mid: "0.00000001" },
    ]);
    expect(r.initial).toEqual({ base: "1000", quote: "100000000", mid: "0.00000001", capital: "100000000.00001" });
    expect(r.final.mid).toBe("0.0000000101");
    expect(s.final).toEqual({
      total: "0.000000006594",
      realized: "0.000000006594",
      unrealized: "0",
      feesPaid: "0.000000001406",
      position: "-60",
      volume: "0.000001406",
      fills: 2,
      equity: "100000000.000010006594", // 21 significant digits
      inventory: { base: "940", quote: "100000000.000000612594" },
    });
    expect(s.series.map((x) => x.mid)).toEqual(["0", "0.00000001", "0.00000001", "0.00000001", "0.00000001"]);
    expect(exponentStrings(r)).toEqual([]);
    expect(streamSummary(r)).toMatch(/^\s+none\s+0\.00000001\s/m); // the PnL column, to 8 decimals
  });

  it("draws a progress bar with ETA", () => {
    expect(renderProgress(0.25, 250_000, 10_000, 8)).toBe("[##......]  25.0 %  250000 events  25000 events/s  ETA 0:30");
    expect(renderProgress(1, 10, 1000, 4)).toMatch(/^\[####\] 100\.0 %.*ETA 0:00$/);
  });
});
