/**
 * The floor: what a request/reply costs on this machine over NATS, bare (npm `nats`) and
 * through Moleculer (two ServiceBrokers in two processes, a trivial action). The answering
 * side runs in a child process (bench/floor/responder); the callers run here.
 * Sequential requests give p50/p99 latency; 100 concurrent callers give req/s.
 */
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { connect, type NatsConnection } from "nats";
import { Children, NATS_URL, msSince, r3, summarize, uniqueName } from "./support";

export interface FloorFigures {
  /** nc.publish with a reply subject + one wildcard inbox subscription: the transport alone, no request helper. */
  natsRaw: { p50Ms: number; p99Ms: number; reqPerSec: number; sequential: number; concurrent: number; total: number };
  /** nc.request(): the npm nats request helper (mux inbox, a timeout timer per request). */
  nats: { p50Ms: number; p99Ms: number; reqPerSec: number; sequential: number; concurrent: number; total: number };
  moleculer: { p50Ms: number; p99Ms: number; reqPerSec: number; sequential: number; concurrent: number; total: number };
  /**
   * With `pacedMs`: the same nc.request and Moleculer call, one every `pacedMs` (as a paced
   * workload such as ticks sends them), so every side wakes from idle first. On this VM an idle
   * wake-up costs more than the request itself; back-to-back figures hide that.
   */
  paced?: { gapMs: number; natsP50Ms: number; natsP99Ms: number; moleculerP50Ms: number; moleculerP99Ms: number; n: number };
}

export interface FloorOptions {
  sequential?: number;
  concurrent?: number;
  total?: number;
  maxSeconds?: number;
  /** Also measure requests sent one every `pacedMs` ms (see FloorFigures.paced). */
  pacedMs?: number;
  /** How many paced requests per kind (default 100). */
  pacedN?: number;
}

async function paced(n: number, gapMs: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await once(); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    const t = process.hrtime.bigint();
    await once();
    lat.push(msSince(t));
  }
  return lat;
}

async function sequential(n: number, deadline: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < n && Date.now() < deadline; i++) {
    const t = process.hrtime.bigint();
    await once();
    lat.push(msSince(t));
  }
  return lat;
}

async function concurrent(workers: number, total: number, deadline: number, once: () => Promise<unknown>): Promise<number> {
  let started = 0;
  let done = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (started < total && Date.now() < deadline) {
        started++;
        await once();
        done++;
      }
    }),
  );
  return done / (msSince(t) / 1000);
}

