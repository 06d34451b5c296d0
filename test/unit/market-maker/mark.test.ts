/** A bot's mark for the metrics: drawdown as the kill switch measures it, inventory ratio, PnL at the mid. */
import { botMark, inventoryRatio, PnlTracker, PositionLedger } from "../../../lib/market-maker/accounting";
import { checkOrders } from "../../../lib/risk/check";

const fill = (side: "buy" | "sell", price: string, amount: string, tradeId: string) => ({ tradeId, side, price, amount, feeCost: null, feeCurrency: null, ts: 0 });

describe("PnlTracker.drawdown", () => {
  it("is update's drawdown, without changing the tracker", () => {
    const t = new PnlTracker({ capital: "1000" });
    t.update("50", 0);
    expect(t.drawdown("20")).toBeCloseTo(30 / 1050, 15);
    expect(t.drawdown("20")).toBe(t.peek("20", 0)!.drawdownPct);
    const before = t.state();
    expect(t.drawdown("80")).toBe(0); // a new high is no drawdown, and is not recorded
    expect(t.state()).toEqual(before);
    expect(t.update("20", 1).drawdownPct).toBe(t.drawdown("20"));
  });

  it("agrees with the drawdown kill switch on capital + PnL", () => {
    const t = new PnlTracker({ capital: "100" });
    t.update("20", 0);
    const ratio = t.drawdown("-4"); // (120 - 96) / 120 = 0.2
    expect(ratio).toBeCloseTo(0.2, 15);
    const state = { now: 0, priceReceivedAt: 0, mid: "1", inventory: { base: "0", quote: "0" }, openOrders: [], dailyPnl: "0", equity: "96", peakEquity: "120" };
    expect(checkOrders([], state, { staleFeedMs: 1000, maxDrawdownPct: ratio } as never).halt?.reason).toBe("drawdown");
    expect(checkOrders([], state, { staleFeedMs: 1000, maxDrawdownPct: ratio + 1e-9 } as never).halt).toBeUndefined();
  });

  it("is 0 before any update and while the peak (plus capital) is not positive", () => {
    expect(new PnlTracker().drawdown("-5")).toBe(0);
    const t = new PnlTracker();
    t.update("0", 0);
    expect(t.drawdown("-5")).toBe(0);
  });
});

describe("PnlTracker.drawdownAmount (quote currency, with or without a capital)", () => {
  it("is peak − equity, exact, from the PnL's 0 at the bot's first quote", () => {
    const t = new PnlTracker(); // no capital
    expect(t.drawdownAmount("-5")).toBe("0"); // before any update
    t.update("0", 0); // the first quote: flat, PnL 0
    expect(t.drawdownAmount("-0.1")).toBe("0.1");
    expect(t.drawdown("-0.1")).toBe(0); // the ratio on the PnL alone says nothing here
    t.update("0.3", 1);
    expect(t.drawdownAmount("0.1")).toBe("0.2"); // not 0.19999999999999998
    expect(t.drawdownAmount("0.3")).toBe("0");
    expect(t.drawdownAmount("0.4")).toBe("0"); // above the peak: none, and not recorded
    expect(t.state().peakEquity).toBe("0.3");
  });

  it("is the same amount with a capital (the ratio divides it by capital + peak)", () => {
    const t = new PnlTracker({ capital: "100" });
    t.update("20", 0);
    expect(t.drawdownAmount("-4")).toBe("24");
    expect(t.drawdown("-4")).toBeCloseTo(24 / 120, 15);
  });
});

describe("inventoryRatio", () => {
  it("is the base share of the value at the mid", () => {
    expect(inventoryRatio("1", "100", "100")).toBe(0.5);
    expect(inventoryRatio("0", "100", "100")).toBe(0);
    expect(inventoryRatio("2", "0", "100")).toBe(1);
    expect(inventoryRatio("3", "100", "100")).toBeCloseTo(0.75, 15);
  });
  it("is null without a price, with nothing to value, or with a negative holding", () => {
    expect(inventoryRatio("1", "100", null)).toBeNull();
    expect(inventoryRatio("0", "0", "100")).toBeNull();
    expect(inventoryRatio("-1", "500", "100")).toBeNull();
  });
});

describe("botMark", () => {
  it("marks PnL at the mid, with the drawdown of the total and the inventory ratio", () => {
    const ledger = new PositionLedger("BTC", "USDT");
    const pnl = new PnlTracker({ capital: "1000" });
    ledger.apply(fill("buy", "100", "2", "t1"));
    ledger.apply(fill("sell", "110", "1", "t2")); // realized 10, 1 BTC open at 100
    pnl.update(ledger.equity("120"), 0); // peak 30
    const mark = botMark(ledger, pnl, "105", { base: "1", quote: "105" });
    expect(mark).toEqual({ realized: "10", unrealized: "5", total: "15", drawdownQuote: "15", drawdown: expect.any(Number), inventoryRatio: 0.5 });
    expect(mark.drawdown).toBeCloseTo(15 / 1030, 15);
    // Without a mid: unrealized 0, no inventory ratio.
    expect(botMark(ledger, pnl, null, { base: "1", quote: "105" })).toMatchObject({ unrealized: "0", total: "10", drawdownQuote: "20", inventoryRatio: null });
  });

  it("without a capital: the drawdown in quote currency only, no ratio", () => {
    const ledger = new PositionLedger("BTC", "USDT");
    const pnl = new PnlTracker();
    pnl.update(ledger.equity("100"), 0); // first quote, flat: peak 0
    ledger.apply(fill("buy", "100", "1", "t1"));
    const mark = botMark(ledger, pnl, "97.5", { base: "1", quote: "0" });
    expect(mark.total).toBe("-2.5");
    expect(mark.drawdownQuote).toBe("2.5");
    expect(mark).not.toHaveProperty("drawdown");
  });
});
