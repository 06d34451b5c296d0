/**
 * lib/cex/fee-rates: the cex side of the fee consolidation (moved from the deleted
 * lib/cex/fees.ts tests). Rates resolve through lib/fees' resolveFeeSchedule:
 * fetchTradingFees → market → exchange default, and fetched rates are cached per client.
 */
import { tradingFeeSchedule, type ExchangeClient } from "../../../lib/cex";
import { estimateTrade } from "../../../lib/fees";
import { createDefaultPaperVenue } from "../../../lib/paper";

function fakeClient(over: { tradingFees?: Record<string, { maker: number; taker: number }> | Error; market?: object; fees?: object }) {
  let calls = 0;
  const client = {
    id: "x",
    has: { fetchTradingFees: over.tradingFees !== undefined },
    fees: over.fees,
    async loadMarkets() {
      return {};
    },
    market(symbol: string) {
      if (symbol !== "ETH/USDT") throw new Error("BadSymbol");
      return over.market ?? {};
    },
    async fetchTradingFees() {
      calls += 1;
      if (over.tradingFees instanceof Error) throw over.tradingFees;
      return over.tradingFees;
    },
  } as unknown as ExchangeClient;
  return { client, calls: () => calls };
}

describe("tradingFeeSchedule", () => {
  const market = { maker: 0.0002, taker: 0.0007, feeSide: "get" };

  it("prefers the account's fetchTradingFees, keeps the market's feeSide, and caches the fetch", async () => {
    const { client, calls } = fakeClient({ tradingFees: { "ETH/USDT": { maker: 0.001, taker: 0.001 } }, market });
    expect(await tradingFeeSchedule(client, "x", "ETH/USDT")).toEqual({ exchange: "x", symbol: "ETH/USDT", maker: "0.001", taker: "0.001", source: "tradingFees", feeSide: "get" });
    await tradingFeeSchedule(client, "x", "ETH/USDT");
    expect(calls()).toBe(1);
    await tradingFeeSchedule(client, "x", "ETH/USDT", 0);
    expect(calls()).toBe(2);
  });

  it("falls back to the market, then to the exchange default (also when fetchTradingFees fails)", async () => {
    expect(await tradingFeeSchedule(fakeClient({ market }).client, "x", "ETH/USDT")).toMatchObject({ maker: "0.0002", taker: "0.0007", source: "market" });
    const failing = fakeClient({ tradingFees: new Error("permission denied"), market: {}, fees: { trading: { maker: 0.001, taker: 0.002 } } });
    expect(await tradingFeeSchedule(failing.client, "x", "ETH/USDT")).toMatchObject({ maker: "0.001", taker: "0.002", source: "exchangeDefault" });
    await expect(tradingFeeSchedule(fakeClient({ market: {} }).client, "x", "ETH/USDT")).rejects.toThrow(/no maker\/taker fee rates/);
    await expect(tradingFeeSchedule(fakeClient({ market }).client, "x", "NOPE/USDT")).rejects.toThrow("BadSymbol");
  });

  it("on the paper venue: maker 0.01 %, taker 0.02 % (a market maker's tier) from fetchTradingFees, fee in what a trade receives (feeSide get)", async () => {
    const client = createDefaultPaperVenue({ startTime: 0, accounts: { a: { USDT: "1000" } } }).connect("a") as unknown as ExchangeClient;
    const rates = await tradingFeeSchedule(client, "paper", "ETH/USDT");
    expect(rates).toMatchObject({ maker: "0.0001", taker: "0.0002", source: "tradingFees", feeSide: "get" });
    // the old quote-only estimates, now with the fee currency the side implies
    expect(estimateTrade({ side: "sell", amount: "0.1", price: "0.3", feeRate: "0.0007", feeSide: rates.feeSide })).toMatchObject({ feeCurrency: "quote", feeInQuote: "0.000021", notional: "0.03" });
    expect(estimateTrade({ side: "buy", amount: "1.5", price: "3000.01", feeRate: "0.0002", feeSide: rates.feeSide })).toMatchObject({ feeCurrency: "base", feeInBase: "0.0003", feeInQuote: "0.900003" });
  });
});
