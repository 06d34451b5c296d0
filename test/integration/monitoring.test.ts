/**
 * The monitoring service over NATS: two nodes (monitoring + a worker node) listed with
 * their services, CPU and memory; a circuit breaker opened on the worker's failing
 * action shows on that node; the servers the environment configures probed for real
 * (PostgreSQL, Redis, NATS, RabbitMQ) and a closed port reported down with its error;
 * business events emitted from the other node turned into metrics on the monitoring
 * node's Prometheus /metrics. Then, on the embedded paper setup with the demo bot running
 * (config, cex, cex-price-feed, market-maker, monitoring in one broker), every metric the
 * Grafana dashboard queries served on /metrics with values.
 */
import net from "node:net";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Errors, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { probePostgres, probeRedis } from "../../lib/monitoring";
import createMonitoringService, { type MonitoringStatus } from "../../services/monitoring.service";
import { testEnv, uniqueName } from "../support/env";
import { resolveMetricName } from "../../lib/alerting/selector";

jest.setTimeout(30_000);

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const PG_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("monitoring service across two nodes over NATS", () => {
  const namespace = uniqueName("mon");
  let metricsPort: number;
  let closedPort: number;
  let envA: ReturnType<typeof testEnv>;
  let envB: ReturnType<typeof testEnv>;
  let monitor: ServiceBroker;
  let worker: ServiceBroker;

  beforeAll(async () => {
    metricsPort = await freePort();
    closedPort = await freePort();
    envA = testEnv({
      NAMESPACE: namespace,
      NODE_ID: "monitor-node",
      TRANSPORTER: NATS_URL,
      CACHER: REDIS_URL,
      AMQP_URL,
      DATABASE_URL: PG_URL,
      RPC_URL: `http://127.0.0.1:${closedPort}`,
      METRICS_PORT: String(metricsPort),
    });
    envB = testEnv({ NAMESPACE: namespace, NODE_ID: "worker-node", TRANSPORTER: NATS_URL });
    monitor = new ServiceBroker({ ...createBrokerOptions(envA), logger: false });
    monitor.createService(createMonitoringService(envA, { probeTimeoutMs: 2_000, feedAgeIntervalMs: 200, probeIntervalMs: 0 }));
    worker = new ServiceBroker({ ...createBrokerOptions(envB), logger: false });
    worker.createService({
      name: "widgets",
      actions: {
        ping: () => "pong",
        fail: () => {
          throw new Errors.MoleculerError("boom", 500, "BOOM");
        },
      },
    });
    await Promise.all([monitor.start(), worker.start()]);
    await waitFor(() => monitor.registry.getServiceList({ onlyAvailable: true }).some((s: { name: string }) => s.name === "widgets"), 10_000, "worker discovered");
  });

  afterAll(async () => {
    await worker?.stop();
    await monitor?.stop();
    envA?.cleanup();
    envB?.cleanup();
  });

  it("lists both nodes with their services, CPU and memory", async () => {
    const status = await monitor.call<MonitoringStatus, object>("monitoring.status", {});
    const ids = status.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(["monitor-node", "worker-node"]));
    const workerNode = status.nodes.find((n) => n.id === "worker-node")!;
    expect(workerNode).toMatchObject({ available: true, local: false, error: null, services: ["widgets"] });
    expect(workerNode.cpu.cores).toBeGreaterThan(0);
    expect(workerNode.memory.rssBytes).toBeGreaterThan(0);
    expect(workerNode.memory.systemUsedPercent).toBeGreaterThan(0);
    expect(status.nodes.find((n) => n.id === "monitor-node")).toMatchObject({ available: true, local: true, services: ["monitoring"] });
  });

  it("reports a node killed with SIGKILL as down within the heartbeat timeout", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-victim-"));
    const victim = spawn(process.execPath, [path.resolve(__dirname, "../../dist/bin/mmesh.js")], {
      env: { PATH: process.env.PATH, TRANSPORTER: NATS_URL, NAMESPACE: namespace, NODE_ID: "victim-node", SERVICES: "subgraph", METRICS_PORT: "off", LOG_LEVEL: "warn", DATA_DIR: dataDir },
      stdio: "ignore",
    });
    try {
      const nodeOf = async () => (await monitor.call<MonitoringStatus, object>("monitoring.status", {})).nodes.find((n) => n.id === "victim-node");
      await waitFor(async () => (await nodeOf())?.available === true, 15_000, "victim discovered");
      victim.kill("SIGKILL");
      const killedAt = Date.now();
      await waitFor(async () => (await nodeOf())?.state !== "up", 20_000, "victim reported unresponsive");
      // Its health call times out at once; the registry drops it after heartbeatTimeout (15 s).
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      expect(await nodeOf()).toMatchObject({ state: "unresponsive", error: expect.stringContaining("victim-node") });
      await waitFor(async () => (await nodeOf())?.state !== "unresponsive", 40_000, "victim reported down");
      expect((await nodeOf())?.state ?? "down").toBe("down");
      const status = await monitor.call<MonitoringStatus, object>("monitoring.status", {});
      expect(status.ok).toBe(false);
    } finally {
      if (victim.exitCode === null) victim.kill("SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 70_000);

  it("probes the configured servers and reports a closed port down with its error", async () => {
    const status = await monitor.call<MonitoringStatus, object>("monitoring.status", {});
    const byName = Object.fromEntries(status.servers.map((s) => [s.name, s]));
    for (const name of ["postgres", "redis", "nats", "rabbitmq"]) {
      expect(byName[name]).toMatchObject({ ok: true, error: null });
      expect(byName[name].latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(byName.rpc).toMatchObject({ ok: false });
    expect(byName.rpc.error).toEqual(expect.any(String));
    expect(status.ok).toBe(false);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/mmesh_server_up\{[^}]*server="postgres"[^}]*\} 1/);
    expect(text).toMatch(/mmesh_server_up\{[^}]*server="rpc"[^}]*\} 0/);
  });

  it("never shows a password in a failed probe", async () => {
    const pg = await probePostgres(`postgres://mmesh:pg-s3cret@127.0.0.1:${closedPort}/db`, 1_000);
    const redis = await probeRedis(`redis://:redis-s3cret@127.0.0.1:${closedPort}`, 1_000);
    for (const probe of [pg, redis]) {
      expect(probe.ok).toBe(false);
      expect(probe.error).toEqual(expect.any(String));
      expect(JSON.stringify(probe)).not.toMatch(/s3cret/);
    }
  });

  it("shows a circuit breaker opened on the worker's failing action", async () => {
    for (let i = 0; i < 25; i++) await monitor.call("widgets.fail").catch(() => undefined);
    const status = await monitor.call<MonitoringStatus, object>("monitoring.status", {});
    const workerNode = status.nodes.find((n) => n.id === "worker-node")!;
    expect(workerNode.circuitBreakers).toEqual([expect.objectContaining({ action: "widgets.fail", state: "open", reportedBy: "monitor-node" })]);
    expect(status.nodes.find((n) => n.id === "monitor-node")!.circuitBreakers).toEqual([]);
  });

  it("turns business events from another node into Prometheus metrics", async () => {
    const now = Date.now();
    await worker.emit("order.filled", { exchange: "paper", tradeId: "t1", symbol: "BTC/USDT", side: "buy", price: "100", amount: "1", cost: "100", timestamp: now });
    await worker.emit("order.filled", { exchange: "paper", tradeId: "t2", symbol: "BTC/USDT", side: "buy", price: "100", amount: "1", cost: "100", timestamp: now });
    await worker.emit("order.updated", { exchange: "paper", id: "o1", clientOrderId: "c1", symbol: "BTC/USDT", status: "open" });
    await worker.emit("order.updated", { exchange: "paper", id: "o2", clientOrderId: "c2", symbol: "BTC/USDT", status: "open" });
    await worker.emit("order.updated", { exchange: "paper", id: "o2", clientOrderId: "c2", symbol: "BTC/USDT", status: "closed" });
    await worker.emit("price.cex.updated", { exchange: "paper", symbol: "ETH/USDT", bid: "99.9", ask: "100.1", mid: "100", bidSize: "1", askSize: "1", ts: now - 2_000, receivedAt: now - 2_000 });
    await worker.emit("mm.pnl.updated", { bot: "pmm-1", exchange: "paper", symbol: "BTC/USDT", realized: "12.5", unrealized: "-2.5" });
    await worker.emit("mm.inventory.updated", { bot: "pmm-1", exchange: "paper", asset: "BTC", amount: "0.75" });
    await worker.emit("mm.quote.placed", { bot: "pmm-1", exchange: "paper", symbol: "BTC/USDT", bid: "99", ask: "101", tickReceivedAt: now - 30, orderAckAt: now });
    await worker.emit("arbitrage.opportunity", { symbol: "ETH/USDT", buyVenue: "paper", sellVenue: "uniswap-v2", netProfit: "1.2" });

    let text = "";
    await waitFor(async () => {
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /mmesh_arbitrage_opportunities_total\{/.test(text) && /mmesh_fills_total\{[^}]*\} 2/.test(text);
    }, 10_000, "business metrics on /metrics");

    const line = (name: string, labels: Record<string, string>) =>
      text.split("\n").find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    const value = (name: string, labels: Record<string, string>) => Number(line(name, labels)?.split(" ").pop());

    expect(value("mmesh_fills_total", { exchange: "paper", symbol: "BTC/USDT", side: "buy" })).toBe(2);
    expect(value("mmesh_orders_open", { exchange: "paper", symbol: "BTC/USDT" })).toBe(1);
    expect(value("mmesh_feed_age_seconds", { exchange: "paper", symbol: "ETH/USDT" })).toBeGreaterThanOrEqual(2);
    expect(value("mmesh_market_spread_bps", { exchange: "paper", symbol: "ETH/USDT" })).toBeCloseTo(20, 6);
    expect(value("mmesh_pnl", { bot: "pmm-1", kind: "realized" })).toBe(12.5);
    expect(value("mmesh_pnl", { bot: "pmm-1", kind: "unrealized" })).toBe(-2.5);
    expect(value("mmesh_pnl", { bot: "pmm-1", kind: "total" })).toBe(10);
    expect(value("mmesh_inventory", { bot: "pmm-1", asset: "BTC" })).toBe(0.75);
    expect(value("mmesh_spread_quoted_bps", { bot: "pmm-1", symbol: "BTC/USDT" })).toBeCloseTo(200, 6);
    expect(value("mmesh_tick_to_order_latency_seconds_bucket", { bot: "pmm-1", le: "0.05" })).toBe(1);
    expect(value("mmesh_tick_to_order_latency_seconds_bucket", { bot: "pmm-1", le: "0.025" })).toBe(0);
    expect(value("mmesh_tick_to_order_latency_seconds_bucket", { bot: "pmm-1", le: "+Inf" })).toBe(1);
    expect(value("mmesh_arbitrage_opportunities_total", { symbol: "ETH/USDT", buyVenue: "paper", sellVenue: "uniswap-v2" })).toBe(1);
    // Moleculer's own metrics are served beside them.
    expect(text).toMatch(/moleculer_node_type/);

    const status = await monitor.call<MonitoringStatus, object>("monitoring.status", {});
    expect(status.feeds).toEqual([expect.objectContaining({ exchange: "paper", symbol: "ETH/USDT" })]);
  });
});

