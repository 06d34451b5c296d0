/**
 * Tick → order latency in one process: a `price.cex.updated` tick enters the broker (as the
 * price feed broadcasts it, `receivedAt` stamped at that moment), the market-maker bot
 * plans, checks risk, cancels its two resting quotes and places two new ones through the
 * cex service, and the paper venue acknowledges them. The bot reports each requote as
 * `mm.quote.placed {tickReceivedAt, orderAckAt}` (fractional ms); this prints p50/p99 of the difference.
 * The bot's venue is the cex service: each requote is one `cex.replaceOrders` call (cancels, then places).
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
import { percentile, sleep } from "../floor/support";
import { listenForQuotes, startRequoteProbe } from "./requote-probe";

async function main(): Promise<void> {
  const ticks = Number(process.argv[2] ?? 500);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-"));
  const env = readEnv({ DATA_DIR: dataDir, SERVICES: "config,cex,market-maker", METRICS_PORT: "off", LOG_LEVEL: "warn", NODE_ID: "bench", DEMO_BOT: "off" });
  const broker = createNode(env, { logger: false });
  const listener = listenForQuotes(broker);
  await broker.start();
  const probe = await startRequoteProbe(broker, listener, new Decimal(currentPaperVenue()?.fairPrice("BTC/USDT") ?? "60000"));
  // Warm-up: the bot starts and quotes once.
  for (let i = 0; i < 20 && probe.acked() === 0; i++) {
    probe.tick(0);
    await sleep(100);
  }
  probe.latencies.length = 0;
  probe.venueLatencies.length = 0;
  const { sent, seconds } = await probe.run(ticks, 60_000);
  const status = (await broker.call("mm.status")) as { bots: Array<{ name: string; live?: { requotes: number } }> };
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const sorted = [...probe.latencies].sort((a, b) => a - b);
  console.log(`tick → requote acknowledged by the paper venue, one process (SQLite), ${sent} ticks in ${seconds.toFixed(1)} s`);
  console.log(`  requotes measured ${sorted.length} (cex.replaceOrders: cancel 2, then place 2), bot requotes ${status.bots.find((b) => b.name === "bench")?.live?.requotes ?? "?"}`);
  console.log(`  p50 ${percentile(sorted, 50).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms  max ${sorted[sorted.length - 1].toFixed(2)} ms (ack back at the bot)`);
  const atVenue = [...probe.venueLatencies].sort((a, b) => a - b);
  if (atVenue.length > 0) console.log(`  tick → paper exchange ack (inside cex.replaceOrders): p50 ${percentile(atVenue, 50).toFixed(2)} ms  p99 ${percentile(atVenue, 99).toFixed(2)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
