/** Table of the arbitrage service: every opportunity found and what became of it. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const ARBITRAGE_TABLE = "arbitrage_opportunities";

/**
 * A fresh definition per column: Sequelize writes the column's name into the object it is
 * given (`field`), so one object shared by two columns made both write the same column.
 */
const decimalText = () => ({ type: DataTypes.STRING(64), allowNull: true });

export const arbitrageColumns = {
  id: { type: DataTypes.STRING(36), primaryKey: true },
  symbol: { type: DataTypes.STRING(64), allowNull: false },
  canonical: { type: DataTypes.STRING(64), allowNull: false },
  buy_venue: { type: DataTypes.STRING(64), allowNull: false },
  sell_venue: { type: DataTypes.STRING(64), allowNull: false },
  buy_kind: { type: DataTypes.STRING(8), allowNull: false },
  sell_kind: { type: DataTypes.STRING(8), allowNull: false },
  buy_market: { type: DataTypes.STRING(64), allowNull: false },
  sell_market: { type: DataTypes.STRING(64), allowNull: false },
  size: { type: DataTypes.STRING(64), allowNull: false },
  buy_price: { type: DataTypes.STRING(64), allowNull: false },
  sell_price: { type: DataTypes.STRING(64), allowNull: false },
  fees: { type: DataTypes.STRING(64), allowNull: false },
  gas: { type: DataTypes.STRING(64), allowNull: false },
  net_profit: { type: DataTypes.STRING(64), allowNull: false },
  /** detected, executing, completed, aborted, exposed, expired */
  status: { type: DataTypes.STRING(16), allowNull: false },
  realized_profit: decimalText(),
  /** the full opportunity (legs as estimated), JSON */
  detail: { type: DataTypes.TEXT, allowNull: false },
  /** the execution outcome (plan, fills, reason, exposure), JSON */
  outcome: { type: DataTypes.TEXT, allowNull: true },
  detected_at: { type: DataTypes.BIGINT, allowNull: false },
  updated_at: { type: DataTypes.BIGINT, allowNull: false },
};

export const arbitrageMigrations: Migration[] = [
  {
    name: "001-arbitrage-opportunities",
    async up(qi) {
      await qi.createTable(ARBITRAGE_TABLE, arbitrageColumns);
      await qi.addIndex(ARBITRAGE_TABLE, ["detected_at"], { name: "arbitrage_opportunities_detected_at" });
      await qi.addIndex(ARBITRAGE_TABLE, ["status"], { name: "arbitrage_opportunities_status" });
    },
    async down(qi) {
      await qi.dropTable(ARBITRAGE_TABLE);
    },
  },
];
