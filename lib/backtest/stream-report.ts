/**
 * Output of the streaming backtest: its headline result (the first queue model) in the shape
 * of the bot-engine report, so the same HTML page and summary serve both, plus the settings
 * (queue and latency models) and a table of the results under every queue model.
 */
import { Decimal } from "../decimal";
import { escapeHtml, renderHtmlReport } from "./html-report";
import type { BacktestReport } from "./run";
import type { StreamBacktestReport } from "./stream-run";

export function headlineReport(r: StreamBacktestReport): BacktestReport {
  const s = r.results[0];
  return {
    strategy: r.strategy,
    params: r.params,
    market: r.market,
    risk: r.settings.risk ?? {},
    minRequoteIntervalMs: r.settings.minRequoteIntervalMs,
    sampleEveryMs: r.settings.sampleEveryMs,
    period: { start: r.period.start, end: r.period.end, events: r.period.events, books: r.period.books, trades: r.period.trades },
    initial: r.initial,
    final: { ...s.final, mid: r.final.mid },
    series: s.series,
    fills: s.fills,
    fillsTruncated: s.fillsTruncated,
    maxDrawdown: s.maxDrawdown,
    sharpe: s.sharpe,
    fillQuality: s.fillQuality,
    orders: { placed: s.orders.placed, refused: s.orders.rejected, cancelled: s.orders.cancelled, requotes: s.orders.requotes },
    botState: s.risk?.halt ? "halted" : "stopped",
    haltReason: s.risk?.halt ? `${s.risk.halt.reason}: ${s.risk.halt.detail} (at ${new Date(s.risk.halt.ts).toISOString()})` : null,
    warnings: [],
    runtimeMs: r.runtimeMs,
    eventsPerSecond: r.eventsPerSecond,
  };
}

const d = (x: string): string => new Decimal(x).toDecimalPlaces(8).toString();

export function comparisonRows(r: StreamBacktestReport): string[][] {
  return r.results.map((s) => [
    s.queueModel,
    d(s.final.total),
    s.sharpe.annualized === null ? "n/a" : s.sharpe.annualized.toFixed(2),
    d(s.maxDrawdown.absolute),
    String(s.final.fills),
    s.inventoryStd.toPrecision(4),
    s.meanEdge === null ? "n/a" : s.meanEdge.toPrecision(4),
  ]);
}

export const COMPARISON_HEADER = ["queue model", "PnL", "Sharpe", "max DD", "fills", "inventory std", "mean edge"];

export function settingsLine(r: StreamBacktestReport): string {
  const l = r.settings.latency;
  return `queue models ${r.settings.queueModels.join(", ")}; latency entry ${l.entry} / cancel ${l.cancel} / feed ${l.feed} ms (seed ${r.settings.seed}); ${riskLine(r)}`;
}

/** The risk limits and what they did under each queue model. */
export function riskLine(r: StreamBacktestReport): string {
  if (!r.settings.risk) return "no risk limits";
  const { scope: _scope, ...limits } = r.settings.risk;
  const did = r.results.map((s) => {
    const rejected = Object.entries(s.risk?.rejected ?? {}).map(([reason, n]) => `${n} ${reason}`);
    const parts = [s.risk?.halt ? `halted at ${new Date(s.risk.halt.ts).toISOString()} (${s.risk.halt.reason})` : "", rejected.length ? `refused ${rejected.join(", ")}` : "", s.risk?.stalePulls ? `stale feed ${s.risk.stalePulls}×` : ""].filter(Boolean);
    return `${s.queueModel}: ${parts.length ? parts.join("; ") : "no limit reached"}`;
  });
  return `risk ${JSON.stringify(limits)}: ${did.join(" | ")}`;
}

export function renderStreamHtmlReport(r: StreamBacktestReport): string {
  const table = (header: string[], rows: string[][]): string =>
    `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")}</table>`;
  const section = `<h2>Queue and latency</h2><p>${escapeHtml(settingsLine(r))}. Charts above: ${escapeHtml(r.results[0].queueModel)}.</p>${table(COMPARISON_HEADER, comparisonRows(r))}`;
  return renderHtmlReport(headlineReport(r)).replace("</body>", `${section}\n</body>`);
}

export function streamSummary(r: StreamBacktestReport): string {
  const q = r.market.quote;
  const widths = COMPARISON_HEADER.map((h, i) => Math.max(h.length, ...comparisonRows(r).map((row) => row[i].length)));
  const fmt = (row: string[]): string => `  ${row.map((c, i) => c.padEnd(widths[i])).join("  ")}`;
  return [
    `  ${settingsLine(r)}; PnL in ${q}`,
    fmt(COMPARISON_HEADER),
    ...comparisonRows(r).map(fmt),
  ].join("\n");
}
