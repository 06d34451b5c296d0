/**
 * Applying a running bot's booked fills (lib/market-maker/fill-sequence.ts) on a real store
 * (SQLite): once each, in the bot's fill sequence; a gap is read back from mm_fills; after a
 * restart only the fills after the snapshot's fill_seq reach the ledger.
 */
import { PositionLedger, type AccountingFill } from "../../../lib/market-maker/accounting";
import { FillSequence, type FillTarget } from "../../../lib/market-maker/fill-sequence";
import { ledgerColumns, type AttributedFill, type BookedFill, type MarketMakerStore } from "../../../lib/market-maker/store";
import { sqliteStore, type SqliteStore } from "./store.harness";

const fill = (bot: string, n: number, side: "buy" | "sell" = n % 3 === 2 ? "sell" : "buy", role: "maker" | "hedge" = "maker"): AttributedFill => ({
  bot,
  role,
  exchange: "paper",
  symbol: "BTC/USDT",
  clientOrderId: null,
  tradeId: `${bot}-${n}`,
  side,
  price: String(95 + ((n * 7) % 13)),
  amount: side === "sell" ? "0.003" : "0.001",
  feeCost: n % 2 ? "0.01" : null,
  feeCurrency: n % 2 ? "USDT" : null,
  ts: 1_700_000_000_000 + n,
});

/** A bot stand-in: a ledger that records which fills reached it, and how. */
class Ledger implements FillTarget {
  readonly ledger: PositionLedger;
  readonly got: string[] = [];
  constructor(snapshot?: ConstructorParameters<typeof PositionLedger>[2]) {
    this.ledger = new PositionLedger("BTC", "USDT", snapshot);
  }
  onFill(f: AccountingFill): boolean {
    this.got.push(f.tradeId);
    this.ledger.apply(f);
    return true;
  }
  onHedgeFill(f: AccountingFill): boolean {
    this.got.push(`hedge:${f.tradeId}`);
    this.ledger.apply(f);
    return true;
  }
}

describe("FillSequence", () => {
  let db: SqliteStore;
  let store: MarketMakerStore;
  beforeEach(async () => {
    db = await sqliteStore();
    store = db.store;
  });
  afterEach(() => db.close());

  const book = async (bot: string, from: number, to: number) => {
    const out: BookedFill[] = [];
    for (let n = from; n <= to; n++) out.push((await store.recordFill(fill(bot, n)))!);
    return out;
  };
  const sequence = (target: FillTarget | null, applied: Array<[string, number]> = [], readBack: string[] = []) =>
    new FillSequence({ bot: "a", store, target: () => target, applied: (f, seq) => applied.push([f.tradeId, seq]), readBack: (f) => readBack.push(f.tradeId), warn: (m) => { throw new Error(m); } });

  it("applies the next fill, ignores those the ledger already has, and tells what changed", async () => {
    const booked = await book("a", 1, 3);
    const target = new Ledger();
    const applied: Array<[string, number]> = [];
    const seq = sequence(target, applied);
    seq.receive(booked[0]);
    seq.receive(booked[0]);
    seq.receive(booked[1]);
    expect(target.got).toEqual(["a-1", "a-2"]);
    expect(applied).toEqual([["a-1", 1], ["a-2", 2]]);
    expect(seq.seq).toBe(2);
  });

  it("reads a gap back from mm_fills and applies it in order instead of the fill that skipped ahead", async () => {
    const booked = await book("a", 1, 5);
    const target = new Ledger();
    const readBack: string[] = [];
    const seq = sequence(target, [], readBack);
    seq.receive(booked[0]);
    seq.receive(booked[3]); // 2 and 3 were missed
    await seq.catchUp(); // queued behind the read the gap started
    expect(target.got).toEqual(["a-1", "a-2", "a-3", "a-4", "a-5"]);
    expect(readBack).toEqual(["a-2", "a-3", "a-4", "a-5"]);
    expect(seq.seq).toBe(5);
  });

  it("dispatches hedge fills to the hedge side of the ledger", async () => {
    const booked = (await store.recordFill(fill("a", 1, "sell", "hedge")))!;
    const target = new Ledger();
    sequence(target).receive(booked);
    expect(target.got).toEqual(["hedge:a-1"]);
  });

  it("applies nothing while no bot runs (the fills wait in mm_fills)", async () => {
    const booked = await book("a", 1, 2);
    const seq = sequence(null);
    seq.receive(booked[0]);
    await seq.catchUp();
    expect(seq.seq).toBe(0);
  });

  it("after a restart applies only the fills with a seq above the snapshot's fill_seq, to the ledger a full replay gives", async () => {
    const booked = await book("a", 1, 7);
    // The snapshot a node saved after fill 4.
    const before = new PositionLedger("BTC", "USDT");
    for (const f of booked.slice(0, 4)) before.apply(f);
    await store.saveBot({ name: "a", exchange: "paper", symbol: "BTC/USDT", strategy: "pure_market_making", state: "running", halt_reason: null, node_id: null, ...ledgerColumns(before.snapshot(), "0", 4), pnl_state: null });

    // Restart: snapshot + what was booked after it, then the sequence continues from there.
    const loaded = await store.loadLedger("a", "BTC", "USDT");
    expect(loaded.replayed.map((f) => f.seq)).toEqual([5, 6, 7]);
    const target = new Ledger(loaded.ledger.snapshot());
    const seq = sequence(target);
    seq.seq = loaded.seq;
    for (const f of booked) seq.receive(f); // old announcements arriving again
    await seq.catchUp();
    expect(target.got).toEqual([]);
    const [next] = await book("a", 8, 8);
    seq.receive(next);
    expect(target.got).toEqual(["a-8"]);

    const full = new PositionLedger("BTC", "USDT");
    for (const f of [...booked, next]) full.apply(f);
    expect(target.ledger.snapshot()).toEqual(full.snapshot());
  });
});
