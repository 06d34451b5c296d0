/**
 * Backtest a strategy on recorded market data (lib/backtest):
 *
 *   npm run backtest -- --strategy avellaneda_stoikov --data samples/btc-usdt-1h.jsonl \
 *     [--params '{"orderAmount":"0.01","riskAversion":0.5}' | --params-file params.json] \
 *     [--risk '{"maxBaseInventory":"0.2"}'] [--balance BTC=1,USDT=60000] \
 *     [--min-requote-ms 250] [--sample-ms 10000] [--maker-fee 0.0001] [--taker-fee 0.0002] [--out backtest-out]
 *     [--engine stream --queue risk_averse,power:2 --latency-entry 20 --latency-cancel uniform:10,40
 *      --latency-feed 5 --seed 1 --progress]
 *
 * `--engine stream` (lib/backtest/stream-run.ts) streams the file (also .gz), runs the strategy
 * under each queue model with the latency models, and is the one for large files; the default
 * `bot` engine runs the full bot runtime on the paper venue with the file in memory.
 * With no arguments: the shipped sample (with SAMPLE_FEES) with Avellaneda-Stoikov and DEFAULT_PARAMS below.
 * Writes <out>/report.json and <out>/report.html and prints a summary.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Decimal } from "../lib/decimal";
import { BacktestError, STRATEGY_NAMES, renderHtmlReport, runBacktest, type BacktestReport } from "../lib/backtest";
import type { StrategyName } from "../lib/config/kinds";
import { progressBar } from "../lib/backtest/progress";
import { headlineReport, renderStreamHtmlReport, streamSummary } from "../lib/backtest/stream-report";
import { runStreamBacktest, type StreamBacktestOptions } from "../lib/backtest/stream-run";
import { parseSweep, renderSweepHtml, runSweep, sweepTable } from "../lib/backtest/sweep";
import { DEFAULT_PAPER_MARKETS, type PaperMarketDefinition } from "../lib/paper";

export const SAMPLE_DATA = "samples/btc-usdt-1h.jsonl";

const SAMPLE_MARKET = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === "BTC/USDT") as PaperMarketDefinition;

/**
 * The fee schedule of the shipped sample: the embedded paper venue's BTC/USDT (lib/paper/defaults.ts),
 * which the sample was recorded from. A market maker's, not the retail 0.1 %: maker 1 bp and taker
 * 2 bp is about the top volume tier of a large spot venue (Binance lists VIP 9 at roughly
 * 0.009–0.012 % maker and 0.018–0.024 % taker); below it, maker programmes pay rebates. At the
 * retail 10 bp no quote inside ±10 bp of the mid can earn its fee back, and the sample's book is
 * 2 bp wide. --maker-fee / --taker-fee replace it (and set the fees of any other data).
 */
export const SAMPLE_FEES = { makerFee: SAMPLE_MARKET.makerFee, takerFee: SAMPLE_MARKET.takerFee };

/**
 * Sensible defaults per strategy for the sample (BTC/USDT around 60 000). Fee-aware: every
 * strategy keeps its quotes at least the maker fee + 1 bp from the mid (edgeOverFee 0.0001: the
 * extra bp pays for the sample's adverse selection, a mean markout of about −1.0 bp 1 s after a
 * fill), and orders are refreshed every second, the sample's book interval, so a resting quote
 * does not drift inside the fee as the mid moves (a kept order is only re-priced at orderRefreshTimeMs).
 */
export const DEFAULT_PARAMS: Partial<Record<StrategyName, Record<string, unknown>>> = {
  avellaneda_stoikov: { orderAmount: "0.01", riskAversion: 0.00001, horizon: "constant", inventoryUnit: "orders", orderRefreshTimeMs: 1000, volatilityWindow: 60, intensityWindow: 100, edgeOverFee: 0.0001 },
  glft: { orderAmount: "0.01", riskAversion: 0.05, orderRefreshTimeMs: 1000, volatilityWindow: 60, intensityWindow: 100, edgeOverFee: 0.0001 },
  pure_market_making: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 1000, filledOrderDelayMs: 1000, edgeOverFee: 0.0001 },
};

