/**
 * Fault row "exchange clock 3 s behind": the fake Binance's clock runs 3 s behind this
 * machine's from the start (every signed request stamped with this machine's time would be
 * refused with -1021, "1000ms ahead of the server's time"), then jumps to 3 s ahead and
 * back to 3 s behind while orders are placed and cancelled (recvWindow 2000 ms, so 3 s
 * ahead is refused too). Counts what placed, what the exchange refused, the resyncs, and
 * orders lost, placed twice or unknown to cex_orders. In-process (venue-node.ts): no shared
 * server is touched.
 *
 *   node dist/bench/faults/clock-skew.js        (also `faults.js --only clock`)
 */
import { CLOCK_OFFSET_METRIC } from "../../lib/cex/clock-metric";
import type { WireOrder } from "../../lib/cex";
import { DEFAULT_ACCOUNT } from "../../test/support/fake-binance";
import { emptyRow, runRowAlone, SYMBOL, type DrillRow } from "./drill-support";
import { startVenueNode } from "./venue-node";

const ORDERS_PER_STEP = 30;
const MAX_MS = 60_000;

export async function clockSkewRow(log: (m: string) => void = () => undefined): Promise<DrillRow> {
  const started = Date.now();
  const node = await startVenueNode(-3000, { clockSyncIntervalMs: 0 }, { recvWindow: 2000 });
  const { broker, fake } = node;
  const run = Date.now().toString(36);
  const placed: string[] = [];
  const errors: string[] = [];
  const offsets: number[] = [];
  const gauge = () => (broker.metrics.getMetric(CLOCK_OFFSET_METRIC) as unknown as { get(l: object): { value: number } | null } | null)?.get({ exchange: "binance" })?.value;
  try {
    let n = 0;
    for (const skew of [-3000, 3000, -3000]) {
      fake.setTimeOffset(skew);
      for (let i = 0; i < ORDERS_PER_STEP && Date.now() - started < MAX_MS; i++) {
        const clientOrderId = `ck${run}-${n++}`;
        try {
          await broker.call<WireOrder, object>("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001", price: "40000", clientOrderId });
          placed.push(clientOrderId);
          if (i % 2 === 1) await broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId: placed[placed.length - 2] });
        } catch (err) {
          errors.push(`${(err as { type?: string }).type ?? (err as Error).name}`);
        }
      }
      const g = gauge();
      if (g !== undefined) offsets.push(g);
      log(`clock ${skew > 0 ? "+" : ""}${skew} ms: ${placed.length} placed so far, gauge ${g} ms`);
    }
    const ours = fake.engine.orders(DEFAULT_ACCOUNT.apiKey).filter((o) => o.clientOrderId.startsWith(`ck${run}-`));
    const byCid = new Map<string, number>();
    for (const o of ours) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
    const lost = placed.filter((cid) => !byCid.has(cid)).length;
    const duplicates = [...byCid.values()].filter((c) => c > 1).length;
    const rec = (await broker.call("cex.reconcile", { exchange: "binance" })) as { checked: number; resolved: unknown[]; orphans: unknown[] };
    const refused1021 = fake.requests({ path: "/api/v3/order" }).filter((r) => r.status === 400).length;
    const resyncs = fake.requests({ path: "/api/v3/time" }).length;
    return {
      ...emptyRow("exchange clock 3 s behind, then 3 s ahead, then behind (recvWindow 2 s)"),
      outage: `${((Date.now() - started) / 1000).toFixed(1)} s`,
      fills: "-",
      lostVenueToDb: lost,
      duplicates,
      orphans: rec.orphans.length,
      reconcile: `checked ${rec.checked}, resolved ${rec.resolved.length}, orphans ${rec.orphans.length}`,
      alert: `mmesh_exchange_time_offset_ms{exchange="binance"}: ${offsets.map((o) => `${o > 0 ? "+" : ""}${o}`).join(" → ")} ms`,
      quotingDuring: `${placed.length}/${placed.length + errors.length} binance orders placed${errors.length ? ` (refused: ${[...new Set(errors)].join(", ")})` : ""}`,
      recoverMs: "0 (first call after each jump: one -1021, resync, one retry)",
      notes: `${refused1021} requests refused with -1021 by the exchange, ${resyncs} time requests (1 at open + 1 per -1021 burst); in-process node on the production broker options`,
    };
  } finally {
    await node.stop();
  }
}

if (require.main === module) runRowAlone("clock", clockSkewRow);
