/**
 * Fault row "a 429 storm on one venue while another trades": orders go to the paper venue
 * and to Binance (the fake, over HTTP) side by side; after a calm phase Binance answers
 * every request 429 (Retry-After 1 s), then 500, for a while. Reports the paper venue's
 * order latency (cex.createOrder through the production broker options, Moleculer's
 * breaker included) p50/p99 before vs during, paper orders refused during (the issue: 404
 * SERVICE_NOT_AVAILABLE for every venue), and how Binance's own calls were answered.
 * In-process (venue-node.ts): no shared server is touched.
 *
 *   node dist/bench/faults/rate-limit-storm.js        (also `faults.js --only storm`)
 */
import { emptyRow, percentile, runRowAlone, sleep, SYMBOL, type DrillRow } from "./drill-support";
import { startVenueNode } from "./venue-node";

const PHASE_MS = 8_000;
const MAX_ORDERS_PER_PHASE = 1_000;
/** A quoting bot's pace: an in-process paper call resolves without yielding, so an unpaced loop would starve every socket. */
const PAPER_EVERY_MS = 20;

interface Phase {
  paperMs: number[];
  paperErrors: Map<string, number>;
  binance: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const describe = (m: Map<string, number>) => [...m.entries()].map(([k, v]) => `${v}× ${k}`).join(", ") || "none";

export async function rateLimitStormRow(log: (m: string) => void = () => undefined): Promise<DrillRow> {
  const node = await startVenueNode();
  const { broker, fake } = node;
  const run = Date.now().toString(36);
  let n = 0;
  const phase = async (name: string): Promise<Phase> => {
    const p: Phase = { paperMs: [], paperErrors: new Map(), binance: new Map() };
    const until = Date.now() + PHASE_MS;
    const paperLoop = async () => {
      for (let i = 0; i < MAX_ORDERS_PER_PHASE && Date.now() < until; i++) {
        const clientOrderId = `sp${run}-${n++}`;
        const t = performance.now();
        try {
          await broker.call("cex.createOrder", { exchange: "paper", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "1000", clientOrderId });
          p.paperMs.push(performance.now() - t);
          await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId });
        } catch (err) {
          bump(p.paperErrors, `${(err as { code?: number }).code} ${(err as { type?: string }).type ?? (err as Error).name}`);
        }
        await sleep(PAPER_EVERY_MS);
      }
    };
    const binanceLoop = async () => {
      for (let i = 0; i < MAX_ORDERS_PER_PHASE && Date.now() < until; i++) {
        const clientOrderId = `sb${run}-${n++}`;
        try {
          await broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001", price: "40000", clientOrderId });
          bump(p.binance, "placed");
          await broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId });
        } catch (err) {
          const e = err as { code?: number; type?: string; name: string; message: string };
          bump(p.binance, `${e.code} ${e.type ?? e.name}${e.message.includes("binance") ? "" : " (not naming binance)"}`);
          await sleep(50);
        }
      }
    };
    await Promise.all([paperLoop(), binanceLoop()]);
    p.paperMs.sort((a, b) => a - b);
    log(`${name}: paper ${p.paperMs.length} placed, p50 ${percentile(p.paperMs, 50).toFixed(2)} ms, p99 ${percentile(p.paperMs, 99).toFixed(2)} ms, errors ${describe(p.paperErrors)}; binance ${describe(p.binance)}`);
    return p;
  };
  try {
    await phase("warm-up (not counted)");
    const before = await phase("before");
    fake.failNext(1_000_000, 429, undefined, { retryAfter: 1 });
    const storm = await phase("429 storm");
    fake.clearFailures();
    fake.failNext(1_000_000, 500, undefined, { path: "/api/v3/order" });
    const burst = await phase("5xx burst");
    fake.clearFailures();
    const ms = (p: Phase, q: number) => `${percentile(p.paperMs, q).toFixed(2)}`;
    const paperRefused = [storm, burst].reduce((s, p) => s + [...p.paperErrors.values()].reduce((a, b) => a + b, 0), 0);
    return {
      ...emptyRow("429 storm (then 5xx burst) on binance while paper trades"),
      outage: `${(2 * PHASE_MS) / 1000} s`,
      quotingDuring: `paper orders p50/p99: before ${ms(before, 50)}/${ms(before, 99)} ms (${before.paperMs.length}), during 429 ${ms(storm, 50)}/${ms(storm, 99)} ms (${storm.paperMs.length}), during 5xx ${ms(burst, 50)}/${ms(burst, 99)} ms (${burst.paperMs.length}); paper refused during: ${paperRefused}`,
      alert: "-",
      recoverMs: "-",
      notes: `binance answered: before ${describe(before.binance)}; 429 storm ${describe(storm.binance)}; 5xx burst ${describe(burst.binance)}; requests that reached the fake during the storm: ${fake.requests().filter((r) => r.status === 429).length} (429), ${fake.requests().filter((r) => r.status === 500).length} (500)`,
    };
  } finally {
    await node.stop();
  }
}

if (require.main === module) runRowAlone("storm", rateLimitStormRow);