const USAGE = `usage: npm run backtest -- [--strategy ${STRATEGY_NAMES.join("|")}] [--data file.jsonl|file.csv]
       [--params JSON | --params-file file.json] [--risk JSON] [--balance BTC=1,USDT=60000]
       [--min-requote-ms N] [--sample-ms N] [--maker-fee 0.0001] [--taker-fee 0.0002] [--out dir]
       [--engine bot|stream] [--queue none|risk_averse|power[:n]|log,…] [--latency-entry SPEC]
       [--latency-cancel SPEC] [--latency-feed SPEC] [--seed N] [--progress]
       [--sweep name=v1,v2 …] [--threads N]   (stream engine; latency-* values separated by ";")
       latency SPEC: N | uniform:a,b | lognormal:median,sigma | empirical:v1,v2,… | quote-placed:file.jsonl (ms)`;

const FLAGS = ["strategy", "data", "params", "params-file", "risk", "balance", "min-requote-ms", "sample-ms", "maker-fee", "taker-fee", "out", "engine", "queue", "latency-entry", "latency-cancel", "latency-feed", "seed", "progress", "sweep", "threads"] as const;
/** Flags without a value. */
const SWITCHES: readonly string[] = ["progress"];
type Flag = (typeof FLAGS)[number];

function fail(message: string): never {
  throw new BacktestError(message);
}

export function parseArgs(argv: string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(FLAGS as readonly string[]).includes(m[1])) fail(`unknown argument "${arg}"\n${USAGE}`);
    const value = m[2] ?? (SWITCHES.includes(m[1]) ? "true" : argv[++i]);
    if (value === undefined) fail(`--${m[1]} needs a value`);
    // --sweep may be given several times (a grid)
    out[m[1] as Flag] = m[1] === "sweep" && out.sweep !== undefined ? `${out.sweep}\n${value}` : value;
  }
  return out;
}

function json(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    fail(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function balances(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z0-9]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) fail(`--balance takes CUR=amount pairs like BTC=1,USDT=60000; got "${part}"`);
    out[m[1].toUpperCase()] = m[2];
  }
  return out;
}

function int(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(`--${flag} must be a non-negative integer (ms), got "${text}"`);
  return n;
}

