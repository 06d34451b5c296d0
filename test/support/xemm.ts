/** The cross-exchange (xemm) tests' set-up on a node with config, keys, cex and market-maker. */
import type { ServiceBroker } from "moleculer";
import { DEFAULT_ACCOUNT } from "./fake-binance";

export type XemmMarket = "paper-btc" | "binance-btc";

/**
 * The fake Binance's default account as key binance-main, BTC/USDT markets paper-btc (the paper
 * venue) and binance-btc (the fake Binance), and a cross_exchange bot `bot` quoting on `maker`
 * and hedging on the other one (minProfitability 0.001, 0.001 BTC, one hedge retry, refresh 500 ms).
 */
export async function configureXemmBot(broker: ServiceBroker, bot: string, maker: XemmMarket): Promise<void> {
  const taker: XemmMarket = maker === "paper-btc" ? "binance-btc" : "paper-btc";
  await broker.call("keys.add", { id: "binance-main", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret }, overwrite: true });
  await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
  await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: "BTC/USDT", keyId: "binance-main" } });
  await broker.call("config.set", {
    kind: "strategies",
    name: bot,
    body: { market: maker, strategy: "cross_exchange", enabled: true, minRequoteIntervalMs: 50, params: { takerMarket: taker, minProfitability: 0.001, orderAmount: "0.001", hedgeRetries: 1, orderRefreshTimeMs: 500 } },
  });
}
