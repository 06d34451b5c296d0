/**
 * The whole system as a multi-process mesh (lib/runtime/mesh-launcher.ts, as `npm run mesh`
 * starts it): the chain, gateway, trading, feeds and ops nodes as separate `dist/bin/mmesh.js`
 * processes over NATS, then over AMQP, with Redis, a temp PostgreSQL database and the RabbitMQ
 * durable bus. A quote placed through the gateway fills on the paper venue (trading node) and
 * the fill arrives on the durable bus at a consumer group in this process.
 * Needs the build (`npm run build`; `npm test` builds first).
 */
import { randomBytes } from "node:crypto";
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { deleteMeshQueues, startMesh, type Mesh, type MeshTransport } from "../../lib/runtime/mesh-launcher";
import { createBrokerOptions } from "../../moleculer.config";
import { testEnv, uniqueName } from "../support/env";
import { http } from "../support/http";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(90_000);

const AMQP_URL = process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

interface Fill { exchange: string; tradeId: string; clientOrderId: string | null; amount: string; price: string }

describe.each<MeshTransport>(["nats", "amqp"])("the mesh over %s", (transport) => {
  let db: TempDatabase;
  let mesh: Mesh | null = null;
  let consumer: ServiceBroker | null = null;
  let consumerEnv: ReturnType<typeof testEnv> | null = null;
  const namespace = uniqueName(`mesh${transport}`);
  const logs: string[] = [];
  const received: Fill[] = [];
  let t0 = Date.now();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    t0 = Date.now();
    db = await createTempDatabase();
    mesh = await startMesh({
      transport,
      namespace,
      databaseUrl: db.url,
      amqpUrl: AMQP_URL,
      apiPort: 0,
      chainPort: 0,
      startTimeoutMs: 45_000,
      stopTimeoutMs: 10_000,
      onLog: (id, level, line) => void logs.push(`[${id}] ${level === "exit" ? "EXIT " : ""}${line}`),
    });
    timings.meshUp = Date.now() - t0;
    // A consumer in this process: joined to the mesh's transporter and namespace, its own group on the durable bus.
    consumerEnv = testEnv({ TRANSPORTER: mesh.transporter, NAMESPACE: namespace, AMQP_URL, NODE_ID: uniqueName("e2e") });
    consumer = new ServiceBroker({ ...createBrokerOptions(consumerEnv), logger: false });
    consumer.createService({
      name: "e2e-fills",
      channels: {
        "order.filled": {
          group: "e2e-test",
          async handler(payload: Fill) {
            received.push(payload);
          },
        },
      },
    } as never);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await mesh?.stop();
    await db?.drop().catch(() => undefined);
    await deleteMeshQueues(AMQP_URL, namespace, [["order.filled", "e2e-test"]]).catch(() => undefined);
    consumerEnv?.cleanup();
    const exits = logs.filter((l) => l.includes("EXIT "));
    if (exits.length > 0) console.warn(`mesh over ${transport}: nodes exited early:\n${exits.join("\n")}`);
    console.log(`mesh over ${transport}: ${JSON.stringify({ ...timings, total: Date.now() - t0 })} ms`);
  });

  it("runs every node group as its own process", () => {
    const nodes = mesh!.nodes;
    expect(nodes.filter((n) => n.running).map((n) => n.id).sort()).toEqual(["chain", "feeds-1", "gateway-1", "ops-1", "trading-1"]);
    expect(new Set(nodes.map((n) => n.pid)).size).toBe(nodes.length);
  });

  it("places a quote through the gateway, and its fill comes back on the durable bus", async () => {
    const base = mesh!.gatewayUrl;
    const t = Date.now();
    const login = await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: mesh!.adminPassword } });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    // The gateway learns the trading node's routes once it sees the node.
    const ticker = await until("the paper ticker through the gateway", async () => {
      const r = await http(base, "GET", "/api/v1/cex/paper/ticker/BTC/USDT", { token });
      return r.status === 200 && r.body.ask ? (r.body as { ask: string }) : null;
    }, 20_000);
    const clientOrderId = `e2e-${transport}-${randomBytes(4).toString("hex")}`;
    const price = new Decimal(ticker.ask).times(1.01).toDecimalPlaces(2).toString();
    const placed = await http(base, "POST", "/api/v1/cex/paper/orders", {
      token,
      body: { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price, clientOrderId },
    });
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ clientOrderId, exchange: "paper" });

    const mine = await until("the fill on the durable bus", async () => {
      const got = received.filter((f) => f.clientOrderId === clientOrderId);
      const total = got.reduce((s, f) => s.plus(f.amount), new Decimal(0));
      return total.gte("0.001") ? got : null;
    }, 15_000);
    timings.orderToBusFill = Date.now() - t;
    // Exactly that order's fills, once each, and nothing else of ours.
    expect(new Set(mine.map((f) => f.tradeId)).size).toBe(mine.length);
    expect(mine.reduce((s, f) => s.plus(f.amount), new Decimal(0)).toString()).toBe("0.001");
    expect(mine.every((f) => f.exchange === "paper")).toBe(true);
    expect(received.filter((f) => f.clientOrderId?.startsWith("e2e-")).length).toBe(mine.length);

    const order = await http(base, "GET", `/api/v1/cex/paper/orders/${clientOrderId}`, { token });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ clientOrderId, status: "closed", filled: "0.001" });

    // The market-maker runs on the trading node and answers through the gateway.
    const mm = await http(base, "GET", "/api/v1/mm/status", { token });
    expect(mm.status).toBe(200);
    expect(mm.body).toMatchObject({ killSwitch: { engaged: false } });
    const mmNodes = consumer!.registry.getServiceList({ onlyAvailable: true }).filter((s) => s.name === "mm").map((s) => (s as unknown as { nodeID: string }).nodeID);
    expect(mmNodes).toEqual(["trading-1"]);
    timings.scenario = Date.now() - t;
  });
});
