/**
 * Fault drill row (bench/faults/faults.ts `--only burstkill`): the trading node killed (SIGKILL)
 * during a burst of paper orders from two clients of 16 concurrent callers each; restarted; every
 * clientOrderId acknowledged to a caller must be in cex_orders. Then a second burst is ended by a
 * clean stop (SIGTERM), timed against the deploy files' grace period (20 s in
 * docker-compose.yml, 30 s in k8s), and checked the same way.
 *
 * Only acknowledged-order loss, refusals and stop time are measured here: the drill table's
 * columns about fills, the bus and the bot show "-".
 */
import Decimal from "decimal.js";
import type { ServiceBroker } from "moleculer";
import type { Mesh } from "../../lib/runtime/mesh-launcher";
import { orderBurst, type OrderBurstResult } from "../../test/support/order-burst";
import { sleep } from "./drill-support";

export interface OrderBurstKillDeps {
  mesh: Pick<Mesh, "kill" | "start">;
  /** A broker on the mesh (calls cex on the trading node). */
  broker: ServiceBroker;
  /** A query on the mesh's database. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  log(message: string): void;
  /** Unique per run (part of the clientOrderIds). */
  run: string;
  symbol: string;
}

const TRADING_NODE = "trading-1";
const CLIENTS = 2;
const CALLERS_PER_CLIENT = 16;
const KILL_AFTER_ACKED = 150;
const STOP_AFTER_ACKED = 300;
const GRACE_S = 20;


export async function orderBurstKill(deps: OrderBurstKillDeps) {
  const { broker, log } = deps;
  const call = (action: string, params: object, timeout = 3000) => broker.call(action, params, { timeout, retries: 0 });
  const ticker = (await call("cex.ticker", { exchange: "paper", symbol: deps.symbol })) as { bid: string };
  // A resting bid far below the market: no fills, only order rows.
  const price = new Decimal(ticker.bid).times(0.5).toDecimalPlaces(2).toString();

  const cexAnswers = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await call("cex.ticker", { exchange: "paper", symbol: deps.symbol }, 1000).then(() => true, () => false)) return;
      await sleep(200);
    }
    throw new Error(`cex not answering within ${timeoutMs} ms`);
  };

  /** Two clients bursting at once; `interrupt` runs once when the first has `afterAcked` acknowledgements. */
  const burst = async (tag: string, afterAcked: number, interrupt: () => Promise<void>) => {
    let interrupted = false;
    const prefixes = Array.from({ length: CLIENTS }, (_, i) => `bk${deps.run}${tag}${i}`);
    const results = await Promise.all(
      prefixes.map((prefix, i) =>
        orderBurst({
          place: (order) => call("cex.createOrder", { exchange: "paper", symbol: deps.symbol, ...order }),
          prefix,
          price,
          amount: "0.001",
          concurrency: CALLERS_PER_CLIENT,
          maxOrders: 5000,
          maxMs: 60_000,
          interruptAfterAcked: i === 0 ? afterAcked : Number.MAX_SAFE_INTEGER,
          interrupt: async () => {
            interrupted = true;
            await interrupt();
          },
          until: () => interrupted && i > 0,
        }),
      ),
    );
    return { prefixes, results };
  };

  const lost = async (prefixes: string[], results: OrderBurstResult[]) => {
    const rows = await deps.query<{ client_order_id: string }>(
      `SELECT client_order_id FROM cex_orders WHERE exchange = 'paper' AND (${prefixes.map((_, i) => `client_order_id LIKE $${i + 1}`).join(" OR ")})`,
      prefixes.map((p) => `${p}-%`),
    );
    const stored = new Set(rows.map((r) => r.client_order_id));
    return results.flatMap((r) => r.acked).filter((id) => !stored.has(id));
  };
  const sum = (results: OrderBurstResult[], f: (r: OrderBurstResult) => number) => results.reduce((n, r) => n + f(r), 0);

  // 1. kill -9 during the burst.
  const killedAt = { t: 0, r: 0 };
  const first = await burst("k", KILL_AFTER_ACKED, async () => {
    killedAt.t = Date.now();
    await deps.mesh.kill(TRADING_NODE, "SIGKILL");
    log(`${TRADING_NODE} killed (SIGKILL) during the order burst`);
  });
  const lostBeforeRestart = await lost(first.prefixes, first.results);
  await deps.mesh.start("trading");
  await cexAnswers(60_000);
  killedAt.r = Date.now();
  const lostAfterRestart = await lost(first.prefixes, first.results);
  const acked1 = sum(first.results, (r) => r.acked.length);
  log(`burst + kill -9: ${acked1} acknowledged, ${sum(first.results, (r) => r.refused.length)} refused (503), ${sum(first.results, (r) => r.failed)} failed; acknowledged missing from cex_orders: ${lostBeforeRestart.length} before restart, ${lostAfterRestart.length} after`);

  // 2. A clean stop (SIGTERM) during another burst, timed.
  let stopMs = 0;
  const second = await burst("s", STOP_AFTER_ACKED, async () => {
    const t = Date.now();
    await deps.mesh.kill(TRADING_NODE, "SIGTERM");
    stopMs = Date.now() - t;
    log(`${TRADING_NODE} stopped (SIGTERM) during the order burst in ${stopMs} ms`);
  });
  const lostOnStop = await lost(second.prefixes, second.results);
  await deps.mesh.start("trading");
  await cexAnswers(60_000);
  const acked2 = sum(second.results, (r) => r.acked.length);
  log(`burst + SIGTERM: ${acked2} acknowledged (${sum(second.results, (r) => r.ackedAfterInterrupt)} while stopping), ${sum(second.results, (r) => r.refused.length)} refused (503); acknowledged missing: ${lostOnStop.length}; stop ${stopMs} ms (grace ${GRACE_S} s)`);

  const lostTotal = lostAfterRestart.length + lostOnStop.length;
  return {
    fault: "trading node kill -9 during an order burst (2 clients × 16 callers), restarted; then SIGTERM during another",
    outage: `${((killedAt.r - killedAt.t) / 1000).toFixed(1)} s`,
    fills: "-",
    lostVenueToDb: "-",
    lostDbToBus: "-",
    lostBotBook: "-",
    duplicateBusDeliveries: "-",
    duplicates: "-",
    orphans: "-",
    reconcile: "-",
    alert: "-",
    quotingDuring: "-",
    recoverMs: "-",
    notes:
      `acknowledged orders lost: **${lostTotal}** (kill -9: ${lostAfterRestart.length} of ${acked1} acknowledged, ${sum(first.results, (r) => r.refused.length)} refused 503; ` +
      `SIGTERM: ${lostOnStop.length} of ${acked2}); clean stop during the burst took ${(stopMs / 1000).toFixed(1)} s (grace ${GRACE_S} s)`,
    lost: lostTotal,
    stopMs,
  };
}
