/** Tables of the cex service: orders keyed on (exchange, client order id) for idempotent placement, and fills. */
import { DataTypes, QueryTypes, type QueryInterface } from "sequelize";
import { divDecimal } from "../../cex/decimal";
import type { Migration } from "../migrations";
import { fillIdentityMigration } from "./fill-identity";

export const CEX_ORDERS_TABLE = "cex_orders";
export const CEX_FILLS_TABLE = "cex_fills";

/**
 * A fresh definition per column: Sequelize writes the column's name into the object it is
 * given (`field`), so one object shared by two columns made both write the same column.
 */
const decimalText = () => ({ type: DataTypes.STRING(64), allowNull: true });

/** Columns added by 004: what the venue says of the order beyond amounts, and the fills it still owes. */
function orderDetailColumns() {
  return {
    post_only: { type: DataTypes.BOOLEAN, allowNull: true },
    average: decimalText(),
    cost: decimalText(),
    /**
     * A live venue's order whose stored fills do not yet cover `filled` (set when `filled`
     * grows, cleared by fill sync once its trades are stored): reconcile pulls the trades of
     * these, terminal or not, until none is lost.
     */
    fills_owed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  };
}

export const cexOrderColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  exchange: { type: DataTypes.STRING(64), allowNull: false },
  client_order_id: { type: DataTypes.STRING(36), allowNull: false },
  exchange_order_id: { type: DataTypes.STRING(128), allowNull: true },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  side: { type: DataTypes.STRING(8), allowNull: false },
  type: { type: DataTypes.STRING(16), allowNull: false },
  price: decimalText(),
  amount: { type: DataTypes.STRING(64), allowNull: false },
  filled: { type: DataTypes.STRING(64), allowNull: false },
  remaining: { type: DataTypes.STRING(64), allowNull: false },
  /** pending (sent, no answer yet), open, closed, canceled, expired, rejected */
  status: { type: DataTypes.STRING(16), allowNull: false },
  fee_cost: decimalText(),
  fee_currency: { type: DataTypes.STRING(16), allowNull: true },
  created_at: { type: DataTypes.DATE, allowNull: false },
  updated_at: { type: DataTypes.DATE, allowNull: false },
  ...orderDetailColumns(),
};

export const cexFillColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  exchange: { type: DataTypes.STRING(64), allowNull: false },
  trade_id: { type: DataTypes.STRING(128), allowNull: false },
  exchange_order_id: { type: DataTypes.STRING(128), allowNull: true },
  client_order_id: { type: DataTypes.STRING(36), allowNull: true },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  side: { type: DataTypes.STRING(8), allowNull: false },
  price: { type: DataTypes.STRING(64), allowNull: false },
  amount: { type: DataTypes.STRING(64), allowNull: false },
  cost: { type: DataTypes.STRING(64), allowNull: false },
  taker_or_maker: { type: DataTypes.STRING(8), allowNull: true },
  fee_cost: decimalText(),
  fee_currency: { type: DataTypes.STRING(16), allowNull: true },
  timestamp: { type: DataTypes.BIGINT, allowNull: false },
  created_at: { type: DataTypes.DATE, allowNull: false },
};

export const cexMigrations: Migration[] = [
  {
    name: "001-cex-orders-and-fills",
    async up(qi) {
      await qi.createTable(CEX_ORDERS_TABLE, cexOrderColumns);
      await qi.addIndex(CEX_ORDERS_TABLE, ["exchange", "client_order_id"], { unique: true, name: "cex_orders_exchange_client_order_id" });
      await qi.addIndex(CEX_ORDERS_TABLE, ["exchange", "exchange_order_id"], { name: "cex_orders_exchange_order_id" });
      await qi.addIndex(CEX_ORDERS_TABLE, ["status"], { name: "cex_orders_status" });
      await qi.createTable(CEX_FILLS_TABLE, cexFillColumns);
      await qi.addIndex(CEX_FILLS_TABLE, ["exchange", "trade_id"], { unique: true, name: "cex_fills_exchange_trade_id" });
    },
    async down(qi) {
      await qi.dropTable(CEX_FILLS_TABLE);
      await qi.dropTable(CEX_ORDERS_TABLE);
    },
  },
  {
    // Tables created before decimalText() have no fee_cost column: fee_cost shared price's
    // definition, so fee costs were written into price. The column is added; a fill's price
    // comes back as cost / amount. An order's limit price cannot be recovered.
    name: "002-cex-fee-cost-columns",
    async up(qi) {
      for (const table of [CEX_ORDERS_TABLE, CEX_FILLS_TABLE]) {
        if ("fee_cost" in (await qi.describeTable(table))) continue;
        await qi.addColumn(table, "fee_cost", decimalText());
        if (table === CEX_FILLS_TABLE) await repairFillPrices(qi);
      }
    },
    async down() {
      // Nothing to undo: the column is the one 001 declares.
    },
  },
  fillIdentityMigration("003-cex-fill-identity", CEX_FILLS_TABLE, "cex_fills"),
  {
    name: "004-cex-order-details-and-fills-owed",
    async up(qi) {
      const existing = await qi.describeTable(CEX_ORDERS_TABLE);
      for (const [name, column] of Object.entries(orderDetailColumns())) {
        if (!(name in existing)) await qi.addColumn(CEX_ORDERS_TABLE, name, column);
      }
      await qi.addIndex(CEX_ORDERS_TABLE, ["exchange", "fills_owed"], { name: "cex_orders_exchange_fills_owed" });
    },
    async down(qi) {
      await qi.removeIndex(CEX_ORDERS_TABLE, "cex_orders_exchange_fills_owed");
      for (const name of Object.keys(orderDetailColumns())) await qi.removeColumn(CEX_ORDERS_TABLE, name);
    },
  },
];

/** price = cost / amount for every fill, in id order, 500 rows per UPDATE. */
async function repairFillPrices(qi: QueryInterface, batch = 500): Promise<void> {
  const db = qi.sequelize;
  for (let after = 0; ; ) {
    const rows = (await db.query(`SELECT id, cost, amount FROM ${CEX_FILLS_TABLE} WHERE id > ? ORDER BY id LIMIT ?`, { replacements: [after, batch], type: QueryTypes.SELECT })) as Array<{ id: number; cost: string; amount: string }>;
    if (rows.length === 0) return;
    const prices = rows.flatMap((r) => {
      try {
        return Number(r.amount) > 0 ? [{ id: r.id, price: divDecimal(r.cost, r.amount) }] : [];
      } catch {
        return []; // not a decimal: left as it is
      }
    });
    if (prices.length > 0) {
      const cases = prices.map(() => "WHEN ? THEN ?").join(" ");
      await db.query(`UPDATE ${CEX_FILLS_TABLE} SET price = CASE id ${cases} END WHERE id IN (${prices.map(() => "?").join(",")})`, {
        replacements: [...prices.flatMap((p) => [p.id, p.price]), ...prices.map((p) => p.id)],
      });
    }
    after = rows[rows.length - 1].id;
  }
}
