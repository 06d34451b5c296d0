/**
 * The paper venue's order journal on a real SQLite file: an acknowledgement is durable once its
 * line is appended (before the group commit), the journal is emptied once everything in it is
 * committed, and the replay at start brings the table forward (never back), leaving another
 * order under the same clientOrderId alone. The kill -9 case is cex-burst-kill.test.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Model, ModelStatic, Sequelize } from "sequelize";
import { OrderStore, type OrderRow, type WireOrder } from "../../lib/cex";
import { OrderJournal, readJournal } from "../../lib/cex/order-journal";
import { replayOrderJournal } from "../../lib/cex/order-journal-replay";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";
import { CEX_FILLS_TABLE, CEX_ORDERS_TABLE, cexFillColumns, cexMigrations, cexOrderColumns } from "../../lib/db/schemas/cex";

const wire = (clientOrderId: string, status: WireOrder["status"], filled = "0"): WireOrder => ({
  exchange: "paper", id: `x-${clientOrderId}`, clientOrderId, symbol: "BTC/USDT", side: "buy", type: "limit", price: "30000", amount: "0.002",
  filled, remaining: (0.002 - Number(filled)).toFixed(3), status, fee: { cost: null, currency: null }, timestamp: 0, postOnly: null, average: null, cost: null,
});

const row = (clientOrderId: string, status: OrderRow["status"], createdAt: Date, filled = "0"): OrderRow => ({
  id: 0, exchange: "paper", client_order_id: clientOrderId, exchange_order_id: `x-${clientOrderId}`, symbol: "BTC/USDT", side: "buy", type: "limit",
  price: "30000", amount: "0.002", filled, remaining: "0.002", status, fee_cost: null, fee_currency: null, created_at: createdAt, updated_at: createdAt,
});

describe("paper order journal (SQLite file)", () => {
  let dir: string;
  let sequelize: Sequelize;
  let orders: ModelStatic<Model>;
  let fills: ModelStatic<Model>;
  const stored = async (clientOrderId: string) => (await orders.findOne({ where: { exchange: "paper", client_order_id: clientOrderId }, raw: true })) as OrderRow | null;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-journal-"));
    sequelize = acquireSequelize({ dialect: "sqlite", storage: path.join(dir, "mmesh.sqlite") });
    await cexMigrations[0].up(sequelize.getQueryInterface(), sequelize);
    orders = sequelize.define(CEX_ORDERS_TABLE, cexOrderColumns, { tableName: CEX_ORDERS_TABLE, timestamps: false });
    fills = sequelize.define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
  });

  afterAll(async () => {
    await releaseSequelize(sequelize);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads back what was appended, skips a line torn by a crash, and keeps the file private", async () => {
    const file = path.join(dir, "read.journal");
    expect(readJournal(file)).toEqual([]);
    const journal = new OrderJournal(file);
    const t = new Date("2026-01-02T03:04:05.678Z");
    journal.append(row("r-1", "open", t));
    journal.append(row("r-2", "open", t));
    await journal.close();
    fs.appendFileSync(file, '{"id":0,"exchange":"paper","client_order_id":"r-3"'); // cut mid-line
    expect(readJournal(file).map((r) => [r.client_order_id, r.created_at.getTime()])).toEqual([
      ["r-1", t.getTime()],
      ["r-2", t.getTime()],
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("acknowledges by the journal before the commit, commits soon after, and empties the journal once all is committed", async () => {
    const file = path.join(dir, "store.journal");
    const store = new OrderStore(orders, fills, { orderUpdated: async () => undefined, fillRecorded: async () => undefined, writeFailed: () => undefined }, { inProcess: ["paper"], writes: { lazyMs: 200 } });
    store.useJournal(new OrderJournal(file));
    expect(store.reserveInProcess("paper", "s-1", { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.002", price: "30000" })).toBe(true);
    await store.applyReport("paper", wire("s-1", "open"));
    await store.durable("paper", "s-1");
    // Acknowledged: in the journal, not committed yet (the group commit waits up to 200 ms here).
    expect(readJournal(file).map((r) => [r.client_order_id, r.status])).toEqual([["s-1", "open"]]);
    expect(await stored("s-1")).toBeNull();
    await store.idle();
    expect(await stored("s-1")).toMatchObject({ status: "open", exchange_order_id: "x-s-1" });
    await store.closeJournal();
    expect(fs.statSync(file).size).toBe(0);
    store.close();
  });

  it("waits for the commit of an order that has fills (the journal holds orders, not fills)", async () => {
    const store = new OrderStore(orders, fills, { orderUpdated: async () => undefined, fillRecorded: async () => undefined, writeFailed: () => undefined }, { inProcess: ["paper"], writes: { lazyMs: 200 } });
    const file = path.join(dir, "filled.journal");
    store.useJournal(new OrderJournal(file));
    store.reserveInProcess("paper", "f-1", { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.002", price: "30000" });
    await store.applyReport("paper", wire("f-1", "open", "0.001"));
    await store.durable("paper", "f-1");
    expect(await stored("f-1")).toMatchObject({ filled: "0.001" });
    expect(readJournal(file)).toEqual([]);
    await store.idle();
    await store.closeJournal();
    store.close();
  });

  it("replays into the table: inserts what is missing, brings a row forward, never back, and leaves another order alone", async () => {
    const file = path.join(dir, "replay.journal");
    const t0 = new Date("2026-03-01T00:00:00.000Z");
    await orders.bulkCreate([
      { ...row("p-open", "open", t0), id: undefined }, // the journal knows it was cancelled since
      { ...row("p-done", "canceled", t0), id: undefined }, // the table is newer than the journal
      { ...row("p-other", "open", new Date("2026-02-01T00:00:00.000Z")), id: undefined }, // another node's order, same id
    ]);
    const journal = new OrderJournal(file);
    for (const r of [row("p-new", "open", t0), row("p-open", "open", t0), row("p-open", "canceled", t0), row("p-done", "open", t0), row("p-other", "canceled", t0)]) journal.append(r);
    await journal.close();

    expect(await replayOrderJournal(orders, file)).toEqual({ restored: 2, current: 1, skipped: 1 });
    expect(await stored("p-new")).toMatchObject({ status: "open", amount: "0.002" });
    expect(await stored("p-open")).toMatchObject({ status: "canceled" });
    expect(await stored("p-done")).toMatchObject({ status: "canceled" });
    expect(await stored("p-other")).toMatchObject({ status: "open" });
    // Replaying twice changes nothing.
    expect(await replayOrderJournal(orders, file)).toEqual({ restored: 0, current: 3, skipped: 1 });
  });
});
