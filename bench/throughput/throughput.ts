/**
 * Throughput: price ticks/s that market-maker nodes absorb while quoting 100 markets.
 * Processes on 127.0.0.1 over NATS: a cex node (dist/bin/mmesh.js SERVICES=config,cex with
 * PAPER_EXTRA_MARKETS=100: quiet synthetic paper markets M001/USDT…M100/USDT), 1, 2 then 3
 * market-maker nodes (bench/throughput/mm-node: the mmesh market-maker node plus a tick
 * counter), PostgreSQL temp db, leases in Redis. 100 pure-market-making bots, one per market,
 * configured so ticks rarely produce orders (orderRefreshTolerance 1, refresh/max age 1 h,
 * minRequoteIntervalMs 0: every tick reaches the bot and runs strategy + plan + risk).
 *
 * The feed (this process) publishes the exact packets a Moleculer broadcast of
 * `price.cex.updated` sends (one EVENT packet per mm node, captured from a real broadcast of
 * this process's broker, data and `receivedAt` refreshed every 100 ms) straight on a `nats`
 * connection, so the feed is cheap and the mm nodes are the bottleneck. Closed loop: bursts of
 * 1000 ticks, at most 2 bursts unacknowledged (a `benchprobe.stats` call queued behind each
 * burst), so backlog stays bounded. Ticks cycle over the 100 markets, ±2 bps around 100.
 * With N nodes each bot runs on one node (leases), but every tick is delivered to every node.
 * Per node it also prints the event-loop delay over the measured window: how long timers and other
 * sockets (lease renewals, DB) wait behind the ticks; lost leases show as fewer bots in the split.
 * Bounded: 3 s warm-up + S seconds (default 10) per node count. Run after `npm run build`:
 *   node dist/bench/throughput/throughput.js [--nodes=1,2,3] [--seconds=10] [--markets=100]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { connect, type NatsConnection } from "nats";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { Children, MMESH_BIN, NATS_URL, REDIS_URL, createTempDatabase, emitJson, meshEnv, sleep, uniqueName, until } from "../floor/support";

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const symbolOf = (i: number) => `M${String(i + 1).padStart(3, "0")}/USDT`;

interface Stats { node: string; handled: number; matched: number; bots: number; requotes: number; cpuMs: number; at: number; rssBytes: number; loopDelayMs: { p50: number; p99: number; max: number } }

async function main(): Promise<void> {
  const nodeCounts = arg("nodes", "1,2,3").split(",").map(Number);
  const seconds = Number(arg("seconds", "10"));
  const markets = Number(arg("markets", "100"));
  const db = await createTempDatabase();
  const ns = uniqueName("tput");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-tput-"));
  const children = new Children();
  let broker: ServiceBroker | null = null;
  let nc: NatsConnection | null = null;
  const results: Array<Record<string, unknown>> = [];
  try {
    await children.start("cex", MMESH_BIN, meshEnv(ns, `${ns}-cex`, "config,cex", { DATABASE_URL: db.url, DATA_DIR: path.join(dataDir, "cex"), PAPER_EXTRA_MARKETS: String(markets) }));
    const env = readEnv({ TRANSPORTER: NATS_URL, CACHER: REDIS_URL, NAMESPACE: ns, NODE_ID: `${ns}-feed`, SERVICES: "config", METRICS_PORT: "off", LOG_LEVEL: "warn", DATA_DIR: dataDir, DEMO_BOT: "off" });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    await broker.start();
    const b = broker;
    await b.waitForServices(["config", "cex"], 60_000);
    nc = await connect({ servers: NATS_URL });
    const n = nc;
    await b.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 60_000 } });
    for (let i = 0; i < markets; i++) await b.call("config.set", { kind: "markets", name: `m${i + 1}`, body: { venue: "paper", kind: "cex", symbol: symbolOf(i) } });
    const setBots = async (enabled: boolean) => {
      for (let i = 0; i < markets; i++) {
        await b.call("config.set", {
          kind: "strategies",
          name: `tput-${i + 1}`,
          body: {
            market: `m${i + 1}`,
            strategy: "pure_market_making",
            enabled,
            minRequoteIntervalMs: 0,
            params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.1", orderRefreshTimeMs: 3_600_000, orderRefreshTolerance: 1, maxOrderAgeMs: 3_600_000 },
          },
        });
      }
    };

    for (const count of nodeCounts) {
      const ids = Array.from({ length: count }, (_, k) => `${ns}-mm${count}-${k + 1}`);
      const procs = await Promise.all(
        ids.map((id) => children.start(id, path.join(__dirname, "mm-node.js"), meshEnv(ns, id, "market-maker", { DATABASE_URL: db.url, DATA_DIR: path.join(dataDir, id), ...(process.env.BENCH_MM_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_MM_NODE_OPTIONS } : {}) }), { readyLine: /ready/ })),
      );
      const probe = (resetLoop = false) => Promise.all(ids.map((nodeID) => b.call("benchprobe.stats", { resetLoop }, { nodeID, timeout: 30_000 }) as Promise<Stats>));
      await until("mm nodes visible", async () => {
        try {
          await probe();
          return true;
        } catch {
          return false;
        }
      }, 60_000, 200);
      await setBots(true);
      await until(`${markets} bots running on ${count} node(s)`, async () => (await probe()).reduce((s, x) => s + x.bots, 0) === markets, 120_000, 500);
      await sleep(1000);

      // The packet a real broadcast sends, captured once per node count (same sender, this broker).
      const captured = await new Promise<{ subject: string; packet: Record<string, unknown> }>((resolve) => {
        const sub = n.subscribe(`MOL-${ns}.EVENT.>`, {
          callback: (_e, m) => {
            const packet = JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
            if (packet.event === "price.cex.updated") {
              sub.unsubscribe();
              resolve({ subject: m.subject, packet });
            }
          },
        });
        const now = Date.now();
        void n.flush().then(() => b.broadcast("price.cex.updated", { exchange: "paper", symbol: symbolOf(0), bid: "99.99", ask: "100.01", mid: "100", bidSize: "1", askSize: "1", ts: now, receivedAt: now }));
      });
      const subjects = ids.map((id) => `MOL-${ns}.EVENT.${id}`);
      const enc = new TextEncoder();
      let table: Uint8Array[][] = [];
      let seq = 0;
      const refresh = () => {
        const now = Date.now();
        table = [0, 1].map((parity) =>
          Array.from({ length: markets }, (_, i) => {
            const mid = parity ? 100.02 : 99.98;
            const data = { exchange: "paper", symbol: symbolOf(i), bid: (mid * 0.9999).toFixed(2), ask: (mid * 1.0001).toFixed(2), mid: String(mid), bidSize: "1", askSize: "1", ts: now, receivedAt: now };
            return enc.encode(JSON.stringify({ ...captured.packet, id: `${captured.packet.id as string}-${parity}-${i}-${now}`, data }));
          }),
        );
      };
      refresh();
      const refresher = setInterval(refresh, 100);
      const BURST = 1000;
      let published = 0;
      const burst = () => {
        for (let j = 0; j < BURST; j++) {
          const k = seq++;
          const buf = table[Math.floor(k / markets) % 2][k % markets];
          for (const s of subjects) n.publish(s, buf);
        }
        published += BURST;
      };
      const drive = async (ms: number) => {
        const end = Date.now() + ms;
        let pending: Promise<Stats[]> | null = null;
        while (Date.now() < end) {
          burst();
          const p = probe();
          if (pending) await pending;
          pending = p;
        }
        if (pending) await pending;
        return probe();
      };
      await drive(3000); // warm-up
      const feedCpu0 = process.cpuUsage();
      const before = await probe(true);
      const pub0 = published;
      const t0 = Date.now();
      const after = await drive(seconds * 1000);
      const elapsed = (Date.now() - t0) / 1000;
      const feedCpu = process.cpuUsage(feedCpu0);
      clearInterval(refresher);
      const perNode = after.map((a, k) => {
        const s = before[k];
        const dt = (a.at - s.at) / 1000;
        return { node: a.node, bots: a.bots, handledPerSec: Math.round((a.handled - s.handled) / dt), matchedPerSec: Math.round((a.matched - s.matched) / dt), strategyEvalsPerSec: Math.round((a.requotes - s.requotes) / dt), cpuPct: Math.round((100 * (a.cpuMs - s.cpuMs)) / (dt * 1000)), rssMB: Math.round(a.rssBytes / 2 ** 20), loopDelayMs: { p50: Math.round(a.loopDelayMs.p50), p99: Math.round(a.loopDelayMs.p99), max: Math.round(a.loopDelayMs.max) } };
      });
      const row = {
        nodes: count,
        seconds: Number(elapsed.toFixed(1)),
        ticksPublishedPerSec: Math.round((published - pub0) / elapsed),
        deliveredAbsorbedPerSec: perNode.reduce((s, x) => s + x.handledPerSec, 0),
        botTicksPerSec: perNode.reduce((s, x) => s + x.matchedPerSec, 0),
        strategyEvalsPerSec: perNode.reduce((s, x) => s + x.strategyEvalsPerSec, 0),
        feedCpuPct: Math.round((100 * (feedCpu.user + feedCpu.system)) / 1000 / (elapsed * 1000)),
        perNode,
      };
      results.push(row);
      console.log(`${count} market-maker node(s), ${markets} bots (split ${perNode.map((p) => p.bots).join("/")}), ${row.seconds} s:`);
      console.log(`  ticks published ${row.ticksPublishedPerSec}/s (each to every mm node); absorbed: delivered+handled ${row.deliveredAbsorbedPerSec}/s across nodes, reaching a running bot ${row.botTicksPerSec}/s, strategy evaluations ${row.strategyEvalsPerSec}/s`);
      for (const p of perNode) console.log(`    ${p.node}: ${p.bots} bots, handled ${p.handledPerSec}/s, bot ticks ${p.matchedPerSec}/s, evals ${p.strategyEvalsPerSec}/s, CPU ${p.cpuPct}%, RSS ${p.rssMB} MB, event-loop delay p50/p99/max ${p.loopDelayMs.p50}/${p.loopDelayMs.p99}/${p.loopDelayMs.max} ms`);
      console.log(`    feed process CPU ${row.feedCpuPct}%`);

      await setBots(false);
      await until("bots stopped", async () => (await probe()).reduce((s, x) => s + x.bots, 0) === 0, 60_000, 500);
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once("exit", () => resolve());
        p.kill("SIGTERM");
      })));
    }
    const one = results.find((r) => r.nodes === 1);
    const goal = 50_000;
    if (one) console.log(`one node: ${one.deliveredAbsorbedPerSec} ticks/s absorbed while quoting ${markets} markets (goal ≥ ${goal}/s: ${(one.deliveredAbsorbedPerSec as number) >= goal ? "met" : "missed"}, ${Math.round((100 * (one.deliveredAbsorbedPerSec as number)) / goal)}%)`);
    emitJson("throughput", { markets, cpus: os.cpus().length, goalTicksPerSec: goal, results });
  } finally {
    await nc?.drain().catch(() => undefined);
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
