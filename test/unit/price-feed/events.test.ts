import {
  TopOfBookCoalescer,
  buildPriceUpdate,
  depthOf,
  createPollingSource,
  diffMarkets,
  feedMarkets,
  isCcxtClosedSocketRejection,
  latestCacheKey,
  type CexPriceUpdate,
} from "../../../lib/price-feed";

describe("buildPriceUpdate", () => {
  it("top of book as exact decimal strings from ccxt numbers; ts from the book or receivedAt", () => {
    const update = buildPriceUpdate("binance", "BTC/USDT", { bids: [[50000, 1.5], [49999, 2]], asks: [[50001, 0.1]], timestamp: 1700000000000 }, 1700000000123);
    expect(update).toEqual({ exchange: "binance", symbol: "BTC/USDT", bid: "50000", ask: "50001", mid: "50000.5", bidSize: "1.5", askSize: "0.1", ts: 1700000000000, receivedAt: 1700000000123 });
    const noTs = buildPriceUpdate("paper", "ETH/USDT", { bids: [["0.1", "3"]], asks: [["0.3", "1"]], timestamp: undefined }, 42);
    expect(noTs).toMatchObject({ mid: "0.2", ts: 42 });
  });

  it("null while a side is empty", () => {
    expect(buildPriceUpdate("x", "A/B", { bids: [], asks: [[1, 1]] }, 1)).toBeNull();
    expect(buildPriceUpdate("x", "A/B", { bids: [[1, 1]], asks: [] }, 1)).toBeNull();
  });

  it("cache key", () => {
    expect(latestCacheKey("binance", "BTC/USDT")).toBe("price.cex.binance.BTC/USDT");
  });
});

function update(bid: string, market = "BTC/USDT"): CexPriceUpdate {
  return { exchange: "binance", symbol: market, bid, ask: "200", mid: "150", bidSize: "1", askSize: "1", ts: 0, receivedAt: 0 };
}

describe("TopOfBookCoalescer", () => {
  function setup(minIntervalMs: number) {
    let now = 1_000;
    const emitted: CexPriceUpdate[] = [];
    const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
    const coalescer = new TopOfBookCoalescer({
      minIntervalMs,
      emit: (u) => emitted.push(u),
      now: () => now,
      schedule: (fn, ms) => {
        const timer = { at: now + ms, fn, cancelled: false };
        timers.push(timer);
        return () => (timer.cancelled = true);
      },
    });
    const advance = (ms: number) => {
      now += ms;
      for (const t of timers.splice(0)) {
        if (t.cancelled) continue;
        if (t.at <= now) t.fn();
        else timers.push(t);
      }
    };
    return { coalescer, emitted, advance, timers };
  }

  it("minIntervalMs 0: every change is emitted, an unchanged top is not", () => {
    const { coalescer, emitted } = setup(0);
    coalescer.offer(update("100"));
    coalescer.offer(update("101"));
    coalescer.offer(update("101")); // a change deeper in the book
    coalescer.offer(update("102"));
    expect(emitted.map((u) => u.bid)).toEqual(["100", "101", "102"]);
  });

  it("a burst within the interval is coalesced to its latest update, sent when the interval ends; markets are independent", () => {
    const { coalescer, emitted, advance } = setup(100);
    coalescer.offer(update("100"));
    coalescer.offer(update("101"));
    coalescer.offer(update("102"));
    coalescer.offer(update("103"));
    coalescer.offer(update("5", "ETH/USDT"));
    expect(emitted.map((u) => `${u.symbol}:${u.bid}`)).toEqual(["BTC/USDT:100", "ETH/USDT:5"]);
    advance(50);
    expect(emitted).toHaveLength(2);
    advance(50);
    expect(emitted.map((u) => u.bid)).toEqual(["100", "5", "103"]);
    advance(500); // quiet: the next update goes out at once
    coalescer.offer(update("104"));
    expect(emitted.map((u) => u.bid)).toEqual(["100", "5", "103", "104"]);
  });

  it("a burst that ends where it started emits nothing more; remove() and clear() drop pending updates", () => {
    const { coalescer, emitted, advance } = setup(100);
    coalescer.offer(update("100"));
    coalescer.offer(update("101"));
    coalescer.offer(update("100"));
    advance(100);
    expect(emitted.map((u) => u.bid)).toEqual(["100"]);
    coalescer.offer(update("102"));
    coalescer.offer(update("103"));
    coalescer.remove("binance", "BTC/USDT");
    advance(200);
    expect(emitted.map((u) => u.bid)).toEqual(["100", "102"]);
    coalescer.offer(update("104"));
    coalescer.offer(update("105"));
    coalescer.clear();
    advance(200);
    expect(emitted.map((u) => u.bid)).toEqual(["100", "102", "104"]);
  });
});

