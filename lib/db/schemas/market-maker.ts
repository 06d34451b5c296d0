/**
 * Tables of the market-maker service: one row per bot (state, position snapshot, PnL),
 * every fill attributed to a bot (the source of truth positions are rebuilt from), a PnL
 * history for charts, and switches shared by every node (the global kill switch).
 */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const MM_BOTS_TABLE = "mm_bots";
export const MM_FILLS_TABLE = "mm_fills";
export const MM_PNL_TABLE = "mm_pnl_history";
export const MM_CONTROLS_TABLE = "mm_controls";

/** A fresh object per column: sequelize writes the field name into attribute definitions. */
const DECIMAL = () => ({ type: DataTypes.STRING(64), allowNull: false });

export const mmBotColumns = {
  name: { type: DataTypes.STRING(64), primaryKey: true },
  exchange: { type: DataTypes.STRING(64), allowNull: false },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  strategy: { type: DataTypes.STRING(32), allowNull: false },
  /** running, paused, halted (kill switch; stays until resumed), stopped */
  state: { type: DataTypes.STRING(16), allowNull: false },
  halt_reason: { type: DataTypes.STRING(500), allowNull: true },
  /** The node quoting it now (null when none). */
  node_id: { type: DataTypes.STRING(128), allowNull: true },
  position: DECIMAL(),
  avg_entry_price: DECIMAL(),
  realized: DECIMAL(),
  unrealized: DECIMAL(),
  fees_paid: DECIMAL(),
  volume: DECIMAL(),
  fills: { type: DataTypes.INTEGER, allowNull: false },
  /** PnlTracker state (UTC day baseline, peak equity) as JSON. */
  pnl_state: { type: DataTypes.TEXT, allowNull: true },
  updated_at: { type: DataTypes.DATE, allowNull: false },
};

export const mmFillColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  bot: { type: DataTypes.STRING(64), allowNull: false },
  exchange: { type: DataTypes.STRING(64), allowNull: false },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  trade_id: { type: DataTypes.STRING(128), allowNull: false },
  client_order_id: { type: DataTypes.STRING(36), allowNull: true },
  side: { type: DataTypes.STRING(8), allowNull: false },
  price: DECIMAL(),
  amount: DECIMAL(),
  fee_cost: { type: DataTypes.STRING(64), allowNull: true },
  fee_currency: { type: DataTypes.STRING(16), allowNull: true },
  /** maker (a quote filled) or hedge (the XEMM taker leg) */
  role: { type: DataTypes.STRING(8), allowNull: false },
  timestamp: { type: DataTypes.BIGINT, allowNull: false },
  created_at: { type: DataTypes.DATE, allowNull: false },
};

export const mmPnlColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  bot: { type: DataTypes.STRING(64), allowNull: false },
  timestamp: { type: DataTypes.BIGINT, allowNull: false },
  position: DECIMAL(),
  realized: DECIMAL(),
  unrealized: DECIMAL(),
  fees_paid: DECIMAL(),
};

export const mmControlColumns = {
  key: { type: DataTypes.STRING(64), primaryKey: true },
  value: { type: DataTypes.TEXT, allowNull: true },
  updated_at: { type: DataTypes.DATE, allowNull: false },
};

export const mmMigrations: Migration[] = [
  {
    name: "001-mm-bots-fills-pnl-controls",
    async up(qi) {
      await qi.createTable(MM_BOTS_TABLE, mmBotColumns);
      await qi.createTable(MM_FILLS_TABLE, mmFillColumns);
      await qi.addIndex(MM_FILLS_TABLE, ["exchange", "trade_id"], { unique: true, name: "mm_fills_exchange_trade_id" });
      await qi.addIndex(MM_FILLS_TABLE, ["bot", "timestamp"], { name: "mm_fills_bot_timestamp" });
      await qi.createTable(MM_PNL_TABLE, mmPnlColumns);
      await qi.addIndex(MM_PNL_TABLE, ["bot", "timestamp"], { name: "mm_pnl_history_bot_timestamp" });
      await qi.createTable(MM_CONTROLS_TABLE, mmControlColumns);
    },
    async down(qi) {
      await qi.dropTable(MM_CONTROLS_TABLE);
      await qi.dropTable(MM_PNL_TABLE);
      await qi.dropTable(MM_FILLS_TABLE);
      await qi.dropTable(MM_BOTS_TABLE);
    },
  },
];
