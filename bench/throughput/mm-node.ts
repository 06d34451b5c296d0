/**
 * A market-maker node for the throughput benchmark: exactly what `dist/bin/mmesh.js` with
 * SERVICES=market-maker starts (createBrokerOptions + the service factories), plus
 *  - a middleware that counts `price.cex.updated` events the mm service's handler has
 *    processed (`handled`: every tick delivered to this node; `matched`: ticks of a market
 *    whose bot runs here, i.e. ticks that reached a bot's onPrice → strategy evaluation);
 *  - a `benchprobe.stats` action (called per node) returning the counters, running bots,
 *    the bots' summed requote count (strategy evaluations), this process's CPU time and its
 *    event-loop delay (`resetLoop: true` starts a new window).
 * Prints "ready" once started.
 */
import type { Context, Middleware, ServiceBroker } from "moleculer";
import { ServiceBroker as Broker } from "moleculer";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { SERVICE_FACTORIES } from "../../services";

let handled = 0;
let matched = 0;
let local = new Set<string>();

const counter = {
  name: "bench-tick-counter",
  localEvent(next: (ctx: Context) => unknown, event: { name: string; service?: { name: string } }) {
    if (event.name !== "price.cex.updated" || event.service?.name !== "mm") return next;
    return (ctx: Context<{ exchange: string; symbol: string }>) => {
      const result = next(ctx);
      handled++;
      if (local.has(`${ctx.params.exchange}|${ctx.params.symbol}`)) matched++;
      return result;
    };
  },
} as unknown as Middleware;

interface Runner { spec: { market: { venue: string; symbol: string } }; bot: { state: string; requoteCount: number } | null }

function runners(broker: ServiceBroker): Runner[] {
  const mm = broker.getLocalService("mm") as unknown as { runners?: Map<string, Runner> } | undefined;
  return [...(mm?.runners?.values() ?? [])];
}

async function main(): Promise<void> {
  const env = readEnv();
  // Event-loop delay (how long timers and other sockets — lease renewals, DB — wait behind ticks).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const broker = new Broker({ ...createBrokerOptions(env, [counter]) });
  for (const name of env.services) broker.createService(SERVICE_FACTORIES[name](env));
  broker.createService({
    name: "benchprobe",
    actions: {
      stats: {
        visibility: "public",
        handler(ctx: Context<{ resetLoop?: boolean }>) {
          const rs = runners(broker).filter((r) => r.bot && r.bot.state === "running");
          const cpu = process.cpuUsage();
          const stats = {
            node: broker.nodeID,
            handled,
            matched,
            bots: rs.length,
            requotes: rs.reduce((sum, r) => sum + (r.bot as NonNullable<Runner["bot"]>).requoteCount, 0),
            cpuMs: (cpu.user + cpu.system) / 1000,
            at: Date.now(),
            rssBytes: process.memoryUsage.rss(),
            loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
          };
          if (ctx.params?.resetLoop) loop.reset();
          return stats;
        },
      },
    },
  });
  // Which markets have a running bot here (refreshed off the hot path).
  setInterval(() => {
    local = new Set(runners(broker).filter((r) => r.bot && r.bot.state === "running").map((r) => `${r.spec.market.venue}|${r.spec.market.symbol}`));
  }, 250).unref();
  const stop = async () => {
    await broker.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
  await broker.start();
  console.log("ready");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
