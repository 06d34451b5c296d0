/**
 * A job's report as stored: JSON within a size cap. A stream report is mostly its series and fills
 * (up to MAX_SERIES samples of ~170 bytes and MAX_REPORTED_FILLS fills of ~300 bytes per queue
 * model: ~6.5 MB each, ~40 MB with six models). Past the cap the series are thinned (every other
 * sample, the last kept) and the fills cut (the first half kept, `fillsTruncated` set) until it
 * fits, and the report says so in `trimmed`. A sweep keeps its first rows in grid order. The
 * headline figures (final, drawdown, Sharpe, fill quality) stay the engine's over the whole run.
 */
import type { BacktestJob } from "./jobs";

/** 32 MB of JSON: four queue models at the series and fill limits fit whole; a TEXT column holds up to 1 GB on both dialects. */
export const DEFAULT_MAX_REPORT_BYTES = 32 * 1024 * 1024;

type Report = NonNullable<BacktestJob["report"]>;

export interface FittedReport {
  json: string;
  /** Why and how the stored report differs from the run's, or null when it does not. */
  trimmed: string | null;
}

const bytesOf = (json: string): number => Buffer.byteLength(json, "utf8");

function thin<T>(items: T[]): T[] {
  if (items.length <= 2) return items;
  const out = items.filter((_, i) => i % 2 === 0);
  if (out.at(-1) !== items.at(-1)) out.push(items.at(-1) as T);
  return out;
}

export function fitReport(report: Report, maxBytes = DEFAULT_MAX_REPORT_BYTES): FittedReport {
  const json = JSON.stringify(report);
  if (bytesOf(json) <= maxBytes) return { json, trimmed: null };
  const note = `the stored report was trimmed to fit ${maxBytes} bytes (the run's was ${bytesOf(json)})`;
  if ("rows" in report) {
    let rows = report.rows;
    for (;;) {
      rows = rows.slice(0, Math.floor(rows.length / 2));
      const trimmed = `${note}: the first ${rows.length} of ${report.rows.length} rows are kept`;
      const out = JSON.stringify({ ...report, rows, trimmed });
      if (bytesOf(out) <= maxBytes || rows.length === 0) return { json: out, trimmed };
    }
  }
  let results = report.results;
  for (let round = 1; ; round++) {
    results = results.map((r) => ({ ...r, series: thin(r.series), fills: r.fills.slice(0, Math.floor(r.fills.length / 2)), fillsTruncated: r.fillsTruncated || r.fills.length > 0 }));
    const trimmed = `${note}: each series thinned to 1 sample in ${2 ** round}, each list of fills cut to its first 1/${2 ** round}`;
    const out = JSON.stringify({ ...report, results, trimmed });
    const empty = results.every((r) => r.series.length <= 2 && r.fills.length === 0);
    if (bytesOf(out) <= maxBytes || empty) return { json: out, trimmed };
  }
}
