/**
 * Backtests over the gateway, kept in the service's database (backtest_runs): datasets by name, a
 * run started by a trader with its progress and report, refused for a viewer and for a dataset
 * outside DATA_DIR/backtest, its progress on the live stream, runs and reports still there after
 * the node restarts, and a run cut by a clean stop written as interrupted. A node killed (SIGKILL)
 * in the middle of a run finds it failed, interrupted, when it starts again; one stopped (SIGTERM)
 * during a sweep ends its threads and writes it so. Two replicas over NATS on one PostgreSQL
 * database list and read the same runs, a running job's progress coming from the replica running
 * it, and a replica that dies has its run marked interrupted by the other. The spawned nodes are
 * the built dist/bin/mmesh.js (`npx tsc -p tsconfig.json`; npm test builds it first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";
import { INTERRUPTED } from "../../lib/backtest/run-store";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { createNode } from "../../services";
import createBacktestService from "../../services/backtest.service";
import { writeRepeatedSample, writeSampleHead } from "../support/backtest-data";
import { backtestStoreOn } from "../support/backtest-store";
import { testEnv, uniqueName } from "../support/env";
import { http, startGateway, userToken } from "../support/http";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { until } from "../support/until";

const PARAMS = { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 1000 };
const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");

type Job = { id: string; state: string; progress: number; error: string | null; startedAt: string | null; report?: unknown };

/** A built node (dist/bin/mmesh.js) running only the backtest service over NATS; its output for failures. */
function spawnBacktestNode(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH, SERVICES: "backtest", TRANSPORTER: NATS, METRICS_PORT: "off", LOG_LEVEL: "warn", ...env } });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

