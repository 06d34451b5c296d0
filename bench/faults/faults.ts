#!/usr/bin/env node
/**
 * Fault drill on a multi-process mesh (lib/runtime/mesh-launcher.ts over NATS): a pure
 * market-making bot quotes BTC/USDT on the paper venue while a load loop places and cancels
 * orders (cex.createOrder / cex.cancelOrder with unique clientOrderIds, crossing every 10th so
 * fills flow). Then, one after another:
 *   1. kill -9 of the trading node (restarted once the mesh noticed it, or after 25 s),
 *   2. NATS stopped for 5 s,
 *   3. PostgreSQL restarted,
 *   4. Redis stopped for 10 s,
 *   5. the exchange answering 503 for 10 s, then 429 for 10 s: a second load loop places,
 *      cancels and (through another trader) fills orders on a Binance venue served over HTTP
 *      by test/support/fake-binance in this process, the trading node pointed at it with
 *      EXCHANGE_OVERRIDES and the API key in the keystore.
 * After each: fills lost, duplicate orders, orphan orders, what cex.reconcile found, the
 * alerts raised/resolved (rules node-down on $node.disconnected, server-down on
 * mmesh_server_up < 1 with servers probed every 2 s), time until the bot quoted again. Writes
 * bench/faults-results.md and prints the table.
 *
 * It STOPS THE MACHINE'S SERVERS: run it only when nothing else uses them. Every server is
 * started again at the end whatever happens. Needs root (pg_ctlcluster, start-stop-daemon).
 *   npm run build && node dist/bench/faults/faults.js
 */
import { execFileSync, execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { Client } from "pg";
import { botTag } from "../../lib/market-maker/client-order-id";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig } from "../../test/support/fake-binance";
import { deleteMeshQueues, startMesh, type Mesh } from "../../lib/runtime/mesh-launcher";
import { runDeadManDrill } from "./dead-man";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { clockSkewRow } from "./clock-skew";
import { rateLimitStormRow } from "./rate-limit-storm";
import { runUserStreamCutRow } from "./user-stream-cut";
import { orderBurstKill } from "./order-burst-kill";
import { ADMIN_DB, AMQP_URL, SYMBOL, sleep, until, type DrillRow } from "./drill-support";

