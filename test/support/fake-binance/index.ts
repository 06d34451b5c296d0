/**
 * Fake Binance spot exchange for tests: see server.ts (control API) and ccxt-client.ts (clients).
 *
 *   const fake = new FakeBinance();                      // BTCUSDT, ETHUSDT, ETHBTC; DEFAULT_ACCOUNT
 *   const ep = await fake.start();                       // { port, httpUrl, wsUrl } on 127.0.0.1
 *   fake.setBook("BTCUSDT", { bids: [[50000, 1]], asks: [[50001, 1]] });
 *   const rest = createFakeBinanceClient(ep, { rateLimit: 1 });        // ccxt.binance
 *   const pro = await createFakeBinanceProClient(ep, { rateLimit: 1 }); // ccxt.pro.binance
 *   ...
 *   await pro.close();
 *   await fake.stop();
 */
export { FakeBinance, DEFAULT_ACCOUNT, DEFAULT_BALANCES, DEFAULT_MARKETS, type DownMode } from "./server";
export { createFakeBinanceClient, createFakeBinanceProClient, fakeBinanceConfig, pointAtFake, FAKE_CLIENT_OPTIONS, type FakeBinanceEndpoint, type FakeClientOptions, type BinancePro } from "./ccxt-client";
export { sign } from "./auth";
export type * from "./types";
