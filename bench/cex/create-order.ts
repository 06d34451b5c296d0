/**
 * p50/p99 latency of cex.createOrder (and cancelOrder) on the paper venue through the
 * broker: validation, idempotency row, the paper venue's matching, persistence.
 * Bounded: N orders (default 2000) or 60 s. Run after `npm run build`:
 *   node dist/bench/cex/create-order.js [orders] [--db=sqlite|postgresql]
 * (postgresql: a temporary database on 127.0.0.1:5432, dropped at the end)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readEnv } from "../../lib/runtime/env";
import { createNode } from "../../services";
import { createTempDatabase } from "../floor/support";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const orders = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 2000);
  const dbKind = process.argv.find((a) => a.startsWith("--db="))?.slice(5) ?? "sqlite";
  const pg = dbKind === "postgresql" ? await createTempDatabase() : null;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-"));
  const env = readEnv({ DATA_DIR: dataDir, SERVICES: "config,keys,cex", METRICS_PORT: "off", LOG_LEVEL: "warn", NODE_ID: "bench", ...(pg ? { DATABASE_URL: pg.url } : {}) });
  const broker = createNode(env, { logger: false });
  await broker.start();
  const book = await broker.call<{ bids: string[][] }, object>("cex.orderBook", { exchange: "paper", symbol: "BTC/USDT" });
  // Resting bids well below the market: placed, never filled, then cancelled.
  const price = (Number(book.bids[0][0]) * 0.8).toFixed(2);
  const create: number[] = [];
  const cancel: number[] = [];
  const deadline = Date.now() + 60_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < orders && Date.now() < deadline; i++) {
    const clientOrderId = `bench-${i}`;
    let t = process.hrtime.bigint();
    await broker.call("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price, clientOrderId });
    create.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await broker.call("cex.cancelOrder", { exchange: "paper", symbol: "BTC/USDT", clientOrderId });
    cancel.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await broker.stop();
  await pg?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  create.sort((a, b) => a - b);
  cancel.sort((a, b) => a - b);
  console.log(`cex.createOrder on paper through the broker (${pg ? "PostgreSQL" : "SQLite"}), ${create.length} orders in ${seconds.toFixed(1)} s`);
  console.log(`  createOrder p50 ${percentile(create, 50).toFixed(2)} ms  p99 ${percentile(create, 99).toFixed(2)} ms`);
  console.log(`  cancelOrder p50 ${percentile(cancel, 50).toFixed(2)} ms  p99 ${percentile(cancel, 99).toFixed(2)} ms`);
  console.log(`  create+cancel pairs/s ${(create.length / seconds).toFixed(0)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
