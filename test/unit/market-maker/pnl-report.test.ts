import { money, pnlReport } from "../../../lib/market-maker/accounting";

describe("pnlReport", () => {
  it("sums bots exactly and shows 12 decimal places", () => {
    const ledger = (realized: string, feesPaid: string) => ({ position: "0.001", avgEntryPrice: "100.3333333333333333333333333333333333333", realized, feesPaid, volume: "1000", fills: 3 });
    const r = pnlReport([
      { bot: "a", exchange: "paper", symbol: "BTC/USDT", ledger: ledger("0.1", "0.2"), unrealized: "-0.3" },
      { bot: "b", exchange: "paper", symbol: "BTC/USDT", ledger: ledger("12345678901234567890.1", "0"), unrealized: "0.0000000000001" },
    ]);
    expect(r.bots[0]).toMatchObject({ bot: "a", avgEntryPrice: "100.333333333333", realized: "0.1", unrealized: "-0.3", total: "-0.2", feesPaid: "0.2", fills: 3 });
    expect(r.bots[1].total).toBe("12345678901234567890.1");
    expect(r.total).toEqual({ realized: "12345678901234567890.2", unrealized: "-0.3", total: "12345678901234567889.9", feesPaid: "0.2" });
    expect(money("-0.0000000000001")).toBe("0");
  });
});
