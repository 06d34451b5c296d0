import { PnlTracker, PositionLedger, type AccountingFill } from "../../../lib/market-maker/accounting";

let seq = 0;
const fill = (side: "buy" | "sell", amount: string, price: string, fee?: [string, string]): AccountingFill => ({
  tradeId: `t${++seq}`,
  side,
  price,
  amount,
  feeCost: fee ? fee[0] : null,
  feeCurrency: fee ? fee[1] : null,
  ts: 1_700_000_000_000 + seq,
});

describe("PositionLedger", () => {
  it("averages increases and realizes on the reducing part", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "1", "100"));
    l.apply(fill("buy", "1", "110"));
    // avg = (100 + 110) / 2 = 105
    expect(l.snapshot()).toMatchObject({ position: "2", avgEntryPrice: "105", realized: "0", fills: 2 });
    l.apply(fill("sell", "1.5", "120"));
    // realized = (120 − 105) × 1.5 = 22.5; 0.5 left at 105
    expect(l.snapshot()).toMatchObject({ position: "0.5", avgEntryPrice: "105", realized: "22.5", volume: "390" });
    // unrealized at 100 = 0.5 × (100 − 105) = −2.5; equity = 22.5 − 2.5 = 20
    expect(l.unrealized("100")).toBe("-2.5");
    expect(l.equity("100")).toBe("20");
  });

  it("flips through zero: closes at avg, opens the remainder at the fill price", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "2", "105"));
    l.apply(fill("sell", "1.5", "120")); // realized 22.5, pos 0.5 @105
    l.apply(fill("sell", "1.5", "100"));
    // closing 0.5: (100 − 105) × 0.5 = −2.5 → realized 20; short 1 @100
    expect(l.snapshot()).toMatchObject({ position: "-1", avgEntryPrice: "100", realized: "20" });
    // short unrealized at 90 = −1 × (90 − 100) = 10
    expect(l.unrealized("90")).toBe("10");
    expect(l.equity("90")).toBe("30");
    l.apply(fill("sell", "1", "94")); // short increase: avg = (100 + 94) / 2 = 97
    expect(l.snapshot()).toMatchObject({ position: "-2", avgEntryPrice: "97" });
    l.apply(fill("buy", "3", "95"));
    // closing 2 of the short: (97 − 95) × 2 = 4 → realized 24; long 1 @95
    expect(l.snapshot()).toMatchObject({ position: "1", avgEntryPrice: "95", realized: "24" });
    l.apply(fill("sell", "1", "95")); // flat at cost: realized unchanged, avg back to 0
    expect(l.snapshot()).toMatchObject({ position: "0", avgEntryPrice: "0", realized: "24" });
    expect(l.unrealized("1000")).toBe("0");
  });

  it("a base-currency fee on a buy reduces the base received, valued at the fill price", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "1", "100", ["0.001", "BTC"]));
    // received 0.999 BTC @100; fee 0.001 × 100 = 0.1 in feesPaid and out of realized
    expect(l.snapshot()).toMatchObject({ position: "0.999", avgEntryPrice: "100", realized: "-0.1", feesPaid: "0.1" });
    // mark 110: 0.999 × 10 = 9.99 − 0.1 = 9.89 = holdings 0.999 × 110 − 100 spent
    expect(l.equity("110")).toBe("9.89");
  });

  it("a base-currency fee on a sell gives up amount + fee", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "2", "100"));
    l.apply(fill("sell", "1", "120", ["0.001", "BTC"]));
    // 1.001 leaves at 120: (120 − 100) × 1.001 = 20.02, fee 0.001 × 120 = 0.12 → realized 19.9
    expect(l.snapshot()).toMatchObject({ position: "0.999", realized: "19.9", feesPaid: "0.12", volume: "320" });
    // mark 120: 19.9 + 0.999 × 20 = 39.88 = 0.999 × 120 + 120 received − 200 spent
    expect(l.equity("120")).toBe("39.88");
  });

  it("a quote-currency fee on a sell comes out of realized", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "1", "100"));
    l.apply(fill("sell", "1", "120", ["0.12", "usdt"])); // currency compared case-insensitively
    // (120 − 100) × 1 − 0.12 = 19.88
    expect(l.snapshot()).toMatchObject({ position: "0", avgEntryPrice: "0", realized: "19.88", feesPaid: "0.12" });
  });

  it("a fee in a third currency goes to otherFees only; rebates are negative fees", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "1", "100", ["0.0005", "BNB"]));
    l.apply(fill("buy", "1", "100", ["0.0002", "BNB"]));
    l.apply(fill("sell", "1", "100", ["-0.01", "USDT"])); // maker rebate
    const s = l.snapshot();
    expect(s.otherFees).toEqual({ BNB: "0.0007" });
    expect(s).toMatchObject({ feesPaid: "-0.01", realized: "0.01", position: "1" });
  });

  it("is exact in decimals: 0.1 + 0.2", () => {
    const l = new PositionLedger("ETH", "USDT");
    l.apply(fill("buy", "0.1", "1"));
    l.apply(fill("buy", "0.2", "1"));
    expect(l.snapshot().position).toBe("0.3"); // float 0.1 + 0.2 = 0.30000000000000004
    l.apply(fill("sell", "0.3", "1.1"));
    // (1.1 − 1) × 0.3 = 0.03
    expect(l.snapshot()).toMatchObject({ position: "0", realized: "0.03", volume: "0.63" });
  });

  it("closes a repeating-decimal average exactly", () => {
    const l = new PositionLedger("BTC", "USDT");
    l.apply(fill("buy", "1", "100"));
    l.apply(fill("buy", "2", "101"));
    // avg = 302 / 3 = 100.666…; unrealized at 101 = 303 − 302 = 1 exactly
    expect(l.snapshot().avgEntryPrice.startsWith("100.66666666")).toBe(true);
    expect(l.unrealized("101")).toBe("1");
    l.apply(fill("sell", "3", "101"));
    expect(l.snapshot().realized).toBe("1");
  });

  it("keeps a PnL of more than 20 significant digits exact, over 40-digit products", () => {
    const l = new PositionLedger("BTC", "USDT");
    const amount = "1.00000000000000000001";
    l.apply(fill("buy", amount, "9876543210987.654321"));
    // cost 9876543210987.65432109876543210987654321 (39 significant digits); mark 2 above the entry
    expect(l.unrealized("9876543210989.654321")).toBe("2.00000000000000000002");
    l.apply(fill("sell", amount, "9876543210988.654321"));
    expect(l.snapshot()).toMatchObject({ position: "0", realized: "1.00000000000000000001", volume: "19753086421976.30864219753086421976308642" });
    expect(l.equity("1")).toBe("1.00000000000000000001");
  });

  it("rounds a repeating average to 40 digits, so the snapshot fits the 64-character ledger columns", () => {
    const l = new PositionLedger("PEPE", "USDT");
    l.apply(fill("buy", "1", "0.00001"));
    l.apply(fill("buy", "2", "0.000011"));
    l.apply(fill("sell", "1", "0.000012")); // a partial close of an average of 0.000032 / 3
    const snap = l.snapshot();
    expect(snap.avgEntryPrice).toMatch(/^0\.0000106{38}$/); // 40 significant digits
    expect(snap.realized).toMatch(/^0\.000001333/);
    for (const v of [snap.position, snap.avgEntryPrice, snap.realized, snap.feesPaid, snap.volume]) expect(v.length).toBeLessThanOrEqual(64);
  });

  it("writes amounts below 1e-7 as plain decimals", () => {
    const l = new PositionLedger("PEPE", "USDT");
    l.apply(fill("buy", "40", "0.0000000099", ["0.00000000001", "USDT"]));
    l.apply(fill("sell", "40", "0.0000000101")); // (0.0000000101 − 0.0000000099) × 40 − 0.00000000001
    expect(l.snapshot()).toMatchObject({ realized: "0.00000000799", feesPaid: "0.00000000001", volume: "0.0000008" });
  });

  it("restores from a snapshot and keeps lastFillAt as the latest ts", () => {
    const a = new PositionLedger("BTC", "USDT");
    a.apply({ ...fill("buy", "1", "100"), ts: 2000 });
    a.apply({ ...fill("buy", "1", "110", ["0.0001", "BNB"]), ts: 1000 });
    expect(a.snapshot().lastFillAt).toBe(2000);
    const b = new PositionLedger("BTC", "USDT", a.snapshot());
    expect(b.snapshot()).toEqual(a.snapshot());
    b.apply(fill("sell", "2", "120"));
    // (120 − 105) × 2 = 30
    expect(b.snapshot()).toMatchObject({ position: "0", realized: "30", fills: 3 });
  });

  it("rejects bad fills", () => {
    const l = new PositionLedger("BTC", "USDT");
    expect(() => l.apply(fill("buy", "0", "100"))).toThrow(/amount/);
    expect(() => l.apply(fill("buy", "1", "-1"))).toThrow(/price/);
    expect(() => l.apply(fill("buy", "abc", "1"))).toThrow(/amount/);
  });
});

