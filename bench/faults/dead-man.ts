/**
 * Fault drill row "dead man's switch": kill -9 every node that quotes, and the venue cancels the
 * resting quotes by itself within the switch's timeout.
 *
 * A mesh over NATS (lib/runtime/mesh-launcher.ts) laid out so the market-maker runs apart from
 * the venue: gateway; trading with SERVICES=cex,cex-price-feed (the paper venue lives here and
 * must survive); two market-maker nodes (the feeds group's slots, SERVICES=market-maker); no ops
 * node. A pure_market_making bot quotes paper BTC/USDT with deadManTimeoutMs (default 10 s);
 * both market-maker nodes are killed with SIGKILL, then cex.openOrders is polled until the bot's
 * quotes are gone. Touches no server: only processes this drill started are killed.
 *   npm run build && node dist/bench/faults/faults.js --only deadman
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { Client } from "pg";
import { botTag } from "../../lib/market-maker/client-order-id";
import { readEnv } from "../../lib/runtime/env";
import { deleteMeshQueues, startMesh, type Mesh } from "../../lib/runtime/mesh-launcher";
import { createBrokerOptions } from "../../moleculer.config";
import { ADMIN_DB, AMQP_URL, SYMBOL, sleep, until } from "./drill-support";

const BOT = "deadman-bot";
const TIMEOUT_MS = Number(process.env.DEAD_MAN_TIMEOUT_MS ?? 10_000);

const log = (m: string) => process.stdout.write(`[deadman ${new Date().toISOString().slice(11, 23)}] ${m}\n`);

interface WireOrder { clientOrderId: string; status: string; side: string; price: string | null }

export interface DeadManRow {
  fault: string;
  timeoutMs: number;
  quotesResting: number;
  /** from the SIGKILL of the last quoting node until a poll (every 100 ms) finds the quotes gone */
  cancelledAfterMs: number | null;
  /** statuses cex_orders holds for the quotes afterwards */
  stored: string;
  venueNodeAlive: boolean;
  notes: string;
}