describe("monitoring and db-maintenance through the gateway (embedded node)", () => {
  const env = testEnv({ SERVICES: "api,auth,monitoring,db-maintenance", MAINTENANCE_CRON: "off", RATE_LIMIT_PER_MINUTE: "1000" });
  let broker: ServiceBroker;
  let base: string;
  let adminToken: string;

  beforeAll(async () => {
    // Imported here so the two-node test above does not depend on every service file.
    const { createNode } = await import("../../services");
    const { gatewayUrl, http, waitForRoute } = await import("../support/http");
    broker = createNode(env, { logger: false });
    await broker.start();
    base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/auth/login");
    const { TEST_ADMIN_PASSWORD } = await import("../support/env");
    adminToken = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } })).body.accessToken;
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("serves GET /api/v1/monitoring/status and GET /api/v1/db-maintenance/stats to a token holder only", async () => {
    const { http } = await import("../support/http");
    expect((await http(base, "GET", "/api/v1/monitoring/status")).status).toBe(401);
    const res = await http(base, "GET", "/api/v1/monitoring/status", { token: adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, servers: [], nodes: [expect.objectContaining({ id: env.nodeID, services: expect.arrayContaining(["api", "auth", "db-maintenance", "monitoring"]) })] });
    const stats = await http(base, "GET", "/api/v1/db-maintenance/stats", { token: adminToken });
    expect(stats.status).toBe(200);
    expect(stats.body.tables.find((t: any) => t.table === "users")).toMatchObject({ rows: 1 });
  });
});