/** Runs both floors against one responder process. */
export async function measureFloor(opts: FloorOptions = {}): Promise<FloorFigures> {
  const seqN = opts.sequential ?? 3000;
  const workers = opts.concurrent ?? 100;
  const total = opts.total ?? 50_000;
  const maxMs = (opts.maxSeconds ?? 45) * 1000;
  const namespace = uniqueName("floor");
  const subject = `${namespace}.echo`;
  const children = new Children();
  let nc: NatsConnection | null = null;
  let broker: ServiceBroker | null = null;
  try {
    await children.start("responder", path.join(__dirname, "responder.js"), {}, { args: [namespace, subject], readyLine: /ready/ });
    nc = await connect({ servers: NATS_URL });
    const payload = new TextEncoder().encode(JSON.stringify({ a: 1, b: "floor" }));
    const natsOnce = () => (nc as NatsConnection).request(subject, payload, { timeout: 5000 });
    const inbox = `_INBOX.${namespace}`;
    const waiting = new Map<string, () => void>();
    nc.subscribe(`${inbox}.*`, { callback: (_e, m) => { const id = m.subject.slice(inbox.length + 1); const w = waiting.get(id); if (w) { waiting.delete(id); w(); } } });
    let seq = 0;
    const rawOnce = () =>
      new Promise<void>((resolve) => {
        const id = String(++seq);
        waiting.set(id, resolve);
        (nc as NatsConnection).publish(subject, payload, { reply: `${inbox}.${id}` });
      });
    let deadline = Date.now() + maxMs / 3;
    const rawLat = summarize(await sequential(seqN, deadline, rawOnce));
    const rawRps = await concurrent(workers, total, deadline + maxMs / 6, rawOnce);
    deadline = Date.now() + maxMs / 3;
    const natsLat = summarize(await sequential(seqN, deadline, natsOnce));
    const natsRps = await concurrent(workers, total, deadline + maxMs / 6, natsOnce);

    broker = new ServiceBroker({ namespace, nodeID: `${namespace}-caller`, transporter: NATS_URL as "NATS", logger: false });
    await broker.start();
    await broker.waitForServices(["floor"], 10_000);
    const molOnce = () => (broker as ServiceBroker).call("floor.echo", { a: 1, b: "floor" });
    deadline = Date.now() + maxMs / 3;
    const molLat = summarize(await sequential(seqN, deadline, molOnce));
    const molRps = await concurrent(workers, total, deadline + maxMs / 6, molOnce);
    let pacedFigures: FloorFigures["paced"];
    if (opts.pacedMs) {
      const n = opts.pacedN ?? 100;
      const natsPaced = summarize(await paced(n, opts.pacedMs, natsOnce));
      const molPaced = summarize(await paced(n, opts.pacedMs, molOnce));
      pacedFigures = { gapMs: opts.pacedMs, natsP50Ms: r3(natsPaced.p50), natsP99Ms: r3(natsPaced.p99), moleculerP50Ms: r3(molPaced.p50), moleculerP99Ms: r3(molPaced.p99), n };
    }
    return {
      paced: pacedFigures,
      natsRaw: { p50Ms: r3(rawLat.p50), p99Ms: r3(rawLat.p99), reqPerSec: Math.round(rawRps), sequential: rawLat.n, concurrent: workers, total },
      nats: { p50Ms: r3(natsLat.p50), p99Ms: r3(natsLat.p99), reqPerSec: Math.round(natsRps), sequential: natsLat.n, concurrent: workers, total },
      moleculer: { p50Ms: r3(molLat.p50), p99Ms: r3(molLat.p99), reqPerSec: Math.round(molRps), sequential: molLat.n, concurrent: workers, total },
    };
  } finally {
    await broker?.stop();
    await nc?.drain();
    await children.stopAll();
  }
}

export function printFloor(f: FloorFigures): void {
  console.log(`  bare NATS publish + reply inbox (npm nats):       p50 ${f.natsRaw.p50Ms} ms  p99 ${f.natsRaw.p99Ms} ms (${f.natsRaw.sequential} sequential)  ${f.natsRaw.reqPerSec} req/s (${f.natsRaw.concurrent} concurrent, ${f.natsRaw.total} requests)`);
  console.log(`  bare NATS nc.request() (npm nats):                p50 ${f.nats.p50Ms} ms  p99 ${f.nats.p99Ms} ms (${f.nats.sequential} sequential)  ${f.nats.reqPerSec} req/s (${f.nats.concurrent} concurrent, ${f.nats.total} requests)`);
  console.log(`  bare Moleculer remote call (2 brokers over NATS): p50 ${f.moleculer.p50Ms} ms  p99 ${f.moleculer.p99Ms} ms (${f.moleculer.sequential} sequential)  ${f.moleculer.reqPerSec} req/s (${f.moleculer.concurrent} concurrent, ${f.moleculer.total} requests)`);
  if (f.paced) {
    console.log(`  paced, one request every ${f.paced.gapMs} ms (${f.paced.n} each): bare NATS nc.request() p50 ${f.paced.natsP50Ms} ms  p99 ${f.paced.natsP99Ms} ms;  bare Moleculer call p50 ${f.paced.moleculerP50Ms} ms  p99 ${f.paced.moleculerP99Ms} ms`);
  }
}
