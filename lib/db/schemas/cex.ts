/** Tables of the cex service: orders keyed on (exchange, client order id) for idempotent placement, and fills. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const CEX_ORDERS_TABLE = "cex_orders";
export const CEX_FILLS_TABLE = "cex_fills";

const DECIMAL_TEXT = { type: DataTypes.STRING(64), allowNull: true };

export const cexOrderColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  exchange: { type: DataTypes.STRING(64), allowNull: false },
  client_order_id: { type: DataTypes.STRING(36), allowNull: false },
  exchange_order_id: { type: DataTypes.STRING(128), allowNull: true },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  side: { type: DataTypes.STRING(8), allowNull: false },
  type: { type: DataTypes.STRING(16), allowNull: false },
  price: DECIMAL_TEXT,
  amount: { type: DataTypes.STRING(64), allowNull: false },
  filled: { type: DataTypes.STRING(64), allowNull: false },
  remaining: { type: DataTypes.STRING(64), allowNull: false },
  /** pending (sent, no answer yet), open, closed, canceled, expired, rejected */
  status: { type: DataTypes.STRING(16), allowNull: false },
  fee_cost: DECIMAL_TEXT,
  fee_currency: { type: DataTypes.STRING(16), allowNull: true },
  created_at: { type: DataTypes.DATE, allowNull: false },
  updated_at: { type: DataTypes.DATE, allowNull: false },
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
  fee_cost: DECIMAL_TEXT,
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
];
