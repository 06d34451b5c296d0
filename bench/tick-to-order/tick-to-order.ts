/**
 * Tick → order latency in one process: a `price.cex.updated` tick enters the broker (as the
 * price feed broadcasts it, `receivedAt` stamped at that moment), the market-maker bot
 * plans, checks risk, cancels its two resting quotes and places two new ones through the
 * cex service, and the paper venue acknowledges them. The bot reports each requote as
 * `mm.quote.placed {tickReceivedAt, orderAckAt}`; this prints p50/p99 of the difference.
 * Every tick moves the price by 2 bps so every tick forces a cancel + replace.
 * Bounded: N ticks (default 500) or 60 s. Run after `npm run build`:
 *   node dist/bench/tick-to-order/tick-to-order.js [ticks]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Decimal from "decimal.js";
import { currentPaperVenue } from "../../lib/cex";
import { readEnv } from "../../lib/runtime/env";
import { createNode } from "../../services";

const SYMBOL = "BTC/USDT";
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const ticks = Number(process.argv[2] ?? 500);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-"));
  const env = readEnv({ DATA_DIR: dataDir, SERVICES: "config,cex,market-maker", METRICS_PORT: "off", LOG_LEVEL: "warn", NODE_ID: "bench", DEMO_BOT: "off" });
  const broker = createNode(env, { logger: false });
  const latencies: number[] = [];
  let acked = 0;
  broker.createService({
    name: "bench-listener",
    events: {
      "mm.quote.placed"(ctx: { params: { tickReceivedAt: number; orderAckAt: number } }) {
        latencies.push(ctx.params.orderAckAt - ctx.params.tickReceivedAt);
        acked++;
      },
    },
  });
  await broker.start();
  await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
  await broker.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 60_000 } });
  await broker.call("config.set", {
    kind: "strategies",
    name: "bench",
    body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 0, params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001", orderRefreshTimeMs: 100, maxOrderAgeMs: 3_600_000 } },
  });
  const base = new Decimal(currentPaperVenue()?.fairPrice(SYMBOL) ?? "60000");
  const tick = (i: number) => {
    const mid = base.times(1 + (i % 2 === 0 ? 0.0002 : -0.0002));
    const now = Date.now();
    void broker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: mid.times(0.9999).toFixed(2), ask: mid.times(1.0001).toFixed(2), mid: mid.toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
  };
  // Warm-up: the bot starts and quotes once.
  for (let i = 0; i < 20 && acked === 0; i++) {
    tick(0);
    await sleep(100);
  }
  latencies.length = 0;
  const deadline = Date.now() + 60_000;
  const started = Date.now();
  let sent = 0;
  for (let i = 1; i <= ticks && Date.now() < deadline; i++) {
    const before = acked;
    // Wait out the refresh time so this tick (not a timer) is what replaces the quotes.
    await sleep(110);
    tick(i);
    sent++;
    const waitUntil = Date.now() + 2_000;
    while (acked === before && Date.now() < waitUntil) await sleep(1);
  }
  const seconds = (Date.now() - started) / 1000;
  const status = (await broker.call("mm.status")) as { bots: Array<{ name: string; live?: { requotes: number } }> };
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`tick → requote acknowledged by the paper venue, one process (SQLite), ${sent} ticks in ${seconds.toFixed(1)} s`);
  console.log(`  requotes measured ${sorted.length} (cancel 2 + place 2 each), bot requotes ${status.bots.find((b) => b.name === "bench")?.live?.requotes ?? "?"}`);
  console.log(`  p50 ${percentile(sorted, 50)} ms  p99 ${percentile(sorted, 99)} ms  max ${sorted[sorted.length - 1]} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