describe("markets from config", () => {
  const doc = (venue: string, symbol: string, extra: Record<string, unknown> = {}) => ({ body: { venue, kind: "cex", symbol, enabled: true, ...extra } });

  it("enabled cex markets, deduplicated and sorted; defaults when there are none", () => {
    const docs = [doc("binance", "ETH/USDT"), doc("binance", "BTC/USDT"), doc("binance", "BTC/USDT"), doc("kraken", "BTC/USD", { enabled: false }), doc("uni", "WETH/USDC", { kind: "dex" }), { body: null, deleted: true }];
    expect(feedMarkets(docs)).toEqual([
      { exchange: "binance", symbol: "BTC/USDT" },
      { exchange: "binance", symbol: "ETH/USDT" },
    ]);
    expect(feedMarkets([])).toEqual([
      { exchange: "paper", symbol: "BTC/USDT" },
      { exchange: "paper", symbol: "ETH/USDT" },
    ]);
  });

  it("diffMarkets", () => {
    const a = { exchange: "binance", symbol: "BTC/USDT" };
    const b = { exchange: "binance", symbol: "ETH/USDT" };
    const c = { exchange: "paper", symbol: "BTC/USDT" };
    expect(diffMarkets([a, b], [b, c])).toEqual({ add: [c], remove: [a] });
  });
});

describe("REST polling source", () => {
  it("fetches at once, then once per interval; stop() ends a waiting poll", async () => {
    const calls: number[] = [];
    const started = Date.now();
    const source = createPollingSource(async (limit) => {
      calls.push(Date.now() - started);
      return { bids: [[1, 1]], asks: [[2, limit ?? 0]] };
    }, { pollIntervalMs: 60, limit: 5 });
    expect(source.mode).toBe("rest");
    expect((await source.next()).asks).toEqual([[2, 5]]);
    await source.next();
    expect(calls[0]).toBeLessThan(30);
    expect(calls[1]).toBeGreaterThanOrEqual(50);
    const waiting = source.next();
    await source.stop?.();
    await expect(waiting).rejects.toThrow("polling stopped");
    expect(calls).toHaveLength(2);
  });
});

describe("closed-socket guard", () => {
  it("matches only ccxt's send on a closed websocket", () => {
    expect(isCcxtClosedSocketRejection(new Error("WebSocket is not open: readyState 3 (CLOSED)"))).toBe(true);
    expect(isCcxtClosedSocketRejection(new Error("WebSocket is not open: readyState 0 (CONNECTING)"))).toBe(false);
    expect(isCcxtClosedSocketRejection(new Error("something else"))).toBe(false);
    expect(isCcxtClosedSocketRejection("WebSocket is not open: readyState 3")).toBe(false);
  });
});

describe("depthOf", () => {
  it("the first levels of each side as decimal strings, best first", () => {
    const book = { bids: [[100.5, 1], [100, 2.25], [99, 3]] as Array<[number, number]>, asks: [["101", "0.1"]] as Array<[string, string]> };
    expect(depthOf(book, 2)).toEqual({ bids: [["100.5", "1"], ["100", "2.25"]], asks: [["101", "0.1"]] });
    expect(depthOf({ bids: [], asks: [] }, 5)).toEqual({ bids: [], asks: [] });
  });
});
