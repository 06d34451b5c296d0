/**
 * The bot prices from the book of others: its own resting quotes are taken out of the public
 * snapshot (lib/market-maker/own-book.ts) before the strategy sees it. Paper venue harness as
 * bot-paper.test.ts; the price events carry levels ([price, size], best first) as the
 * cex-price-feed's do.
 */
import type { MarketSnapshot, Strategy, StrategyContext } from "../../../lib/strategies/types";
import { botTag } from "../../../lib/market-maker/client-order-id";
import { Harness, quotesOf } from "./bot-paper.harness";

/** Joins the best bid (bidSpread 0), asks 2 % above it; requotes on any price change. */
const JOIN_BEST_BID = { bidSpread: 0, askSpread: 0.02, orderAmount: "1", priceSource: "best_bid", orderRefreshTimeMs: 100, orderRefreshTolerance: 0, filledOrderDelayMs: 0 };

const book = (h: Harness, bids: Array<[number, number]>, asks: Array<[number, number]>): void =>
  h.bot.onPrice({ ts: h.venue.now(), bestBid: bids[0][0], bestAsk: asks[0][0], bids, asks }, h.venue.now());

/** Records what the strategy is given. */
function spyOn(h: Harness): MarketSnapshot[] {
  const seen: MarketSnapshot[] = [];
  const inner = h.bot.config.strategy;
  const spy: Strategy = { name: inner.name, describe: () => inner.describe(), quotes: (ctx: StrategyContext) => (seen.push(ctx.market), inner.quotes(ctx)) };
  h.bot.config.strategy = spy;
  return seen;
}

describe("Bot on its own book", () => {
  it("joins the best bid of others, and does not keep joining itself once they leave", async () => {
    const h = new Harness({ params: JOIN_BEST_BID });
    await h.start();
    await h.to(1_000);
    book(h, [[99, 2], [98, 2]], [[101, 2]]);
    await h.settle();
    expect(quotesOf(await h.resting())).toEqual([["buy", "99", "1"], ["sell", "100.98", "1"]]);
    // The feed now shows our bid inside the 99 level (2 of others + our 1): still joining at 99.
    await h.to(3_000);
    book(h, [[99, 3], [98, 2]], [[101, 2]]);
    await h.settle();
    expect(quotesOf(await h.resting())).toEqual([["buy", "99", "1"], ["sell", "100.98", "1"]]);
    // The others cancel at 99: the 99 level is ours alone. The best bid of others is 98.
    await h.to(5_000);
    book(h, [[99, 1], [98, 2]], [[101, 2]]);
    await h.settle();
    expect(quotesOf(await h.resting())).toEqual([["buy", "98", "1"], ["sell", "99.97", "1"]]);
    await h.stop();
  });

  it("a top-of-book feed whose best bid and ask are the bot's own quotes: the mid stays that of others (no ratchet)", async () => {
    // asymmetric spreads around the mid: were the bot to price from its own quotes, each tick would move the mid and its quotes with it
    const h = new Harness({ params: { ...JOIN_BEST_BID, bidSpread: 0.005, askSpread: 0.002, priceSource: "mid" } });
    await h.start();
    await h.to(1_000);
    book(h, [[99, 2]], [[101, 2]]);
    await h.settle();
    const first = quotesOf(await h.resting());
    expect(first).toEqual([["buy", "99.5", "1"], ["sell", "100.2", "1"]]);
    // the feed's top is now our own quotes on both sides
    for (const t of [3_000, 5_000, 7_000]) {
      await h.to(t);
      const [bid, ask] = quotesOf(await h.resting());
      book(h, [[Number(bid[1]), 1]], [[Number(ask[1]), 1]]);
      await h.settle();
    }
    expect(quotesOf(await h.resting())).toEqual(first);
    await h.stop();
  });

  it("depth given to the strategy is the depth of others: own size taken out of its levels", async () => {
    const h = new Harness({ params: { ...JOIN_BEST_BID, bidSpread: 0.01, askSpread: 0.01, priceSource: "mid" } });
    const seen = spyOn(h);
    await h.start();
    await h.to(1_000);
    book(h, [[100, 2], [99, 5]], [[102, 2], [103, 5]]);
    await h.settle();
    // mid 101: bid 99.99, ask 102.01
    expect(quotesOf(await h.resting())).toEqual([["buy", "99.99", "1"], ["sell", "102.01", "1"]]);
    await h.to(3_000);
    // the public book now holds our quotes as levels of their own, and 1 more at 99 from someone
    book(h, [[100, 2], [99.99, 1], [99, 6]], [[102, 2], [102.01, 1], [103, 5]]);
    await h.settle();
    const last = seen.at(-1)!;
    expect(last.bids).toEqual([[100, 2], [99, 6]]);
    expect(last.asks).toEqual([[102, 2], [103, 5]]);
    expect([last.bestBid, last.bestAsk]).toEqual([100, 102]);
    await h.stop();
  });
});

describe("Bot order audit against the venue's open orders", () => {
  const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 60_000, orderRefreshTolerance: 0.5, filledOrderDelayMs: 0 };

  it("orders cancelled behind the bot's back leave its live set at the next audit and it quotes again; unknown orders of its own are cancelled", async () => {
    const h = new Harness({ params: PMM });
    await h.start();
    await h.tickAt(1_000, 100);
    const first = await h.resting();
    expect(quotesOf(first)).toEqual([["buy", "99", "1"], ["sell", "101", "1"]]);
    // the venue cancels them (a dead man's switch, an operator): the bot hears nothing
    await h.exchange.cancelAllOrders();
    // a stray order with this bot's tag (a lost answer, a previous run)
    const stray = `${botTag("pmm-test")}-stray-1`;
    await h.exchange.createOrder("BTC/USDT", "limit", "buy", "1", "90", { clientOrderId: stray, postOnly: true });
    expect(h.live()).toHaveLength(2);
    await h.to(5_000); // the first housekeeping run audits
    const after = await h.resting();
    expect(quotesOf(after)).toEqual(quotesOf(first));
    expect(after.map((o) => o.clientOrderId)).not.toContain(first[0].clientOrderId);
    expect(after.map((o) => o.clientOrderId)).not.toContain(stray);
    expect(await h.statusOf(stray)).toBe("canceled");
    expect(h.warnings.some((w) => /no longer open at the venue/.test(w))).toBe(true);
    await h.stop();
  });
});
