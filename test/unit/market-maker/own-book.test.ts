import { OwnOrderBook } from "../../../lib/market-maker/own-book";
import type { MarketSnapshot } from "../../../lib/strategies/types";

const BUFFER = 500;
const snap = (bids: Array<[number, number]>, asks: Array<[number, number]>): MarketSnapshot => ({ ts: 0, bestBid: bids[0]?.[0] ?? 0, bestAsk: asks[0]?.[0] ?? 0, bids, asks });

/** An own bid 100 × 1, acknowledged at t = 1000. */
function withBid(price = 100, amount = 1): OwnOrderBook {
  const own = new OwnOrderBook(BUFFER);
  own.submitted({ clientOrderId: "b1", side: "buy", price, amount }, 990);
  own.accepted("b1", 1_000);
  return own;
}

describe("OwnOrderBook.netSnapshot", () => {
  it("takes an own order acknowledged before the buffer out of its level; the best is the next level of others", () => {
    const own = withBid();
    const m = own.netSnapshot(snap([[100, 1], [99.5, 2]], [[101, 3]]), 1_600);
    expect(m).toMatchObject({ bestBid: 99.5, bestAsk: 101, bids: [[99.5, 2]], asks: [[101, 3]] });
  });

  it("leaves the size of others at the same price", () => {
    const own = withBid();
    expect(own.netSnapshot(snap([[100, 3.5]], [[101, 1]]), 1_600)).toMatchObject({ bestBid: 100, bids: [[100, 2.5]] });
  });

  it("an order acknowledged within the buffer, or in flight, comes out only when the level can hold it", () => {
    const own = withBid();
    // 1.2 s < 1.0 s + buffer: maybe in the snapshot. The level of 1.5 can hold our 1: taken out.
    expect(own.netSnapshot(snap([[100, 1.5], [99, 1]], [[101, 1]]), 1_200).bids).toEqual([[100, 0.5], [99, 1]]);
    // a level of 0.4 cannot contain our 1: not ours, left as it is
    const fresh = withBid();
    const m = snap([[100, 0.4]], [[101, 1]]);
    expect(fresh.netSnapshot(m, 1_200)).toBe(m);
    // in flight (no ack yet), same rule
    const flying = new OwnOrderBook(BUFFER);
    flying.submitted({ clientOrderId: "b1", side: "buy", price: 100, amount: 1 }, 1_000);
    expect(flying.netSnapshot(snap([[100, 1], [99, 2]], [[101, 1]]), 1_050).bids).toEqual([[99, 2]]);
    expect(flying.netSnapshot(snap([[100, 0.5], [99, 2]], [[101, 1]]), 1_050).bids).toEqual([[100, 0.5], [99, 2]]);
  });

  it("a cancelled order may still be in a snapshot for the buffer, not after; a partly filled one counts its remainder", () => {
    const own = withBid(100, 2);
    own.filled("b1", 0.5, 1_700);
    expect(own.netSnapshot(snap([[100, 1.5], [99, 1]], [[101, 1]]), 1_800).bids).toEqual([[99, 1]]);
    own.closed("b1", 2_000);
    expect(own.netSnapshot(snap([[100, 1.5], [99, 1]], [[101, 1]]), 2_100).bids).toEqual([[99, 1]]);
    // the level no longer holds it (others only): left alone
    expect(own.netSnapshot(snap([[100, 0.7], [99, 1]], [[101, 1]]), 2_100).bids).toEqual([[100, 0.7], [99, 1]]);
    // past the buffer it is gone from every snapshot, and prune forgets it
    const m = snap([[100, 1.5]], [[101, 1]]);
    expect(own.netSnapshot(m, 2_600)).toBe(m);
    own.prune(2_600);
    expect(own.size).toBe(0);
  });

  it("both sides, several own orders, depth ladders", () => {
    const own = new OwnOrderBook(BUFFER);
    own.submitted({ clientOrderId: "b1", side: "buy", price: 100, amount: 1 }, 0);
    own.submitted({ clientOrderId: "b2", side: "buy", price: 99, amount: 2 }, 0);
    own.submitted({ clientOrderId: "a1", side: "sell", price: 101, amount: 1 }, 0);
    for (const id of ["b1", "b2", "a1"]) own.accepted(id, 10);
    const m = own.netSnapshot(snap([[100, 1], [99.5, 1], [99, 3]], [[101, 1], [102, 4]]), 1_000);
    expect(m).toMatchObject({ bestBid: 99.5, bestAsk: 102, bids: [[99.5, 1], [99, 1]], asks: [[102, 4]] });
  });

  it("a side that was all ours falls back to the last best of others; none seen: empty", () => {
    const own = new OwnOrderBook(BUFFER);
    own.netSnapshot(snap([[99, 1]], [[101, 1]]), 0); // others: best bid 99
    own.submitted({ clientOrderId: "b1", side: "buy", price: 99.5, amount: 1 }, 100);
    own.accepted("b1", 110);
    // a top-of-book feed: our 99.5 is the whole visible bid side
    expect(own.netSnapshot(snap([[99.5, 1]], [[101, 1]]), 1_000)).toMatchObject({ bestBid: 99, bids: [], bestAsk: 101 });
    const blind = new OwnOrderBook(BUFFER);
    blind.submitted({ clientOrderId: "a1", side: "sell", price: 101, amount: 1 }, 0);
    blind.accepted("a1", 0);
    expect(blind.netSnapshot(snap([[99, 1]], [[101, 1]]), 1_000)).toMatchObject({ bestAsk: 0, asks: [] });
  });

  it("no own order at any public price, or no levels at all: the snapshot itself", () => {
    const own = withBid(98);
    const m = snap([[100, 1], [99, 1]], [[101, 1]]);
    expect(own.netSnapshot(m, 5_000)).toBe(m);
    const top: MarketSnapshot = { ts: 0, bestBid: 98, bestAsk: 101 };
    expect(own.netSnapshot(top, 5_000)).toBe(top);
  });
});

describe("OwnOrderBook.audit", () => {
  it("orders acknowledged before the listing was asked for and missing from it are gone; in-flight and newer ones are left alone", () => {
    const own = new OwnOrderBook(BUFFER);
    own.submitted({ clientOrderId: "old", side: "buy", price: 100, amount: 1 }, 0);
    own.accepted("old", 100);
    own.submitted({ clientOrderId: "listed", side: "sell", price: 101, amount: 1 }, 0);
    own.accepted("listed", 100);
    own.submitted({ clientOrderId: "recent", side: "buy", price: 99, amount: 1 }, 4_800);
    own.accepted("recent", 4_900);
    own.submitted({ clientOrderId: "flying", side: "sell", price: 102, amount: 1 }, 4_950);
    expect(own.audit(["listed", "stray"], 5_000)).toEqual({ vanished: ["old"], unknown: ["stray"] });
  });

  it("a closed order still listed within the buffer is not unknown (the listing may predate the cancel); long after, it is", () => {
    const own = withBid();
    own.closed("b1", 2_000);
    expect(own.audit(["b1"], 2_100)).toEqual({ vanished: [], unknown: [] });
    expect(own.audit(["b1"], 2_600)).toEqual({ vanished: [], unknown: ["b1"] });
  });
});