describe("the Grafana dashboard's metrics on the embedded paper setup with the demo bot running", () => {
  const DASHBOARD = path.resolve(__dirname, "../../deploy/grafana/dashboards/mmesh.json");
  const BUSINESS = path.resolve(__dirname, "../../deploy/grafana/business-metrics.json");
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    env = testEnv({ SERVICES: "config,cex,cex-price-feed,market-maker,monitoring", DEMO_BOT: "on", METRICS_PORT: String(metricsPort) });
    const [{ default: createConfigService }, { default: createCexService }, { default: createCexPriceFeedService }, { default: createMarketMakerService }] = await Promise.all([
      import("../../services/config.service"),
      import("../../services/cex.service"),
      import("../../services/cex-price-feed.service"),
      import("../../services/market-maker.service"),
    ]);
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env));
    broker.createService(createCexPriceFeedService(env));
    broker.createService(createMarketMakerService(env, { markIntervalMs: 250 }));
    broker.createService(createMonitoringService(env, { probeIntervalMs: 300, feedAgeIntervalMs: 200 }));
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    env?.cleanup();
  });

  /** The series of /metrics: name, labels, value. */
  const scrape = async () =>
    (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
      .split("\n")
      .map((l) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], labels: Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]])), value: Number(m[3]) }));
  type Series = Awaited<ReturnType<typeof scrape>>;
  const valueOf = (series: Series, name: string, labels: Record<string, string>) =>
    series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  it("serves every mmesh metric the dashboard queries, with the demo bot's values", async () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, "utf8"));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
    const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(mmesh_[a-z0-9_]+)/g)].map((m) => m[1])));
    // Every business metric documented for the dashboard is queried by it.
    expect([...queried].map((n) => n.replace(/_(bucket|sum|count)$/, "")).sort()).toEqual(expect.arrayContaining(Object.keys(JSON.parse(fs.readFileSync(BUSINESS, "utf8")).metrics).sort()));
    expect(queried.size).toBeGreaterThanOrEqual(9);

    const BOT = { bot: "demo-avellaneda", exchange: "paper", symbol: "BTC/USDT" };
    let series: Series = [];
    const missing = () => [...queried].filter((name) => !series.some((s) => s.name === name && Number.isFinite(s.value)));
    await waitFor(
      async () => {
        series = await scrape();
        // The bot has quoted (tick-to-order observed) and been marked at its mid (inventory ratio set).
        return missing().length === 0 && (valueOf(series, "mmesh_tick_to_order_latency_seconds_bucket", { bot: BOT.bot, exchange: BOT.exchange, le: "+Inf" }) ?? 0) > 0 && valueOf(series, "mmesh_inventory_ratio", BOT) !== undefined;
      },
      25_000,
      "every dashboard metric on /metrics",
    ).catch((err: Error) => {
      throw new Error(`${err.message}; missing: ${missing().join(", ")}; mmesh series: ${JSON.stringify(series.filter((x) => x.name.startsWith("mmesh_") && x.labels.le === undefined))}`);
    });

    // PnL, drawdown and inventory ratio of the running bot.
    const realized = valueOf(series, "mmesh_pnl", { ...BOT, kind: "realized" });
    const unrealized = valueOf(series, "mmesh_pnl", { ...BOT, kind: "unrealized" });
    const total = valueOf(series, "mmesh_pnl", { ...BOT, kind: "total" });
    expect([realized, unrealized, total].every((v) => typeof v === "number" && Number.isFinite(v))).toBe(true);
    expect(total!).toBeCloseTo(realized! + unrealized!, 6);
    // The demo sets a capital (10000 USDT): the ratio is the drawdown in USDT over capital + peak.
    const drawdownQuote = valueOf(series, "mmesh_drawdown_quote", BOT)!;
    expect(drawdownQuote).toBeGreaterThanOrEqual(0);
    const drawdown = valueOf(series, "mmesh_drawdown_ratio", BOT)!;
    expect(drawdown).toBeGreaterThanOrEqual(0);
    expect(drawdown).toBeLessThanOrEqual(1);
    expect(drawdown).toBeLessThanOrEqual(drawdownQuote / 10_000 + 1e-9);
    // The paper account holds about 37.5 % of its value in BTC (the demo's inventory target).
    const ratio = valueOf(series, "mmesh_inventory_ratio", BOT)!;
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(0.6);

    // Balances of the paper account, as cex.balance reports them.
    const usdt = valueOf(series, "mmesh_balance", { exchange: "paper", asset: "USDT" })!;
    const btc = valueOf(series, "mmesh_balance", { exchange: "paper", asset: "BTC" })!;
    expect(usdt).toBeGreaterThan(0);
    expect(btc).toBeGreaterThan(0);
    const answer = (await broker.call("cex.balance", { exchange: "paper" })) as { balances: Record<string, { total: string }> };
    expect(usdt / Number(answer.balances.USDT.total)).toBeCloseTo(1, 1);

    // Feed, spreads, latency and the exchange probe.
    expect(valueOf(series, "mmesh_feed_age_seconds", { exchange: "paper", symbol: "BTC/USDT" })).toBeLessThan(5);
    expect(valueOf(series, "mmesh_market_spread_bps", { exchange: "paper", symbol: "BTC/USDT" })).toBeGreaterThan(0);
    expect(valueOf(series, "mmesh_spread_quoted_bps", BOT)).toBeGreaterThan(0);
    expect(valueOf(series, "mmesh_server_up", { server: "exchange:paper" })).toBe(1);

    // Alert rules may name them as the dashboard does (lib/alerting/selector.ts): each resolves to a registered metric.
    const registered = (broker.metrics.list() as Array<{ name: string }>).map((m) => m.name);
    for (const name of ["mmesh_drawdown_ratio", "mmesh_balance", "mmesh_pnl", "mmesh_inventory_ratio"]) expect({ name, metric: resolveMetricName(name, registered) }).toEqual({ name, metric: expect.any(String) });
  }, 40_000);
});
