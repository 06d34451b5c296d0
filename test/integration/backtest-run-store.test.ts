/**
 * backtest_runs on PostgreSQL and SQLite: a job's row through queued, running and done read back
 * as it was written, a large report (two queue models at the series and fill limits, ~13 MB)
 * stored whole, interrupted rows by node, and retention keeping the newest N finished runs when
 * two connections prune at once.
 */
import path from "node:path";
import { Sequelize } from "sequelize";
import type { BacktestJob } from "../../lib/backtest/jobs";
import { INTERRUPTED, type BacktestRunStore } from "../../lib/backtest/run-store";
import { runStreamBacktest, MAX_SERIES, type StreamBacktestReport } from "../../lib/backtest/stream-run";
import { MAX_REPORTED_FILLS } from "../../lib/backtest/run";
import { backtestStoreOn, queuedJob } from "../support/backtest-store";
import { twoNodeConnections } from "../support/postgres";

const SAMPLE = path.resolve(__dirname, "../../samples/btc-usdt-1h.jsonl");
const T0 = Date.parse("2026-12-01T00:00:00.000Z");

let seq = 0;
function job(over: Partial<BacktestJob> = {}): BacktestJob {
  seq += 1;
  return queuedJob({ id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`, createdAt: new Date(T0 + seq * 1000).toISOString(), ...over });
}

/** A real report blown up to the engine's limits: MAX_SERIES samples and MAX_REPORTED_FILLS fills per queue model. */
function atTheLimits(report: StreamBacktestReport): StreamBacktestReport {
  const fill = (n: number) => <T>(items: T[]) => Array.from({ length: n }, (_, i) => items[i % items.length]);
  return { ...report, results: report.results.map((r) => ({ ...r, series: fill(MAX_SERIES)(r.series), fills: fill(MAX_REPORTED_FILLS)(r.fills) })) };
}

describe.each(["postgres", "sqlite"])("backtest run store on %s", (dialect) => {
  let sequelize: Sequelize;
  let other: Sequelize;
  let closeConnections: () => Promise<void>;
  let store: BacktestRunStore;
  let store2: BacktestRunStore;
  let sample: StreamBacktestReport;

  beforeAll(async () => {
    ({ sequelize, other, close: closeConnections } = await twoNodeConnections(dialect as "postgres" | "sqlite"));
    store = await backtestStoreOn(sequelize);
    store2 = await backtestStoreOn(other);
    sample = await runStreamBacktest({ strategy: "pure_market_making", params: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01" }, data: SAMPLE, queueModels: ["none", "risk_averse"] });
  });

  afterAll(async () => {
    await closeConnections();
  });

  beforeEach(async () => {
    await sequelize.query(`DELETE FROM backtest_runs`);
  });

  it("reads a job back as it was written when queued, started and finished, the list without its report", async () => {
    const j = job();
    await store.queued(j, "node-a");
    expect(await store.get(j.id)).toEqual({ ...j, nodeID: "node-a" });
    j.state = "running";
    j.startedAt = new Date(T0 + 1_000_500).toISOString();
    await store.started(j);
    expect(await store.get(j.id)).toMatchObject({ state: "running", startedAt: j.startedAt, progress: 0 });
    Object.assign(j, { state: "done", finishedAt: new Date(T0 + 2_000_250).toISOString(), progress: 1, events: 7183, report: sample });
    expect(await store.finished(j)).toBeNull();
    expect(await store.get(j.id)).toEqual({ ...j, nodeID: "node-a" });
    const [listed] = await store.list();
    expect(listed).toEqual({ ...j, report: undefined, summary: { pnl: sample.results[0].final.total, fills: sample.results[0].final.fills }, nodeID: "node-a" });
    expect("report" in listed).toBe(false);
    expect(await store.get("00000000-0000-4000-8000-ffffffffffff")).toBeNull();
  });

  it("stores a report at the engine's limits whole", async () => {
    const big = atTheLimits(sample);
    const json = JSON.stringify(big);
    expect(json.length).toBeGreaterThan(10_000_000);
    const j = job({ state: "done", startedAt: new Date(T0).toISOString(), finishedAt: new Date(T0 + 1).toISOString(), progress: 1, report: big });
    await store.queued(job({ id: j.id }), "node-a");
    expect(await store.finished(j)).toBeNull();
    const read = await store.get(j.id);
    expect(JSON.stringify(read!.report)).toBe(json);
  });

  it("marks a node's queued and running rows interrupted, and with null every node's", async () => {
    const a1 = job();
    const a2 = job({ state: "running", startedAt: new Date(T0).toISOString() });
    const a3 = job({ state: "done", finishedAt: new Date(T0).toISOString(), progress: 1 });
    const b1 = job({ state: "running", startedAt: new Date(T0).toISOString() });
    for (const j of [a1, a2, a3]) await store.queued(j, "node-a");
    await store.queued(b1, "node-b");
    expect(await store.interrupt("node-a", new Date(T0 + 5000))).toBe(2);
    for (const j of [a1, a2]) expect(await store.get(j.id)).toMatchObject({ state: "failed", error: INTERRUPTED, finishedAt: new Date(T0 + 5000).toISOString(), startedAt: j.startedAt });
    expect(await store.get(a3.id)).toMatchObject({ state: "done", error: null });
    expect(await store.get(b1.id)).toMatchObject({ state: "running" });
    expect(await store.interrupt(null)).toBe(1);
    expect(await store.get(b1.id)).toMatchObject({ state: "failed", error: INTERRUPTED });
  });

  it("keeps the newest N finished runs and every active one, two connections pruning at once", async () => {
    const finished = Array.from({ length: 12 }, (_, i) => job({ state: i % 3 ? "done" : "failed", finishedAt: new Date(T0).toISOString() }));
    const active = [job(), job({ state: "running" })];
    // Inserted out of creation order, half through each connection.
    await Promise.all([...finished, ...active].reverse().map((j, i) => (i % 2 ? store : store2).queued(j, i % 2 ? "node-a" : "node-b")));
    const pruned = await Promise.all([store.prune(5), store2.prune(5)]);
    expect(pruned[0] + pruned[1]).toBe(7);
    const left = await store.list();
    expect(left.map((j) => j.id)).toEqual([...finished.slice(-5), ...active].reverse().map((j) => j.id));
    expect(await store.prune(5)).toBe(0);
    expect(await store.prune(0)).toBe(5);
    expect((await store.list()).map((j) => j.state)).toEqual(["running", "queued"]);
  });
});
