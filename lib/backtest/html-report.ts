/**
 * A backtest report as one self-contained HTML page: summary table and inline SVG charts
 * (equity and PnL, inventory, mid price with fill markers). No scripts, no stylesheets or
 * fonts from the network: the file opens offline.
 */
import type { BacktestReport } from "./run";

const W = 960;
const H = 260;
const PAD = { left: 78, right: 16, top: 24, bottom: 30 };

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Line {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

interface Marker {
  x: number;
  y: number;
  color: string;
  up: boolean;
}

/** Axis labels in plain decimals at 6 significant digits (a micro-priced coin's 0.0000000101, never 1.01e-8). */
const axisNumber = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 6, useGrouping: false });
const fmt = (v: number): string => axisNumber.format(v);

/** One line chart; markers are drawn as small triangles (buy up, sell down). */
export function svgChart(title: string, lines: Line[], markers: Marker[] = []): string {
  const xs = lines.flatMap((l) => l.points.map((p) => p[0])).concat(markers.map((m) => m.x));
  const ys = lines.flatMap((l) => l.points.map((p) => p[1])).concat(markers.map((m) => m.y));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`;
  const titleEl = `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`;
  if (xs.length === 0) return `${head}${titleEl}<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`;
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => PAD.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [head, titleEl];
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" font-size="11" text-anchor="end">${fmt(y)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const x = x0 + ((x1 - x0) * i) / 4;
    const label = new Date(x).toISOString().slice(11, 19);
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${H - 10}" font-size="11" text-anchor="middle">${label}</text>`);
  }
  if (y0 < 0 && y1 > 0) parts.push(`<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
  lines.forEach((l, i) => {
    if (l.points.length === 0) return;
    const d = l.points.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.4"/>`);
    parts.push(`<text x="${PAD.left + pw - 8 - i * 150}" y="16" font-size="12" text-anchor="end" fill="${l.color}">${escapeHtml(l.label)}</text>`);
  });
  for (const m of markers) {
    const [x, y] = [sx(m.x), sy(m.y)];
    const tri = m.up ? `${x},${y - 4} ${x - 3.5},${y + 3} ${x + 3.5},${y + 3}` : `${x},${y + 4} ${x - 3.5},${y - 3} ${x + 3.5},${y - 3}`;
    parts.push(`<polygon points="${tri}" fill="${m.color}" fill-opacity="0.8"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

const FILL_ROWS = 500;

export function renderHtmlReport(r: BacktestReport): string {
  const s = r.series;
  const equity = svgChart(`Equity (${r.market.quote})`, [{ label: "equity", color: "#1f77b4", points: s.map((x) => [x.ts, Number(x.equity)]) }]);
  const pnl = svgChart(`PnL (${r.market.quote})`, [
    { label: "total", color: "#1f77b4", points: s.map((x) => [x.ts, Number(x.realized) + Number(x.unrealized)]) },
    { label: "realized (after fees)", color: "#2ca02c", points: s.map((x) => [x.ts, Number(x.realized)]) },
  ]);
  const inventory = svgChart(`Position (${r.market.base})`, [{ label: "position", color: "#9467bd", points: s.map((x) => [x.ts, Number(x.position)]) }]);
  const price = svgChart(
    `Mid price and fills${r.fillsTruncated ? ` (first ${r.fills.length})` : ""}`,
    [{ label: "mid", color: "#555", points: s.map((x) => [x.ts, Number(x.mid)]) }],
    r.fills.map((f) => ({ x: f.ts, y: Number(f.price), color: f.side === "buy" ? "#2ca02c" : "#d62728", up: f.side === "buy" })),
  );
  const f = r.final;
  const bp = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(3)} bp`);
  const rows: Array<[string, string]> = [
    ["Strategy", r.strategy],
    ["Market", `${r.market.symbol} (tick ${r.market.tickSize}, lot ${r.market.lotSize}, maker fee ${r.market.makerFee})`],
    ["Period", `${new Date(r.period.start).toISOString()} → ${new Date(r.period.end).toISOString()} (${r.period.events} events)`],
    ["Starting capital", `${r.initial.capital} ${r.market.quote} (${r.initial.base} ${r.market.base} + ${r.initial.quote} ${r.market.quote} at mid ${r.initial.mid})`],
    ["PnL total", `${f.total} ${r.market.quote} (realized ${f.realized}, unrealized ${f.unrealized})`],
    ["Fees paid", `${f.feesPaid} ${r.market.quote}`],
    ["Fills / volume", `${f.fills} / ${f.volume} ${r.market.quote}`],
    ["Mean fill edge / fee", `${bp(r.fillQuality.meanEdgeBps)} / ${bp(r.fillQuality.meanFeeBps)} against the mid (maker fee ${bp(r.fillQuality.makerFeeBps)})`],
    ["Mean markout 1 s / 10 s / 60 s", `${bp(r.fillQuality.meanMarkoutBps["1s"])} / ${bp(r.fillQuality.meanMarkoutBps["10s"])} / ${bp(r.fillQuality.meanMarkoutBps["60s"])}`],
    ["Final position", `${f.position} ${r.market.base}`],
    ["Max drawdown", `${r.maxDrawdown.absolute} ${r.market.quote} (${(r.maxDrawdown.pct * 100).toFixed(4)} % of peak equity)`],
    ["Sharpe (annualized)", r.sharpe.annualized === null ? "n/a" : r.sharpe.annualized.toFixed(2)],
    ["Orders", `${r.orders.placed} placed, ${r.orders.cancelled} cancelled, ${r.orders.refused} refused, ${r.orders.requotes} requotes`],
    ["Bot state", r.haltReason ? `${r.botState}: ${r.haltReason}` : r.botState],
    ["Replay speed", `${r.eventsPerSecond} events/s (${r.runtimeMs.toFixed(0)} ms)`],
  ];
  const num = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  const fillRows = r.fills
    .slice(0, FILL_ROWS)
    .map((x) =>
      `<tr>${[new Date(x.ts).toISOString(), x.side, x.price, x.amount, x.mid, num(x.quality.edgeBps), num(x.quality.feeBps), num(x.quality.markoutBps["1s"]), num(x.quality.markoutBps["10s"]), num(x.quality.markoutBps["60s"])].map((c) => `<td>${escapeHtml(String(c))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const table = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mmesh backtest: ${escapeHtml(r.strategy)} on ${escapeHtml(r.market.symbol)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 20px; }
th { text-align: left; padding: 3px 16px 3px 0; font-weight: 600; }
td { padding: 3px 0; font-family: ui-monospace, monospace; }
svg { display: block; margin: 8px 0 18px; font-family: system-ui, sans-serif; }
pre { background: #f4f4f4; padding: 8px; }
</style>
</head>
<body>
<h1>Backtest: ${escapeHtml(r.strategy)} on ${escapeHtml(r.market.symbol)}</h1>
<table>
${table}
</table>
${equity}
${pnl}
${inventory}
${price}
<h2>Fills${r.fills.length > FILL_ROWS ? ` (first ${FILL_ROWS} of ${r.fills.length})` : ""}: edge, fee and markouts in bp of the mid</h2>
<table>
<tr><th>time</th><th>side</th><th>price</th><th>amount</th><th>mid</th><th>edge</th><th>fee</th><th>1 s</th><th>10 s</th><th>60 s</th></tr>
${fillRows}
</table>
<h2>Parameters</h2>
<pre>${escapeHtml(JSON.stringify(r.params, null, 2))}</pre>
</body>
</html>
`;
}
