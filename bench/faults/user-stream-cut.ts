/**
 * Fault drill row "user stream cut 10 s" (`node dist/bench/faults/faults.js --only userstream`):
 * in this process, touching no shared server — the fake Binance (HTTP + WebSocket API user
 * stream), one broker with config, keys and cex on a SQLite file (default cex settings: the
 * 30 s reconcile, the user stream's 60 s catch-up and 1 s catch-up while down). A load loop
 * places resting orders on binance and has another trader fill them (whole or in part) every
 * 150 ms: 5 s with the stream up, 10 s with it cut (sessions closed, new ones refused), 5 s after.
 * Then: venue trades missing from cex_fills (lost), fills reported twice on `order.filled`
 * (duplicate), a clientOrderId on two venue orders, orders open at the venue unknown to
 * cex_orders, when `cex.userStreams` saw the stream go down and come back, and how long fills
 * made during the cut took to be booked. Writes bench/faults-userstream-results.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { QueryTypes } from "sequelize";
import { fillKey, type UserStreamStatus, type WireFill } from "../../lib/cex";
import { readEnv } from "../../lib/runtime/env";
import { sequelizeOf } from "../../mixins/db.mixin";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig } from "../../test/support/fake-binance";
import { SYMBOL, sleep } from "./drill-support";

const CUT_MS = 10_000;
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

export interface UserStreamCutResult {
  fills: number;
  fillsDuringCut: number;
  lost: number;
  duplicates: number;
  duplicateOrders: number;
  orphans: number;
  downSeenAfterMs: number | null;
  upAgainAfterCutMs: number | null;
  bookedDuringCutP50Ms: number;
  bookedDuringCutMaxMs: number;
  table: string;
}

export async function userStreamCutDrill(log: (m: string) => void = (m) => process.stdout.write(`${m}\n`)): Promise<UserStreamCutResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-faults-userstream-"));
  const fake = new FakeBinance();
  const ep = await fake.start();
  fake.setBook("BTCUSDT", { bids: [[50000, 5]], asks: [[50100, 5]] });
  const env = readEnv({ DATA_DIR: dataDir, SERVICES: "config,keys,cex", METRICS_PORT: "off", LOG_LEVEL: "error", NODE_ID: "faults-userstream", MASTER_KEY: "faults-userstream-master-key" });
  const nodeEnv = { ...env, exchangeOverrides: { binance: { ...fakeBinanceConfig(ep), rateLimit: 5 } } };
  const broker = new ServiceBroker({ ...createBrokerOptions(nodeEnv), logger: false });
  const seen = new Map<string, { count: number; at: number }>();
  broker.createService(createConfigService(nodeEnv));
  broker.createService(createKeysService(nodeEnv));
  broker.createService(createCexService(nodeEnv));
  broker.createService({
    name: "fill-counter",
    events: {
      "order.filled"(ctx: { params: WireFill }) {
        const key = fillKey(ctx.params);
        const prev = seen.get(key);
        seen.set(key, { count: (prev?.count ?? 0) + 1, at: prev?.at ?? Date.now() });
      },
    },
  });
  const madeAt = new Map<string, number>();
  let cutFrom = 0;
  let cutTo = 0;
  let downSeenAt: number | null = null;
  let upAgainAt: number | null = null;
  try {
    await broker.start();
    await broker.call("keys.add", { id: "binance-drill", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret }, overwrite: true });
    await broker.call("config.set", { kind: "markets", name: "binance-drill", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-drill" } });
    const status = async () => (await broker.call<UserStreamStatus[], object>("cex.userStreams", {})).find((s) => s.exchange === "binance");
    for (const deadline = Date.now() + 20_000; !(await status())?.up; await sleep(50)) if (Date.now() > deadline) throw new Error("user stream not up within 20 s");
    log("user stream up; load on");

    const run = `d${Date.now().toString(36)}`;
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop && i < 400; i++) {
        const clientOrderId = `${run}-${i}`;
        try {
          await broker.call("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: i % 2 ? "sell" : "buy", type: "limit", amount: "0.002", price: i % 2 ? "50050" : "49950", clientOrderId });
          const trade = fake.fillOrder(clientOrderId, i % 3 === 0 ? "0.001" : undefined); // every third only in part
          madeAt.set(`binance:${SYMBOL}:${trade.id}:${i % 2 ? "sell" : "buy"}`, Date.now());
        } catch (err) {
          log(`load: ${(err as Error).message}`);
        }
        await sleep(150);
      }
    })();
    const watcher = (async () => {
      while (!stop) {
        const up = (await status().catch(() => undefined))?.up;
        if (cutFrom && !downSeenAt && up === false) downSeenAt = Date.now();
        if (cutTo && downSeenAt && !upAgainAt && up) upAgainAt = Date.now();
        await sleep(50);
      }
    })();

    await sleep(5_000);
    cutFrom = Date.now();
    fake.cutUserStream(CUT_MS);
    log(`user stream cut for ${CUT_MS / 1000} s`);
    await sleep(CUT_MS);
    cutTo = Date.now();
    await sleep(5_000);
    stop = true;
    await load;
    await sleep(3_000); // the last fills settle
    await watcher;

    // What the venue traded for the account against what cex booked.
    const venueTrades = fake.engine.accountTrades(fake.engine.requireAccount(DEFAULT_ACCOUNT.apiKey), "BTCUSDT");
    const venueKeys = venueTrades.map((t) => `binance:${SYMBOL}:${t.id}:${t.isBuyer ? "buy" : "sell"}`);
    const rows = (await sequelizeOf(broker.getLocalService("cex")).query("SELECT symbol, trade_id, side FROM cex_fills WHERE exchange = 'binance'", { type: QueryTypes.SELECT })) as Array<{ symbol: string; trade_id: string; side: string }>;
    const booked = new Set(rows.map((r) => `binance:${r.symbol}:${r.trade_id}:${r.side}`));
    const lost = venueKeys.filter((k) => !booked.has(k)).length;
    const duplicates = [...seen.values()].filter((v) => v.count > 1).length;
    const venueOrders = fake.orders(DEFAULT_ACCOUNT.apiKey) as Array<{ clientOrderId: string; status: string }>;
    const byClientId = new Map<string, number>();
    for (const o of venueOrders) byClientId.set(o.clientOrderId, (byClientId.get(o.clientOrderId) ?? 0) + 1);
    const duplicateOrders = [...byClientId.values()].filter((n) => n > 1).length;
    const stored = new Set(((await sequelizeOf(broker.getLocalService("cex")).query("SELECT client_order_id FROM cex_orders WHERE exchange = 'binance'", { type: QueryTypes.SELECT })) as Array<{ client_order_id: string }>).map((r) => r.client_order_id));
    const orphans = venueOrders.filter((o) => (o.status === "NEW" || o.status === "PARTIALLY_FILLED") && !stored.has(o.clientOrderId)).length;
    const duringCut = [...madeAt].filter(([, at]) => at >= cutFrom && at < cutTo);
    const delays = duringCut.map(([k, at]) => (seen.get(k)?.at ?? Number.NaN) - at).filter((d) => Number.isFinite(d)).sort((a, b) => a - b);

    const result: Omit<UserStreamCutResult, "table"> = {
      fills: venueKeys.length,
      fillsDuringCut: duringCut.length,
      lost,
      duplicates,
      duplicateOrders,
      orphans,
      downSeenAfterMs: downSeenAt ? downSeenAt - cutFrom : null,
      upAgainAfterCutMs: upAgainAt ? upAgainAt - cutTo : null,
      bookedDuringCutP50Ms: Math.round(pct(delays, 50)),
      bookedDuringCutMaxMs: Math.round(delays[delays.length - 1] ?? Number.NaN),
    };
    const s = (ms: number | null) => (ms === null ? "not seen" : `${(ms / 1000).toFixed(1)} s`);
    const table = [
      "| fault | outage | fills (during the cut) | fills lost venue→cex_fills | duplicate order.filled | duplicate orders at venue | orphan orders | stream down seen / up again | fills made during the cut booked after (p50 / max) |",
      "|---|---|---|---|---|---|---|---|---|",
      `| user data stream cut (sessions closed, reconnects refused) | ${CUT_MS / 1000} s | ${result.fills} (${result.fillsDuringCut}) | ${lost} | ${duplicates} | ${duplicateOrders} | ${orphans} | +${s(result.downSeenAfterMs)} / ${s(result.upAgainAfterCutMs)} after the cut ended | ${result.bookedDuringCutP50Ms} ms / ${result.bookedDuringCutMaxMs} ms (REST catch-up every 1 s while down) |`,
    ].join("\n");
    return { ...result, table };
  } finally {
    await broker.stop().catch(() => undefined);
    await fake.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The `--only userstream` entry of faults.ts: runs the row, prints it and writes bench/faults-userstream-results.md. */
export async function runUserStreamCutRow(log: (m: string) => void): Promise<void> {
  let r: UserStreamCutResult;
  try {
    r = await userStreamCutDrill(log);
  } catch (err) {
    // Reported here: faults.ts's own failure path restarts the shared servers, which this row never touched.
    log(`user stream drill failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
    return;
  }
  const md = `# Fault drill: user data stream cut\n\n${new Date().toISOString()} — \`node dist/bench/faults/faults.js --only userstream\` (bench/faults/user-stream-cut.ts): in one process, no shared server touched; fake Binance (HTTP + WebSocket API user stream), config + keys + cex on SQLite with default settings; resting binance orders filled (whole or in part) by another trader every 150 ms.\n\n${r.table}\n`;
  fs.writeFileSync(path.resolve("bench", "faults-userstream-results.md"), md);
  process.stdout.write(`\n${md}\n`);
  if (r.lost > 0 || r.duplicates > 0) process.exitCode = 1;
}
