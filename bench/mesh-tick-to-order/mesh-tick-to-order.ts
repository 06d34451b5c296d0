/**
 * Tick → order across nodes: three processes over NATS on 127.0.0.1.
 *   feed  (this process): a broker that broadcasts `price.cex.updated` with `receivedAt`
 *         stamped at send, as cex-price-feed does, and collects `mm.quote.placed`;
 *   mm    (dist/bin/mmesh.js SERVICES=market-maker): one pure-market-making bot;
 *   cex   (dist/bin/mmesh.js SERVICES=config,cex): the paper venue, orders persisted in
 *         PostgreSQL (a temp database on 127.0.0.1:5432), then again with SQLite (a file
 *         per node); leases in PostgreSQL (with --db=postgresql), else Redis. `--db=postgresql|sqlite|both` (default both).
 * Every tick moves the mid by ±2 bps so the bot (orderRefreshTimeMs 100, 110 ms between
 * ticks) must cancel its 2 quotes and place 2 new ones: one `cex.replaceOrders` request, in
 * which the cex node cancels both (in parallel) and then places both (in parallel).
 * Latency, from each `mm.quote.placed` (every end stamped with a fractional wall clock,
 * performance.timeOrigin + performance.now(), printed with 2 decimals):
 *  - tick → order (the path: feed → mm → cex → paper exchange ack) = venueAckAt −
 *    tickReceivedAt, the ack stamped in the cex node when the paper venue took the last new order;
 *  - tick → ack back at the bot = orderAckAt − tickReceivedAt: the same plus the answer's way back.
 * Hops: 1 event (feed→mm) + 1 request (mm→cex replaceOrders) = 2; the ratio is
 * p50 / (2 × bare NATS request p50 measured in the same run), against back-to-back requests
 * and against requests paced like the ticks (one every 110 ms: each process wakes from idle
 * first, which on this VM costs more than the request itself).
 * Then once more (first database only; `--no-grouped` skips it) with market-maker and cex on one
 * trading node, as docker-compose groups them: 1 hop, the call to cex stays in the process.
 * Bounded: N ticks (default 300) or 90 s per run. Run after `npm run build`:
 *   node dist/bench/mesh-tick-to-order/mesh-tick-to-order.js [ticks] [--db=both] [--no-grouped]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import { measureFloor, printFloor } from "../floor/measure";
import { listenForQuotes, startRequoteProbe } from "../tick-to-order/requote-probe";
import { Children, MMESH_BIN, NATS_URL, REDIS_URL, createTempDatabase, emitJson, meshEnv, msSince, r3, sleep, summarize, uniqueName, until } from "../floor/support";

const SYMBOL = "BTC/USDT";
const TICK_GAP_MS = 110;
type Topology = "split" | "grouped";
/** split: market-maker and cex on nodes of their own (the path); grouped: both on one trading node, as docker-compose groups them. */
const HOPS: Record<Topology, number> = { split: 2, grouped: 1 };
const HOPS_DEFINITION: Record<Topology, string> = {
  split: "1 event feed→mm (price.cex.updated) + 1 request mm→cex (replaceOrders: 2 cancels in parallel, then 2 places in parallel, acknowledged by the paper venue in the cex node)",
  grouped: "1 event feed→trading node (price.cex.updated); market-maker calls cex.replaceOrders in the same process",
};
const r2 = (x: number) => x.toFixed(2);

type Floor = Awaited<ReturnType<typeof measureFloor>>;

async function main(): Promise<void> {
  const ticks = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 300);
  const dbArg = process.argv.find((a) => a.startsWith("--db="))?.slice(5) ?? "both";
  const withGrouped = !process.argv.includes("--no-grouped");
  console.log("floor (same run):");
  const floor = await measureFloor({ sequential: 2000, total: 20_000, maxSeconds: 30, pacedMs: TICK_GAP_MS });
  printFloor(floor);
  const kinds = (dbArg === "both" ? ["postgresql", "sqlite"] : [dbArg]) as Array<"postgresql" | "sqlite">;
  for (const kind of kinds) await runMesh(kind, ticks, floor, "split");
  if (withGrouped) await runMesh(kinds[0], ticks, floor, "grouped");
  process.exit(0);
}

