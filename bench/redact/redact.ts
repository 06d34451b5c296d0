/**
 * What redaction costs on the hot path: the event guard (lib/runtime/redact-middleware.ts)
 * alone on a 40-level book update (price.* events skip it; for scale, JSON.stringify of the
 * same payload), and a real in-process broker's emit of an order update to a local subscriber
 * with and without the middleware; and redact() on a log call's arguments (paid only by log
 * calls at an enabled level). Bounded in count; prints one JSON line.
 *   node dist/bench/redact/redact.js [emits, default 50000]
 */
import { ServiceBroker } from "moleculer";
import { redact, redactSecretFields } from "../../lib/runtime/redact";
import { redactionMiddleware } from "../../lib/runtime/redact-middleware";

const N = Number(process.argv[2] ?? 50_000);

function priceUpdate(i: number) {
  const levels = (side: number) => Array.from({ length: 20 }, (_, k) => [String(100 + side * (k + 1) * 0.01), "1.5"]);
  return { exchange: "paper", symbol: "BTC/USDT", bids: levels(-1), asks: levels(1), ts: 1_700_000_000_000 + i, receivedAt: i };
}

function nsPerOp(count: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(count, 10_000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / count;
}

async function asyncNsPerOp(count: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(count, 5_000); i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fn();
  return Number(process.hrtime.bigint() - start) / count;
}

async function emitNs(withGuard: boolean): Promise<number> {
  const broker = new ServiceBroker({ logger: false, nodeID: `bench-${withGuard}`, middlewares: withGuard ? [redactionMiddleware()] : [] });
  let received = 0;
  broker.createService({ name: "sink", events: { "order.updated"() { received++; } } });
  await broker.start();
  const order = { exchange: "paper", symbol: "BTC/USDT", id: "o-1", clientOrderId: "mm-demo-1", side: "buy", type: "limit", price: "100.5", amount: "0.01", filled: "0", remaining: "0.01", status: "open", timestamp: 1_700_000_000_000, fee: { cost: "0", currency: "USDT" } };
  // Each emit awaited: the local subscriber has it when the promise settles.
  const ns = await asyncNsPerOp(N, () => broker.emit("order.updated", order));
  await broker.stop();
  if (received < N) throw new Error(`only ${received} of ${N} events delivered`);
  return ns;
}

async function main(): Promise<void> {
  const update = priceUpdate(0);
  const guardNs = nsPerOp(N, () => void redactSecretFields(update));
  // For scale: what serializing the same payload costs (every remote emit does it).
  const jsonNs = nsPerOp(N, () => void JSON.stringify(update));
  const plainEmit = await emitNs(false);
  const guardedEmit = await emitNs(true);
  const logArgs = ["Order placed", { bot: "demo", symbol: "BTC/USDT", side: "buy", price: "100.5", amount: "0.01", clientOrderId: "mm-abc-1" }];
  const logNs = nsPerOp(Math.min(N, 50_000), () => void logArgs.map((a) => redact(a)));
  const result = {
    bench: "redact",
    emits: N,
    guardOnPriceUpdateNs: Math.round(guardNs),
    jsonStringifySamePayloadNs: Math.round(jsonNs),
    orderEmitWithoutGuardNs: Math.round(plainEmit),
    orderEmitWithGuardNs: Math.round(guardedEmit),
    logCallRedactNs: Math.round(logNs),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
