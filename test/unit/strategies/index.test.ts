import { createStrategy, orderPolicyOf } from "../../../lib/strategies";
import { ctxOf } from "./helpers";

describe("strategy factory", () => {
  it("creates each strategy with schema defaults for missing fields", () => {
    const pmm = createStrategy("pure_market_making", { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1" });
    expect(pmm.name).toBe("pure_market_making");
    expect(pmm.quotes(ctxOf())).toHaveLength(2); // orderLevels defaults to 1
    expect(createStrategy("avellaneda_stoikov", { orderAmount: "1", riskAversion: 0.1 }).name).toBe("avellaneda_stoikov");
    expect(createStrategy("cross_exchange", { takerMarket: "t", minProfitability: 0.01, orderAmount: "1" }).name).toBe("cross_exchange");
  });

  it("derives order policies", () => {
    expect(orderPolicyOf("pure_market_making", { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTolerance: 0.002, hangingOrders: true })).toEqual({
      refreshTimeMs: 30_000,
      refreshTolerance: 0.002,
      maxOrderAgeMs: 1_800_000,
      filledOrderDelayMs: 60_000,
      hangingOrders: true,
    });
    expect(orderPolicyOf("avellaneda_stoikov", { orderAmount: "1", riskAversion: 0.1, orderRefreshTimeMs: 5000 })).toMatchObject({
      refreshTimeMs: 5000,
      refreshTolerance: 0,
      filledOrderDelayMs: 0,
      hangingOrders: false,
    });
    expect(orderPolicyOf("cross_exchange", { takerMarket: "t", minProfitability: 0.01, orderAmount: "1" }).refreshTimeMs).toBe(10_000);
  });
});
