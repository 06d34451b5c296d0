/**
 * One quoter per market, for real: three market-maker nodes as separate processes
 * (the built `mmesh` binary, SERVICES=market-maker) over NATS, leases in Redis, state in
 * PostgreSQL. This process runs config and cex (the paper venue) and records who sends
 * every order. The node quoting the bot is killed with SIGKILL; another must take over
 * within seconds, cancel what the dead node left resting, and quote — and no two nodes
 * may ever have sent the bot's orders over overlapping periods.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Decimal from "decimal.js";
import { ServiceBroker, type Context, type Middleware } from "moleculer";
import { currentPaperVenue } from "../../lib/cex";
import { botTag } from "../../lib/market-maker/client-order-id";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import { sleep, until } from "../support/until";
import { testEnv, uniqueName } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(120_000);

const NATS_URL = "nats://127.0.0.1:4222";
const REDIS_URL = "redis://127.0.0.1:6379";
const SYMBOL = "BTC/USDT";
const BOT = "takeover-bot";

interface Placement { node: string; at: number; clientOrderId: string }

describe("one quoter per market across three market-maker nodes", () => {
  let db: TempDatabase;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  const children = new Map<string, ChildProcess>();
  const dataDirs: string[] = [];
  const placements: Placement[] = [];
  const cancels: Array<{ node: string; clientOrderId: string }> = [];
  let feedTimer: NodeJS.Timeout;
  const tag = `${botTag(BOT)}-`;

  /** Records the calling node of every order the bot sends, where the orders arrive. */
  const recorder: Middleware = {
    name: "order-recorder",
    localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
      if (action.name !== "cex.createOrder" && action.name !== "cex.cancelOrder" && action.name !== "cex.replaceOrders") return next;
      return (ctx: Context) => {
        const p = ctx.params as { clientOrderId?: string; cancel?: string[]; place?: Array<{ clientOrderId: string }> };
        const node = ctx.nodeID as string;
        if (action.name === "cex.replaceOrders") {
          // A requote in one request: its cancels, then its placements.
          for (const clientOrderId of p.cancel ?? []) if (clientOrderId.startsWith(tag)) cancels.push({ node, clientOrderId });
          for (const o of p.place ?? []) if (o.clientOrderId.startsWith(tag)) placements.push({ node, at: Date.now(), clientOrderId: o.clientOrderId });
        } else if (p.clientOrderId?.startsWith(tag)) {
          if (action.name === "cex.createOrder") placements.push({ node, at: Date.now(), clientOrderId: p.clientOrderId });
          else cancels.push({ node, clientOrderId: p.clientOrderId });
        }
        return next(ctx);
      };
    },
  } as unknown as Middleware;

  const startNode = (id: string) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-mm-"));
    dataDirs.push(dataDir);
    const child = spawn(process.execPath, [path.resolve(__dirname, "../../dist/bin/mmesh.js")], {
      env: {
        PATH: process.env.PATH,
        TRANSPORTER: NATS_URL,
        CACHER: REDIS_URL,
        DATABASE_URL: db.url,
        AMQP_URL: "memory",
        NAMESPACE: env.namespace,
        NODE_ID: id,
        SERVICES: "market-maker",
        METRICS_PORT: "off",
        LOG_LEVEL: "warn",
        DATA_DIR: dataDir,
        DEMO_BOT: "off",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.set(id, child);
  };
  const openBotOrders = async () =>
    ((await broker.call("cex.openOrders", { exchange: "paper", symbol: SYMBOL })) as Array<{ clientOrderId: string }>).filter((o) => o.clientOrderId?.startsWith(tag));
  const quoter = async () => ((await broker.call("mm.status")) as { bots: Array<{ name: string; node: string | null; state: string }> }).bots.find((b) => b.name === BOT);

  beforeAll(async () => {
    db = await createTempDatabase();
    env = testEnv({ SERVICES: "config,cex", TRANSPORTER: NATS_URL, CACHER: REDIS_URL, DATABASE_URL: db.url, NODE_ID: uniqueName("venue") });
    broker = new ServiceBroker({ ...createBrokerOptions(env, [recorder]), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0 }));
    await broker.start();
    await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
    await broker.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 3000 } });
    await broker.call("config.set", {
      kind: "strategies",
      name: BOT,
      body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 50, params: { bidSpread: 0.003, askSpread: 0.003, orderAmount: "0.001", orderRefreshTimeMs: 300 } },
    });
    // The price feed: every market-maker node hears every tick (broadcast, as cex-price-feed does).
    feedTimer = setInterval(() => {
      const fair = new Decimal(currentPaperVenue()?.fairPrice(SYMBOL) ?? "60000");
      const now = Date.now();
      const bid = fair.times(0.9999).toDecimalPlaces(2).toString();
      const ask = fair.times(1.0001).toDecimalPlaces(2).toString();
      void broker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid, ask, mid: fair.toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
    }, 100);
    for (const id of ["mm-1", "mm-2", "mm-3"]) startNode(`${env.namespace}-${id}`);
  });

  afterAll(async () => {
    clearInterval(feedTimer);
    for (const child of children.values()) if (child.exitCode === null) child.kill("SIGKILL");
    await broker?.stop();
    await db?.drop();
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
    env?.cleanup();
  });

  it("keeps one quoter, and another node takes over after the quoter is killed", async () => {
    await until("the bot quoting", async () => (await openBotOrders()).length === 2, 60_000);
    const first = await quoter();
    expect(first?.state).toBe("running");
    const victim = first!.node as string;
    expect(children.has(victim)).toBe(true);
    // A few refreshes on the first node; all from that node only.
    await sleep(1500);
    expect(new Set(placements.map((p) => p.node))).toEqual(new Set([victim]));

    children.get(victim)!.kill("SIGKILL");
    const killedAt = Date.now();
    await until("another node quoting", () => placements.some((p) => p.node !== victim && p.at > killedAt), 30_000);
    const takeoverMs = placements.find((p) => p.node !== victim && p.at > killedAt)!.at - killedAt;
    // The lease TTL is 5 s: the dead node's lease must lapse before anyone else quotes.
    expect(takeoverMs).toBeLessThan(15_000);
    const successor = placements.find((p) => p.node !== victim && p.at > killedAt)!.node;
    await until("the successor's quotes resting", async () => (await openBotOrders()).length === 2, 10_000);

    // What the dead node left resting was cancelled by the successor before it quoted.
    const leftovers = placements.filter((p) => p.node === victim).map((p) => p.clientOrderId);
    const open = (await openBotOrders()).map((o) => o.clientOrderId);
    expect(open.some((id) => leftovers.includes(id))).toBe(false);
    expect(cancels.some((c) => c.node === successor && leftovers.includes(c.clientOrderId))).toBe(true);

    // Never two quoters: each node's placements form one period, and periods do not overlap.
    const periods = [...new Set(placements.map((p) => p.node))].map((node) => {
      const ats = placements.filter((p) => p.node === node).map((p) => p.at);
      return { node, from: Math.min(...ats), to: Math.max(...ats) };
    }).sort((a, b) => a.from - b.from);
    expect(periods).toHaveLength(2);
    expect(periods[0].to).toBeLessThan(periods[1].from);
    expect(periods[0].node).toBe(victim);
    console.log(`takeover: node killed → successor's first order ${takeoverMs} ms (lease TTL 5000 ms)`);
  });
});
