/**
 * Trade history for the fake Binance, made cheaply in-process: `n` small sell orders of an
 * account, each placed through the engine and taken by another trader, so the account's
 * GET /api/v3/myTrades grows by `n` trades (with ids in between those of the orders a test
 * watches). Nothing goes over HTTP.
 */
import { DEFAULT_ACCOUNT, type FakeBinance } from "./fake-binance";

export function makeAccountTrades(fake: FakeBinance, n: number, opts: { symbol?: string; price?: string; qty?: string; apiKey?: string } = {}): void {
  const account = fake.engine.requireAccount(opts.apiKey ?? DEFAULT_ACCOUNT.apiKey);
  const symbol = opts.symbol ?? "BTCUSDT";
  for (let i = 0; i < n; i++) {
    const order = fake.engine.placeOrder(account, {
      symbol,
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: opts.qty ?? "0.0001",
      price: opts.price ?? "70000",
      newClientOrderId: `history-${symbol}-${Date.now().toString(36)}-${i}`,
    });
    fake.fillOrder(order.orderId);
  }
}