describe("backtest service", () => {
  const env = testEnv({ SERVICES: "api,auth,config,backtest" });
  let broker: ServiceBroker;
  let base: string;
  let admin: string;
  let viewer: string;
  let ranId: string;

  beforeAll(async () => {
    // A dataset of the node's own: the sample's first 2000 lines.
    writeSampleHead(path.join(env.dataDir, "backtest", "first-2000.jsonl"), 2000);
    broker = createNode(env, { logger: false });
    ({ base, token: admin } = await startGateway(broker));
    viewer = await userToken(base, admin, { username: "vera", password: "viewer-password-1", role: "viewer" });
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("lists the sample and the node's replay files", async () => {
    const res = await http(base, "GET", "/api/v1/backtest/datasets", { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body.map((d: { name: string }) => d.name)).toEqual(["sample-btc-usdt-1h.jsonl", "first-2000.jsonl"]);
  });

  it("runs a backtest a trader starts, with progress on the live stream and a report", async () => {
    const frames: string[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      const res = await fetch(`${base}/api/v1/live?topics=backtest`, { headers: { authorization: `Bearer ${viewer}` }, signal: controller.signal });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) frames.push(Buffer.from(chunk).toString());
    })().catch(() => undefined);
    await until("the live stream", () => frames.join("").includes("event: hello"), 5000);

    const started = await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: PARAMS, dataset: "first-2000.jsonl", queueModels: ["none"] } });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ state: "queued", by: "admin", progress: 0 });
    const id: string = started.body.id;
    await until("done", async () => (await http(base, "GET", "/api/v1/backtest/runs", { token: viewer })).body.find((j: { id: string }) => j.id === id)?.state === "done", 20_000);
    const job = (await http(base, "GET", `/api/v1/backtest/runs/${id}`, { token: viewer })).body;
    expect(job).toMatchObject({ state: "done", progress: 1, request: { dataset: "first-2000.jsonl" } });
    expect(job.events).toBeGreaterThan(1000);
    expect(job.report.results[0]).toMatchObject({ queueModel: "none", final: { total: expect.stringMatching(/^-?\d+(\.\d+)?$/) } });
    await until("progress streamed", () => /event: backtest\ndata: \{"id":"[^"]+","state":"done","progress":1/.test(frames.join("")), 5000);
    controller.abort();
    await reading;
    ranId = id;
  });

  it("refuses a viewer, an unknown dataset and bad parameters, naming the field", async () => {
    expect((await http(base, "POST", "/api/v1/backtest/runs", { token: viewer, body: { strategy: "pure_market_making", params: PARAMS, dataset: "first-2000.jsonl" } })).status).toBe(403);
    const outside = await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: PARAMS, dataset: "../mmesh.sqlite" } });
    expect(outside.status).toBe(422);
    expect(outside.body.error.data[0].field).toBe("dataset");
    const bad = await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: { ...PARAMS, orderAmount: "-1" }, dataset: "first-2000.jsonl" } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.data[0].field).toBe("params");
    expect(bad.body.error.message).toContain("orderAmount");
    const extra = await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: PARAMS, dataset: "first-2000.jsonl", bogus: 1 } });
    expect(extra.status).toBe(422);
    expect(extra.body.error.data[0]).toMatchObject({ type: "objectStrict", message: expect.stringContaining("forbidden keys") }); // the key itself is redacted: it could be a secret
    const badLatency = await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: PARAMS, dataset: "first-2000.jsonl", latency: { entry: 5 } } });
    expect(badLatency.status).toBe(422);
    expect(badLatency.body.error.data[0].field).toBe("latency.entry");
    expect((await http(base, "GET", "/api/v1/backtest/runs/00000000-0000-4000-8000-000000000000", { token: viewer })).status).toBe(404);
  });

  it("keeps finished runs and their reports across a restart; a run stopped or left running by an earlier process reads interrupted", async () => {
    const runs = (await http(base, "GET", "/api/v1/backtest/runs", { token: viewer })).body as Job[];
    const ran = (await http(base, "GET", `/api/v1/backtest/runs/${ranId}`, { token: viewer })).body as Job;
    expect(runs.map((j) => j.id)).toEqual([ranId]);

    // A clean stop in the middle of a long run writes it as interrupted itself.
    writeRepeatedSample(path.join(env.dataDir, "backtest", "long.jsonl"), 20);
    const long = (await http(base, "POST", "/api/v1/backtest/runs", { token: admin, body: { strategy: "pure_market_making", params: PARAMS, dataset: "long.jsonl", queueModels: ["none", "risk_averse"] } })).body as Job;
    await until("the long run running", async () => {
      const j = (await http(base, "GET", `/api/v1/backtest/runs/${long.id}`, { token: viewer })).body as Job;
      return j.state === "running" && j.progress > 0;
    }, 20_000);
    await broker.stop();
    const sequelize = acquireSequelize(env.database);
    const store = await backtestStoreOn(sequelize);
    expect(await store.get(long.id)).toMatchObject({ state: "failed", error: INTERRUPTED, report: null });

    // What a process killed mid-run left in the file; its node ID was another (the default is host-pid).
    const leftRunning = { ...ran, id: "11111111-1111-4111-8111-111111111111", state: "running", createdAt: new Date().toISOString(), finishedAt: null, progress: 0, events: 0, report: null };
    await store.queued(leftRunning as never, "old-host-4242");
    await releaseSequelize(sequelize);

    broker = createNode(env, { logger: false });
    ({ base } = await startGateway(broker));
    const after = (await http(base, "GET", "/api/v1/backtest/runs", { token: viewer })).body as Job[];
    expect(after.map((j) => [j.id, j.state, j.error])).toEqual([[leftRunning.id, "failed", INTERRUPTED], [long.id, "failed", INTERRUPTED], [ranId, "done", null]]);
    expect(after[2]).toEqual(runs[0]);
    expect((await http(base, "GET", `/api/v1/backtest/runs/${ranId}`, { token: viewer })).body).toEqual(ran);
  });
});

