/**
 * The embedded demo: the paper venue lists a market maker's fee schedule, and the demo bot
 * (demo-avellaneda) is fee-aware by default: it never quotes closer to the mid than the maker fee.
 */
import { validateDocument } from "../../../lib/config/validate";
import { DEMO_MARKET, DEMO_STRATEGY } from "../../../lib/market-maker/demo";
import { DEFAULT_PAPER_MARKETS } from "../../../lib/paper";
import { createStrategy, feeFloorOf } from "../../../lib/strategies";
import { SAMPLE_FEES } from "../../../bin/backtest";

const BTC = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === DEMO_MARKET.body.symbol)!;

describe("the embedded demo market and bot", () => {
  it("the paper venue and the shipped sample list a market maker's fees: maker 0.01 %, taker 0.02 %", () => {
    for (const m of DEFAULT_PAPER_MARKETS) expect({ symbol: m.symbol, maker: m.makerFee, taker: m.takerFee }).toEqual({ symbol: m.symbol, maker: "0.0001", taker: "0.0002" });
    expect(SAMPLE_FEES).toEqual({ makerFee: BTC.makerFee, takerFee: BTC.takerFee });
  });

  it("the demo strategy document is valid and keeps its quotes at least the maker fee from the mid", () => {
    const doc = validateDocument("strategies", DEMO_STRATEGY.body);
    expect(doc.ok).toBe(true);
    const params = (doc.ok ? doc.value.params : {}) as Record<string, unknown>;
    const makerFee = Number(BTC.makerFee);
    const rules = { tickSize: Number(BTC.tickSize), lotSize: Number(BTC.lotSize), makerFee, takerFee: Number(BTC.takerFee) };
    // Fee-aware: the floor is at least the maker fee (no deliberate negative edge).
    expect(feeFloorOf(rules, params.edgeOverFee as number).floor).toBeGreaterThanOrEqual(makerFee);

    const s = createStrategy("avellaneda_stoikov", params);
    // 21 mids a second apart around 60 000 fill its volatility window (20)
    for (let i = 0; i <= 20; i++) s.observeMid?.(i * 1000, 60_000 + (i % 2 ? 1 : -1));
    const mid = 60_000;
    // the paper account's split: 37.5 % of its value in BTC, the demo's target (q ≈ 0)
    const quotes = s.quotes({ now: 21_000, market: { ts: 21_000, bestBid: mid - 0.5, bestAsk: mid + 0.5 }, inventory: { base: 0.375, quote: 37_500 }, rules });
    expect(quotes.map((q) => q.side)).toEqual(["buy", "sell"]);
    for (const q of quotes) expect(q.side === "buy" ? (mid - q.price) / mid : (q.price - mid) / mid).toBeGreaterThanOrEqual(makerFee - 1e-12);
    // Its own spread is tighter than the fee here (2/κ = 4 USDT wide): widened, and the status says so.
    expect(s.describe()).toMatchObject({ makerFee, feeFloor: makerFee, widened: "buy,sell" });
    expect(s.describe().widenedReason).toBe("buy and sell widened to 1 bp from the mid 60000: maker fee 1 bp");
  });
});