export async function runDeadManDrill(): Promise<void> {
  const run = randomBytes(3).toString("hex");
  const namespace = `deadman_${run}`;
  const dbName = `mmesh_deadman_${run}`;
  const tag = `${botTag(BOT)}-`;
  let mesh: Mesh | null = null;
  let broker: ServiceBroker | null = null;
  let row: DeadManRow | null = null;
  let failure: string | null = null;
  try {
    mesh = await startMesh({
      transport: "nats",
      namespace,
      databaseUrl: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      amqpUrl: AMQP_URL,
      apiPort: 0,
      chainPort: 0,
      replicas: { gateway: 1, trading: 1, feeds: 2, ops: 0 },
      groupEnv: { trading: { SERVICES: "cex,cex-price-feed" }, feeds: { SERVICES: "market-maker" } },
      onLog: (id, level, line) => {
        if (level === "exit" || level === "error" || level === "fatal") log(`[${id}] ${line.slice(0, 300)}`);
      },
    });
    const quoters = mesh.nodes.filter((n) => n.group === "feeds").map((n) => n.id);
    const venueNode = mesh.nodes.find((n) => n.group === "trading")!.id;
    log(`mesh up: ${mesh.nodes.map((n) => n.id).join(", ")} (market-maker on ${quoters.join(", ")}, venue on ${venueNode})`);

    const env = readEnv({ TRANSPORTER: mesh.transporter, NAMESPACE: namespace, NODE_ID: `deadman-${run}`, METRICS_PORT: "off", LOG_LEVEL: "error", DATA_DIR: mesh.dataDir });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    await broker.start();
    await broker.waitForServices(["cex", "config", "mm"], 30_000);
    const b = broker;
    await b.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
    await b.call("config.set", {
      kind: "strategies",
      name: BOT,
      body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 200, deadManTimeoutMs: TIMEOUT_MS, params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001", orderRefreshTimeMs: 600_000 } },
    });
    const botOrders = async () => ((await b.call("cex.openOrders", { exchange: "paper", symbol: SYMBOL })) as WireOrder[]).filter((o) => o.clientOrderId?.startsWith(tag));
    const resting = await until("the bot quoting", async () => {
      const o = await botOrders();
      return o.length === 2 && o;
    }, 60_000, 100);
    log(`bot quoting: ${resting.map((o) => `${o.side} ${o.price}`).join(", ")}`);
    // a few refreshes of the switch
    await sleep(Math.min(TIMEOUT_MS, 5_000));

    for (const id of quoters) await mesh.kill(id, "SIGKILL");
    const killedAt = Date.now();
    log(`${quoters.join(", ")} killed (SIGKILL)`);
    let cancelledAfterMs: number | null = null;
    try {
      await until("the venue cancelling the quotes", async () => (await botOrders()).length === 0, TIMEOUT_MS * 3, 100);
      cancelledAfterMs = Date.now() - killedAt;
      log(`quotes gone ${cancelledAfterMs} ms after the kill`);
    } catch (err) {
      log((err as Error).message);
    }
    const stored = await Promise.all(resting.map(async (o) => ((await b.call("cex.order", { exchange: "paper", clientOrderId: o.clientOrderId })) as WireOrder).status));
    const venueNodeAlive = mesh.nodes.find((n) => n.id === venueNode)?.running ?? false;
    row = {
      fault: "every market-maker node kill -9 (venue node up)",
      timeoutMs: TIMEOUT_MS,
      quotesResting: resting.length,
      cancelledAfterMs,
      stored: stored.join(", "),
      venueNodeAlive,
      notes: `switch refreshed every ${TIMEOUT_MS / 4} ms: the venue cancels between ${(TIMEOUT_MS * 3) / 4} and ${TIMEOUT_MS} ms after the last refresh (+ the paper venue's 100 ms clock step and the 100 ms poll)`,
    };
    if (cancelledAfterMs === null || cancelledAfterMs > TIMEOUT_MS + 300) failure = `quotes not cancelled within the timeout (${cancelledAfterMs ?? "never"} ms)`;
    if (!venueNodeAlive) failure = "the venue node died";
  } catch (err) {
    failure = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`drill aborted: ${failure}`);
  } finally {
    await broker?.stop().catch(() => undefined);
    await mesh?.stop().catch(() => undefined);
    const c = new Client({ connectionString: ADMIN_DB });
    await c.connect().then(() => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => undefined);
    await c.end().catch(() => undefined);
    await deleteMeshQueues(AMQP_URL, namespace).catch(() => undefined);
  }
  const header = "| fault | switch timeout | quotes resting | quotes gone after the kill | cex_orders status | venue node | notes |";
  const line = row
    ? `| ${row.fault} | ${row.timeoutMs / 1000} s | ${row.quotesResting} | ${row.cancelledAfterMs === null ? "never" : `${(row.cancelledAfterMs / 1000).toFixed(2)} s`} | ${row.stored} | ${row.venueNodeAlive ? "up" : "DOWN"} | ${row.notes} |`
    : "| every market-maker node kill -9 | - | - | - | - | - | drill did not complete |";
  const md = `# Fault drill: dead man's switch\n\n${new Date().toISOString()} — \`node dist/bench/faults/faults.js --only deadman\` (bench/faults/dead-man.ts): mesh of chain + gateway, trading (cex, cex-price-feed: the paper venue), two market-maker nodes over NATS; one pure_market_making bot on paper BTC/USDT with deadManTimeoutMs ${TIMEOUT_MS}.\n\n${header}\n|${"---|".repeat(7)}\n${line}\n${failure ? `\n**Failed:** ${failure.split("\n")[0]}\n` : ""}`;
  fs.writeFileSync(path.resolve("bench", "faults-deadman-results.md"), md);
  process.stdout.write(`\n${md}\n`);
  if (failure) process.exitCode = 1;
}
