/** Display helpers: amounts stay decimal strings; only the shown digits are cut. */
export function fmtDecimal(value: string | number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || value === "") return "—";
  const s = String(value);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = ""] = m;
  const cut = digits > 0 ? `.${frac.padEnd(digits, "0").slice(0, digits)}` : "";
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${cut}`;
}

export function fmtTime(ts: number | string | null | undefined): string {
  if (ts === null || ts === undefined) return "—";
  const d = new Date(typeof ts === "number" && ts < 1e12 ? ts * 1000 : ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toISOString().replace("T", " ").slice(0, 19);
}

export function signClass(value: string | number | null | undefined): string {
  const n = Number(value);
  return n > 0 ? "pos" : n < 0 ? "neg" : "";
}
