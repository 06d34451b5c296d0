import { createPureMarketMaking } from "../../../lib/strategies/pure-market-making";
import { inventorySkewRatios, totalOrderSize } from "../../../lib/strategies/inventory-skew";
import { ctxOf, type ContextOverrides } from "./helpers";

const prices = (qs: { side: string; price: number; amount: number; level: number }[]) =>
  qs.map((q) => ({ ...q, price: Number(q.price.toFixed(8)), amount: Number(q.amount.toFixed(8)) }));

describe("pure market making", () => {
  const base = { bidSpread: 0.01, askSpread: 0.02, orderAmount: "1" };

  it("builds levels with growing spreads and amounts around the mid", () => {
    const s = createPureMarketMaking({ ...base, orderLevels: 3, orderLevelSpread: 0.005, orderLevelAmount: "0.5" });
    // mid = (99 + 101)/2 = 100
    // level i bid = 100·(1 − 0.01 − i·0.005): 99, 98.5, 98; ask = 100·(1 + 0.02 + i·0.005): 102, 102.5, 103
    // amount i = 1 + i·0.5: 1, 1.5, 2
    expect(prices(s.quotes(ctxOf()))).toEqual([
      { side: "buy", price: 99, amount: 1, level: 0 },
      { side: "sell", price: 102, amount: 1, level: 0 },
      { side: "buy", price: 98.5, amount: 1.5, level: 1 },
      { side: "sell", price: 102.5, amount: 1.5, level: 1 },
      { side: "buy", price: 98, amount: 2, level: 2 },
      { side: "sell", price: 103, amount: 2, level: 2 },
    ]);
    expect(s.describe()).toMatchObject({ price: 100, bidRatio: 1, askRatio: 1 });
  });

  it("does not place a level closer to the price than minimumSpread", () => {
    const s = createPureMarketMaking({ ...base, orderLevels: 2, orderLevelSpread: 0.005, minimumSpread: 0.012 });
    // bid distances 0.01 (< 0.012, dropped) and 0.015; ask distances 0.02 and 0.025 (kept)
    expect(prices(s.quotes(ctxOf())).map((q) => [q.side, q.price])).toEqual([
      ["sell", 102],
      ["buy", 98.5],
      ["sell", 102.5],
    ]);
  });

  it("drops levels whose amount is not positive", () => {
    const s = createPureMarketMaking({ ...base, orderAmount: "0" });
    expect(s.quotes(ctxOf())).toEqual([]);
  });

  describe("price sources", () => {
    const first = (source: "mid" | "last" | "best_bid" | "best_ask" | "external", over: ContextOverrides) => {
      const s = createPureMarketMaking({ ...base, priceSource: source });
      return s.quotes(ctxOf(over));
    };
    it("last, falling back to the mid when absent", () => {
      // bid = 100.5·0.99 = 99.495
      expect(first("last", { market: { last: 100.5 } })[0].price).toBeCloseTo(99.495, 10);
      expect(first("last", {})[0].price).toBeCloseTo(99, 10);
    });
    it("best bid and best ask", () => {
      expect(first("best_bid", {})[0].price).toBeCloseTo(99 * 0.99, 10); // 98.01
      expect(first("best_ask", {})[0].price).toBeCloseTo(101 * 0.99, 10); // 99.99
    });
    it("external: the reference mid, nothing without it", () => {
      // reference mid = (199 + 201)/2 = 200 → bid 198, ask 204
      const qs = first("external", { reference: { ts: 0, bestBid: 199, bestAsk: 201 } });
      expect(qs.map((q) => q.price)).toEqual([expect.closeTo(198, 10), expect.closeTo(204, 10)]);
      expect(first("external", {})).toEqual([]);
    });
    it("mid quotes nothing on an empty or crossed book", () => {
      expect(first("mid", { market: { bestBid: 0 } })).toEqual([]);
      expect(first("mid", { market: { bestBid: 102, bestAsk: 101 } })).toEqual([]);
    });
  });

  describe("inventory skew (Hummingbot inventory_skew_calculator)", () => {
    // base 8 at price 100 and quote 200: value 1000, base value 800 = 80 %, target 50 % = 500
    const skewed = (mult: number) =>
      createPureMarketMaking({ ...base, inventorySkew: true, inventoryTargetBasePct: 0.5, inventoryRangeMultiplier: mult }).quotes(
        ctxOf({ inventory: { base: 8, quote: 200 } }),
      );

    it("stops bidding when base is beyond the range", () => {
      // total order size = 2·(1·1) = 2; range = 2·1 = 2 base = 200 in value; right limit 700 < 800
      // → right ratio 1 → bid ratio 0, ask ratio 2
      expect(prices(skewed(1))).toEqual([{ side: "sell", price: 102, amount: 2, level: 0 }]);
    });

    it("scales amounts linearly inside the range", () => {
      // range = 2·2 = 4 base = 400 value (under the cap of 0.5·1000); right limit 900
      // right ratio = 0.5 + 0.5·(800 − 500)/400 = 0.875; bid ratio = 1 − (0.875 − 0.5)/0.5 = 0.25; ask = 2 − 0.25 = 1.75
      expect(prices(skewed(2)).map((q) => q.amount)).toEqual([0.25, 1.75]);
    });

    it("caps the range value at half the portfolio value (Hummingbot)", () => {
      // range = 2·5 = 10 base = 1000 value, capped at 0.5·1000 = 500; right limit 1000
      // right ratio = 0.5 + 0.5·300/500 = 0.8; bid ratio = 1 − 0.3/0.5 = 0.4; ask 1.6 (uncapped it would be 0.7 / 1.3)
      expect(prices(skewed(5)).map((q) => q.amount)).toEqual([0.4, 1.6]);
    });

    it("bids more below target", () => {
      // base 2, quote 800: base value 200 of 1000, target 500, range 1000 → left limit max(500 − 1000, 0) = 0
      // left ratio = 0.5·200/500 = 0.2; bid ratio = 2 − 0.2/0.5 = 1.6; ask 0.4
      const r = inventorySkewRatios(2, 800, 100, 0.5, 10);
      expect(r.bidRatio).toBeCloseTo(1.6, 12);
      expect(r.askRatio).toBeCloseTo(0.4, 12);
    });

    describe("Hummingbot's test_inventory_skew_calculator.py expectations", () => {
      // setUp: base 85000, quote 10000, price 0.0036, target 0.03, range 20000
      const hb = (base: number, quote: number, price = 0.0036, target = 0.03, range = 20000) => inventorySkewRatios(base, quote, price, target, range);
      const expectRatios = (r: { bidRatio: number; askRatio: number }, bid: number, ask: number) => {
        expect(r.bidRatio).toBeCloseTo(bid, 7);
        expect(r.askRatio).toBeCloseTo(ask, 7);
      };
      it("test_cap_on_max_base_range", () => {
        // 91 % of the value in base against a 35 % target: the capped range puts it beyond the right limit
        expectRatios(hb(100, 10, 1, 0.35, 200), 0, 2);
        expectRatios(hb(10, 100, 1, 0.75, 200), 2, 0);
      });
      it("test_balanced_portfolio", () => expectRatios(hb(85000, 10000), 1.04416666, 0.95583333));
      it("test_heavily_skewed_portfolio", () => {
        expectRatios(hb(8500, 10000), 2, 0);
        expectRatios(hb(200000, 10000), 0, 2);
      });
      it("test_moderately_skewed_portfolio", () => {
        expectRatios(hb(95000, 10000), 0.55916666, 1.440833333);
        expectRatios(hb(70000, 10000), 1.77166666, 0.22833333);
      });
      it("test_empty_portfolio", () => {
        expectRatios(hb(0, 0), 0, 0);
        expectRatios(hb(0, 10000), 2, 0);
        expectRatios(hb(85000, 10000, 0.0036, 0.03, 0), 0, 0);
      });
    });

    it("total order size counts both sides of every level", () => {
      // 2·(3·1 + 3·2/2·0.5) = 2·(3 + 1.5) = 9
      expect(totalOrderSize(1, 0.5, 3)).toBe(9);
      expect(inventorySkewRatios(0, 0, 100, 0.5, 1)).toEqual({ bidRatio: 0, askRatio: 0 });
    });
  });
});
