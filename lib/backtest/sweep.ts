/**
 * Parameter sweeps of the streaming backtest: `--sweep name=v1,v2,…` (several make a grid),
 * one backtest per combination on worker threads (lib/backtest/sweep-worker.ts, compiled JS),
 * and a results table (PnL, Sharpe, max drawdown, fills, inventory std, mean edge of the
 * headline queue model) as text and as a self-contained HTML page.
 *
 * A name is a strategy parameter, or one of the engine settings `latency-entry`,
 * `latency-cancel`, `latency-feed`, `queue` (models joined by "+"), `min-requote-ms`. A value
 * keeps the type of the base parameter (a decimal-string param stays a string); otherwise a
 * numeric value is a number.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Decimal } from "../decimal";
import { escapeHtml } from "./html-report";
import { STRATEGY_PARAMS } from "../config/kinds";
import { latencyModel } from "./latency-models";
import { queueModel } from "./queue-models";
import { BacktestError, validateStrategyParams } from "./run";
import type { StreamBacktestOptions, StreamBacktestReport } from "./stream-run";

export interface SweepAxis {
  name: string;
  values: string[];
}

export interface SweepRow {
  settings: Record<string, string>;
  queueModel: string;
  pnl: string;
  sharpe: number | null;
  maxDrawdown: string;
  fills: number;
  inventoryStd: number;
  meanEdge: number | null;
  eventsPerSecond: number;
}

const ENGINE_SETTINGS = ["latency-entry", "latency-cancel", "latency-feed", "queue", "min-requote-ms"];

export function parseSweep(specs: string[]): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const spec of specs) {
    const m = /^([A-Za-z][\w-]*)=(.+)$/.exec(spec.trim());
    if (!m) throw new BacktestError(`--sweep takes name=v1,v2,…; got "${spec}"`);
    if (axes.some((a) => a.name === m[1])) throw new BacktestError(`--sweep ${m[1]} given twice`);
    // latency specs contain commas themselves: their values are separated by ";"
    const values = (m[1].startsWith("latency-") ? m[2].split(";") : m[2].split(",")).map((v) => v.trim()).filter((v) => v !== "");
    if (values.length === 0) throw new BacktestError(`--sweep ${m[1]} has no values`);
    axes.push({ name: m[1], values });
  }
  return axes;
}

/** Every combination, the first axis varying slowest. */
export function grid(axes: SweepAxis[]): Array<Record<string, string>> {
  let out: Array<Record<string, string>> = [{}];
  for (const axis of axes) out = out.flatMap((combo) => axis.values.map((v) => ({ ...combo, [axis.name]: v })));
  return out;
}

/** The backtest options of one combination. */
export function optionsFor(base: StreamBacktestOptions, settings: Record<string, string>): StreamBacktestOptions {
  const params = { ...base.params };
  const latency = { ...base.latency };
  let queueModels = base.queueModels;
  let minRequoteIntervalMs = base.minRequoteIntervalMs;
  for (const [name, value] of Object.entries(settings)) {
    if (name === "latency-entry") latency.entry = value;
    else if (name === "latency-cancel") latency.cancel = value;
    else if (name === "latency-feed") latency.feed = value;
    else if (name === "queue") queueModels = value.split("+");
    else if (name === "min-requote-ms") minRequoteIntervalMs = Number(value);
    else if (typeof base.params[name] === "string") params[name] = value;
    else if (value === "true" || value === "false") params[name] = value === "true";
    else params[name] = /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(value) ? Number(value) : value;
  }
  return { ...base, params, latency, queueModels, minRequoteIntervalMs, onProgress: undefined };
}

export function rowOf(settings: Record<string, string>, r: StreamBacktestReport): SweepRow {
  const s = r.results[0];
  return {
    settings,
    queueModel: s.queueModel,
    pnl: s.final.total,
    sharpe: s.sharpe.annualized,
    maxDrawdown: s.maxDrawdown.absolute,
    fills: s.final.fills,
    inventoryStd: s.inventoryStd,
    meanEdge: s.meanEdge,
    eventsPerSecond: r.eventsPerSecond,
  };
}

const WORKER = join(__dirname, "sweep-worker.js");

