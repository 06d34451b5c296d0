/**
 * cex_orders / cex_fills keep price and fee cost in their own columns (they once shared one
 * Sequelize definition object, so the fee cost overwrote the price), and migration 002
 * repairs a table created that way: on PostgreSQL and on SQLite.
 */
import fs from "node:fs";
import path from "node:path";
import { DataTypes, QueryTypes, Sequelize } from "sequelize";
import { OrderStore } from "../../lib/cex";
import { migrateUp } from "../../lib/db/migrations";
import * as schemas from "../../lib/db/schemas/cex";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

const { CEX_FILLS_TABLE, CEX_ORDERS_TABLE, cexFillColumns, cexMigrations, cexOrderColumns } = schemas;

describe("column definitions", () => {
  it("never share a definition object between columns (Sequelize writes the column name into it)", async () => {
    const dir = path.join(__dirname, "../../lib/db/schemas");
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
      const seen = new Map<object, string>();
      for (const [exported, value] of Object.entries(mod)) {
        if (!value || typeof value !== "object" || Array.isArray(value)) continue;
        for (const [column, def] of Object.entries(value as Record<string, unknown>)) {
          if (!def || typeof def !== "object" || !("type" in def)) continue;
          const where = `${file}: ${exported}.${column}`;
          expect({ column: where, sharedWith: seen.get(def) }).toEqual({ column: where, sharedWith: undefined });
          seen.set(def, where);
        }
      }
    }
  });
});

