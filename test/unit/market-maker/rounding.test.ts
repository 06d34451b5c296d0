import { roundQuotes, type DecimalRules } from "../../../lib/market-maker/rounding";
import type { Quote } from "../../../lib/strategies/types";

const rules: DecimalRules = { tickSize: "0.01", lotSize: "0.001" };
const q = (side: "buy" | "sell", price: number, amount: number, level = 0): Quote => ({ side, price, amount, level });

describe("roundQuotes", () => {
  it("floors bids and ceils asks to the tick, floors amounts to the lot", () => {
    // bid 100.129 → floor to 0.01 = 100.12; ask 100.131 → ceil = 100.14; amount 0.12345 → 0.123
    expect(roundQuotes([q("buy", 100.129, 0.12345), q("sell", 100.131, 0.9999)], rules)).toEqual([
      { side: "buy", price: "100.12", amount: "0.123", level: 0 },
      { side: "sell", price: "100.14", amount: "0.999", level: 0 },
    ]);
  });

  it("keeps a price already on the tick, and reads floats by their shortest repr", () => {
    // 0.1 + 0.2 = 0.30000000000000004 as a float: bid floors to 0.30, an ask ceils to 0.31
    expect(roundQuotes([q("buy", 0.1 + 0.2, 1)], rules)[0].price).toBe("0.30");
    expect(roundQuotes([q("sell", 0.1 + 0.2, 1)], rules)[0].price).toBe("0.31");
    // bid 0.30000000000000004 → 0.30 and ask 0.3 → 0.30 touch: the pair is dropped
    expect(roundQuotes([q("buy", 0.1 + 0.2, 1), q("sell", 0.3, 1)], rules)).toEqual([]);
    // 1.1 as a float is 1.100000000000000088..., but its repr "1.1" is on the tick: stays 1.10 for both sides
    expect(roundQuotes([q("buy", 1.1, 1), q("sell", 1.12, 1)], rules).map((r) => r.price)).toEqual(["1.10", "1.12"]);
  });

  it("uses the tick/lot decimal places, never an exponent", () => {
    const r = roundQuotes([q("buy", 1e-7 * 1.5, 12345678), q("sell", 103.2, 1.5)], { tickSize: "0.00000001", lotSize: "1" });
    // 1.5e-7 → floor to 1e-8 = 0.00000015; amount 12345678 on lot 1
    expect(r[0]).toEqual({ side: "buy", price: "0.00000015", amount: "12345678", level: 0 });
    // tick 5: ask 103.2 → ceil to 105; lot "0.10" has 1 decimal place → 1.5
    expect(roundQuotes([q("sell", 103.2, 1.55)], { tickSize: "5", lotSize: "0.10" })).toEqual([
      { side: "sell", price: "105", amount: "1.5", level: 0 },
    ]);
  });

  it("drops zero/negative prices, zero amounts, below minAmount and below minNotional", () => {
    const r = roundQuotes(
      [
        q("buy", 0.004, 1, 0), // floors to 0.00 → dropped
        q("buy", -1, 1, 1), // negative → dropped
        q("buy", 100, 0.0009, 2), // amount floors to 0 → dropped
        q("buy", 100, 0.004, 3), // 0.004 < minAmount 0.005 → dropped
        q("buy", 100, 0.09, 4), // notional 9 < 10 → dropped
        q("buy", 100, 0.1, 5), // notional 10 = 10 → kept
        q("sell", 101, Number.NaN, 0), // not a number → dropped
      ],
      { ...rules, minAmount: "0.005", minNotional: "10" },
    );
    expect(r).toEqual([{ side: "buy", price: "100.00", amount: "0.100", level: 5 }]);
  });

  it("checks minNotional on the rounded values", () => {
    // bid 10.009 → 10.00, amount 1 → notional 10.00 < 10.005 → dropped; ask 10.001 → 10.01 → 10.01 ≥ 10.005 kept
    const r = roundQuotes([q("buy", 10.009, 1), q("sell", 10.001, 1)], { ...rules, minNotional: "10.005" });
    expect(r).toEqual([{ side: "sell", price: "10.01", amount: "1.000", level: 0 }]);
  });

  it("drops the crossing inner pair and keeps the outer levels", () => {
    const r = roundQuotes(
      [q("buy", 100.5, 1, 0), q("buy", 99, 1, 1), q("sell", 100.2, 1, 0), q("sell", 101, 1, 1)],
      rules,
    );
    // best bid 100.50 ≥ best ask 100.20 → both dropped; then 99.00 < 101.00
    expect(r).toEqual([
      { side: "buy", price: "99.00", amount: "1.000", level: 1 },
      { side: "sell", price: "101.00", amount: "1.000", level: 1 },
    ]);
  });

  it("keeps dropping while crossed and treats touching as crossed", () => {
    // bids 102, 101 vs asks 100, 101.5: drop (102,100), then 101 < 101.5 → keep
    const r1 = roundQuotes([q("buy", 102, 1, 0), q("buy", 101, 1, 1), q("sell", 100, 1, 0), q("sell", 101.5, 1, 1)], rules);
    expect(r1.map((x) => `${x.side}@${x.price}`)).toEqual(["buy@101.00", "sell@101.50"]);
    // bid 100 = ask 100 → touching → both dropped
    expect(roundQuotes([q("buy", 100, 1), q("sell", 100, 1)], rules)).toEqual([]);
  });

  it("sorts buys then sells by level and rejects a bad tick", () => {
    const r = roundQuotes([q("sell", 102, 1, 1), q("buy", 98, 1, 1), q("sell", 101, 1, 0), q("buy", 99, 1, 0)], rules);
    expect(r.map((x) => `${x.side}${x.level}`)).toEqual(["buy0", "buy1", "sell0", "sell1"]);
    expect(() => roundQuotes([], { tickSize: "0", lotSize: "1" })).toThrow(/tickSize/);
  });

  it("tolerates numeric rules at runtime (read by their shortest repr)", () => {
    const numeric = { tickSize: 0.1, lotSize: 0.01, minNotional: 5 } as unknown as DecimalRules;
    // 0.1 tick: bid 100.37 → 100.3; amount 0.049 → 0.04 → notional 4.012 < 5 → dropped; 0.059 → 0.05 → 5.015 kept
    expect(roundQuotes([q("buy", 100.37, 0.049), q("buy", 100.37, 0.059, 1)], numeric)).toEqual([
      { side: "buy", price: "100.3", amount: "0.05", level: 1 },
    ]);
  });
});