/** Runs every combination on up to `threads` worker threads; rows in grid order. `signal` stops it: the threads end, it rejects. */
export async function runSweep(
  base: StreamBacktestOptions,
  axes: SweepAxis[],
  threads = availableParallelism(),
  onDone?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<SweepRow[]> {
  if (!existsSync(WORKER)) throw new BacktestError(`sweeps run on worker threads from the built code: ${WORKER} is missing (npm run build)`);
  const known = Object.keys(STRATEGY_PARAMS[base.strategy]);
  for (const axis of axes) {
    if (!ENGINE_SETTINGS.includes(axis.name) && !known.includes(axis.name)) {
      throw new BacktestError(`--sweep: "${axis.name}" is neither a ${base.strategy} parameter (${known.join(", ")}) nor one of ${ENGINE_SETTINGS.join(", ")}`);
    }
  }
  const combos = grid(axes);
  // every combination checked before any thread starts
  for (const combo of combos) {
    const opts = optionsFor(base, combo);
    validateStrategyParams(opts.strategy, opts.params);
    for (const q of opts.queueModels ?? []) queueModel(q);
    for (const spec of Object.values(opts.latency ?? {})) if (spec !== undefined) latencyModel(spec);
  }
  const rows: SweepRow[] = new Array(combos.length);
  let next = 0;
  let done = 0;
  const stopped = () => new BacktestError("sweep stopped before it finished");
  const runOne = (worker: Worker, index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const opts = optionsFor(base, combos[index]);
      // A thread ended by `signal` (terminate) answers nothing: its exit ends the wait.
      const onExit = () => reject(stopped());
      worker.once("exit", onExit);
      worker.once("message", (m: { ok: true; report: StreamBacktestReport } | { ok: false; error: string }) => {
        worker.off("exit", onExit);
        if (!m.ok) return reject(new BacktestError(`sweep ${JSON.stringify(combos[index])}: ${m.error}`));
        rows[index] = rowOf(combos[index], m.report);
        onDone?.(++done, combos.length);
        resolve();
      });
      worker.postMessage(opts);
    });
  const workers = new Set<Worker>();
  const stopAll = () => {
    for (const worker of workers) void worker.terminate();
  };
  signal?.addEventListener("abort", stopAll, { once: true });
  const lane = async (): Promise<void> => {
    const worker = new Worker(WORKER);
    workers.add(worker);
    worker.on("error", () => undefined);
    try {
      while (next < combos.length && !signal?.aborted) await runOne(worker, next++);
    } finally {
      await worker.terminate();
    }
  };
  try {
    if (signal?.aborted) throw stopped();
    await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, combos.length)) }, lane));
  } finally {
    signal?.removeEventListener("abort", stopAll);
  }
  if (signal?.aborted) throw stopped();
  return rows;
}

export const SWEEP_HEADER = ["PnL", "Sharpe", "max DD", "fills", "inventory std", "mean edge"];

function cells(row: SweepRow): string[] {
  return [
    new Decimal(row.pnl).toDecimalPlaces(4).toString(),
    row.sharpe === null ? "n/a" : row.sharpe.toFixed(2),
    new Decimal(row.maxDrawdown).toDecimalPlaces(4).toString(),
    String(row.fills),
    row.inventoryStd.toPrecision(4),
    row.meanEdge === null ? "n/a" : row.meanEdge.toPrecision(4),
  ];
}

export function sweepTable(axes: SweepAxis[], rows: SweepRow[]): string {
  const header = [...axes.map((a) => a.name), ...SWEEP_HEADER];
  const body = rows.map((r) => [...axes.map((a) => r.settings[a.name]), ...cells(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [fmt(header), ...body.map(fmt)].join("\n");
}

/** A self-contained HTML page: the table, best PnL highlighted, and a bar per combination. */
export function renderSweepHtml(title: string, axes: SweepAxis[], rows: SweepRow[]): string {
  const best = rows.reduce((b, r, i) => (new Decimal(r.pnl).gt(rows[b].pnl) ? i : b), 0);
  const max = Math.max(...rows.map((r) => Math.abs(Number(r.pnl))), 1e-12);
  const header = [...axes.map((a) => a.name), ...SWEEP_HEADER, ""];
  const tr = rows
    .map((r, i) => {
      const pnl = Number(r.pnl);
      const bar = `<svg width="160" height="12"><rect x="${pnl < 0 ? 80 - (80 * -pnl) / max : 80}" y="1" width="${(80 * Math.abs(pnl)) / max}" height="10" fill="${pnl < 0 ? "#c0392b" : "#27ae60"}"/></svg>`;
      const tds = [...axes.map((a) => r.settings[a.name]), ...cells(r)].map((c) => `<td>${escapeHtml(c)}</td>`).join("");
      return `<tr${i === best ? ' style="font-weight:bold"' : ""}>${tds}<td>${bar}</td></tr>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${rows.length} runs; PnL and figures of the headline queue model (${escapeHtml(rows[0]?.queueModel ?? "")}); best PnL in bold.</p>
<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>
${tr}
</table></body></html>
`;
}
