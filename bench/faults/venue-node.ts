/**
 * The in-process node the venue fault rows (clock-skew.ts, rate-limit-storm.ts) drive: config,
 * keys and cex services on the production broker options (Moleculer's breaker, retries,
 * bulkhead as deployed), SQLite in a temporary directory, Binance served over HTTP by the
 * fake Binance in this process. No shared server is touched: no NATS, no PostgreSQL, no Redis.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ServiceBroker } from "moleculer";
import { readEnv } from "../../lib/runtime/env";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService, { type CexSettings } from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig } from "../../test/support/fake-binance";
import { SYMBOL } from "./drill-support";

export interface VenueNode {
  broker: ServiceBroker;
  fake: FakeBinance;
  stop(): Promise<void>;
}

/** `ccxtOptions`: merged into the binance client's ccxt `options` (e.g. recvWindow). */
export async function startVenueNode(fakeClockOffsetMs = 0, cex: Partial<CexSettings> = {}, ccxtOptions: Record<string, unknown> = {}): Promise<VenueNode> {
  const fake = new FakeBinance();
  const ep = await fake.start();
  fake.setBook("BTCUSDT", { bids: [[50000, 1], [49999, 2]], asks: [[50001, 1], [50002, 3]] });
  fake.setTimeOffset(fakeClockOffsetMs);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-venue-drill-"));
  const env = readEnv({
    DATA_DIR: dataDir,
    NAMESPACE: `venue_drill_${randomBytes(3).toString("hex")}`,
    METRICS_PORT: "off",
    LOG_LEVEL: "error",
    MASTER_KEY: randomBytes(16).toString("hex"),
    DEMO_BOT: "off",
    EXCHANGE_OVERRIDES: JSON.stringify({ binance: { ...fakeBinanceConfig(ep, ccxtOptions), rateLimit: 5 } }),
  });
  const broker = new ServiceBroker({ ...createBrokerOptions(env), metrics: { enabled: true, reporter: [] }, logger: false });
  broker.createService(createConfigService(env));
  broker.createService(createKeysService(env));
  broker.createService(createCexService(env, { reconcileIntervalMs: 0, ...cex }));
  await broker.start();
  await broker.call("keys.add", { id: "binance-drill", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } });
  await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-drill" } });
  return {
    broker,
    fake,
    async stop() {
      await broker.stop().catch(() => undefined);
      await fake.stop().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
