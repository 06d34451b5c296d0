/** lib/cex without a broker: decimal conversion, error mapping, rounding, merges, reconcile diffs. Fee rates: fee-rates.test.ts. */
import { Errors } from "moleculer";
import {
  diffOpenOrders,
  mapExchangeError,
  mergeOrder,
  prepareOrder,
  toDecimalString,
  toWireBalance,
  toWireOrder,
  type ExchangeClient,
  type WireOrder,
} from "../../../lib/cex";
import { CCXT_ERRORS_MODULE } from "../../../lib/paper/ccxt-errors";
import { createDefaultPaperVenue } from "../../../lib/paper";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ccxtErrors = require(CCXT_ERRORS_MODULE) as Record<string, new (m: string) => Error>;

const order = (over: Partial<WireOrder> = {}): WireOrder => ({
  exchange: "paper", id: "1", clientOrderId: "c1", symbol: "BTC/USDT", side: "buy", type: "limit", price: "100", amount: "1",
  filled: "0", remaining: "1", status: "open", fee: { cost: null, currency: null }, timestamp: 1, ...over,
});

describe("toDecimalString", () => {
  it("never emits exponents or binary noise", () => {
    expect(toDecimalString(1e-7)).toBe("0.0000001");
    expect(toDecimalString(0.1)).toBe("0.1");
    expect(toDecimalString(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(toDecimalString(1e21)).toBe("1000000000000000000000");
    expect(toDecimalString(60000.5)).toBe("60000.5");
    expect(toDecimalString(undefined)).toBeNull();
    expect(toDecimalString(Number.NaN)).toBeNull();
  });
});

describe("mapExchangeError", () => {
  const cases: Array<[string, number, string]> = [
    ["InsufficientFunds", 422, "INSUFFICIENT_FUNDS"],
    ["InvalidOrder", 422, "INVALID_ORDER"],
    ["BadSymbol", 404, "UNKNOWN_SYMBOL"],
    ["OrderNotFound", 404, "ORDER_NOT_FOUND"],
    ["AuthenticationError", 502, "EXCHANGE_AUTH_FAILED"],
    ["NetworkError", 503, "EXCHANGE_UNAVAILABLE"],
    ["ExchangeNotAvailable", 503, "EXCHANGE_UNAVAILABLE"],
    ["RequestTimeout", 503, "EXCHANGE_UNAVAILABLE"],
    ["DDoSProtection", 503, "EXCHANGE_UNAVAILABLE"],
    ["RateLimitExceeded", 503, "EXCHANGE_UNAVAILABLE"],
  ];
  it.each(cases)("%s → %i %s", (cls, code, type) => {
    const mapped = mapExchangeError(new ccxtErrors[cls]("boom"), "binance") as InstanceType<typeof Errors.MoleculerError>;
    expect(mapped).toBeInstanceOf(Errors.MoleculerError);
    expect(mapped.code).toBe(code);
    expect(mapped.type).toBe(type);
    expect(mapped.retryable).toBe(code === 503);
  });

  it("masks credentials in messages", () => {
    const mapped = mapExchangeError(new ccxtErrors.ExchangeError("binance {\"apiKey\":\"AKIA-SECRET-KEY\"} failed"), "binance", ["AKIA-SECRET-KEY"]);
    expect(mapped.message).not.toContain("AKIA-SECRET-KEY");
    const auth = mapExchangeError(new ccxtErrors.AuthenticationError("invalid key s3cr3t-value"), "binance", ["s3cr3t-value"]);
    expect(auth.message).not.toContain("s3cr3t-value");
  });
});

describe("prepareOrder on the paper exchange", () => {
  const venue = createDefaultPaperVenue({ startTime: 0, accounts: { a: { USDT: "1000" } } });
  const client = venue.connect("a") as unknown as ExchangeClient;

  it("rounds to the market's precision and names bad fields", () => {
    expect(prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.012349", price: "1000.009" })).toEqual({ amount: "0.01234", price: expect.stringMatching(/^1000\.0[01]$/) });
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { data: Array<{ field: string }> }).data[0].field;
      }
      return null;
    };
    expect(fieldOf(() => prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "abc", price: "1" }))).toBe("amount");
    expect(fieldOf(() => prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "1" }))).toBe("price");
    expect(fieldOf(() => prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0", price: "1" }))).toBe("amount");
    expect(() => prepareOrder(client, { symbol: "NOPE/USDT", side: "buy", type: "market", amount: "1" })).toThrow(ccxtErrors.BadSymbol);
  });

  it("refuses an amount below limits.amount.min and a notional below limits.cost.min, naming the limit", () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        const e = err as { code: number; message: string; data: Array<{ field: string; type: string }> };
        return { code: e.code, message: e.message, ...e.data[0] };
      }
      return null;
    };
    // BTC/USDT on paper: lot 0.00001 = minimum amount, minimum notional 5 USDT
    const market = client.market("BTC/USDT");
    expect([market.limits.amount?.min, market.limits.cost?.min]).toEqual([0.00001, 5]);
    expect(refusal(() => prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.0001", price: "40000" }))).toMatchObject({
      code: 422, field: "amount", type: "minNotional", message: expect.stringContaining("minimum notional 5 (limits.cost.min)"),
    });
    expect(prepareOrder(client, { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.0001", price: "50000" })).toEqual({ amount: "0.0001", price: "50000" });
    // A market whose minimum amount is above its lot: 0.0005 rounds fine but is too small.
    const coarse = createDefaultPaperVenue({
      startTime: 0,
      accounts: { a: { USDT: "1000" } },
      markets: [{ symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: "0.01", lotSize: "0.00001", minAmount: "0.001", minNotional: "0", makerFee: "0.001", takerFee: "0.001" }],
    }).connect("a") as unknown as ExchangeClient;
    expect(refusal(() => prepareOrder(coarse, { symbol: "BTC/USDT", side: "sell", type: "market", amount: "0.0005" }))).toMatchObject({
      code: 422, field: "amount", type: "minAmount", message: expect.stringContaining("minimum amount 0.001 (limits.amount.min)"),
    });
    expect(prepareOrder(coarse, { symbol: "BTC/USDT", side: "sell", type: "market", amount: "0.001" })).toEqual({ amount: "0.001", price: undefined });
  });

  it("converts a paper order to the wire shape with strings only", async () => {
    const placed = await (client as unknown as { createOrder: ExchangeClient["createOrder"] }).createOrder("BTC/USDT", "limit", "buy", "0.001", "50000", { clientOrderId: "w1" });
    const wire = toWireOrder("paper", placed);
    expect(wire).toMatchObject({ clientOrderId: "w1", price: "50000", amount: "0.001", filled: "0", remaining: "0.001", status: "open" });
  });

  it("carries postOnly, average and cost; lists zero balances", () => {
    const ccxtOrder = { id: "9", clientOrderId: "c9", symbol: "BTC/USDT", side: "buy", type: "limit", price: 50000, amount: 0.3, filled: 0.2, remaining: 0.1, status: "open", postOnly: true, average: 49999.5, cost: 9999.9, timestamp: 1 };
    expect(toWireOrder("binance", ccxtOrder as never)).toMatchObject({ postOnly: true, average: "49999.5", cost: "9999.9" });
    expect(toWireOrder("binance", { ...ccxtOrder, postOnly: undefined, average: undefined, cost: undefined } as never)).toMatchObject({ postOnly: null, average: null, cost: null });
    const balance = toWireBalance("binance", { info: {}, USDT: { free: 10, used: 0, total: 10 }, BNB: { free: 0, used: 0, total: 0 } } as never);
    expect(balance.balances).toEqual({ USDT: { free: "10", used: "0", total: "10" }, BNB: { free: "0", used: "0", total: "0" } });
  });
});

