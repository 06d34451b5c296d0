/**
 * Orders acknowledged are stored: a node running config and cex on SQLite takes a burst of
 * paper orders from 16 concurrent callers and is killed (SIGKILL) in the middle of it; once
 * cex starts again on the same files (replaying the order journal beside the database,
 * lib/cex/order-journal.ts), the table holds every clientOrderId that was acknowledged. Needs
 * `npm run build` (npm test runs it first): the node is the built dist/bin/mmesh.js.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { QueryTypes, type Sequelize } from "sequelize";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { createNode } from "../../services";
import { uniqueName } from "../support/env";
import { orderBurst } from "../support/order-burst";

const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");
const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

describe("kill -9 of the cex node during an order burst", () => {
  const namespace = uniqueName("burstkill");
  let dir: string;
  let child: ChildProcess;
  let broker: ServiceBroker;
  let sequelize: Sequelize | null = null;
  let output = "";

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-burstkill-"));
    child = spawn(process.execPath, [ENTRY], {
      env: { PATH: process.env.PATH, TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: `${namespace}-cex`, SERVICES: "config,cex", DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, "mmesh.sqlite")}`, AMQP_URL: "memory", METRICS_PORT: "off", LOG_LEVEL: "warn" },
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const env = readEnv({ TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: `${namespace}-client`, METRICS_PORT: "off", LOG_LEVEL: "error", DATA_DIR: dir });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    await broker.start();
    await broker.waitForServices(["cex"], 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\nnode output:\n${output}`);
    });
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await broker.stop();
    if (sequelize) await releaseSequelize(sequelize);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loses no acknowledged order", async () => {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const prefix = `bk${Date.now().toString(36)}`;
    const burst = await orderBurst({
      place: (order) => broker.call("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", ...order }, { timeout: 3000, retries: 0 }),
      prefix,
      price: "10000",
      amount: "0.001",
      concurrency: 16,
      maxOrders: 3000,
      maxMs: 60_000,
      interruptAfterAcked: 150,
      interrupt: async () => {
        child.kill("SIGKILL");
        await exited;
      },
    });
    expect(burst.interruptedAt).not.toBeNull();
    expect(burst.acked.length).toBeGreaterThanOrEqual(150);
    expect(fs.existsSync(path.join(dir, "mmesh.sqlite-orders.journal"))).toBe(true); // acknowledged by the journal

    // cex starts again on the same files (in this process, no transporter), replays the journal, stops.
    const restarted = createNode(readEnv({ SERVICES: "config,cex", NODE_ID: `${namespace}-restart`, DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, "mmesh.sqlite")}`, METRICS_PORT: "off", LOG_LEVEL: "error" }), { logger: false });
    await restarted.start();
    await restarted.stop();

    sequelize = acquireSequelize({ dialect: "sqlite", storage: path.join(dir, "mmesh.sqlite") });
    const rows = (await sequelize.query("SELECT client_order_id FROM cex_orders WHERE exchange = 'paper' AND client_order_id LIKE ?", {
      replacements: [`${prefix}-%`],
      type: QueryTypes.SELECT,
    })) as Array<{ client_order_id: string }>;
    const stored = new Set(rows.map((r) => r.client_order_id));
    expect(burst.acked.filter((id) => !stored.has(id))).toEqual([]);
  });
});
