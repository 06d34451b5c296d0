/**
 * Memory: RSS of each node group of docker-compose.yml, as separate processes
 * (dist/bin/mmesh.js) over NATS on 127.0.0.1, with Redis (cacher, leases), a temp
 * PostgreSQL database, RabbitMQ (durable bus) and a local chain process (dist/bin/chain.js,
 * RPC_URL for trading and feeds, as compose expects):
 *   gateway  api,auth,config,keys
 *   trading  cex,fee,wallet,liquidity,dex,arbitrage,market-maker
 *   feeds    cex-price-feed,subgraph,dex-price-feed
 *   ops      notification,alerting,monitoring,db-maintenance
 * Two pure-market-making bots quote the paper BTC/USDT and ETH/USDT markets on prices from
 * cex-price-feed for N minutes; VmRSS of every process is read from /proc/<pid>/status every
 * 10 s from the moment the first quote is acknowledged. Prints start/peak/end per group.
 * Bounded: --minutes=N (default 10), --quick = 1 minute. Run after `npm run build`:
 *   node dist/bench/memory/memory.js [--minutes=10] [--quick]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ServiceBroker } from "moleculer";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { AMQP_URL, Children, MMESH_BIN, NATS_URL, REDIS_URL, createTempDatabase, emitJson, freePort, meshEnv, sleep, uniqueName, until } from "../floor/support";

const GROUPS: Record<string, string> = {
  gateway: "api,auth,config,keys",
  trading: "cex,fee,wallet,liquidity,dex,arbitrage,market-maker",
  feeds: "cex-price-feed,subgraph,dex-price-feed",
  ops: "notification,alerting,monitoring,db-maintenance",
};

function rssMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const minutes = quick ? 1 : Number(process.argv.find((a) => a.startsWith("--minutes="))?.slice(10) ?? 10);
  const db = await createTempDatabase();
  const ns = uniqueName("mem");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-mem-"));
  const children = new Children();
  let broker: ServiceBroker | null = null;
  try {
    const chainPort = await freePort();
    const chain = await children.start("chain", path.resolve(__dirname, "../../bin/chain.js"), { DATA_DIR: dataDir, CHAIN_PORT: String(chainPort), LOG_LEVEL: "warn" }, { readyLine: /JSON-RPC on/, timeoutMs: 120_000 });
    const rpc = { RPC_URL: `http://127.0.0.1:${chainPort}` };
    const common = { DATABASE_URL: db.url, AMQP_URL, DATA_DIR: dataDir, LOG_LEVEL: "warn" };
    const extra: Record<string, Record<string, string>> = {
      gateway: { API_PORT: String(await freePort()), JWT_SECRET: randomBytes(32).toString("hex"), ADMIN_PASSWORD: "bench-admin-password", MASTER_KEY: randomBytes(16).toString("hex") },
      trading: rpc,
      feeds: rpc,
      ops: {},
    };
    const pids: Record<string, number> = { chain: chain.pid as number };
    for (const [group, services] of Object.entries(GROUPS)) {
      const child = await children.start(group, MMESH_BIN, { ...meshEnv(ns, `${ns}-${group}`, services, { ...common, ...extra[group] }), METRICS_PORT: String(await freePort()) });
      pids[group] = child.pid as number;
    }
    const env = readEnv({ TRANSPORTER: NATS_URL, CACHER: REDIS_URL, NAMESPACE: ns, NODE_ID: `${ns}-bench`, SERVICES: "config", METRICS_PORT: "off", LOG_LEVEL: "warn", DATA_DIR: dataDir, DEMO_BOT: "off" });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    let quotes = 0;
    broker.createService({ name: "bench-quotes", events: { "mm.quote.placed"() { quotes++; } } });
    await broker.start();
    const b = broker;
    await b.waitForServices(["config", "cex", "mm", "cex-price-feed", "monitoring", "api"], 180_000);
    await b.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 10_000 } });
    for (const [name, symbol] of [["paper-btc", "BTC/USDT"], ["paper-eth", "ETH/USDT"]]) {
      await b.call("config.set", { kind: "markets", name, body: { venue: "paper", kind: "cex", symbol } });
      await b.call("config.set", {
        kind: "strategies",
        name: `mem-${name}`,
        body: { market: name, strategy: "pure_market_making", enabled: true, params: { bidSpread: 0.002, askSpread: 0.002, orderAmount: symbol.startsWith("BTC") ? "0.001" : "0.01", orderRefreshTimeMs: 1_000 } },
      });
    }
    await until("first quote", () => quotes > 0, 120_000, 200);
    const groups = ["gateway", "trading", "feeds", "ops", "chain"];
    const samples: Record<string, number[]> = Object.fromEntries(groups.map((g) => [g, []]));
    const sample = () => {
      for (const g of groups) {
        const r = rssMB(pids[g]);
        if (r !== null) samples[g].push(r);
      }
    };
    const started = Date.now();
    const end = started + minutes * 60_000;
    sample();
    console.log(`memory: 4 node groups + chain, quoting 2 paper markets for ${minutes} min (RSS every 10 s)`);
    while (Date.now() < end) {
      await sleep(Math.min(10_000, Math.max(0, end - Date.now())));
      sample();
      const last = groups.map((g) => `${g} ${samples[g][samples[g].length - 1]} MB`).join(", ");
      console.log(`  +${Math.round((Date.now() - started) / 1000)} s: ${last}, quotes ${quotes}`);
    }
    const fig = Object.fromEntries(groups.map((g) => [g, { startMB: samples[g][0], peakMB: Math.max(...samples[g]), endMB: samples[g][samples[g].length - 1], samples: samples[g].length }]));
    console.log(`RSS per node group after ${minutes} min of quoting (${quotes} requotes acknowledged):`);
    for (const g of groups) console.log(`  ${g.padEnd(8)} (${GROUPS[g] ?? "local EVM, dev only"}): start ${fig[g].startMB} MB  peak ${fig[g].peakMB} MB  end ${fig[g].endMB} MB`);
    emitJson("memory", { minutes, quick, quotes, groups: GROUPS, rss: fig });
  } finally {
    await broker?.stop();
    await children.stopAll();
    await db.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