describe("a backtest node stopped in the middle of a run (SQLite, the built node)", () => {
  const namespace = uniqueName("btkill");
  const nodeID = `${namespace}-bt`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-btkill-"));
  const database = `sqlite:${path.join(dir, "mmesh.sqlite")}`;
  let node: ReturnType<typeof spawnBacktestNode>;
  let client: ServiceBroker;
  let restarted: ServiceBroker | null = null;

  beforeAll(async () => {
    writeRepeatedSample(path.join(dir, "backtest", "long.jsonl"), 20);
    node = spawnBacktestNode({ NAMESPACE: namespace, NODE_ID: nodeID, DATA_DIR: dir, DATABASE_URL: database });
    client = new ServiceBroker({ ...createBrokerOptions(readEnv({ TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: `${namespace}-client`, METRICS_PORT: "off", DATA_DIR: dir })), logger: false });
    await client.start();
    await client.waitForServices(["backtest"], 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\nnode output:\n${node.output()}`);
    });
  }, 40_000);

  afterAll(async () => {
    await kill(node.child);
    await client.stop();
    await restarted?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads failed, interrupted, once the node starts again (same NODE_ID)", async () => {
    const job = await client.call<Job, object>("backtest.start", { strategy: "pure_market_making", params: PARAMS, dataset: "long.jsonl", queueModels: ["none", "risk_averse"] });
    await until("running, some of it read", async () => {
      const j = await client.call<Job, object>("backtest.run", { id: job.id });
      return j.state === "running" && j.progress > 0;
    }, 20_000);
    await kill(node.child);

    // Started again on the same files with the same NODE_ID (and a transporter: only its own rows are its to mark).
    restarted = createNode(readEnv({ SERVICES: "backtest", TRANSPORTER: NATS, NAMESPACE: `${namespace}-2`, NODE_ID: nodeID, DATA_DIR: dir, DATABASE_URL: database, METRICS_PORT: "off" }), { logger: false });
    await restarted.start();
    const after = await restarted.call<Job, object>("backtest.run", { id: job.id });
    expect(after).toMatchObject({ state: "failed", error: INTERRUPTED, report: null, startedAt: expect.any(String) });
    expect(after.progress).toBeLessThan(1);
    await restarted.stop();
    restarted = null;
  }, 60_000);

  it("on SIGTERM during a sweep, ends its worker threads and writes it interrupted before exiting", async () => {
    const id2 = `${namespace}-bt2`;
    node = spawnBacktestNode({ NAMESPACE: namespace, NODE_ID: id2, DATA_DIR: dir, DATABASE_URL: database });
    await until("the second node's backtest service", () => client.registry.getServiceList({ onlyAvailable: true }).some((s) => s.name === "backtest" && s.nodeID === id2), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\nnode output:\n${node.output()}`);
    });
    // Four combinations of the long file, each a few seconds on a thread: far from done when stopped.
    const job = await client.call<Job, object>("backtest.start", { strategy: "pure_market_making", params: PARAMS, dataset: "long.jsonl", queueModels: ["none"], sweep: ["bidSpread=0.0001,0.0002,0.0003,0.0004"] }, { nodeID: id2 });
    await until("the sweep running", async () => (await client.call<Job, object>("backtest.run", { id: job.id }, { nodeID: id2 })).state === "running", 20_000);
    const exited = new Promise<number | null>((resolve) => node.child.once("exit", (code) => resolve(code)));
    const stopAt = Date.now();
    node.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(5_000);

    const sequelize = acquireSequelize({ dialect: "sqlite", storage: path.join(dir, "mmesh.sqlite") });
    try {
      expect(await (await backtestStoreOn(sequelize)).get(job.id)).toMatchObject({ state: "failed", error: INTERRUPTED, report: null, nodeID: id2 });
    } finally {
      await releaseSequelize(sequelize);
    }
  }, 60_000);
});

