/** A backtest run store on a Sequelize connection, its table migrated, as the backtest service makes it. */
import type { Sequelize } from "sequelize";
import type { BacktestJob } from "../../lib/backtest/jobs";
import { BacktestRunStore } from "../../lib/backtest/run-store";
import { migrateUp } from "../../lib/db/migrations";
import { BACKTEST_RUNS_TABLE, backtestMigrations, backtestRunColumns } from "../../lib/db/schemas/backtest";

export async function backtestStoreOn(sequelize: Sequelize, opts: { maxReportBytes?: number } = {}): Promise<BacktestRunStore> {
  await migrateUp(sequelize, "backtest", backtestMigrations);
  const model = sequelize.define(BACKTEST_RUNS_TABLE, backtestRunColumns, { tableName: BACKTEST_RUNS_TABLE, timestamps: false });
  return new BacktestRunStore(model, opts);
}

/** A job as `backtest.start` queues it (state queued, nothing run yet), with `over` on top. */
export function queuedJob(over: Partial<BacktestJob> & Pick<BacktestJob, "id">): BacktestJob {
  return {
    state: "queued",
    request: { strategy: "pure_market_making", params: { bidSpread: 0.0001, orderAmount: "0.01" }, dataset: "day.jsonl", queueModels: ["none"] },
    by: "ann",
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    progress: 0,
    events: 0,
    error: null,
    report: null,
    ...over,
  };
}