describe.each(["postgres", "sqlite"])("cex tables on %s", (dialect) => {
  let db: TempDatabase | null = null;
  let sequelize: Sequelize;

  beforeEach(async () => {
    if (dialect === "postgres") {
      db = await createTempDatabase();
      sequelize = new Sequelize(db.url, { logging: false });
    } else {
      sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
    }
  });

  afterEach(async () => {
    await sequelize.close();
    await db?.drop();
    db = null;
  });

  const fill = { exchange: "binance", trade_id: "t1", exchange_order_id: "o1", client_order_id: "c1", symbol: "BTC/USDT", side: "buy", price: "60000", amount: "0.002", cost: "120", taker_or_maker: "maker", fee_cost: "0.12", fee_currency: "USDT", timestamp: 1, created_at: new Date() };
  const order = { exchange: "binance", client_order_id: "c1", exchange_order_id: "o1", symbol: "BTC/USDT", side: "buy", type: "limit", price: "60000", amount: "0.002", filled: "0.002", remaining: "0", status: "closed", fee_cost: "0.12", fee_currency: "USDT", created_at: new Date(), updated_at: new Date() };

  it("stores an order's and a fill's price and fee cost apart", async () => {
    await migrateUp(sequelize, "cex", cexMigrations);
    const orders = sequelize.define(CEX_ORDERS_TABLE, cexOrderColumns, { tableName: CEX_ORDERS_TABLE, timestamps: false });
    const fills = sequelize.define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
    await orders.create(order);
    await fills.create(fill);
    expect(await sequelize.query(`SELECT price, fee_cost FROM ${CEX_ORDERS_TABLE}`, { type: QueryTypes.SELECT })).toEqual([{ price: "60000", fee_cost: "0.12" }]);
    expect(await sequelize.query(`SELECT price, fee_cost FROM ${CEX_FILLS_TABLE}`, { type: QueryTypes.SELECT })).toEqual([{ price: "60000", fee_cost: "0.12" }]);
  });

  it("002 adds the missing fee_cost columns to tables created before the fix and restores fill prices from cost / amount", async () => {
    // The tables as 001 used to create them: no fee_cost, the fee cost written into price.
    const qi = sequelize.getQueryInterface();
    const addOldIndex = () => qi.addIndex(CEX_FILLS_TABLE, ["exchange", "trade_id"], { unique: true, name: "cex_fills_exchange_trade_id" });
    const without = (columns: Record<string, unknown>) => Object.fromEntries(Object.entries(columns).filter(([name]) => name !== "fee_cost").map(([name]) => [name, { ...(columns[name] as object) }]));
    await qi.createTable(CEX_ORDERS_TABLE, without(cexOrderColumns) as never);
    await qi.createTable(CEX_FILLS_TABLE, without(cexFillColumns) as never);
    await addOldIndex();
    await qi.createTable("schema_migrations", {
      service: { type: DataTypes.STRING(64), primaryKey: true },
      name: { type: DataTypes.STRING(128), primaryKey: true },
      executed_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.bulkInsert("schema_migrations", [{ service: "cex", name: "001-cex-orders-and-fills", executed_at: new Date() }]);
    const { fee_cost: _f, ...fillRow } = fill;
    const { fee_cost: _o, ...orderRow } = order;
    await qi.bulkInsert(CEX_FILLS_TABLE, [
      { ...fillRow, price: "0.12" },
      { ...fillRow, trade_id: "t2", price: "0.003", amount: "0.1", cost: "6000.3" },
      { ...fillRow, trade_id: "t3", price: "x", amount: "0", cost: "0" },
    ]);
    await qi.bulkInsert(CEX_ORDERS_TABLE, [{ ...orderRow, price: "0.12" }]);

    expect(await migrateUp(sequelize, "cex", cexMigrations)).toEqual(["002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"]);
    expect(Object.keys(await qi.describeTable(CEX_ORDERS_TABLE))).toContain("fee_cost");
    expect(Object.keys(await qi.describeTable(CEX_FILLS_TABLE))).toContain("fee_cost");
    const prices = await sequelize.query(`SELECT trade_id, price, fee_cost FROM ${CEX_FILLS_TABLE} ORDER BY trade_id`, { type: QueryTypes.SELECT });
    expect(prices).toEqual([
      { trade_id: "t1", price: "60000", fee_cost: null },
      { trade_id: "t2", price: "60003", fee_cost: null },
      { trade_id: "t3", price: "x", fee_cost: null }, // no amount: left alone
    ]);
    // New rows now keep both.
    const orders = sequelize.define(CEX_ORDERS_TABLE, cexOrderColumns, { tableName: CEX_ORDERS_TABLE, timestamps: false });
    await orders.create({ ...order, client_order_id: "c2" });
    expect(await sequelize.query(`SELECT price, fee_cost FROM ${CEX_ORDERS_TABLE} WHERE client_order_id = 'c2'`, { type: QueryTypes.SELECT })).toEqual([{ price: "60000", fee_cost: "0.12" }]);
  });

  it("keeps a fill per exchange, symbol, trade id and side: Binance numbers trades per symbol, a self-trade has two sides", async () => {
    await migrateUp(sequelize, "cex", cexMigrations);
    const store = new OrderStore(
      sequelize.define(CEX_ORDERS_TABLE, cexOrderColumns, { tableName: CEX_ORDERS_TABLE, timestamps: false }),
      sequelize.define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false }),
      { orderUpdated: async () => undefined, fillRecorded: async () => undefined, writeFailed: () => undefined },
    );
    const wire = { exchange: "binance", tradeId: "777", orderId: "o1", clientOrderId: "c1", symbol: "BTC/USDT", side: "buy", price: "60000", amount: "0.001", cost: "60", takerOrMaker: "maker", fee: { cost: "0.06", currency: "USDT" }, timestamp: 1 };
    expect(await store.recordFill(wire)).toBe(true);
    expect(await store.recordFill({ ...wire, symbol: "ETH/USDT", orderId: "o2", clientOrderId: "c2", price: "3000", cost: "3" })).toBe(true); // same id, other symbol
    expect(await store.recordFill({ ...wire, side: "sell", orderId: "o3", clientOrderId: "c3" })).toBe(true); // the self-trade's other side
    expect(await store.recordFill(wire)).toBe(false); // the same fill again
    const [{ n }] = (await sequelize.query(`SELECT count(*) AS n FROM ${CEX_FILLS_TABLE}`, { type: QueryTypes.SELECT })) as Array<{ n: string | number }>;
    expect(Number(n)).toBe(3);
  });

  it("002 leaves a table created with the fee_cost column alone", async () => {
    expect(await migrateUp(sequelize, "cex", cexMigrations)).toEqual(["001-cex-orders-and-fills", "002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"]);
    const fills = sequelize.define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
    await fills.create(fill);
    expect(await sequelize.query(`SELECT price, fee_cost FROM ${CEX_FILLS_TABLE}`, { type: QueryTypes.SELECT })).toEqual([{ price: "60000", fee_cost: "0.12" }]);
  });
});