describe("mergeOrder and diffOpenOrders", () => {
  it("never moves a terminal order back to open nor shrinks filled", () => {
    expect(mergeOrder(order({ status: "closed", filled: "1", remaining: "0" }), order({ status: "open", filled: "0.5" })).status).toBe("closed");
    const merged = mergeOrder(order({ filled: "0.6", remaining: "0.4" }), order({ filled: "0.5", remaining: "0.5" }));
    expect(merged.filled).toBe("0.6");
    expect(mergeOrder(order(), order({ status: "canceled", filled: "0.2" }))).toMatchObject({ status: "canceled", filled: "0.2" });
  });

  it("finds vanished stored orders and orphans on the exchange", () => {
    const stored = [order({ id: "1", clientOrderId: "a" }), order({ id: "2", clientOrderId: "b" }), order({ id: null, clientOrderId: "p", status: "pending" })];
    const onExchange = [order({ id: "2", clientOrderId: "b" }), order({ id: "9", clientOrderId: null })];
    const diff = diffOpenOrders(stored, onExchange);
    expect(diff.vanished.map((o) => o.id)).toEqual(["1"]);
    expect(diff.orphans.map((o) => o.id)).toEqual(["9"]);
  });
});

describe("createExchangeClient", () => {
  it("builds a ccxt exchange with the caller's credentials and rate limiting, without a network call", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createExchangeClient, isCcxtExchange } = require("../../../lib/cex") as typeof import("../../../lib/cex");
    expect(isCcxtExchange("binance")).toBe(true);
    expect(isCcxtExchange("paper")).toBe(false);
    const client = createExchangeClient("binance", { apiKey: "k-123456", secret: "s-123456" }) as unknown as { id: string; apiKey: string; secret: string; enableRateLimit: boolean };
    expect(client).toMatchObject({ id: "binance", apiKey: "k-123456", secret: "s-123456", enableRateLimit: true });
    expect(() => createExchangeClient("no-such-venue")).toThrow(/unknown ccxt exchange/);
  });
});
