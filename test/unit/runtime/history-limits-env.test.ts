/** The alert history and backtest run limits from the environment, as the services get them. */
import { EnvError, readEnv } from "../../../lib/runtime/env";
import createAlertingService from "../../../services/alerting.service";
import createBacktestService from "../../../services/backtest.service";

const base = { DATA_DIR: "/tmp/mmesh-history-limits" };
const settingsOf = (schema: { settings?: unknown }) => schema.settings as Record<string, unknown>;

describe("env: ALERT_HISTORY_* and BACKTEST_*", () => {
  it("defaults to 10 000 alert transitions over 90 days, 200 finished backtests and 20 active jobs", () => {
    const env = readEnv(base);
    expect(settingsOf(createAlertingService(env))).toMatchObject({ historyLimit: 10_000, historyRetentionDays: 90 });
    expect(settingsOf(createBacktestService(env))).toMatchObject({ keep: 200, maxActive: 20 });
  });

  it("passes the operator's values to the services", () => {
    const env = readEnv({ ...base, ALERT_HISTORY_LIMIT: "500", ALERT_HISTORY_DAYS: "7", BACKTEST_KEEP_RUNS: "50", BACKTEST_MAX_ACTIVE: "4" });
    expect(settingsOf(createAlertingService(env))).toMatchObject({ historyLimit: 500, historyRetentionDays: 7 });
    expect(settingsOf(createBacktestService(env))).toMatchObject({ keep: 50, maxActive: 4 });
  });

  it.each(["ALERT_HISTORY_LIMIT", "ALERT_HISTORY_DAYS", "BACKTEST_KEEP_RUNS", "BACKTEST_MAX_ACTIVE"])("refuses a %s that is not a positive integer, naming it", (name) => {
    for (const bad of ["0", "-1", "ten", "1.5"]) {
      expect(() => readEnv({ ...base, [name]: bad })).toThrow(EnvError);
      expect(() => readEnv({ ...base, [name]: bad })).toThrow(name);
    }
  });
});