const BOT = "fault-bot";
const TAG = `${botTag(BOT)}-`;
const RUN = randomBytes(3).toString("hex");
const NAMESPACE = `faults_${RUN}`;
const DB_NAME = `mmesh_faults_${RUN}`;
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB_NAME}`;
const MAX_LOAD_ORDERS = 6000;
const MAX_RUN_MS = 15 * 60_000;
/**
 * `--only kill,nats,pg,redis,exchange,clock,storm` runs a subset; `--only none` only the baseline (no server is touched).
 * clock and storm (clock-skew.ts, rate-limit-storm.ts) run in this process on their own node and stop no server;
 * burstkill (order-burst-kill.ts) kills -9 the trading node during an order burst and stops no server either;
 * `--only deadman` runs the dead man's switch drill alone (dead-man.ts).
 */
const ONLY = (() => {
  const i = process.argv.indexOf("--only");
  return i >= 0 ? new Set((process.argv[i + 1] ?? "").split(",")) : new Set(["kill", "nats", "pg", "redis", "exchange", "clock", "storm", "burstkill"]);
})();
const want = (f: string) => ONLY.has(f);

const log = (m: string) => process.stdout.write(`[faults ${new Date().toISOString().slice(11, 23)}] ${m}\n`);
const sh = (cmd: string) => execSync(cmd, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 60_000 });

// ------------------------------------------------------------------ servers
const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
  });
async function waitPort(port: number, up: boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(port)) !== up) {
    if (Date.now() > deadline) throw new Error(`port ${port} not ${up ? "open" : "closed"} within ${timeoutMs} ms`);
    await sleep(100);
  }
}
const NATS_START = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log";
const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
const pgCluster = () => fs.readdirSync("/etc/postgresql").sort().at(-1) as string;
const natsPids = () => sh("pgrep -x nats-server || true").split("\n").map((s) => s.trim()).filter(Boolean).map(Number);

async function ensureServers(): Promise<string[]> {
  const done: string[] = [];
  for (const pid of natsPids()) {
    try { process.kill(pid, "SIGCONT"); } catch { /* gone */ }
  }
  if (!(await portOpen(4222))) { sh(NATS_START); await waitPort(4222, true); done.push("nats started"); }
  if (!(await portOpen(6379))) { sh(REDIS_START); await waitPort(6379, true); done.push("redis started"); }
  if (!(await portOpen(5432))) { sh(`pg_ctlcluster --skip-systemctl-redirect ${pgCluster()} main start`); await waitPort(5432, true); done.push("postgresql started"); }
  if (!(await portOpen(5672))) done.push("RABBITMQ IS DOWN (not touched by this script)");
  return done;
}

// ------------------------------------------------------------------ database helpers
async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = DB_URL): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const c = new Client({ connectionString: url });
    try {
      await c.connect();
      return (await c.query(sql, params)).rows as T[];
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(500);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

// ------------------------------------------------------------------ gateway helpers
let gateway = "";
let token = "";
let adminPassword = "";
async function api<T = any>(method: string, p: string, body?: unknown, renewed = false): Promise<{ status: number; body: T }> {
  const res = await fetch(gateway + p, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  // Access tokens last 5 minutes and the drill runs longer: log in again once, then retry.
  if (res.status === 401 && token && !renewed && !p.startsWith("/api/v1/auth/")) {
    await login(adminPassword).catch(() => undefined);
    return api<T>(method, p, body, true);
  }
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, body: parsed as T };
}
async function login(password: string): Promise<void> {
  adminPassword = password;
  const r = await api<{ accessToken: string }>("POST", "/api/v1/auth/login", { username: "admin", password });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
  token = r.body.accessToken;
}

// ------------------------------------------------------------------ observation
interface WireOrder { clientOrderId: string; id: string; status: string; side: string; price: string | null }
interface WireFill { tradeId: string; clientOrderId: string | null; orderId: string | null; exchange: string; timestamp: number }
const busFills = new Map<string, number>(); // exchange:tradeId → times seen (trade ids of two venues can collide)
const busSeen = (exchange: string, tradeId: string) => busFills.get(`${exchange}:${tradeId}`) ?? 0;
const alerts: Array<{ kind: "raised" | "resolved"; rule: string; id?: string; at: number; message?: string }> = [];
const quoteSeen = new Map<string, number>(); // bot clientOrderId → first seen open (ms)
const twoSided: number[] = []; // poll times at which the bot had a bid and an ask open at the venue
const idTime = (cid: string) => parseInt(cid.split("-")[1] ?? "0", 36);

let broker: ServiceBroker;
const load = { placed: 0, placeErrors: 0, canceled: 0, cancelErrors: 0, crossing: 0, stop: false };

async function openOrders(): Promise<WireOrder[]> {
  return (await broker.call("cex.openOrders", { exchange: "paper" }, { timeout: 5000, retries: 0 })) as WireOrder[];
}

/** Polls open orders and records when each bot quote was first seen open. */
async function quotePoller(): Promise<void> {
  while (!load.stop) {
    try {
      const now = Date.now();
      const bot = (await openOrders()).filter((o) => o.clientOrderId?.startsWith(TAG));
      for (const o of bot) if (!quoteSeen.has(o.clientOrderId)) quoteSeen.set(o.clientOrderId, now);
      if (bot.some((o) => o.side === "buy") && bot.some((o) => o.side === "sell")) twoSided.push(now);
    } catch { /* mesh disturbed */ }
    await sleep(200);
  }
}

/** Places resting bids and cancels them; every 10th order crosses (IOC) so fills flow. Bounded in count and time. */
async function loadLoop(): Promise<void> {
  let n = 0;
  let previous: string | null = null;
  while (!load.stop && n < MAX_LOAD_ORDERS) {
    n++;
    const clientOrderId = `ld${RUN}-${n}`;
    try {
      const ticker = (await broker.call("cex.ticker", { exchange: "paper", symbol: SYMBOL }, { timeout: 3000, retries: 0 })) as { bid: string; ask: string };
      const crossing = n % 10 === 0;
      const price = crossing ? new Decimal(ticker.ask).times(1.002) : new Decimal(ticker.bid).times(0.99);
      await broker.call("cex.createOrder", {
        exchange: "paper", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001",
        price: price.toDecimalPlaces(2).toString(), clientOrderId, ...(crossing ? { timeInForce: "IOC" } : {}),
      }, { timeout: 5000 });
      load.placed++;
      if (crossing) load.crossing++;
      if (previous) {
        try {
          await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId: previous }, { timeout: 5000 });
          load.canceled++;
        } catch { load.cancelErrors++; }
      }
      previous = crossing ? previous : clientOrderId;
    } catch {
      load.placeErrors++;
      await sleep(200);
    }
    await sleep(150);
  }
}

// ------------------------------------------------------------------ per-fault measurement
/** The alerts raised and resolved since `startedAt`, as the table shows them. */
function alertsSince(startedAt: number): string {
  const raised = alerts.filter((a) => a.kind === "raised" && a.at >= startedAt);
  const resolved = alerts.filter((a) => a.kind === "resolved" && a.at >= startedAt);
  if (raised.length === 0) return "none";
  const after = (at: number) => `+${((at - startedAt) / 1000).toFixed(1)} s`;
  return `raised ${after(raised[0].at)} (${raised.map((a) => a.id ?? a.rule).join(", ")}); ${resolved.length > 0 ? `resolved ${after(resolved[0].at)}` : "not resolved"}`;
}

async function measure(fault: string, startedAt: number, restoredAt: number, outage: string, notes: string[]): Promise<DrillRow> {
  // Quoting again: the first bot quote cex stored (cex_orders.created_at) after the restore,
  // or seen open at the venue, whichever comes first.
  const botOrdersSince = async (from: number) =>
    (await query<{ client_order_id: string; at: string }>(
      "SELECT client_order_id, (extract(epoch from created_at) * 1000)::bigint AS at FROM cex_orders WHERE exchange = 'paper' AND client_order_id LIKE $1 AND created_at >= to_timestamp($2 / 1000.0) ORDER BY created_at",
      [`${TAG}%`, from],
    )).map((r) => ({ cid: r.client_order_id, at: Number(r.at) }));
  let recoverMs: number | string;
  try {
    // Quoting again: the bot has a bid and an ask open at the venue, seen after the restore.
    const first = await until("bot quoting again", async () => twoSided.find((at) => at >= restoredAt) ?? null, 90_000, 100);
    recoverMs = Math.max(0, first - restoredAt);
  } catch {
    recoverMs = "not within 90 s";
  }
  const twoSidedDuring = twoSided.filter((at) => at > startedAt + 1000 && at < restoredAt).length;
  const during = (await botOrdersSince(startedAt + 500)).filter((o) => o.at < restoredAt).length;
  await sleep(5000);
  // The durable bus gets every recorded fill (give it up to 15 s to drain).
  const since = startedAt - 5_000;
  const dbFills = async () => query<{ trade_id: string; client_order_id: string | null }>("SELECT trade_id, client_order_id FROM cex_fills WHERE exchange = 'paper' AND timestamp >= $1", [since]);
  let fills = await dbFills();
  const deadline = Date.now() + 15_000;
  while (fills.some((f) => busSeen("paper", f.trade_id) === 0) && Date.now() < deadline) {
    await sleep(500);
    fills = await dbFills();
  }
  const lostDbToBus = fills.filter((f) => busSeen("paper", f.trade_id) === 0).length;
  const botFills = fills.filter((f) => f.client_order_id?.startsWith(TAG));
  const mmFills = new Set((await query<{ trade_id: string }>("SELECT trade_id FROM mm_fills WHERE exchange = 'paper'")).map((r) => r.trade_id));
  const lostBotBook = botFills.filter((f) => !mmFills.has(f.trade_id)).length;
  const duplicateBusDeliveries = fills.filter((f) => busSeen("paper", f.trade_id) > 1).length;

  // Venue view: its fills since the fault vs cex_fills; the same clientOrderId on two venue orders; open orders unknown to cex_orders.
  const venueTrades = (await broker.call("cex.myTrades", { exchange: "paper", symbol: SYMBOL, since, limit: 1000 })) as WireFill[];
  // The load goes on: a trade newer than the last table read gets up to 10 s to be recorded before it counts as lost.
  let dbTradeIds = new Set((await dbFills()).map((f) => f.trade_id));
  for (const until = Date.now() + 10_000; venueTrades.some((t) => !dbTradeIds.has(t.tradeId)) && Date.now() < until; ) {
    await sleep(500);
    dbTradeIds = new Set((await dbFills()).map((f) => f.trade_id));
  }
  const lostVenueToDb = venueTrades.filter((t) => !dbTradeIds.has(t.tradeId)).length;
  const open = await openOrders();
  const ordersByCid = new Map<string, Set<string>>();
  for (const x of [...open.map((o) => ({ cid: o.clientOrderId, id: o.id })), ...venueTrades.map((t) => ({ cid: t.clientOrderId, id: t.orderId }))]) {
    if (!x.cid || !x.id) continue;
    ordersByCid.set(x.cid, (ordersByCid.get(x.cid) ?? new Set()).add(x.id));
  }
  const duplicates = [...ordersByCid.values()].filter((ids) => ids.size > 1).length;
  const known = await query<{ client_order_id: string; exchange_order_id: string | null }>("SELECT client_order_id, exchange_order_id FROM cex_orders WHERE exchange = 'paper'");
  const knownCids = new Set(known.map((k) => k.client_order_id));
  const knownIds = new Set(known.map((k) => k.exchange_order_id).filter(Boolean));
  const orphans = open.filter((o) => !knownCids.has(o.clientOrderId) && !knownIds.has(o.id)).length;
  const rec = await api<{ checked: number; resolved: unknown[]; orphans: unknown[] }>("POST", "/api/v1/cex/paper/reconcile", {});
  const reconcile = rec.status === 200 ? `checked ${rec.body.checked}, resolved ${rec.body.resolved.length}, orphans ${rec.body.orphans.length}` : `HTTP ${rec.status}`;
  const alert = alertsSince(startedAt);
  const row: DrillRow = {
    fault, outage, fills: `${fills.length} (${botFills.length} bot)`, lostVenueToDb, lostDbToBus, lostBotBook, duplicateBusDeliveries, duplicates, orphans, reconcile, alert,
    quotingDuring: `${twoSidedDuring > 0 ? "two-sided" : "not seen two-sided"}; ${during} new quotes stored`, recoverMs, notes: notes.join("; "),
  };
  log(`${fault}: ${JSON.stringify(row)}`);
  return row;
}

// ------------------------------------------------------------------ the HTTP exchange (fake Binance in this process)
const fakeBinance = new FakeBinance();
const exLoad = { placed: 0, placeErrors: 0, canceled: 0, cancelErrors: 0, filled: 0, okAt: [] as number[] };

/** Resting bids on binance, each cancelled by the next; every 5th is filled by another trader first. */
async function exchangeLoop(): Promise<void> {
  let n = 0;
  let previous: string | null = null;
  while (!load.stop && n < MAX_LOAD_ORDERS) {
    n++;
    const clientOrderId = `bx${RUN}-${n}`;
    try {
      await broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001", price: "49000", clientOrderId }, { timeout: 10_000 });
      exLoad.placed++;
      exLoad.okAt.push(Date.now());
      if (n % 5 === 0) {
        fakeBinance.engine.fillOrder(clientOrderId);
        exLoad.filled++;
      }
      if (previous) {
        try {
          await broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId: previous }, { timeout: 10_000 });
          exLoad.canceled++;
        } catch { exLoad.cancelErrors++; }
      }
      previous = clientOrderId;
    } catch {
      exLoad.placeErrors++;
      await sleep(200);
    }
    await sleep(150);
  }
}

async function measureExchange(fault: string, startedAt: number, restoredAt: number, outage: string, notes: string[]): Promise<DrillRow> {
  let recoverMs: number | string;
  try {
    const first = await until("binance orders again", async () => exLoad.okAt.find((at) => at >= restoredAt) ?? null, 60_000, 100);
    recoverMs = Math.max(0, first - restoredAt);
  } catch {
    recoverMs = "not within 60 s";
  }
  const placedDuring = exLoad.okAt.filter((at) => at > startedAt + 1000 && at < restoredAt).length;
  await sleep(3000);
  const rec = await api<{ checked: number; resolved: unknown[]; orphans: unknown[]; fills: number }>("POST", "/api/v1/cex/binance/reconcile", {});
  const reconcile = rec.status === 200 ? `checked ${rec.body.checked}, resolved ${rec.body.resolved.length}, orphans ${rec.body.orphans.length}, fills pulled ${rec.body.fills}` : `HTTP ${rec.status}`;
  const since = startedAt - 5_000;
  const account = fakeBinance.engine.account(DEFAULT_ACCOUNT.apiKey)!;
  const ours = new Map(fakeBinance.engine.orders(DEFAULT_ACCOUNT.apiKey).filter((o) => o.clientOrderId.startsWith(`bx${RUN}-`)).map((o) => [o.orderId, o]));
  const venueTrades = fakeBinance.engine.accountTrades(account, "BTCUSDT").filter((t) => t.time >= since && ours.has(t.orderId));
  const dbFills = async () => query<{ trade_id: string }>("SELECT trade_id FROM cex_fills WHERE exchange = 'binance' AND timestamp >= $1", [since]);
  let fills = await dbFills();
  const deadline = Date.now() + 15_000;
  while ((venueTrades.some((t) => !fills.some((f) => f.trade_id === String(t.id))) || fills.some((f) => busSeen("binance", f.trade_id) === 0)) && Date.now() < deadline) {
    await sleep(500);
    fills = await dbFills();
  }
  const dbIds = new Set(fills.map((f) => f.trade_id));
  const lostVenueToDb = venueTrades.filter((t) => !dbIds.has(String(t.id))).length;
  const lostDbToBus = fills.filter((f) => busSeen("binance", f.trade_id) === 0).length;
  const duplicateBusDeliveries = fills.filter((f) => busSeen("binance", f.trade_id) > 1).length;
  const byCid = new Map<string, number>();
  for (const o of ours.values()) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
  const duplicates = [...byCid.values()].filter((n) => n > 1).length;
  const known = new Set((await query<{ client_order_id: string }>("SELECT client_order_id FROM cex_orders WHERE exchange = 'binance'")).map((r) => r.client_order_id));
  const open = [...ours.values()].filter((o) => o.status === "NEW" || o.status === "PARTIALLY_FILLED");
  const orphans = open.filter((o) => !known.has(o.clientOrderId)).length;
  // The alert resolves at the first good probe after the exchange's last cool-down: give it 15 s.
  if (alerts.some((a) => a.kind === "raised" && a.at >= startedAt)) {
    await until("alert resolved", async () => alerts.some((a) => a.kind === "resolved" && a.at >= startedAt), 15_000).catch(() => null);
  }
  const alert = alertsSince(startedAt);
  const row: DrillRow = {
    fault, outage, fills: `${fills.length} (binance)`, lostVenueToDb, lostDbToBus, lostBotBook: 0, duplicateBusDeliveries, duplicates, orphans, reconcile, alert,
    quotingDuring: `${placedDuring} binance orders placed during the fault`, recoverMs, notes: notes.join("; "),
  };
  log(`${fault}: ${JSON.stringify(row)}`);
  return row;
}

// ------------------------------------------------------------------ main
async function main(): Promise<void> {
  if (want("deadman")) return runDeadManDrill(); // `--only deadman`: touches no server (bench/faults/dead-man.ts)
  if (want("userstream")) return runUserStreamCutRow(log); // alone, in this process, touching no shared server
  const started = Date.now();
  const rows: DrillRow[] = [];
  let mesh: Mesh | null = null;
  const nodeLog: string[] = [];
  const before = await ensureServers();
  if (before.length) log(`servers fixed before the run: ${before.join(", ")}`);
  let failure: string | null = null;
  const watchdog = setTimeout(() => { log("run exceeded its time bound: stopping the load"); load.stop = true; }, MAX_RUN_MS);
  watchdog.unref();
  try {
    const binance = await fakeBinance.start();
    fakeBinance.setBook("BTCUSDT", { bids: [[50000, 1], [49999, 2]], asks: [[50001, 1], [50002, 3]] });
    mesh = await startMesh({
      transport: "nats",
      namespace: NAMESPACE,
      databaseUrl: DB_URL,
      amqpUrl: AMQP_URL,
      apiPort: 0,
      chainPort: 0,
      // Metrics on (metric alert rules need them) and servers probed every 2 s, so short outages raise server-down.
      metricsPortBase: 39_300,
      env: { PROBE_INTERVAL_MS: "2000", EXCHANGE_OVERRIDES: JSON.stringify({ binance: { ...fakeBinanceConfig(binance), rateLimit: 5 } }) },
      verbose: true,
      onLog: (id, level, line) => {
        nodeLog.push(`[${id}] ${line}`);
        if (level === "exit" || level === "error" || level === "fatal") log(`[${id}] ${line.slice(0, 300)}`);
      },
    });
    gateway = mesh.gatewayUrl;
    log(`mesh up at ${gateway}: ${mesh.nodes.map((n) => n.id).join(", ")}`);
    await login(mesh.adminPassword);

    const env = readEnv({ TRANSPORTER: mesh.transporter, NAMESPACE, AMQP_URL, NODE_ID: `faults-${RUN}`, METRICS_PORT: "off", LOG_LEVEL: "error", DATA_DIR: mesh.dataDir });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService({
      name: "fault-observer",
      channels: {
        "order.filled": { group: "faults", async handler(f: WireFill) { busFills.set(`${f.exchange}:${f.tradeId}`, busSeen(f.exchange, f.tradeId) + 1); } },
        "alert.raised": { group: "faults", async handler(a: { rule: string; alertId?: string; message?: string }) { alerts.push({ kind: "raised", rule: a.rule, id: a.alertId, message: a.message, at: Date.now() }); } },
        "alert.resolved": { group: "faults", async handler(a: { rule: string; alertId?: string }) { alerts.push({ kind: "resolved", rule: a.rule, id: a.alertId, at: Date.now() }); } },
      },
    } as never);
    await broker.start();
    await broker.waitForServices(["cex", "config", "mm"], 30_000);

    const put = async (p: string, body: unknown) => {
      const r = await api("PUT", p, { body });
      if (r.status !== 200) throw new Error(`PUT ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    await put("/api/v1/config/alerts/node-down", { source: "event", subject: "$node.disconnected", severity: "warning", cooldownMs: 0, message: "Node {nodeID} is down" });
    await put("/api/v1/config/alerts/server-down", { source: "metric", subject: "mmesh_server_up", condition: { op: "<", threshold: 1 }, forMs: 0, cooldownMs: 0, severity: "critical", message: "{server} is down" });
    await put("/api/v1/config/markets/paper-btc", { venue: "paper", kind: "cex", symbol: SYMBOL });
    if (want("exchange")) {
      const key = await api("POST", "/api/v1/keys", { id: "binance-faults", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret }, overwrite: true });
      if (key.status !== 200) throw new Error(`POST /api/v1/keys: ${key.status} ${JSON.stringify(key.body)}`);
      await put("/api/v1/config/markets/binance-btc", { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-faults" });
    }
    await put(`/api/v1/config/strategies/${BOT}`, {
      market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 200,
      // A drill wants fills: 1 bp from the mid, the paper market's maker fee (the fee floor allows it)
      params: { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.001", orderRefreshTimeMs: 1000, filledOrderDelayMs: 1000 },
    });
    // Every node must have heard config.changed: the rule loaded on ops, the bot known to the market-maker.
    const configured = async () => {
      const rules = await api<Array<{ name: string }> | { rules?: Array<{ name: string }> }>("GET", "/api/v1/alerting/rules");
      const list = Array.isArray(rules.body) ? rules.body : rules.body.rules ?? [];
      const mm = await api<{ bots: Array<{ name: string }> }>("GET", "/api/v1/mm/status");
      return list.some((r) => r.name === "node-down") && list.some((r) => r.name === "server-down") && mm.body.bots?.some((b) => b.name === BOT);
    };
    if (!(await until("config applied", configured, 5000).catch(() => false))) {
      log(`config.changed not applied everywhere within 5 s: rules ${JSON.stringify((await api("GET", "/api/v1/alerting/rules")).body).slice(0, 300)}; mm ${JSON.stringify((await api("GET", "/api/v1/mm/status")).body).slice(0, 300)}`);
      throw new Error("config.changed was not applied by every node");
    }
    void quotePoller();
    const quotingAt = await until("the bot quoting", async () => ([...quoteSeen.keys()].length > 0 ? Date.now() : null), 60_000).catch(async (err: Error) => {
      log(`mm status: ${JSON.stringify((await api("GET", "/api/v1/mm/status")).body).slice(0, 2000)}`);
      throw err;
    });
    log(`bot quoting ${((quotingAt - started) / 1000).toFixed(1)} s after start; load on`);
    void loadLoop();
    if (want("exchange")) void exchangeLoop();
    await sleep(8000);

    {
      const t = Date.now();
      rows.push(await measure("baseline (no fault)", t - 8000, t, "-", []));
    }
    if (want("burstkill")) rows.push((await orderBurstKill({ mesh, broker, query: (sql, params) => query(sql, params), log, run: RUN, symbol: SYMBOL })) as unknown as DrillRow);
    // 1. kill -9 the trading node; start it again once the mesh noticed (alert), or after 25 s.
    if (want("kill")) {
      const t = Date.now();
      await mesh.kill("trading-1", "SIGKILL");
      log("trading-1 killed (SIGKILL)");
      await until("node-down alert", async () => alerts.some((a) => a.kind === "raised" && a.at >= t), 25_000).catch(() => log("no alert within 25 s"));
      const r = Date.now();
      await mesh.start("trading");
      log(`trading-1 started again after ${((r - t) / 1000).toFixed(1)} s down`);
      rows.push(await measure("trading node kill -9, restarted", t, r, `${((r - t) / 1000).toFixed(1)} s`, [
        "the paper venue lives in the trading process: its book, open orders and unrecorded fills die with it",
      ]));
    }
    await sleep(5000);

    // 2. NATS stopped for 5 s.
    if (want("nats")) {
      const t = Date.now();
      for (const pid of natsPids()) process.kill(pid, "SIGTERM");
      await waitPort(4222, false, 10_000);
      log("nats-server stopped");
      await sleep(5000);
      sh(NATS_START);
      await waitPort(4222, true);
      const r = Date.now();
      log("nats-server started");
      rows.push(await measure("NATS down 5 s", t, r, `${((r - t) / 1000).toFixed(1)} s`, []));
    }
    await sleep(5000);

    // 3. PostgreSQL restarted.
    if (want("pg")) {
      const t = Date.now();
      execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", pgCluster(), "main", "restart"], { stdio: "ignore", timeout: 60_000 });
      await waitPort(5432, true);
      const r = Date.now();
      log(`postgresql restarted in ${r - t} ms`);
      rows.push(await measure("PostgreSQL restart", t, r, `${((r - t) / 1000).toFixed(1)} s`, []));
    }
    await sleep(5000);

    // 4. Redis stopped for 10 s.
    if (want("redis")) {
      const t = Date.now();
      try { sh("redis-cli shutdown nosave"); } catch { /* the connection drops as it shuts down */ }
      await waitPort(6379, false, 10_000);
      log("redis stopped");
      await sleep(10_000);
      sh(REDIS_START);
      await waitPort(6379, true);
      const r = Date.now();
      log("redis started");
      rows.push(await measure("Redis down 10 s", t, r, `${((r - t) / 1000).toFixed(1)} s`, ["cacher and rate-limit budget are in Redis; bot leases are in PostgreSQL"]));
    }

    // 5. The exchange answers 503 for 10 s, then 429 (Retry-After 1 s) for 10 s.
    if (want("exchange")) {
      await sleep(5000);
      let t = Date.now();
      await fakeBinance.setDown(true, "503");
      log("binance answering 503");
      await sleep(10_000);
      await fakeBinance.setDown(false);
      let r = Date.now();
      log("binance back");
      rows.push(await measureExchange("exchange 503 for 10 s", t, r, `${((r - t) / 1000).toFixed(1)} s`, ["fake Binance over HTTP; the bot quotes on paper, a load loop trades binance"]));
      await sleep(5000);
      t = Date.now();
      fakeBinance.failNext(1_000_000, 429, undefined, { retryAfter: 1 });
      log("binance answering 429");
      await sleep(10_000);
      fakeBinance.clearFailures();
      r = Date.now();
      log("binance back");
      rows.push(await measureExchange("exchange 429 for 10 s", t, r, `${((r - t) / 1000).toFixed(1)} s`, ["Retry-After 1 s: cex refuses locally during each cool-down"]));
    }
    if (want("clock")) rows.push(await clockSkewRow(log));
    if (want("storm")) rows.push(await rateLimitStormRow(log));
  } catch (err) {
    failure = err instanceof Error ? err.stack ?? err.message : String(err);
    log(`drill aborted: ${failure}`);
  } finally {
    load.stop = true;
    const fixed = await ensureServers().catch((err: Error) => [`ensureServers failed: ${err.message}`]);
    if (fixed.length) log(`servers restarted at the end: ${fixed.join(", ")}`);
    await broker?.stop().catch(() => undefined);
    await mesh?.stop().catch(() => undefined);
    await fakeBinance.stop().catch(() => undefined);
    await query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`, [], ADMIN_DB).catch(() => undefined);
    await deleteMeshQueues(AMQP_URL, NAMESPACE, [["order.filled", "faults"], ["alert.raised", "faults"], ["alert.resolved", "faults"]]).catch(() => undefined);
    const nodeLogFile = path.join(os.tmpdir(), `mmesh-faults-${RUN}-nodes.log`);
    fs.writeFileSync(nodeLogFile, nodeLog.join("\n"));
    log(`every node log line: ${nodeLogFile}`);
  }

  const header = "| fault | outage | fills recorded (window) | fills lost venue→cex_fills | fills lost cex_fills→bus | bot fills not booked (mm_fills) | duplicate bus deliveries | duplicate orders at venue | orphan orders | cex.reconcile after | alert raised / resolved | quoting during fault | time to quote again | notes |";
  const table = [header, `|${"---|".repeat(14)}`,
    ...rows.map((r) => `| ${r.fault} | ${r.outage} | ${r.fills} | ${r.lostVenueToDb} | ${r.lostDbToBus} | ${r.lostBotBook} | ${r.duplicateBusDeliveries} | ${r.duplicates} | ${r.orphans} | ${r.reconcile} | ${r.alert} | ${r.quotingDuring} | ${typeof r.recoverMs === "number" ? `${(r.recoverMs / 1000).toFixed(1)} s` : r.recoverMs} | ${r.notes} |`)].join("\n");
  const summary = `load: ${load.placed} orders placed (${load.crossing} crossing), ${load.canceled} canceled, ${load.placeErrors} placement errors, ${load.cancelErrors} cancel errors; binance load: ${exLoad.placed} placed, ${exLoad.filled} filled by another trader, ${exLoad.canceled} canceled, ${exLoad.placeErrors} placement errors, ${exLoad.cancelErrors} cancel errors; ${busFills.size} fills seen on the durable bus; ${quoteSeen.size} bot quotes seen; run ${((Date.now() - started) / 1000).toFixed(0)} s`;
  const md = `# Fault drill results\n\n${new Date().toISOString()} — \`node dist/bench/faults/faults.js\` (bench/faults/faults.ts): mesh of chain + gateway, trading, feeds, ops over NATS, Redis cacher, PostgreSQL, RabbitMQ durable bus; one pure_market_making bot on paper BTC/USDT; a place/cancel load loop on paper and one on a Binance venue served over HTTP by the fake Binance.\n\n${table}\n\n${summary}${failure ? `\n\n**The drill stopped early:** ${failure.split("\n")[0]}` : ""}\n\nColumns: *venue→cex_fills* = venue trades since the fault missing from cex_fills; *cex_fills→bus* = recorded fills never delivered to a durable-bus consumer group; *not booked* = the bot's fills in cex_fills missing from mm_fills; *duplicate orders* = a clientOrderId on two venue orders; *orphans* = orders open at the venue unknown to cex_orders; *quoting during fault* = whether a poll of the venue (every 200 ms, through the mesh) saw the bot two-sided while the fault lasted, and how many bot orders cex stored meanwhile; *time to quote again* = from the server/node being back until a poll sees the bot with a bid and an ask open.\n`;
  fs.writeFileSync(path.resolve("bench", "faults-results.md"), md);
  process.stdout.write(`\n${md}\n`);
  if (failure) process.exitCode = 1;
}

main().then(() => process.exit(process.exitCode ?? 0), async (err: unknown) => {
  process.stderr.write(`faults: ${err instanceof Error ? err.stack : String(err)}\n`);
  await ensureServers().catch(() => undefined);
  process.exit(1);
});
