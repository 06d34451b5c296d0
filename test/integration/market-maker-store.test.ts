/**
 * The market-maker's fill book and ledger snapshots on PostgreSQL and SQLite: each bot's fills
 * numbered gap-free in booking order (also when two nodes book at once), a bot rebuilt from its
 * snapshot plus only the fills booked after it (same ledger as replaying everything), late
 * fills of a bot nobody quotes folded into its snapshot, and migration 002 on a database that
 * already holds fills.
 */
import { Sequelize } from "sequelize";
import { PositionLedger } from "../../lib/market-maker/accounting";
import { MarketMakerStore, ledgerColumns, type AttributedFill } from "../../lib/market-maker/store";
import { migrateUp, appliedMigrations } from "../../lib/db/migrations";
import { MM_BOTS_TABLE, MM_FILLS_TABLE, mmBotColumns, mmMigrations } from "../../lib/db/schemas/market-maker";
import { createTempDatabase, twoNodeConnections, type TempDatabase } from "../support/postgres";

const fill = (bot: string, n: number, side: "buy" | "sell", price: string, amount: string, fee: string | null = null): AttributedFill => ({
  bot,
  role: "maker",
  exchange: "paper",
  symbol: "BTC/USDT",
  clientOrderId: null,
  tradeId: `${bot}-t${n}`,
  side,
  price,
  amount,
  feeCost: fee,
  feeCurrency: fee === null ? null : "USDT",
  ts: 1_700_000_000_000 + n,
});

/** Buys and sells around 100 with quote fees: realized PnL, re-averaging and a flip through zero. */
const script = (bot: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const n = from + i;
    return fill(bot, n, n % 3 === 2 ? "sell" : "buy", String(95 + ((n * 7) % 13)), n % 3 === 2 ? "0.003" : "0.001", n % 2 ? "0.01" : null);
  });

function storeOn(sequelize: Sequelize): MarketMakerStore {
  const bots = sequelize.define(MM_BOTS_TABLE, mmBotColumns, { tableName: MM_BOTS_TABLE, timestamps: false });
  return new MarketMakerStore(bots, sequelize);
}

async function saveSnapshot(store: MarketMakerStore, bot: string, ledger: PositionLedger, seq: number, state = "running") {
  await store.saveBot({ name: bot, exchange: "paper", symbol: "BTC/USDT", strategy: "pure_market_making", state, halt_reason: null, node_id: null, ...ledgerColumns(ledger.snapshot(), "0", seq), pnl_state: null });
}

