/**
 * Tables of the market-maker service: one row per bot (state, position snapshot, PnL),
 * every fill attributed to a bot (the source of truth positions are rebuilt from), a PnL
 * history for charts, and switches shared by every node (the global kill switch).
 */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";
import { fillIdentityMigration } from "./fill-identity";

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
  /**
   * The ledger columns above include exactly this bot's fills with seq <= fill_seq (written in
   * the same statement). Null: a snapshot from before 002, rebuilt once from every fill.
   */
  fill_seq: { type: DataTypes.INTEGER, allowNull: true },
  /** LedgerSnapshot.otherFees as JSON (fees in currencies other than base and quote). */
  other_fees: { type: DataTypes.TEXT, allowNull: true },
  last_fill_at: { type: DataTypes.BIGINT, allowNull: true },
  /**
   * Every maker fill with seq <= hedged_seq was seen by a running bot and its hedge (a
   * cross-exchange bot's) had finished when this was written. A maker fill after it was booked
   * while no bot ran (folded in by settle) or just before its node died: hedged at start.
   */
  hedged_seq: { type: DataTypes.INTEGER, allowNull: true },
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
  /**
   * 1, 2, 3 ... per bot in booking order, the order every ledger of the bot applies them in.
   * Assigned as MAX(seq) + 1 in the INSERT itself; the unique (bot, seq) index makes a
   * concurrent booking retry, so a seq is visible only after every smaller one is.
   */
  seq: { type: DataTypes.INTEGER, allowNull: true },
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
      // The columns as they were in 001 (002 adds the rest).
      const { fill_seq: _a, other_fees: _b, last_fill_at: _c, hedged_seq: _e, ...bots } = mmBotColumns;
      const { seq: _d, ...fills } = mmFillColumns;
      await qi.createTable(MM_BOTS_TABLE, bots);
      await qi.createTable(MM_FILLS_TABLE, fills);
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
  {
    // Snapshots that say which fills they include, so a bot restarts from its snapshot plus
    // the fills booked after it instead of replaying its whole history.
    name: "002-mm-fill-seq",
    async up(qi, sequelize) {
      await qi.addColumn(MM_FILLS_TABLE, "seq", { type: DataTypes.INTEGER, allowNull: true });
      await qi.addColumn(MM_BOTS_TABLE, "fill_seq", { type: DataTypes.INTEGER, allowNull: true });
      await qi.addColumn(MM_BOTS_TABLE, "other_fees", { type: DataTypes.TEXT, allowNull: true });
      await qi.addColumn(MM_BOTS_TABLE, "last_fill_at", { type: DataTypes.BIGINT, allowNull: true });
      // Existing fills get their sequence in the order the old replay applied them (timestamp, id).
      await sequelize.query(
        `UPDATE ${MM_FILLS_TABLE} SET seq = (SELECT COUNT(*) FROM ${MM_FILLS_TABLE} f WHERE f.bot = ${MM_FILLS_TABLE}.bot AND (f.timestamp < ${MM_FILLS_TABLE}.timestamp OR (f.timestamp = ${MM_FILLS_TABLE}.timestamp AND f.id <= ${MM_FILLS_TABLE}.id)))`,
      );
      await qi.addIndex(MM_FILLS_TABLE, ["bot", "seq"], { unique: true, name: "mm_fills_bot_seq" });
      // fill_seq stays null on existing bots: their snapshot is rebuilt from all fills once.
    },
    async down(qi) {
      await qi.removeIndex(MM_FILLS_TABLE, "mm_fills_bot_seq");
      await qi.removeColumn(MM_BOTS_TABLE, "last_fill_at");
      await qi.removeColumn(MM_BOTS_TABLE, "other_fees");
      await qi.removeColumn(MM_BOTS_TABLE, "fill_seq");
      await qi.removeColumn(MM_FILLS_TABLE, "seq");
    },
  },
  fillIdentityMigration("003-mm-fill-identity", MM_FILLS_TABLE, "mm_fills"),
  {
    // Null on existing bots: their fills after fill_seq are the ones no running bot saw.
    name: "004-mm-hedged-seq",
    async up(qi) {
      await qi.addColumn(MM_BOTS_TABLE, "hedged_seq", { type: DataTypes.INTEGER, allowNull: true });
    },
    async down(qi) {
      await qi.removeColumn(MM_BOTS_TABLE, "hedged_seq");
    },
  },
];
