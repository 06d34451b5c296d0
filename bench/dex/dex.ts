/**
 * DEX path on the embedded chain (real Uniswap V2/V3): dex.quote throughput, dex.swap
 * latency (quote → signed by the wallet → mined → receipt), and price-feed lag from the
 * swap's receipt to `price.dex.updated` for that block. Bounded in count and time.
 * Run after `npm run build`:  node dist/bench/dex/dex.js [swaps]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { readEnv } from "../../lib/runtime/env";
import createDexPriceFeedService from "../../services/dex-price-feed.service";
import createDexService from "../../services/dex.service";
import createWalletService from "../../services/wallet.service";

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms  p99 ${pct(s, 99).toFixed(2)} ms  (n=${s.length})`;
};

async function main(): Promise<void> {
  const swaps = Number(process.argv[2] ?? 200);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-dex-"));
  const env = readEnv({ DATA_DIR: dataDir, SERVICES: "wallet,dex,dex-price-feed", METRICS_PORT: "off", LOG_LEVEL: "warn", NODE_ID: "bench-dex" });
  const broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, cacher: "Memory" });
  const seen = new Map<string, number>(); // `${pool}:${block}` → receivedAt
  broker.createService(createWalletService(env));
  broker.createService(createDexService(env));
  broker.createService(createDexPriceFeedService(env));
  broker.createService({ name: "lag", events: { "price.dex.updated"(ctx: { params: { pool: string; block: number } }) { seen.set(`${ctx.params.pool}:${ctx.params.block}`, performance.now()); } } });
  await broker.start();
  const chain = (await acquireChain(env)) as LocalChain;
  const pools = chain.deployment.pools.filter((p) => [p.token0, p.token1].includes("WETH") && [p.token0, p.token1].includes("USDC"));

  for (const pool of pools) {
    const quotes: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 500 && performance.now() - started < 10_000; i++) {
      const t = performance.now();
      await broker.call("dex.quote", { pool: pool.address, tokenIn: "USDC", amountIn: "1000" });
      quotes.push(performance.now() - t);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`dex.quote ${pool.kind} fee ${pool.fee}: ${(quotes.length / seconds).toFixed(0)} quotes/s sequential, ${fmt(quotes)}`);
  }

  for (const pool of pools.filter((p) => p.fee === 3000)) {
    const latency: number[] = [];
    const lag: number[] = [];
    const started = performance.now();
    for (let i = 0; i < swaps && performance.now() - started < 30_000; i++) {
      // Alternate direction so the price stays near where it was seeded.
      const sell = i % 2 === 0;
      const t = performance.now();
      const r = await broker.call<{ blockNumber: number }, object>("dex.swap", {
        pool: pool.address, tokenIn: sell ? "USDC" : "WETH", amountIn: sell ? "300" : "0.1", account: "dev-1", approve: true, slippageBps: 500,
      });
      const done = performance.now();
      latency.push(done - t);
      const key = `${pool.address}:${r.blockNumber}`;
      const deadline = done + 5000;
      while (!seen.has(key) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 1));
      if (seen.has(key)) lag.push(Math.max(0, seen.get(key)! - done));
    }
    console.log(`dex.swap ${pool.kind} fee ${pool.fee}: ${fmt(latency)}`);
    console.log(`price-feed lag (receipt → price.dex.updated) ${pool.kind}: ${fmt(lag)}`);
  }
  await releaseChain(env);
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
