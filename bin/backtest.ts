/**
 * Backtest a strategy on recorded market data (lib/backtest):
 *
 *   npm run backtest -- --strategy avellaneda_stoikov --data samples/btc-usdt-1h.jsonl \
 *     [--params '{"orderAmount":"0.01","riskAversion":0.5}' | --params-file params.json] \
 *     [--risk '{"maxBaseInventory":"0.2"}'] [--balance BTC=1,USDT=60000] \
 *     [--min-requote-ms 250] [--sample-ms 10000] [--out backtest-out]
 *
 * With no arguments: the shipped sample with Avellaneda-Stoikov and DEFAULT_PARAMS below.
 * Writes <out>/report.json and <out>/report.html and prints a summary.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Decimal from "decimal.js";
import { BacktestError, STRATEGY_NAMES, renderHtmlReport, runBacktest, type BacktestReport } from "../lib/backtest";
import type { StrategyName } from "../lib/config/kinds";

export const SAMPLE_DATA = "samples/btc-usdt-1h.jsonl";

/** Sensible defaults per strategy for the sample (BTC/USDT around 60 000). */
export const DEFAULT_PARAMS: Partial<Record<StrategyName, Record<string, unknown>>> = {
  avellaneda_stoikov: { orderAmount: "0.01", riskAversion: 0.00001, orderRefreshTimeMs: 5000, volatilityWindow: 60, intensityWindow: 100 },
  pure_market_making: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 5000, filledOrderDelayMs: 1000 },
};

const USAGE = `usage: npm run backtest -- [--strategy ${STRATEGY_NAMES.join("|")}] [--data file.jsonl|file.csv]
       [--params JSON | --params-file file.json] [--risk JSON] [--balance BTC=1,USDT=60000]
       [--min-requote-ms N] [--sample-ms N] [--out dir]`;

const FLAGS = ["strategy", "data", "params", "params-file", "risk", "balance", "min-requote-ms", "sample-ms", "out"] as const;
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
    const value = m[2] ?? argv[++i];
    if (value === undefined) fail(`--${m[1]} needs a value`);
    out[m[1] as Flag] = value;
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
  return [
    `backtest ${r.strategy} on ${r.market.symbol}: ${r.period.events} events, ${((r.period.end - r.period.start) / 60_000).toFixed(1)} simulated minutes`,
    `  PnL        ${d(f.total)} ${q} (realized ${d(f.realized)}, unrealized ${d(f.unrealized)})`,
    `  fees       ${d(f.feesPaid)} ${q}`,
    `  fills      ${f.fills} (volume ${f.volume} ${q}), position ${f.position} ${r.market.base}`,
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
  const data = a.data ?? resolve(__dirname, "../..", SAMPLE_DATA);
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
  const report = await runBacktest({
    strategy,
    params,
    data,
    risk: a.risk !== undefined ? json(a.risk, "--risk") : undefined,
    initialBalances: a.balance !== undefined ? balances(a.balance) : undefined,
    minRequoteIntervalMs: int(a["min-requote-ms"], "min-requote-ms"),
    sampleEveryMs: int(a["sample-ms"], "sample-ms") || undefined,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(out, "report.html"), renderHtmlReport(report));
  console.log(summary(report, out));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err instanceof BacktestError || err.name === "ReplayFormatError" ? `backtest: ${err.message}` : err.stack ?? String(err));
    process.exit(2);
  });
}