describe("backtest service as two replicas (NATS, one PostgreSQL database)", () => {
  const namespace = uniqueName("btrep");
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-btrep-a-"));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-btrep-b-"));
  const idA = `${namespace}-a`;
  const idB = `${namespace}-b`;
  let db: TempDatabase;
  let a: ServiceBroker;
  let b: ReturnType<typeof spawnBacktestNode>;

  beforeAll(async () => {
    writeSampleHead(path.join(dirA, "backtest", "first-500.jsonl"), 500);
    writeSampleHead(path.join(dirB, "backtest", "first-500.jsonl"), 500);
    writeRepeatedSample(path.join(dirB, "backtest", "long.jsonl"), 20);
    db = await createTempDatabase();
    b = spawnBacktestNode({ NAMESPACE: namespace, NODE_ID: idB, DATA_DIR: dirB, DATABASE_URL: db.url });
    // A notices a dead peer after 8 s without its heartbeat (B beats every 5 s), not the default 15.
    a = createNode(readEnv({ SERVICES: "backtest", TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: idA, DATA_DIR: dirA, DATABASE_URL: db.url, METRICS_PORT: "off" }), { logger: false, heartbeatInterval: 1, heartbeatTimeout: 8 });
    await a.start();
    await until("both replicas seen", () => a.registry.getServiceList({ onlyAvailable: true }).filter((s: { name: string }) => s.name === "backtest").length === 2, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\nnode B output:\n${b.output()}`);
    });
  }, 40_000);

  afterAll(async () => {
    await kill(b.child);
    await a?.stop();
    await db?.drop();
    for (const dir of [dirA, dirB]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lists and reads the same runs on either replica, whichever node ran them", async () => {
    const onA = await a.call<Job, object>("backtest.start", { strategy: "pure_market_making", params: PARAMS, dataset: "first-500.jsonl", queueModels: ["none"] }, { nodeID: idA });
    const onB = await a.call<Job, object>("backtest.start", { strategy: "pure_market_making", params: PARAMS, dataset: "first-500.jsonl", queueModels: ["none"] }, { nodeID: idB });
    const listFrom = (nodeID: string) => a.call<Job[], object>("backtest.runs", {}, { nodeID });
    await until("both done", async () => (await listFrom(idA)).filter((j) => j.state === "done").length === 2, 20_000);
    const [fromA, fromB] = [await listFrom(idA), await listFrom(idB)];
    expect(fromA.map((j) => j.id)).toEqual([onB.id, onA.id]);
    expect(fromB).toEqual(fromA);
    for (const id of [onA.id, onB.id]) {
      const [readA, readB] = [await a.call<Job, object>("backtest.run", { id }, { nodeID: idA }), await a.call<Job, object>("backtest.run", { id }, { nodeID: idB })];
      expect(readA).toMatchObject({ id, state: "done", request: { dataset: "first-500.jsonl" }, report: { engine: "stream" } });
      expect(readB).toEqual(readA);
    }
    await expect(a.call("backtest.run", { id: "00000000-0000-4000-8000-000000000000" }, { nodeID: idB })).rejects.toMatchObject({ code: 404 });
  });

  it("shows a run's live progress from the replica running it, and marks it interrupted when that replica dies", async () => {
    const job = await a.call<Job, object>("backtest.start", { strategy: "pure_market_making", params: PARAMS, dataset: "long.jsonl", queueModels: ["none", "risk_averse"] }, { nodeID: idB });
    // Read on A: the row says running from B's start write, the progress comes from B.
    await until("running on B, some of it read, as A sees it", async () => {
      const j = await a.call<Job, object>("backtest.run", { id: job.id }, { nodeID: idA });
      return j.state === "running" && j.progress > 0;
    }, 20_000);
    const listed = (await a.call<Job[], object>("backtest.runs", {}, { nodeID: idA })).find((j) => j.id === job.id)!;
    expect(listed.state).toBe("running");
    expect(listed.progress).toBeGreaterThan(0);
    await kill(b.child);
    await until("interrupted, as A marks it", async () => (await a.call<Job, object>("backtest.run", { id: job.id }, { nodeID: idA })).state === "failed", 25_000);
    expect(await a.call("backtest.run", { id: job.id }, { nodeID: idA })).toMatchObject({ state: "failed", error: INTERRUPTED, report: null });
  }, 60_000);
});

describe("a backtest node with its maximum of jobs queued or running", () => {
  const env = testEnv({ SERVICES: "backtest" });
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
  broker.createService(createBacktestService(env, { maxActive: 2 }));

  beforeAll(async () => {
    writeRepeatedSample(path.join(env.dataDir, "backtest", "long.jsonl"), 20);
    await broker.start();
  });

  afterAll(async () => {
    await broker.stop();
    env.cleanup();
  });

  it("refuses one more with a 503 to retry later, not a request error, and stores nothing for it", async () => {
    const request = { strategy: "pure_market_making", params: PARAMS, dataset: "long.jsonl" };
    await broker.call("backtest.start", request);
    await broker.call("backtest.start", request);
    await expect(broker.call("backtest.start", request)).rejects.toMatchObject({ code: 503, type: "SERVICE_UNAVAILABLE", data: { retryAfter: 30, maxActive: 2 } });
    // A bad request still says what is wrong with it.
    await expect(broker.call("backtest.start", { ...request, dataset: "nope.jsonl" })).rejects.toMatchObject({ code: 422 });
    expect(await broker.call<Job[], object>("backtest.runs", {})).toHaveLength(2);
  });
});
