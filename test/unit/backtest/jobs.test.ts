import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Sequelize } from "sequelize";
import { BacktestJobs, SAMPLE_NAME, type BacktestJob, type BacktestJobsOptions } from "../../../lib/backtest/jobs";
import { INTERRUPTED, type BacktestRunStore } from "../../../lib/backtest/run-store";
import { backtestStoreOn } from "../../support/backtest-store";

const SAMPLE = path.resolve(__dirname, "../../../samples/btc-usdt-1h.jsonl");
const PARAMS = { orderAmount: "0.01", riskAversion: 0.00001, horizon: "constant", inventoryUnit: "orders", orderRefreshTimeMs: 1000, volatilityWindow: 60, intensityWindow: 100, edgeOverFee: 0.0001 };
const PMM = { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01" };

describe("backtest jobs", () => {
  let folder: string;
  let sequelize: Sequelize;
  let store: BacktestRunStore;
  const jobsWith = (opts: Partial<BacktestJobsOptions> = {}) => new BacktestJobs({ folder, sample: SAMPLE, store, nodeID: "node-a", ...opts });

  beforeEach(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bt-"));
    sequelize = new Sequelize({ dialect: "sqlite", storage: path.join(folder, "runs.sqlite"), logging: false });
    store = await backtestStoreOn(sequelize);
  });
  afterEach(async () => {
    await sequelize.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it("lists the sample and the replay files of its folder by name only", () => {
    fs.writeFileSync(path.join(folder, "day.jsonl.gz"), "x");
    fs.writeFileSync(path.join(folder, "notes.txt"), "x");
    fs.mkdirSync(path.join(folder, "sub.jsonl"));
    expect(jobsWith().datasets().map((d) => d.name)).toEqual([SAMPLE_NAME, "day.jsonl.gz"]);
  });

  it("refuses an unknown strategy, bad parameters and any dataset outside its folder before queueing", async () => {
    const jobs = jobsWith();
    await expect(jobs.start({ strategy: "nope" as never, params: {}, dataset: SAMPLE_NAME })).rejects.toThrow(/unknown strategy/);
    await expect(jobs.start({ strategy: "avellaneda_stoikov", params: { ...PARAMS, orderAmount: "-1" }, dataset: SAMPLE_NAME })).rejects.toThrow(/orderAmount/);
    await expect(jobs.start({ strategy: "avellaneda_stoikov", params: PARAMS, dataset: "../../etc/passwd.jsonl" })).rejects.toThrow(/not a replay file name/);
    await expect(jobs.start({ strategy: "avellaneda_stoikov", params: PARAMS, dataset: "missing.jsonl" })).rejects.toThrow(/no dataset/);
    expect(await store.list()).toEqual([]);
    expect(jobs.active()).toEqual([]);
  });

  it("runs a job to its report with progress, one at a time, stored and listed newest first", async () => {
    const seen: Array<Pick<BacktestJob, "id" | "state" | "progress">> = [];
    const jobs = jobsWith({ onChange: (j) => seen.push({ id: j.id, state: j.state, progress: j.progress }) });
    const a = await jobs.start({ strategy: "avellaneda_stoikov", params: PARAMS, dataset: SAMPLE_NAME }, "ann");
    const b = await jobs.start({ strategy: "pure_market_making", params: PMM, dataset: SAMPLE_NAME, queueModels: ["none"] });
    expect(b).toMatchObject({ state: "queued", progress: 0 });
    // Written when queued: the table has both before either has run to its end.
    expect((await store.list()).map((j) => j.id)).toEqual([b.id, a.id]);
    await jobs.idle();
    // One at a time: b starts after a is done.
    const order = seen.filter((e) => e.state !== "running" || e.progress === 0).map((e) => `${e.id === a.id ? "a" : "b"} ${e.state}`);
    expect(order.filter((e, i) => order.indexOf(e) === i)).toEqual(["a running", "a done", "b running", "b done"]);
    expect(jobs.active()).toEqual([]);
    const done = (await store.get(a.id))!;
    expect(done).toMatchObject({ state: "done", progress: 1, by: "ann", error: null, nodeID: "node-a" });
    expect(done.startedAt! >= done.createdAt && done.finishedAt! >= done.startedAt!).toBe(true);
    expect(done.events).toBeGreaterThan(7000);
    const report = done.report as { results: Array<{ queueModel: string; final: { total: string } }> };
    expect(report.results.map((r) => r.queueModel)).toEqual(["risk_averse", "none"]);
    expect(report.results[0].final.total).toMatch(/^-?\d+(\.\d+)?$/);
    expect(seen.at(-1)).toMatchObject({ id: b.id, state: "done", progress: 1 });
    const listed = await store.list();
    expect(listed.map((j) => j.id)).toEqual([b.id, a.id]);
    expect(listed[1].summary).toEqual({ pnl: report.results[0].final.total, fills: (report.results[0].final as unknown as { fills: number }).fills });
    expect("report" in listed[0]).toBe(false);
  });

  it("keeps a failed job's error", async () => {
    fs.writeFileSync(path.join(folder, "broken.jsonl"), "not json\n");
    const jobs = jobsWith({ sample: null });
    const job = await jobs.start({ strategy: "avellaneda_stoikov", params: PARAMS, dataset: "broken.jsonl" });
    await jobs.idle();
    const failed = (await store.get(job.id))!;
    expect(failed).toMatchObject({ state: "failed", report: null });
    expect(failed.error).toBeTruthy();
    expect(failed.error).not.toBe(INTERRUPTED);
  });

  it("keeps the newest `keep` finished runs", async () => {
    const jobs = jobsWith({ keep: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await jobs.start({ strategy: "pure_market_making", params: PMM, dataset: SAMPLE_NAME, queueModels: ["none"] })).id);
    await jobs.idle();
    expect((await store.list()).map((j) => j.id)).toEqual([ids[3], ids[2]]);
  });

  it("on a clean stop, ends the running job and writes it and the queued ones as interrupted", async () => {
    const jobs = jobsWith();
    const running = await jobs.start({ strategy: "avellaneda_stoikov", params: PARAMS, dataset: SAMPLE_NAME });
    const queued = await jobs.start({ strategy: "pure_market_making", params: PMM, dataset: SAMPLE_NAME });
    while (jobs.get(running.id)?.state !== "running") await new Promise((r) => setTimeout(r, 5));
    await jobs.close();
    for (const id of [running.id, queued.id]) expect(await store.get(id)).toMatchObject({ state: "failed", error: INTERRUPTED, report: null, finishedAt: expect.any(String) });
    expect((await store.get(queued.id))!.startedAt).toBeNull();
    await expect(jobs.start({ strategy: "pure_market_making", params: PMM, dataset: SAMPLE_NAME })).rejects.toThrow(/stopping/);
  });
});
