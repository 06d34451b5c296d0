import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newStreamEvent, type StreamEvent } from "../../../lib/backtest/event-stream";
import { latencyModel, LatencyModelError, samplesFromQuotePlaced } from "../../../lib/backtest/latency-models";
import { queueModel, QueueModelError } from "../../../lib/backtest/queue-models";
import { SimVenue, type SimFill } from "../../../lib/backtest/sim-venue";

// A market with tick 1 and lot 1: prices are ticks, amounts are lots.
function venue(model: string): { v: SimVenue; fills: SimFill[] } {
  const fills: SimFill[] = [];
  return { v: new SimVenue(1, 1, queueModel(model), (f) => fills.push({ ...f })), fills };
}

function book(ts: number, bids: Array<[number, number]>, asks: Array<[number, number]>): StreamEvent {
  const e = newStreamEvent();
  e.ts = ts;
  e.type = "book";
  e.symbol = "X/Y";
  bids.forEach(([p, q], i) => ((e.bidPx[i] = p), (e.bidQty[i] = q)));
  asks.forEach(([p, q], i) => ((e.askPx[i] = p), (e.askQty[i] = q)));
  e.bids = bids.length;
  e.asks = asks.length;
  return e;
}

function trade(ts: number, side: "buy" | "sell", price: number, amount: number): StreamEvent {
  const e = newStreamEvent();
  Object.assign(e, { ts, type: "trade", symbol: "X/Y", side, price, amount });
  return e;
}

/** Feeds events in order, applying orders/cancels that arrive by each event's time first. */
function feed(v: SimVenue, events: StreamEvent[]): void {
  for (const e of events) {
    v.advance(e.ts);
    if (e.type === "book") v.onBook(e);
    else v.onTrade(e);
  }
}

describe("queue position", () => {
  it("an order behind 5 units fills only after 5 units trade at its price, then by the volume traded", () => {
    for (const model of ["risk_averse", "power:2", "log"]) {
      const { v, fills } = venue(model);
      feed(v, [book(0, [[100, 5], [99, 7]], [[101, 4]])]);
      const o = v.submit("buy", 100, 3, 0, 0);
      v.advance(0);
      expect(o.state).toBe("open");
      expect(o.ahead).toBe(5);
      feed(v, [trade(1, "sell", 100, 3), trade(2, "sell", 100, 2)]);
      expect(fills).toEqual([]);
      feed(v, [trade(3, "sell", 100, 2)]);
      expect(fills.map((f) => [f.ts, f.lots])).toEqual([[3, 2]]);
      expect(o.remaining).toBe(1);
      feed(v, [trade(4, "sell", 100, 5)]);
      expect(fills.map((f) => [f.ts, f.lots])).toEqual([[3, 2], [4, 1]]);
      expect(o.state).toBe("filled");
    }
  });

  it("without a queue model (none) the first print at its price fills it", () => {
    const { v, fills } = venue("none");
    feed(v, [book(0, [[100, 5]], [[101, 4]])]);
    v.submit("buy", 100, 3, 0, 0);
    feed(v, [trade(1, "sell", 100, 1)]);
    expect(fills.map((f) => f.lots)).toEqual([1]);
  });

  it("prints at other prices do not move the queue; a print through the price fills in full", () => {
    const { v, fills } = venue("risk_averse");
    feed(v, [book(0, [[100, 5]], [[102, 4]])]);
    const o = v.submit("sell", 102, 2, 0, 0);
    feed(v, [trade(1, "buy", 101, 9)]);
    expect(o.ahead).toBe(4);
    expect(fills).toEqual([]);
    feed(v, [trade(2, "buy", 103, 1)]);
    expect(fills.map((f) => f.lots)).toEqual([2]);
  });

  it("a book that moves through the order fills it", () => {
    const { v, fills } = venue("risk_averse");
    feed(v, [book(0, [[100, 5]], [[102, 4]])]);
    v.submit("buy", 100, 2, 0, 0);
    feed(v, [book(1, [[98, 5]], [[99, 1]])]);
    expect(fills.map((f) => [f.ts, f.lots])).toEqual([[1, 2]]);
  });

  it("cancels at the level advance the order under the probabilistic models only as far as the model says", () => {
    // 10 at the level when placed, we are behind all of it; 4 cancel (no trades)
    const after = (model: string): number => {
      const { v } = venue(model);
      feed(v, [book(0, [[100, 10]], [[101, 1]])]);
      const o = v.submit("buy", 100, 1, 0, 0);
      feed(v, [book(1, [[100, 6]], [[101, 1]])]);
      return o.ahead;
    };
    expect(after("risk_averse")).toBe(6); // only capped by what is left
    expect(after("power:2")).toBe(6); // nothing behind us: every cancel was ahead
    // with volume behind us, part of a cancel is taken from behind
    const mixed = (model: string): number => {
      const { v } = venue(model);
      feed(v, [book(0, [[100, 4]], [[101, 1]])]);
      const o = v.submit("buy", 100, 1, 0, 0); // ahead 4
      feed(v, [book(1, [[100, 10]], [[101, 1]])]); // 6 joined behind us
      feed(v, [book(2, [[100, 7]], [[101, 1]])]); // 3 cancelled somewhere
      return o.ahead;
    };
    expect(mixed("risk_averse")).toBe(4);
    const power = mixed("power:2");
    const log = mixed("log");
    expect(power).toBeGreaterThan(1);
    expect(power).toBeLessThan(4);
    expect(log).toBeGreaterThan(1);
    expect(log).toBeLessThan(4);
    // power:2 puts more of the cancel behind us (the longer side) than log does
    expect(power).toBeGreaterThan(log);
  });

  it("a level shrinking by a trade is not counted again as cancels", () => {
    const { v } = venue("power:2");
    feed(v, [book(0, [[100, 4]], [[101, 1]])]);
    const o = v.submit("buy", 100, 1, 0, 0);
    feed(v, [book(1, [[100, 10]], [[101, 1]])]);
    feed(v, [trade(2, "sell", 100, 3), book(3, [[100, 7]], [[101, 1]])]);
    expect(o.ahead).toBe(1);
  });

  it("names the models and rejects unknown ones", () => {
    expect(queueModel("power").name).toBe("power:2");
    expect(queueModel("power:3").name).toBe("power:3");
    expect(() => queueModel("fifo")).toThrow(QueueModelError);
    expect(() => queueModel("power:-1")).toThrow(/positive n/);
  });
});

