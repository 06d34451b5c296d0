/**
 * The stale-feed guard measures the feed's last message, not the last change of the top of
 * book: a quiet market (messages that leave the top as it was, `onFeedAlive`) keeps the quotes
 * past staleFeedMs; a feed that goes silent (a dead socket) still pulls them.
 * Setup as bot-paper.test.ts: mid 100, spreads 1 %, amount 1.
 */
import { Harness, idsOf } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 60_000, orderRefreshTolerance: 0.5, filledOrderDelayMs: 0 };

describe("Bot stale-feed guard on a quiet market", () => {
  it("keeps its quotes past staleFeedMs while the feed reports messages that do not move the top", async () => {
    const h = new Harness({ params: PMM, risk: { staleFeedMs: 3_000 } });
    await h.start();
    await h.tickAt(1_000, 100);
    const first = await h.resting();
    expect(first).toHaveLength(2);
    // one price, then only liveness for 10 s: depth diffs every second that leave the top as it was
    for (let t = 2_000; t <= 11_000; t += 1_000) {
      await h.to(t);
      h.bot.onFeedAlive(h.venue.now());
    }
    await h.to(11_500);
    expect(idsOf(await h.resting())).toEqual(idsOf(first));
    expect(h.bot.status().lastRisk.blocked).toBeNull();
    expect(h.bot.status()).toMatchObject({ priceReceivedAt: h.venue.now() - 10_500, feedAliveAt: h.venue.now() - 500 });
    await h.stop();
  });

  it("pulls the quotes when the feed goes silent (a dead socket), and quotes again when it is heard from", async () => {
    const h = new Harness({ params: PMM, risk: { staleFeedMs: 3_000 } });
    await h.start();
    await h.tickAt(1_000, 100);
    expect(await h.resting()).toHaveLength(2);
    await h.to(3_000);
    h.bot.onFeedAlive(h.venue.now());
    // silent from t=3 s: down at 3 + 3 + 0.001 s
    await h.to(6_000);
    expect(await h.resting()).toHaveLength(2);
    await h.to(6_001);
    expect(await h.resting()).toEqual([]);
    expect(h.bot.status().lastRisk.blocked).toBe("stale_feed");
    // the socket is back and the top is as it was: the last price holds again
    await h.to(7_000);
    h.bot.onFeedAlive(h.venue.now());
    await h.settle();
    expect(await h.resting()).toHaveLength(2);
    expect(h.bot.status().lastRisk.blocked).toBeNull();
    await h.stop();
  });

  it("a liveness report older than the last one, or before any price, changes nothing", async () => {
    const h = new Harness({ params: PMM, risk: { staleFeedMs: 3_000 } });
    await h.start();
    h.bot.onFeedAlive(h.venue.now());
    expect(h.bot.status().feedAliveAt).toBeNull();
    await h.tickAt(1_000, 100);
    h.bot.onFeedAlive(h.venue.now() - 500);
    expect(h.bot.status().feedAliveAt).toBe(h.venue.now());
    await h.stop();
  });
});