describe("PnlTracker", () => {
  const DAY1 = Date.UTC(2026, 10, 24, 23, 0, 0);
  const DAY2 = Date.UTC(2026, 10, 25, 0, 30, 0);

  it("daily PnL is relative to the first equity of the UTC day and rolls over", () => {
    const t = new PnlTracker();
    expect(t.update("0", DAY1)).toEqual({ dailyPnl: "0", peakEquity: "0", drawdownPct: 0 });
    expect(t.update("12.5", DAY1 + 60_000).dailyPnl).toBe("12.5");
    // new UTC day: starts at 20, so 20 − 20 = 0, then 15 − 20 = −5
    expect(t.update("20", DAY2).dailyPnl).toBe("0");
    expect(t.update("15", DAY2 + 1000).dailyPnl).toBe("-5");
    expect(t.state()).toEqual({ day: "2026-11-25", dayStartEquity: "20", peakEquity: "20" });
  });

  it("tracks the peak and the drawdown from it (PnL only)", () => {
    const t = new PnlTracker();
    t.update("0", DAY1);
    expect(t.update("100", DAY1 + 1).peakEquity).toBe("100");
    // (100 − 75) / 100 = 0.25
    expect(t.update("75", DAY1 + 2)).toEqual({ dailyPnl: "75", peakEquity: "100", drawdownPct: 0.25 });
    // a peak ≤ 0 gives no drawdown without capital
    const u = new PnlTracker();
    expect(u.update("-10", DAY1).drawdownPct).toBe(0);
  });

  it("measures drawdown on capital + PnL when given a capital", () => {
    const t = new PnlTracker({ capital: "1000" });
    t.update("0", DAY1);
    t.update("100", DAY1 + 1);
    // (100 − 45) / (1000 + 100) = 0.05
    expect(t.update("45", DAY1 + 2).drawdownPct).toBeCloseTo(0.05, 12);
    // loss from a zero peak: (0 − (−50)) / 1000 = 0.05
    const u = new PnlTracker({ capital: "1000" });
    u.update("0", DAY1);
    expect(u.update("-50", DAY1 + 1).drawdownPct).toBeCloseTo(0.05, 12);
  });

  it("resumes from a persisted state", () => {
    const t = new PnlTracker({ day: "2026-11-24", dayStartEquity: "10", peakEquity: "50" });
    // same day: 30 − 10 = 20; drawdown (50 − 30) / 50 = 0.4
    expect(t.update("30", DAY1)).toEqual({ dailyPnl: "20", peakEquity: "50", drawdownPct: 0.4 });
    // a stale day resets the day start
    const u = new PnlTracker({ day: "2026-11-20", dayStartEquity: "10", peakEquity: "50" });
    expect(u.update("30", DAY1).dailyPnl).toBe("0");
  });
});
