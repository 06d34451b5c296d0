/**
 * Answers larger than a transporter message (lib/runtime/json-stream.ts), over NATS (whose
 * max_payload, 1 MB on the machine's server, refuses one as a single message) and over AMQP. A
 * backtest report of several MB read through a gateway on another node: the HTTP client gets the
 * whole job as application/json, valid against the gateway's OpenAPI document, a broker caller on
 * the gateway's node gets the job object, a client going away mid-report leaves the next read
 * whole, and the backtest node's connection stays up for the calls after. A list of runs past one message (requests with large params) and a config
 * document's history of 3000 versions come through the same way. The report is a real run's (the
 * sample's first 2000 lines) with its series and fills repeated, stored through the run store as
 * the service stores one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import type { Sequelize } from "sequelize";
import type { BacktestJob } from "../../lib/backtest/jobs";
import type { BacktestRunStore } from "../../lib/backtest/run-store";
import { runStreamBacktest, type StreamBacktestReport } from "../../lib/backtest/stream-run";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";
import { CONFIG_TABLE } from "../../lib/db/schemas/config";
import { deleteMeshQueues } from "../../lib/runtime/mesh-launcher";
import { createNode } from "../../services";
import { writeSampleHead } from "../support/backtest-data";
import { backtestStoreOn, queuedJob } from "../support/backtest-store";
import { testEnv, uniqueName } from "../support/env";
import { http, startGateway, waitForRoute } from "../support/http";
import { OpenApiValidator } from "../support/openapi-validator";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const AMQP_URL = process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const PARAMS = { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 1000 };
const MB = 1024 * 1024;

type Answer = Omit<BacktestJob, "report"> & { report: unknown };

/** The report with each result's series and fills repeated until its JSON passes `bytes`. */
function inflated(report: StreamBacktestReport, bytes: number): StreamBacktestReport {
  const times = Math.ceil(bytes / Buffer.byteLength(JSON.stringify(report)));
  const repeat = <T>(items: T[]): T[] => Array.from({ length: times }, () => items).flat();
  return { ...report, results: report.results.map((r) => ({ ...r, series: repeat(r.series), fills: repeat(r.fills) })) };
}

/** Stores a finished job with `report` as the backtest service does (queued, then finished), as run by `nodeID`. */
async function storeDone(store: BacktestRunStore, nodeID: string, id: string, report: StreamBacktestReport | null, params: Record<string, unknown> = PARAMS): Promise<void> {
  const job = queuedJob({ id, request: { strategy: "pure_market_making", params, dataset: "first-2000.jsonl", queueModels: ["none"] }, by: "admin" });
  await store.queued(job, nodeID);
  const at = new Date().toISOString();
  await store.finished({ ...job, state: "done", startedAt: at, finishedAt: at, progress: 1, events: report?.period.events ?? 0, report });
}