describe.each(["postgres", "sqlite"])("market-maker store on %s", (dialect) => {
  let sequelize: Sequelize;
  let other: Sequelize;
  let closeConnections: () => Promise<void>;
  let store: MarketMakerStore;

  beforeAll(async () => {
    ({ sequelize, other, close: closeConnections } = await twoNodeConnections(dialect as "postgres" | "sqlite"));
    await migrateUp(sequelize, "market-maker", mmMigrations);
    store = storeOn(sequelize);
  });

  afterAll(async () => {
    await closeConnections();
  });

  it("numbers a bot's fills 1, 2, 3 ... in booking order, once per trade, also when two nodes book at once", async () => {
    const second = storeOn(other); // another node's connection pool
    const fills = script("race", 1, 40);
    const results = await Promise.all(fills.map((f, i) => (i % 2 ? second : store).recordFill(f)));
    expect(results.every((r) => r !== null)).toBe(true);
    expect(results.map((r) => r!.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // A redelivered trade is not booked again, and takes no number.
    expect(await store.recordFill(fills[7])).toBeNull();
    expect(await second.recordFill(fills[8])).toBeNull();
    expect((await store.recordFill(fill("race", 41, "buy", "100", "0.001")))?.seq).toBe(41);
    // Another bot has its own sequence.
    expect((await store.recordFill(fill("race-2", 1, "buy", "100", "0.001")))?.seq).toBe(1);
  });

  it("rebuilds a bot from its snapshot plus only the newer fills, to the ledger a full replay gives", async () => {
    const all = script("snap", 1, 30);
    // The running bot applies 1..20 and saves its snapshot (fill_seq 20) ...
    const running = new PositionLedger("BTC", "USDT");
    for (const f of all.slice(0, 20)) {
      const booked = await store.recordFill(f);
      running.apply(booked!);
    }
    await saveSnapshot(store, "snap", running, 20);
    // ... then 21..30 are booked and the node dies before it saves again.
    for (const f of all.slice(20)) await store.recordFill(f);

    const { ledger, seq, replayed } = await store.loadLedger("snap", "BTC", "USDT");
    expect(replayed.map((f) => f.tradeId)).toEqual(all.slice(20).map((f) => f.tradeId));
    expect(seq).toBe(30);
    const full = new PositionLedger("BTC", "USDT");
    for (const f of all) full.apply(f);
    expect(ledger.snapshot()).toEqual(full.snapshot());
    expect(ledger.snapshot().fills).toBe(30);
  });

  it("folds a late fill of a bot nobody quotes into its snapshot", async () => {
    const ledger = new PositionLedger("BTC", "USDT");
    const first = await store.recordFill(fill("gone", 1, "buy", "100", "0.002"));
    ledger.apply(first!);
    await saveSnapshot(store, "gone", ledger, 1, "stopped");
    await store.recordFill(fill("gone", 2, "sell", "110", "0.001", "0.05"));
    const row = await store.settle("gone");
    expect(row).toMatchObject({ position: "0.001", realized: "-0.04", fills: 2, fill_seq: 2 });
    expect((await store.getBot("gone"))).toMatchObject({ position: "0.001", avg_entry_price: "100", realized: "-0.04", fees_paid: "0.05", fill_seq: 2 });
    // Nothing new: nothing written.
    expect((await store.loadLedger("gone", "BTC", "USDT")).replayed).toHaveLength(0);
  });
});

describe("migration 002 on a PostgreSQL database that already holds fills", () => {
  let db: TempDatabase;
  let sequelize: Sequelize;

  beforeAll(async () => {
    db = await createTempDatabase();
    sequelize = new Sequelize(db.url, { logging: false });
  });

  afterAll(async () => {
    await sequelize.close();
    await db.drop();
  });

  it("numbers the existing fills in the order the old replay used, and replays an old snapshot in full once", async () => {
    await migrateUp(sequelize, "market-maker", mmMigrations.slice(0, 1));
    const rows = [
      { bot: "old", trade_id: "b", side: "sell", price: "120", amount: "0.001", timestamp: 2000 },
      { bot: "old", trade_id: "a", side: "buy", price: "100", amount: "0.002", timestamp: 1000 },
      { bot: "old", trade_id: "c", side: "buy", price: "90", amount: "0.001", timestamp: 3000 },
      { bot: "other", trade_id: "d", side: "buy", price: "100", amount: "0.001", timestamp: 500 },
    ];
    await sequelize.getQueryInterface().bulkInsert(
      MM_FILLS_TABLE,
      rows.map((r) => ({ ...r, exchange: "paper", symbol: "BTC/USDT", client_order_id: null, fee_cost: null, fee_currency: null, role: "maker", created_at: new Date() })),
    );
    // An old snapshot that does not say which fills it holds (and here is wrong).
    await sequelize.getQueryInterface().bulkInsert(MM_BOTS_TABLE, [
      { name: "old", exchange: "paper", symbol: "BTC/USDT", strategy: "pure_market_making", state: "stopped", position: "0", avg_entry_price: "0", realized: "0", unrealized: "0", fees_paid: "0", volume: "0", fills: 0, updated_at: new Date() },
    ]);

    expect(await migrateUp(sequelize, "market-maker", mmMigrations)).toEqual(["002-mm-fill-seq", "003-mm-fill-identity", "004-mm-hedged-seq"]);
    expect(await appliedMigrations(sequelize, "market-maker")).toEqual(["001-mm-bots-fills-pnl-controls", "002-mm-fill-seq", "003-mm-fill-identity", "004-mm-hedged-seq"]);
    const store = storeOn(sequelize);
    expect((await store.fillsAfter("old", 0)).map((f) => [f.tradeId, f.seq])).toEqual([["a", 1], ["b", 2], ["c", 3]]);
    expect((await store.fillsAfter("other", 0)).map((f) => [f.tradeId, f.seq])).toEqual([["d", 1]]);
    const { ledger, seq, replayed } = await store.loadLedger("old", "BTC", "USDT");
    expect(replayed).toHaveLength(3);
    expect(seq).toBe(3);
    expect(ledger.snapshot()).toMatchObject({ position: "0.002", avgEntryPrice: "95", realized: "0.02", fills: 3 });
    // New bookings continue the sequence.
    expect((await store.recordFill(fill("old", 9, "sell", "100", "0.001")))?.seq).toBe(4);
  });
});
