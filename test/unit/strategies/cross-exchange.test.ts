import { createCrossExchange, hedgeOrderFor, walkBook } from "../../../lib/strategies/cross-exchange";
import type { MarketSnapshot } from "../../../lib/strategies/types";
import { ctxOf } from "./helpers";

const taker: MarketSnapshot = {
  ts: 0,
  bestBid: 100,
  bestAsk: 101,
  bids: [[100, 1], [99, 2]],
  asks: [[101, 1], [102, 2]],
};

describe("cross-exchange market making", () => {
  it("prices maker quotes from the taker VWAP, fees and min profitability", () => {
    const s = createCrossExchange({ minProfitability: 0.01, orderAmount: "2" });
    const quotes = s.quotes(ctxOf({ reference: taker, rules: { tickSize: 0.01, lotSize: 0.001, takerFee: 0.001 } }));
    // sell 2 into bids: (100·1 + 99·1)/2 = 99.5 → bid = 99.5·(1 − 0.001)/(1 + 0.01) = 99.4005/1.01 = 98.41633663
    // buy 2 from asks: (101·1 + 102·1)/2 = 101.5 → ask = 101.5·1.001·1.01 = 102.617515
    expect(quotes).toEqual([
      { side: "buy", price: expect.closeTo(98.41633663, 8), amount: 2, level: 0 },
      { side: "sell", price: expect.closeTo(102.617515, 9), amount: 2, level: 0 },
    ]);
    expect(s.describe()).toMatchObject({ takerSellVwap: 99.5, takerBuyVwap: 101.5 });
  });

  it("includes the maker fee and lets the takerFee param override the rules", () => {
    const s = createCrossExchange({ minProfitability: 0.01, orderAmount: "2", takerFee: 0.002 });
    const [bid, ask] = s.quotes(ctxOf({ reference: taker, rules: { tickSize: 0.01, lotSize: 0.001, takerFee: 0.5, makerFee: 0.001 } }));
    // bid = 99.5·0.998/(1.001·1.01); ask = 101.5·1.002·1.01/0.999
    expect(bid.price).toBeCloseTo((99.5 * 0.998) / (1.001 * 1.01), 10);
    expect(ask.price).toBeCloseTo((101.5 * 1.002 * 1.01) / 0.999, 10);
  });

  it("limits the size to the taker depth", () => {
    const s = createCrossExchange({ minProfitability: 0, orderAmount: "5" });
    const [bid, ask] = s.quotes(ctxOf({ reference: taker }));
    // depth 3 each side: bid VWAP (100 + 2·99)/3 = 99.3333, ask VWAP (101 + 2·102)/3 = 101.6667
    expect(bid).toEqual({ side: "buy", price: expect.closeTo(298 / 3, 10), amount: 3, level: 0 });
    expect(ask).toEqual({ side: "sell", price: expect.closeTo(305 / 3, 10), amount: 3, level: 0 });
  });

  it("falls back to the taker's best prices without depth, and quotes nothing without a taker book", () => {
    const s = createCrossExchange({ minProfitability: 0, orderAmount: "2" });
    const quotes = s.quotes(ctxOf({ reference: { ts: 0, bestBid: 100, bestAsk: 101 } }));
    expect(quotes.map((q) => [q.side, q.price, q.amount])).toEqual([["buy", 100, 2], ["sell", 101, 2]]);
    expect(s.quotes(ctxOf())).toEqual([]);
    expect(walkBook([], 0, 1)).toBeNull();
  });

  it("hedges a fill with the opposite side and the same amount", () => {
    expect(hedgeOrderFor({ side: "buy", amount: 0.5, price: 98 })).toEqual({ side: "sell", amount: 0.5 });
    expect(hedgeOrderFor({ side: "sell", amount: 1.25, price: 103 })).toEqual({ side: "buy", amount: 1.25 });
  });
});
