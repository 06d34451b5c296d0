/**
 * The bot's own arithmetic (inventory after a fill) is exact beyond decimal.js's default 20
 * significant digits: a balance with 18 decimals (an ERC-20 token's) keeps every digit.
 */
import { Harness } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 10_000, orderRefreshTolerance: 0, filledOrderDelayMs: 0 };

describe("Bot inventory in exact decimals", () => {
  it("books a fill into a 22-digit balance without rounding it", async () => {
    const h = new Harness({ params: PMM, balances: { BTC: "10.000000000000000001", USDT: "10000.123456789012345678" } });
    await h.start();
    await h.tickAt(0, 100); // bid 1 @ 99, ask 1 @ 101
    await h.take("sell", "99", "0.5");
    await h.settle();
    // 10000.123456789012345678 − 0.5 × 99; at 20 significant digits it was 9950.6234567890123457
    expect(h.bot.status().inventory).toEqual({ base: "10.500000000000000001", quote: "9950.623456789012345678" });
    const venue = h.venue.balances("bot");
    expect({ base: venue.BTC.total, quote: venue.USDT.total }).toEqual(h.bot.status().inventory);
    await h.stop();
  });
});
