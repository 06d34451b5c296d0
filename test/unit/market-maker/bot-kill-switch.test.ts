/**
 * The kill switch on price moves alone (no fill, no order change): most ticks take the bot's
 * quiet path (nothing to send), which must still halt on the exact tick a limit is reached —
 * including the boundary tick where the loss equals the limit (decided in exact decimals).
 * Setup as bot-paper.test.ts: mid 100, spreads 1 %, amount 1, tick 0.01, lot 0.001, no fees.
 */
import { Harness } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 60_000, orderRefreshTolerance: 0.5, filledOrderDelayMs: 0 };

/** Quoting at mid 100, then the counterparty sells 1 into the bid at 99: the bot is long 1 @ 99. */
async function longOneAt99(risk: Record<string, unknown>): Promise<Harness> {
  const h = new Harness({ params: PMM, risk });
  await h.start();
  await h.tickAt(0, 100);
  await h.to(1_000);
  await h.take("sell", "99", "1");
  await h.settle();
  expect(h.bot.ledger.snapshot()).toMatchObject({ position: "1", avgEntryPrice: "99" });
  return h;
}

describe("Bot kill switch on price moves", () => {
  it("daily loss: not at 0.49 below the entry, halts at exactly the 0.5 limit", async () => {
    const h = await longOneAt99({ dailyLossLimit: "0.5" });
    for (const [t, mid] of [[2_000, 99], [3_000, 98.6], [4_000, 98.51]] as const) {
      await h.tickAt(t, mid);
      expect(h.bot.state).toBe("running");
    }
    await h.tickAt(5_000, 98.5); // equity −0.5 = −limit
    expect(h.bot.state).toBe("halted");
    expect(h.bot.haltReason).toMatch(/^daily_loss: daily PnL -0.5 /);
    expect(await h.resting()).toEqual([]);
  });

  it("drawdown: tracks the peak on the way up, halts when the fall from it reaches the limit", async () => {
    const h = await longOneAt99({ maxDrawdownPct: 0.5 });
    // equity +2 at mid 101: the peak (persisted in the PnL state)
    await h.tickAt(2_000, 101);
    expect(h.bot.pnl.state().peakEquity).toBe("2");
    await h.tickAt(3_000, 100.5);
    await h.tickAt(4_000, 100.01); // drawdown (2 − 1.01) / 2 = 0.495
    expect(h.bot.state).toBe("running");
    expect(h.bot.pnl.state().peakEquity).toBe("2");
    await h.tickAt(5_000, 100); // (2 − 1) / 2 = 0.5
    expect(h.bot.state).toBe("halted");
    expect(h.bot.haltReason).toMatch(/^drawdown: /);
  });

  it("flat bot: a day's realized loss over the limit halts on the next tick", async () => {
    const h = await longOneAt99({ dailyLossLimit: "0.5" });
    await h.tickAt(2_000, 99);
    // sold back at 98.4 (the counterparty lifts a bid-side level it places): realized −0.6, position flat
    h.bot.onFill({ tradeId: "manual-1", clientOrderId: null, side: "sell", price: "98.4", amount: "1", feeCost: null, feeCurrency: null, ts: h.venue.now() });
    await h.settle();
    expect(h.bot.ledger.snapshot()).toMatchObject({ position: "0", realized: "-0.6" });
    await h.tickAt(3_000, 99);
    expect(h.bot.state).toBe("halted");
    expect(h.bot.haltReason).toMatch(/^daily_loss: /);
  });
});
