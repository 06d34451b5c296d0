/**
 * roundQuotes decides in floats where floats decide exactly and in decimals otherwise; its
 * output must be what plain decimal rounding gives. The reference below is the all-decimal
 * algorithm (the rules in lib/market-maker/rounding.ts), run on seeded random quotes that
 * sit on, near and off the grid, across ticks, lots and minimums.
 */
import Decimal from "decimal.js";
import { roundQuotes, type DecimalRules } from "../../../lib/market-maker/rounding";
import type { Quote } from "../../../lib/strategies/types";

const D = Decimal.clone({ precision: 60, toExpNeg: -1e9, toExpPos: 1e9 });
type Dec = InstanceType<typeof D>;

function reference(quotes: Quote[], rules: DecimalRules): Array<{ side: string; price: string; amount: string; level: number }> {
  const tick = new D(String(rules.tickSize));
  const lot = new D(String(rules.lotSize));
  const minAmount = rules.minAmount !== undefined ? new D(rules.minAmount) : null;
  const minNotional = rules.minNotional !== undefined ? new D(rules.minNotional) : null;
  const kept: Array<{ side: "buy" | "sell"; price: Dec; amount: Dec; level: number; idx: number }> = [];
  quotes.forEach((q, idx) => {
    if (!Number.isFinite(q.price) || !Number.isFinite(q.amount)) return;
    const p = new D(String(q.price)).div(tick);
    const price = (q.side === "buy" ? p.floor() : p.ceil()).times(tick);
    const amount = new D(String(q.amount)).div(lot).floor().times(lot);
    if (price.lte(0) || amount.lte(0)) return;
    if (minAmount && amount.lt(minAmount)) return;
    if (minNotional && price.times(amount).lt(minNotional)) return;
    kept.push({ side: q.side, price, amount, level: q.level, idx });
  });
  const dropped = new Set<number>();
  for (;;) {
    const live = kept.filter((w) => !dropped.has(w.idx));
    const bids = live.filter((w) => w.side === "buy").sort((a, b) => b.price.cmp(a.price));
    const asks = live.filter((w) => w.side === "sell").sort((a, b) => a.price.cmp(b.price));
    if (!bids[0] || !asks[0] || bids[0].price.lt(asks[0].price)) break;
    dropped.add(bids[0].idx);
    dropped.add(asks[0].idx);
  }
  return kept
    .filter((w) => !dropped.has(w.idx))
    .sort((a, b) => (a.side === b.side ? a.level - b.level || a.idx - b.idx : a.side === "buy" ? -1 : 1))
    .map((w) => ({ side: w.side, price: w.price.toFixed(tick.decimalPlaces()), amount: w.amount.toFixed(lot.decimalPlaces()), level: w.level }));
}

describe("roundQuotes: the float fast path gives the exact decimal result", () => {
  it("on 20 000 seeded random books", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const ticks = ["0.01", "0.5", "5", "0.00001", "1e-8", "0.1", "0.25", "10"];
    const lots = ["0.001", "1", "0.00001", "0.1", "5", "1e-6"];
    const value = (base: number) => {
      const r = rnd();
      if (r < 0.3) return Math.round(base * (1 + (rnd() - 0.5) * 0.1) * 100) / 100; // on a 0.01 grid
      if (r < 0.4) return base * 0.99; // float noise around grid points
      if (r < 0.5) return 100.1 * 0.99;
      return base * (1 + (rnd() - 0.5) * 0.02);
    };
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const rules: DecimalRules = { tickSize: pick(ticks), lotSize: pick(lots) };
      if (i % 5 === 0) rules.minAmount = "0.005";
      if (i % 7 === 0) rules.minNotional = pick(["10", "10.005", "0.5"]);
      const mid = value(pick([100, 0.01234, 35000, 1.5, 0.0003, 2.7e6]));
      const quotes: Quote[] = [];
      for (let level = 0; level < 1 + (i % 3); level++) {
        const spread = pick([0.01, 0.0001, 0, -0.001, 0.003]);
        quotes.push({ side: "buy", price: mid * (1 - spread - level * 0.001), amount: value(1) / 100, level });
        quotes.push({ side: "sell", price: mid * (1 + spread + level * 0.001), amount: pick([1, 0.1, 0.3, value(2)]), level });
      }
      if (i % 11 === 0) quotes.push({ side: "buy", price: Number.NaN, amount: 1, level: 5 }, { side: "sell", price: -1, amount: 1, level: 6 });
      expect(roundQuotes(quotes, rules)).toEqual(reference(quotes, rules));
      compared++;
    }
    expect(compared).toBe(20_000);
  });
});
