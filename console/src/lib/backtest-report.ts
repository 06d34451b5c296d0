/**
 * Backtest output files (`npm run backtest`) as rows to compare: a bot-engine report.json (one run),
 * a stream-engine report.json (one row per queue model), a sweep.json (one row per grid point and
 * queue model). Amounts stay decimal strings.
 */
export interface ReportRow {
  file: string;
  /** What distinguishes the row: queue model, sweep settings. */
  label: string;
  strategy: string;
  symbol: string;
  pnl: string;
  fills: number | null;
  volume: string | null;
  maxDrawdown: string | null;
  sharpe: number | null;
  params: string;
}

type Json = Record<string, any>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

export function summarizeReport(file: string, report: unknown): ReportRow[] {
  const r = report as Json;
  if (!r || typeof r !== "object" || typeof r.strategy !== "string") throw new Error("not a backtest report (no strategy)");
  const params = JSON.stringify(r.params ?? {});
  const symbol = String(r.market?.symbol ?? "");
  if (Array.isArray(r.rows) && Array.isArray(r.axes)) {
    // sweep.json
    return r.rows.map((row: Json) => ({
      file,
      label: `${Object.entries(row.settings ?? {}).map(([k, v]) => `${k}=${v}`).join(" ")} · ${row.queueModel ?? ""}`.trim(),
      strategy: r.strategy,
      symbol,
      pnl: str(row.pnl) ?? "0",
      fills: num(row.fills),
      volume: null,
      maxDrawdown: str(row.maxDrawdown),
      sharpe: num(row.sharpe),
      params,
    }));
  }
  if (Array.isArray(r.results)) {
    // stream engine: one simulation per queue model
    return r.results.map((s: Json) => ({
      file,
      label: `queue ${s.queueModel}`,
      strategy: r.strategy,
      symbol,
      pnl: str(s.final?.total) ?? "0",
      fills: num(s.final?.fills),
      volume: str(s.final?.volume),
      maxDrawdown: str(s.maxDrawdown?.absolute),
      sharpe: num(s.sharpe?.annualized),
      params,
    }));
  }
  if (r.final && typeof r.final === "object") {
    return [{ file, label: r.haltReason ? `halted: ${r.haltReason}` : "bot engine", strategy: r.strategy, symbol, pnl: str(r.final.total) ?? "0", fills: num(r.final.fills), volume: str(r.final.volume), maxDrawdown: str(r.maxDrawdown?.absolute), sharpe: num(r.sharpe?.annualized), params }];
  }
  throw new Error("not a backtest report (no results)");
}

/** Rows best PnL first (compared as decimals, not floats: equal to 1e-8 differences are kept in order). */
export function byPnl(rows: ReportRow[]): ReportRow[] {
  const key = (s: string) => {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
    return m ? { neg: m[1] === "-", int: m[2].replace(/^0+(?=\d)/, ""), frac: m[3] ?? "" } : { neg: false, int: "0", frac: "" };
  };
  const cmp = (a: string, b: string): number => {
    const x = key(a);
    const y = key(b);
    if (x.neg !== y.neg) return x.neg ? -1 : 1;
    const sign = x.neg ? -1 : 1;
    if (x.int.length !== y.int.length) return sign * (x.int.length - y.int.length);
    if (x.int !== y.int) return sign * (x.int < y.int ? -1 : 1);
    const n = Math.max(x.frac.length, y.frac.length);
    const fx = x.frac.padEnd(n, "0");
    const fy = y.frac.padEnd(n, "0");
    return fx === fy ? 0 : sign * (fx < fy ? -1 : 1);
  };
  return [...rows].sort((a, b) => cmp(b.pnl, a.pnl));
}
