/** Table of the backtest service: every run asked for, its state, and its report once done. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const BACKTEST_RUNS_TABLE = "backtest_runs";

export const backtestRunColumns = {
  id: { type: DataTypes.STRING(36), primaryKey: true },
  /** queued, running, done, failed */
  state: { type: DataTypes.STRING(16), allowNull: false },
  /** the request as POST /runs took it, JSON */
  request: { type: DataTypes.TEXT, allowNull: false },
  requested_by: { type: DataTypes.STRING(128), allowNull: true },
  /** the node that took the run and runs it */
  node_id: { type: DataTypes.STRING(256), allowNull: false },
  created_at: { type: DataTypes.BIGINT, allowNull: false },
  started_at: { type: DataTypes.BIGINT, allowNull: true },
  finished_at: { type: DataTypes.BIGINT, allowNull: true },
  /** written when the run ends; live progress stays on the node running it */
  progress: { type: DataTypes.DOUBLE, allowNull: false },
  events: { type: DataTypes.BIGINT, allowNull: false },
  error: { type: DataTypes.TEXT, allowNull: true },
  /** the headline PnL and fills (a sweep: its best row's), so a list needs no report */
  pnl: { type: DataTypes.STRING(64), allowNull: true },
  fills: { type: DataTypes.INTEGER, allowNull: true },
  /** the stream report or a sweep's rows, JSON: TEXT on both dialects (up to 1 GB on PostgreSQL and SQLite) */
  report: { type: DataTypes.TEXT, allowNull: true },
};

export const backtestMigrations: Migration[] = [
  {
    name: "001-backtest-runs",
    async up(qi) {
      await qi.createTable(BACKTEST_RUNS_TABLE, backtestRunColumns);
      await qi.addIndex(BACKTEST_RUNS_TABLE, ["created_at"], { name: "backtest_runs_created_at" });
      await qi.addIndex(BACKTEST_RUNS_TABLE, ["node_id", "state"], { name: "backtest_runs_node_state" });
    },
    async down(qi) {
      await qi.dropTable(BACKTEST_RUNS_TABLE);
    },
  },
];
