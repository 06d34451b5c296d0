/**
 * Scaling while load runs: the mesh starts with one trading node; a client broker joined to
 * it keeps calling `fee.estimate` (a trading-group action that touches no order state) with
 * 50 callers; a second and then a third trading node are added mid-run. Prints, per phase,
 * requests/s and how Moleculer's balancer spread them over the trading nodes (the node that
 * answered each call), and which node quotes the market-making bot (leases keep it on one).
 * Bounded: three phases of `--seconds` (default 10). Run after `npm run build`:
 *   node dist/bench/scaling/scaling.js [--seconds=10]
 */
import { ServiceBroker } from "moleculer";
import { startMesh, type Mesh } from "../../lib/runtime/mesh-launcher";
import { createTempDatabase } from "../../test/support/postgres";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const seconds = arg("seconds", 10);
  const db = await createTempDatabase();
  let mesh: Mesh | null = null;
  let client: ServiceBroker | null = null;
  try {
    mesh = await startMesh({ databaseUrl: db.url, apiPort: 0, chainPort: 0, replicas: { trading: 1 }, onLog: () => undefined });
    client = new ServiceBroker({ nodeID: `scaling-client-${process.pid}`, namespace: mesh.namespace, transporter: mesh.transporter as never, logger: false });
    await client.start();
    await client.waitForServices(["fee", "config", "mm"], 30_000);
    await client.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
    await client.call("config.set", {
      kind: "strategies",
      name: "scaling-bot",
      body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, params: { bidSpread: 0.002, askSpread: 0.002, orderAmount: "0.001" } },
    });

    const answered = new Map<string, number>();
    let running = true;
    let errors = 0;
    const caller = async () => {
      while (running) {
        const p = client!.call("fee.estimate", { exchange: "paper", symbol: "BTC/USDT", side: "buy", amount: "0.01", price: "60000" }) as Promise<unknown> & { ctx?: { nodeID?: string } };
        try {
          await p;
          const node = p.ctx?.nodeID ?? "?";
          answered.set(node, (answered.get(node) ?? 0) + 1);
        } catch {
          errors++;
        }
      }
    };
    const callers = Array.from({ length: 50 }, caller);
    const quoter = async () => ((await client!.call("mm.status")) as { bots: Array<{ name: string; node: string | null }> }).bots.find((b) => b.name === "scaling-bot")?.node ?? "none";

    const phase = async (label: string) => {
      answered.clear();
      const t0 = Date.now();
      await sleep(seconds * 1000);
      const total = [...answered.values()].reduce((a, b) => a + b, 0);
      const spread = [...answered.entries()].sort().map(([node, n]) => `${node} ${((100 * n) / total).toFixed(0)}%`).join(", ");
      console.log(`${label}: ${(total / ((Date.now() - t0) / 1000)).toFixed(0)} fee.estimate/s, answered by ${spread}; bot quoted by ${await quoter()}; errors so far ${errors}`);
    };
    console.log(`scaling: mesh over NATS, 50 concurrent callers of fee.estimate, ${seconds} s per phase`);
    await phase("1 trading node ");
    await mesh.start("trading");
    await sleep(1500); // discovery
    await phase("2 trading nodes");
    await mesh.start("trading");
    await sleep(1500);
    await phase("3 trading nodes");
    running = false;
    await Promise.all(callers);
  } finally {
    await client?.stop().catch(() => undefined);
    await mesh?.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