export function summary(r: BacktestReport, outDir: string): string {
  const f = r.final;
  const q = r.market.quote;
  const d = (x: string) => new Decimal(x).toDecimalPlaces(8).toString(); // the ledger keeps up to 40 digits
  const bp = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(3)} bp`);
  return [
    `backtest ${r.strategy} on ${r.market.symbol}: ${r.period.events} events, ${((r.period.end - r.period.start) / 60_000).toFixed(1)} simulated minutes`,
    `  PnL        ${d(f.total)} ${q} (realized ${d(f.realized)}, unrealized ${d(f.unrealized)})`,
    `  fees       ${d(f.feesPaid)} ${q}`,
    `  fills      ${f.fills} (volume ${f.volume} ${q}), position ${f.position} ${r.market.base}`,
    `  fill edge  ${bp(r.fillQuality.meanEdgeBps)} mean against the mid, fee ${bp(r.fillQuality.meanFeeBps)} (maker fee ${bp(r.fillQuality.makerFeeBps)})`,
    `  markouts   ${bp(r.fillQuality.meanMarkoutBps["1s"])} 1 s, ${bp(r.fillQuality.meanMarkoutBps["10s"])} 10 s, ${bp(r.fillQuality.meanMarkoutBps["60s"])} 60 s (mean mid move after a fill, + in our favour)`,
    `  orders     ${r.orders.placed} placed, ${r.orders.cancelled} cancelled, ${r.orders.refused} refused`,
    `  max DD     ${d(r.maxDrawdown.absolute)} ${q} (${(r.maxDrawdown.pct * 100).toFixed(4)} %)`,
    `  Sharpe     ${r.sharpe.annualized === null ? "n/a" : r.sharpe.annualized.toFixed(2)} (annualized from ${r.sampleEveryMs} ms samples)`,
    `  speed      ${r.eventsPerSecond} events/s (${r.runtimeMs.toFixed(0)} ms)`,
    ...(r.haltReason ? [`  HALTED     ${r.haltReason}`] : []),
    ...(r.warnings.length ? [`  warnings   ${r.warnings.length} (see report.json)`] : []),
    `  wrote ${join(outDir, "report.json")} and ${join(outDir, "report.html")}`,
  ].join("\n");
}

export async function main(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const strategy = (a.strategy ?? "avellaneda_stoikov") as StrategyName;
  if (!STRATEGY_NAMES.includes(strategy)) fail(`unknown strategy "${strategy}"; known: ${STRATEGY_NAMES.join(", ")}`);
  // the default sample is found from the package root whatever the working directory
  const sample = resolve(__dirname, "../..", SAMPLE_DATA);
  const data = a.data ?? sample;
  if (!existsSync(data)) fail(`data file not found: ${resolve(data)}`);
  if (a.params !== undefined && a["params-file"] !== undefined) fail("give --params or --params-file, not both");
  let params: Record<string, unknown>;
  if (a.params !== undefined) params = json(a.params, "--params");
  else if (a["params-file"] !== undefined) {
    if (!existsSync(a["params-file"])) fail(`params file not found: ${resolve(a["params-file"])}`);
    params = json(readFileSync(a["params-file"], "utf8"), `--params-file ${a["params-file"]}`);
  } else {
    const defaults = DEFAULT_PARAMS[strategy];
    if (!defaults) fail(`${strategy} has no default params; pass --params`);
    params = defaults;
  }
  const out = a.out ?? "backtest-out";
  const engine = a.engine ?? "bot";
  if (engine !== "bot" && engine !== "stream") fail(`--engine must be bot or stream, got "${engine}"`);
  const streamOnly = (["queue", "latency-entry", "latency-cancel", "latency-feed", "seed", "progress", "sweep", "threads"] as const).filter((f) => a[f] !== undefined);
  if (engine === "bot" && streamOnly.length > 0) fail(`--${streamOnly[0]} needs --engine stream`);
  const fees = {
    ...(resolve(data) === sample ? SAMPLE_FEES : {}),
    ...(a["maker-fee"] !== undefined ? { makerFee: a["maker-fee"] } : {}),
    ...(a["taker-fee"] !== undefined ? { takerFee: a["taker-fee"] } : {}),
  };
  if (engine === "stream") {
    const bar = a.progress !== undefined || process.stderr.isTTY ? progressBar() : undefined;
    const options: StreamBacktestOptions = {
      strategy,
      params,
      data,
      initialBalances: a.balance !== undefined ? balances(a.balance) : undefined,
      fees,
      minRequoteIntervalMs: int(a["min-requote-ms"], "min-requote-ms"),
      sampleEveryMs: int(a["sample-ms"], "sample-ms") || undefined,
      queueModels: a.queue?.split(",").map((q) => q.trim()),
      latency: { entry: a["latency-entry"], cancel: a["latency-cancel"], feed: a["latency-feed"] },
      seed: int(a.seed, "seed"),
      risk: a.risk !== undefined ? json(a.risk, "--risk") : undefined,
      onProgress: bar ? (f, n) => bar.update(f, n) : undefined,
    };
    if (a.sweep !== undefined) {
      const axes = parseSweep(a.sweep.split("\n"));
      const rows = await runSweep(options, axes, int(a.threads, "threads") || undefined, bar ? (done, total) => bar.update(done / total, done) : undefined);
      bar?.done();
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "sweep.json"), JSON.stringify({ strategy, params, axes, rows }, null, 2) + "\n");
      writeFileSync(join(out, "sweep.html"), renderSweepHtml(`sweep of ${strategy} on ${data}`, axes, rows));
      console.log(`${sweepTable(axes, rows)}\n  wrote ${join(out, "sweep.json")} and ${join(out, "sweep.html")}`);
      return;
    }
    const streamed = await runStreamBacktest(options);
    bar?.done();
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "report.json"), JSON.stringify(streamed, null, 2) + "\n");
    writeFileSync(join(out, "report.html"), renderStreamHtmlReport(streamed));
    console.log(`${summary(headlineReport(streamed), out)}\n${streamSummary(streamed)}`);
    return;
  }
  const report = await runBacktest({
    strategy,
    params,
    data,
    risk: a.risk !== undefined ? json(a.risk, "--risk") : undefined,
    initialBalances: a.balance !== undefined ? balances(a.balance) : undefined,
    minRequoteIntervalMs: int(a["min-requote-ms"], "min-requote-ms"),
    sampleEveryMs: int(a["sample-ms"], "sample-ms") || undefined,
    fees,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(out, "report.html"), renderHtmlReport(report));
  console.log(summary(report, out));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err instanceof BacktestError || ["ReplayFormatError", "QueueModelError", "LatencyModelError"].includes(err.name) ? `backtest: ${err.message}` : err.stack ?? String(err));
    process.exit(2);
  });
}