describe.each([
  ["NATS", NATS],
  ["AMQP", AMQP_URL],
])("answers of several MB through a gateway on another node (%s)", (transport, url) => {
  const namespace = uniqueName("btbig");
  const bigId = "7d1f3c2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b";
  let db: TempDatabase;
  let envs: Array<ReturnType<typeof testEnv>> = [];
  let backtest: ServiceBroker;
  let gateway: ServiceBroker;
  let sequelize: Sequelize | null = null;
  let base: string;
  let token: string;
  let expected: Answer;

  beforeAll(async () => {
    db = await createTempDatabase();
    const common = { TRANSPORTER: url, NAMESPACE: namespace, DATABASE_URL: db.url };
    const backtestEnv = testEnv({ ...common, SERVICES: "backtest,config", NODE_ID: `${namespace}-backtest` });
    const gatewayEnv = testEnv({ ...common, SERVICES: "api,auth", NODE_ID: `${namespace}-gateway` });
    envs = [backtestEnv, gatewayEnv];
    backtest = createNode(backtestEnv, { logger: false });
    await backtest.start();
    gateway = createNode(gatewayEnv, { logger: false });
    ({ base, token } = await startGateway(gateway));
    await gateway.waitForServices(["backtest", "config"], 20_000);
    await waitForRoute(base, "/api/v1/backtest/runs", 10_000, "GET");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-btbig-"));
    try {
      writeSampleHead(path.join(dir, "first-2000.jsonl"), 2000);
      const report = await runStreamBacktest({ strategy: "pure_market_making", params: PARAMS, data: path.join(dir, "first-2000.jsonl"), queueModels: ["none"] });
      sequelize = acquireSequelize(backtestEnv.database);
      const store = await backtestStoreOn(sequelize);
      await storeDone(store, backtest.nodeID, bigId, inflated(report, 6 * MB));
      const { nodeID: _nodeID, ...job } = (await store.get(bigId))!;
      expected = job;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  afterAll(async () => {
    if (sequelize) await releaseSequelize(sequelize);
    await gateway?.stop();
    await backtest?.stop();
    if (transport === "AMQP") await deleteMeshQueues(AMQP_URL, namespace).catch(() => undefined);
    await db?.drop();
    for (const env of envs) env.cleanup();
  });

  it("answers the HTTP client the whole job as application/json, valid against the OpenAPI document", async () => {
    const res = await fetch(`${base}/api/v1/backtest/runs/${bigId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const text = await res.text();
    expect(Buffer.byteLength(text)).toBeGreaterThan(5 * MB);
    const body = JSON.parse(text) as Answer;
    expect(body).toEqual(expected);
    const doc = (await http(base, "GET", "/api/openapi.json")).body;
    expect(new OpenApiValidator(doc).check("GET", "/api/v1/backtest/runs/{id}", 200, body).problems).toEqual([]);
  }, 30_000);

  it("answers a broker caller on the gateway's node the job object", async () => {
    expect(await gateway.call("backtest.run", { id: bigId })).toEqual(expected);
  }, 30_000);

  it("copes with a client that goes away in the middle of the report: the next read is whole", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/backtest/runs/${bigId}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    await reader.read().catch(() => undefined);
    const again = await http(base, "GET", `/api/v1/backtest/runs/${bigId}`, { token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(expected);
  }, 30_000);

  it("keeps the backtest node connected: the calls after work", async () => {
    expect((backtest as unknown as { transit: { connected: boolean } }).transit.connected).toBe(true);
    const listed = await http(base, "GET", "/api/v1/backtest/runs", { token });
    expect(listed.status).toBe(200);
    expect(listed.body.map((j: { id: string }) => j.id)).toContain(bigId);
    expect((await http(base, "GET", "/api/v1/backtest/datasets", { token })).status).toBe(200);
  });

  it("lists runs past one message (requests with large params) to the HTTP client and to a broker caller", async () => {
    const store = await backtestStoreOn(sequelize!);
    const ids = ["0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000002", "0a1b2c3d-0000-4000-8000-000000000003"];
    for (const id of ids) await storeDone(store, backtest.nodeID, id, null, { ...PARAMS, note: "x".repeat(MB / 2) });
    const listed = await http(base, "GET", "/api/v1/backtest/runs", { token });
    expect(listed.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(listed.body))).toBeGreaterThan(1.5 * MB);
    expect(listed.body.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining([...ids, bigId]));
    expect(await gateway.call("backtest.runs")).toEqual(listed.body);
  }, 30_000);

  it("answers a config document's history past one message (3000 versions) to the HTTP client and to a broker caller", async () => {
    const createdAt = new Date();
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      kind: "markets",
      name: "long-history",
      version: i + 1,
      body: JSON.stringify({ venue: "paper", kind: "cex", symbol: "BTC/USDT" }),
      comment: `version ${i + 1}: ${"c".repeat(400)}`,
      author: "admin",
      created_at: createdAt,
    }));
    await sequelize!.getQueryInterface().bulkInsert(CONFIG_TABLE, rows);
    const history = await http(base, "GET", "/api/v1/config/markets/long-history/history", { token });
    expect(history.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(history.body))).toBeGreaterThan(1.5 * MB);
    expect(history.body.map((d: { version: number }) => d.version)).toEqual(rows.map((r) => r.version).reverse());
    expect(await gateway.call("config.history", { kind: "markets", name: "long-history" })).toEqual(history.body);
  }, 30_000);
});
