/**
 * A scanner for the replay JSONL lines in the layout this project writes (keys in the order
 * ts, type, symbol, then bids/asks or side/price/amount; no spaces), straight into the reused
 * StreamEvent: no objects, no substrings. Decimals with ≤ 15 significant digits are parsed as
 * integer mantissa ÷ 10^k, which is correctly rounded (one rounding, Clinger's fast path);
 * longer ones go through Number(). Any line in another shape returns false and the caller
 * parses it with JSON.parse (which also produces the error messages).
 */
import type { StreamEvent } from "./event-stream";

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Scanner state: the position after the last read, and the number read. */
class Cursor {
  pos = 0;
  value = 0;
}

const cur = new Cursor();

function expect(line: string, text: string): boolean {
  if (!line.startsWith(text, cur.pos)) return false;
  cur.pos += text.length;
  return true;
}

/** A non-negative decimal, optionally in quotes, into cur.value. */
function decimal(line: string): boolean {
  let p = cur.pos;
  const quoted = line.charCodeAt(p) === 34;
  if (quoted) p++;
  const start = p;
  let mantissa = 0;
  let digits = 0;
  let frac = -1;
  for (;;) {
    const c = line.charCodeAt(p);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) digits++;
      if (frac >= 0) frac++;
      p++;
    } else if (c === 46 && frac < 0) {
      frac = 0;
      p++;
    } else break;
  }
  if (p === start || frac === 0) return false;
  if (quoted) {
    if (line.charCodeAt(p) !== 34) return false;
    p++;
  }
  if (digits <= 15 && frac <= 22) cur.value = frac > 0 ? mantissa / POW10[frac] : mantissa;
  else cur.value = Number(line.slice(start, quoted ? p - 1 : p));
  cur.pos = p;
  return true;
}

function levels(line: string, px: Float64Array, qty: Float64Array): number {
  if (line.charCodeAt(cur.pos) !== 91) return -1;
  cur.pos++;
  let n = 0;
  if (line.charCodeAt(cur.pos) === 93) {
    cur.pos++;
    return 0;
  }
  for (;;) {
    if (!expect(line, "[") || !decimal(line)) return -1;
    const price = cur.value;
    if (!expect(line, ",") || !decimal(line) || !expect(line, "]")) return -1;
    if (n < px.length) {
      px[n] = price;
      qty[n] = cur.value;
      n++;
    }
    const c = line.charCodeAt(cur.pos++);
    if (c === 93) return n;
    if (c !== 44) return -1;
  }
}

/**
 * Fills `e` from `line` when it has the expected layout; `symbol` is the previous event's
 * symbol, reused (no new string) when the line has the same one.
 */
export function scanReplayLine(line: string, e: StreamEvent): boolean {
  cur.pos = 0;
  if (!expect(line, '{"ts":')) return false;
  let p = cur.pos;
  let ts = 0;
  const start = p;
  for (let c = line.charCodeAt(p); c >= 48 && c <= 57; c = line.charCodeAt(++p)) ts = ts * 10 + (c - 48);
  if (p === start || p - start > 15) return false;
  cur.pos = p;
  let book: boolean;
  if (expect(line, ',"type":"book","symbol":"')) book = true;
  else if (expect(line, ',"type":"trade","symbol":"')) book = false;
  else return false;
  const symbolEnd = line.indexOf('"', cur.pos);
  if (symbolEnd < 0) return false;
  const sameSymbol = symbolEnd - cur.pos === e.symbol.length && line.startsWith(e.symbol, cur.pos);
  const symbol = sameSymbol ? e.symbol : line.slice(cur.pos, symbolEnd);
  if (symbol.indexOf("/") < 0 || symbol.indexOf("\\") >= 0) return false;
  cur.pos = symbolEnd + 1;
  if (book) {
    if (!expect(line, ',"bids":')) return false;
    const bids = levels(line, e.bidPx, e.bidQty);
    if (bids < 0 || !expect(line, ',"asks":')) return false;
    const asks = levels(line, e.askPx, e.askQty);
    if (asks < 0 || !expect(line, "}") || cur.pos !== line.length) return false;
    e.type = "book";
    e.bids = bids;
    e.asks = asks;
  } else {
    let side: "buy" | "sell";
    if (expect(line, ',"side":"buy","price":')) side = "buy";
    else if (expect(line, ',"side":"sell","price":')) side = "sell";
    else return false;
    if (!decimal(line)) return false;
    const price = cur.value;
    if (!expect(line, ',"amount":') || !decimal(line) || !expect(line, "}") || cur.pos !== line.length) return false;
    e.type = "trade";
    e.side = side;
    e.price = price;
    e.amount = cur.value;
  }
  e.ts = ts;
  e.symbol = symbol;
  return true;
}
