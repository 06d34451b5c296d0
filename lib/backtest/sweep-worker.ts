/** A sweep worker thread (lib/backtest/sweep.ts): runs the streaming backtests it is sent, one at a time. */
import { parentPort } from "node:worker_threads";
import { runStreamBacktest, type StreamBacktestOptions } from "./stream-run";

parentPort?.on("message", (opts: StreamBacktestOptions) => {
  runStreamBacktest(opts).then(
    (report) => parentPort?.postMessage({ ok: true, report: { ...report, results: report.results.map((r) => ({ ...r, series: [], fills: [] })) } }),
    (err: Error) => parentPort?.postMessage({ ok: false, error: err.message }),
  );
});