async function runMesh(dbKind: "postgresql" | "sqlite", ticks: number, floor: Floor, topology: Topology): Promise<void> {
  const db = dbKind === "postgresql" ? await createTempDatabase() : null;
  const ns = uniqueName("t2o");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-t2o-"));
  const children = new Children();
  let broker: ServiceBroker | null = null;
  try {
    const common: Record<string, string> = db ? { DATABASE_URL: db.url } : {};
    if (topology === "grouped") {
      await children.start("trading", MMESH_BIN, meshEnv(ns, `${ns}-trading`, "config,cex,market-maker", { ...common, DATA_DIR: path.join(dataDir, "trading") }));
    } else {
      await children.start("cex", MMESH_BIN, meshEnv(ns, `${ns}-cex`, "config,cex", { ...common, DATA_DIR: path.join(dataDir, "cex") }));
      await children.start("mm", MMESH_BIN, meshEnv(ns, `${ns}-mm`, "market-maker", { ...common, DATA_DIR: path.join(dataDir, "mm") }));
    }
    const env = readEnv({ TRANSPORTER: NATS_URL, CACHER: REDIS_URL, NAMESPACE: ns, NODE_ID: `${ns}-feed`, SERVICES: "config", METRICS_PORT: "off", LOG_LEVEL: "warn", DATA_DIR: dataDir, DEMO_BOT: "off" });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    const listener = listenForQuotes(broker);
    await broker.start();
    await broker.waitForServices(["config", "cex", "mm"], 60_000);
    const b = broker;
    const t = (await b.call("cex.ticker", { exchange: "paper", symbol: SYMBOL })) as { bid: string | null; ask: string | null };
    const base = t.bid && t.ask ? new Decimal(t.bid).plus(t.ask).div(2) : new Decimal(60000);
    const probe = await startRequoteProbe(b, listener, base);
    // Warm-up: the bot takes its lease, starts and quotes; then 20 unmeasured requotes.
    await until("the bot quoting", () => {
      probe.tick(0);
      return probe.acked() > 0;
    }, 60_000, 200);
    for (let i = 1; i <= 20; i++) {
      await sleep(TICK_GAP_MS);
      probe.tick(i);
    }
    await sleep(500);
    probe.latencies.length = 0;
    probe.venueLatencies.length = 0;
    const { sent, seconds } = await probe.run(ticks, 90_000);
    const t2o = summarize(probe.venueLatencies);
    const atBot = summarize(probe.latencies);

    // Where the time goes: the same cex calls the bot makes, from this process, one at a time.
    await probe.disable();
    await sleep(500);
    const place: number[] = [];
    const cancel: number[] = [];
    const ticker: number[] = [];
    const far = base.times(0.5).toFixed(2);
    for (let i = 0; i < 120; i++) {
      const clientOrderId = `b2o-${i}-${Date.now().toString(36)}`;
      let s = process.hrtime.bigint();
      await b.call("cex.createOrder", { exchange: "paper", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.001", price: far, clientOrderId, postOnly: true });
      if (i >= 20) place.push(msSince(s));
      s = process.hrtime.bigint();
      await b.call("cex.cancelOrder", { exchange: "paper", symbol: SYMBOL, clientOrderId });
      if (i >= 20) cancel.push(msSince(s));
      s = process.hrtime.bigint();
      await b.call("cex.ticker", { exchange: "paper", symbol: SYMBOL });
      if (i >= 20) ticker.push(msSince(s));
    }
    // The bot's actual request: one replaceOrders cancelling the previous 2 orders and placing 2 new ones.
    const replace: number[] = [];
    let previous: string[] = [];
    for (let i = 0; i < 120; i++) {
      const ids = [0, 1].map((k) => `b2r-${i}-${k}-${Date.now().toString(36)}`);
      const s = process.hrtime.bigint();
      await b.call("cex.replaceOrders", { exchange: "paper", symbol: SYMBOL, cancel: previous, place: ids.map((clientOrderId) => ({ clientOrderId, side: "buy", type: "limit", amount: "0.001", price: far, postOnly: true })) });
      if (i >= 20) replace.push(msSince(s));
      previous = ids;
    }
    await b.call("cex.replaceOrders", { exchange: "paper", symbol: SYMBOL, cancel: previous });
    const replaceS = summarize(replace);
    const placeS = summarize(place);
    const cancelS = summarize(cancel);
    const tickerS = summarize(ticker);

    const hops = HOPS[topology];
    const denom = (p50: number) => hops * p50;
    const paced = floor.paced as NonNullable<Floor["paced"]>;
    const ratios = (p50: number) => ({ ratio: p50 / denom(floor.nats.p50Ms), ratioPaced: p50 / denom(paced.natsP50Ms) });
    const { ratio, ratioPaced } = ratios(t2o.p50);
    const bot = ratios(atBot.p50);
    const path_ = topology === "grouped" ? "2 processes over NATS (feed → trading node: market-maker + cex/paper venue)" : "3 processes over NATS (feed → market-maker → cex/paper venue)";
    console.log(`tick → order across ${path_}, ${dbKind === "postgresql" ? "PostgreSQL temp db" : "SQLite file per node"}, ${sent} ticks in ${seconds.toFixed(1)} s`);
    console.log(`  requotes measured ${t2o.n} (each one cex.replaceOrders: cancel 2 in parallel, then place 2 in parallel, inside the cex node)`);
    console.log(`  tick → paper exchange ack (stamped in the cex node): p50 ${r2(t2o.p50)} ms  p99 ${r2(t2o.p99)} ms  max ${r2(t2o.max)} ms`);
    console.log(`  hops: ${hops} = ${HOPS_DEFINITION[topology]}`);
    console.log(`  ratio p50 / (${hops} × bare NATS nc.request p50 ${floor.nats.p50Ms} ms) = ${ratio.toFixed(2)} (goal ≤ 1.5)`);
    console.log(`  ratio p50 / (${hops} × bare NATS nc.request p50 paced like the ticks, one every ${paced.gapMs} ms: ${paced.natsP50Ms} ms) = ${ratioPaced.toFixed(2)} (goal ≤ 1.5)`);
    console.log(`  also: / (${hops} × raw NATS pub+inbox p50 ${floor.natsRaw.p50Ms} ms) = ${(t2o.p50 / denom(floor.natsRaw.p50Ms)).toFixed(2)};  / (${hops} × bare Moleculer call p50 ${floor.moleculer.p50Ms} ms) = ${(t2o.p50 / denom(floor.moleculer.p50Ms)).toFixed(2)}`);
    console.log(`  tick → the ack back at the bot${topology === "grouped" ? " (same process)" : " (+ the answer's way back to the market-maker node)"}: p50 ${r2(atBot.p50)} ms  p99 ${r2(atBot.p99)} ms; ratio ${bot.ratio.toFixed(2)} back-to-back, ${bot.ratioPaced.toFixed(2)} paced`);
    console.log(`  where the time goes (same calls from the feed process, sequential, p50/p99): cex.cancelOrder ${r3(cancelS.p50)}/${r3(cancelS.p99)} ms, cex.createOrder ${r3(placeS.p50)}/${r3(placeS.p99)} ms, cex.ticker (no DB write) ${r3(tickerS.p50)}/${r3(tickerS.p99)} ms, cex.replaceOrders (cancel 2 + place 2) ${r3(replaceS.p50)}/${r3(replaceS.p99)} ms`);
    emitJson(`mesh-tick-to-order-${dbKind}${topology === "grouped" ? "-grouped" : ""}`, {
      database: dbKind,
      topology,
      ticks: sent,
      requotes: t2o.n,
      p50Ms: r3(t2o.p50),
      p99Ms: r3(t2o.p99),
      maxMs: r3(t2o.max),
      hops,
      hopsDefinition: HOPS_DEFINITION[topology],
      natsRequestP50Ms: floor.nats.p50Ms,
      natsRawP50Ms: floor.natsRaw.p50Ms,
      moleculerCallP50Ms: floor.moleculer.p50Ms,
      ratio: Number(ratio.toFixed(2)),
      natsRequestPacedP50Ms: paced.natsP50Ms,
      moleculerCallPacedP50Ms: paced.moleculerP50Ms,
      tickGapMs: paced.gapMs,
      ratioPaced: Number(ratioPaced.toFixed(2)),
      ratioVsRawNats: Number((t2o.p50 / denom(floor.natsRaw.p50Ms)).toFixed(2)),
      ratioVsMoleculer: Number((t2o.p50 / denom(floor.moleculer.p50Ms)).toFixed(2)),
      atBot: { p50Ms: r3(atBot.p50), p99Ms: r3(atBot.p99), maxMs: r3(atBot.max), ratio: Number(bot.ratio.toFixed(2)), ratioPaced: Number(bot.ratioPaced.toFixed(2)) },
      goalRatio: 1.5,
      cexCancelP50Ms: r3(cancelS.p50),
      cexCreateP50Ms: r3(placeS.p50),
      cexTickerP50Ms: r3(tickerS.p50),
      cexReplaceP50Ms: r3(replaceS.p50),
      floor,
    });
  } finally {
    await broker?.stop();
    await children.stopAll();
    await db?.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