describe("latency", () => {
  it("an order does not rest before its entry latency has passed", () => {
    const { v, fills } = venue("none");
    feed(v, [book(0, [[100, 5]], [[101, 4]])]);
    const o = v.submit("buy", 100, 1, 0, 50);
    feed(v, [trade(10, "sell", 100, 1)]);
    expect(o.state).toBe("in_flight");
    expect(fills).toEqual([]);
    feed(v, [trade(60, "sell", 100, 1)]);
    expect(fills.map((f) => f.ts)).toEqual([60]);
  });

  it("a cancel still in flight can be filled", () => {
    const { v, fills } = venue("none");
    feed(v, [book(0, [[100, 5]], [[101, 4]])]);
    const o = v.submit("buy", 100, 2, 0, 0);
    v.advance(0);
    v.cancel(o, 10 + 40); // sent at 10, reaches the venue at 50
    expect(v.live()).toEqual([]); // the strategy no longer counts on it
    feed(v, [trade(30, "sell", 100, 2)]);
    expect(fills.map((f) => [f.ts, f.lots])).toEqual([[30, 2]]);
    feed(v, [trade(70, "sell", 100, 2)]);
    expect(o.state).toBe("filled");
  });

  it("a cancel that arrives first removes the order before any fill", () => {
    const { v, fills } = venue("none");
    feed(v, [book(0, [[100, 5]], [[101, 4]])]);
    const o = v.submit("buy", 100, 2, 0, 0);
    v.cancel(o, 5);
    feed(v, [trade(30, "sell", 100, 2)]);
    expect(o.state).toBe("cancelled");
    expect(fills).toEqual([]);
  });

  it("a post-only order that would cross when it arrives is rejected", () => {
    const { v } = venue("none");
    feed(v, [book(0, [[100, 5]], [[102, 4]])]);
    const o = v.submit("buy", 101, 1, 0, 20);
    feed(v, [book(10, [[99, 5]], [[101, 4]]), book(20, [[99, 5]], [[101, 4]])]);
    expect(o.state).toBe("rejected");
    expect(v.rejected()).toBe(1);
  });

  it("models: constant, uniform, lognormal, empirical; seeded and repeatable", () => {
    expect(latencyModel("25").next()).toBe(25);
    expect(latencyModel("const:7").next()).toBe(7);
    const u = latencyModel("uniform:10,40", 3);
    const draws = Array.from({ length: 200 }, () => u.next());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...draws)).toBeLessThan(40);
    const again = latencyModel("uniform:10,40", 3);
    expect(Array.from({ length: 200 }, () => again.next())).toEqual(draws);
    const e = latencyModel("empirical:5,9,9", 1);
    const seen = new Set(Array.from({ length: 100 }, () => e.next()));
    expect([...seen].sort()).toEqual([5, 9]);
    const ln = latencyModel("lognormal:20,0.5", 2);
    const logs = Array.from({ length: 2000 }, () => ln.next()).sort((a, b) => a - b);
    expect(logs[1000]).toBeGreaterThan(17);
    expect(logs[1000]).toBeLessThan(23);
    expect(() => latencyModel("uniform:5")).toThrow(LatencyModelError);
    expect(() => latencyModel("gamma:1,2")).toThrow(/unknown latency model/);
    expect(() => latencyModel("-3")).toThrow(LatencyModelError);
  });

  it("samples tick-to-order latencies from mm.quote.placed events, also from a file of them", () => {
    expect(samplesFromQuotePlaced([{ tickReceivedAt: 100, orderAckAt: 112 }, { tickReceivedAt: 5 }, { tickReceivedAt: 10, orderAckAt: 41 }])).toEqual([12, 31]);
    const dir = mkdtempSync(join(tmpdir(), "mmesh-latency-"));
    try {
      const file = join(dir, "quotes.jsonl");
      writeFileSync(file, '{"bot":"a","tickReceivedAt":100,"orderAckAt":112}\n{"bot":"a","tickReceivedAt":200,"orderAckAt":231}\n');
      const m = latencyModel(`quote-placed:${file}`, 4);
      expect(new Set(Array.from({ length: 50 }, () => m.next()))).toEqual(new Set([12, 31]));
      writeFileSync(file, '{"bot":"a"}\n');
      expect(() => latencyModel(`quote-placed:${file}`)).toThrow(/no mm.quote.placed events/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
