/**
 * Bot snapshots (lib/market-maker/snapshots.ts) on a real store (SQLite): written only when
 * something changed (the fill seq included), one bot's saves in call order, PnL history a
 * point per fill and otherwise at most one per interval, a failed save written again.
 */
import { PositionLedger, type PnlState } from "../../../lib/market-maker/accounting";
import type { BotStatus } from "../../../lib/market-maker/bot";
import { BotSnapshots, type SnapshotSource } from "../../../lib/market-maker/snapshots";
import type { MarketMakerStore } from "../../../lib/market-maker/store";
import { sqliteStore, type SqliteStore } from "./store.harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bot stand-in whose ledger, mark and state the test moves. */
class FakeBot implements SnapshotSource {
  readonly ledger = new PositionLedger("BTC", "USDT");
  unrealized = "0";
  hedgesInFlight = 0;
  state: BotStatus["state"] = "running";
  private n = 0;
  readonly pnl = { state: (): PnlState => ({ day: "2026-11-25", dayStartEquity: "0", peakEquity: "0" }) };
  constructor(readonly name = "a") {}
  fill(side: "buy" | "sell" = "buy") {
    this.n += 1;
    this.ledger.apply({ tradeId: `${this.name}-${this.n}`, side, price: "100", amount: "0.01", feeCost: null, feeCurrency: null, ts: 1_700_000_000_000 + this.n });
  }
  status(): BotStatus {
    return {
      name: this.name,
      exchange: "paper",
      symbol: "BTC/USDT",
      strategy: "pure_market_making",
      state: this.state,
      haltReason: null,
      liveOrders: [],
      inventory: { base: "0", quote: "0" },
      ledger: this.ledger.snapshot(),
      unrealized: this.unrealized,
      mid: null,
      priceReceivedAt: null,
      feedAliveAt: null,
      lastRequoteAt: null,
      lastRisk: { blocked: null, rejected: [] },
      strategyState: {},
      unquoted: [],
      widened: null,
      requotes: 0,
    };
  }
}

describe("BotSnapshots", () => {
  let db: SqliteStore;
  let store: MarketMakerStore;
  let now: number;
  let writes: jest.SpyInstance;
  const snapshots = (s: Pick<MarketMakerStore, "saveBot" | "appendPnl"> = store) => new BotSnapshots({ store: s, nodeId: "node-1", historyIntervalMs: 60_000, now: () => now });

  beforeEach(async () => {
    db = await sqliteStore();
    store = db.store;
    now = 1_000_000;
    writes = jest.spyOn(store, "saveBot");
  });
  afterEach(() => db.close());

  it("does not rewrite an unchanged snapshot, and rewrites it when the fill seq moves", async () => {
    const snaps = snapshots();
    const bot = new FakeBot();
    bot.fill();
    await snaps.save(bot, 1);
    await snaps.save(bot, 1);
    await snaps.save(bot, 1);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 1, fills: 1, state: "running", node_id: "node-1" });

    await snaps.save(bot, 2); // same ledger, a later seq (a fill the ledger had seen before)
    expect(writes).toHaveBeenCalledTimes(2);
    expect((await store.getBot("a"))?.fill_seq).toBe(2);

    bot.unrealized = "1.5"; // the mark moved
    await snaps.save(bot, 2);
    expect(writes).toHaveBeenCalledTimes(3);
    expect((await store.getBot("a"))?.unrealized).toBe("1.5");

    bot.state = "halted";
    await snaps.save(bot, 2);
    expect(await store.getBot("a")).toMatchObject({ state: "halted", node_id: null });
  });

  it("moves hedged_seq with fill_seq only while no hedge is in flight", async () => {
    const snaps = snapshots();
    const bot = new FakeBot();
    bot.fill();
    await snaps.save(bot, 1);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 1, hedged_seq: 1 });
    bot.fill();
    bot.hedgesInFlight = 1;
    await snaps.save(bot, 2);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 2, hedged_seq: 1 });
    // The hedge finished: the next save writes it, though nothing else changed.
    bot.hedgesInFlight = 0;
    await snaps.save(bot, 2);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 2, hedged_seq: 2 });
  });

  it("runs one bot's saves in call order, whatever each write takes", async () => {
    const order: Array<number | null> = [];
    const delays = [60, 0, 20];
    const slow = {
      saveBot: async (row: Parameters<MarketMakerStore["saveBot"]>[0]) => {
        await sleep(delays.shift() ?? 0);
        order.push(row.fill_seq);
        await store.saveBot(row);
      },
      appendPnl: store.appendPnl.bind(store),
    };
    const snaps = snapshots(slow);
    const bot = new FakeBot();
    const saves: Array<Promise<void>> = [];
    for (let seq = 1; seq <= 3; seq++) {
      bot.fill();
      saves.push(snaps.save(bot, seq));
    }
    await Promise.all(saves);
    expect(order).toEqual([1, 2, 3]);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 3, fills: 3 });
  });

  it("adds a PnL history point per fill, and otherwise at most one per interval", async () => {
    const snaps = snapshots();
    const bot = new FakeBot();
    bot.fill();
    await snaps.save(bot, 1); // first point
    for (const u of ["1", "2", "3"]) {
      now += 10_000;
      bot.unrealized = u;
      await snaps.save(bot, 1); // saved, but within the minute: no point
    }
    bot.fill();
    await snaps.save(bot, 2); // a fill: a point
    now += 60_000;
    bot.unrealized = "4";
    await snaps.save(bot, 2); // a minute on: a point
    const points = await store.pnlHistory("a");
    expect(points.map((p) => [p.timestamp, p.unrealized])).toEqual([
      [1_000_000, "0"],
      [1_030_000, "3"],
      [1_090_000, "4"],
    ]);
    expect(writes).toHaveBeenCalledTimes(6);
  });

  it("writes a snapshot whose save failed again on the next call", async () => {
    let fail = true;
    const flaky = {
      saveBot: async (row: Parameters<MarketMakerStore["saveBot"]>[0]) => {
        if (fail) throw new Error("db down");
        await store.saveBot(row);
      },
      appendPnl: store.appendPnl.bind(store),
    };
    const snaps = snapshots(flaky);
    const bot = new FakeBot();
    bot.fill();
    await expect(snaps.save(bot, 1)).rejects.toThrow("db down");
    fail = false;
    await snaps.save(bot, 1);
    expect(await store.getBot("a")).toMatchObject({ fill_seq: 1, fills: 1 });
  });

  it("keeps bots apart: one bot's unchanged snapshot does not skip another's", async () => {
    const snaps = snapshots();
    const a = new FakeBot("a");
    const b = new FakeBot("b");
    await snaps.save(a, 0);
    await snaps.save(b, 0);
    expect((await store.listBots()).map((r) => r.name)).toEqual(["a", "b"]);
  });
});
