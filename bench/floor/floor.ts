/**
 * Floor: bare NATS request/reply and a bare Moleculer remote call, measured in the same run
 * on 127.0.0.1 (responder in a child process). Bounded: 3000 sequential + 50 000 concurrent
 * requests each, or 30 s per transport. Run after `npm run build`:
 *   node dist/bench/floor/floor.js [sequential] [total]
 */
import { emitJson } from "./support";
import { measureFloor, printFloor } from "./measure";

async function main(): Promise<void> {
  const f = await measureFloor({ sequential: Number(process.argv[2] ?? 3000), total: Number(process.argv[3] ?? 50_000), pacedMs: 110 });
  console.log("floor: request/reply over NATS on 127.0.0.1, caller and responder in separate processes");
  printFloor(f);
  console.log(`  Moleculer / bare NATS: p50 ×${(f.moleculer.p50Ms / f.nats.p50Ms).toFixed(2)}, throughput ${((100 * f.moleculer.reqPerSec) / f.nats.reqPerSec).toFixed(0)}%`);
  emitJson("floor", { ...f });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
