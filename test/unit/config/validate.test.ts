import { validateDocument } from "../../../lib/config/validate";

describe("config document validation", () => {
  it("accepts a valid market and applies defaults", () => {
    const result = validateDocument("markets", { venue: "paper", kind: "cex", symbol: "BTC/USDT" });
    expect(result).toEqual({ ok: true, value: { venue: "paper", kind: "cex", symbol: "BTC/USDT", enabled: true } });
  });

  it("names the wrong field and refuses unknown fields", () => {
    const result = validateDocument("markets", { venue: "paper", kind: "cex", symbol: "btc-usdt", colour: "red" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field).sort()).toEqual(["colour", "symbol"]);
    expect(result.errors.find((e) => e.field === "symbol")?.message).toMatch(/BASE\/QUOTE/);
  });

  it("checks strategy params against the chosen strategy and prefixes the field", () => {
    const bad = validateDocument("strategies", {
      market: "btc-paper",
      strategy: "pure_market_making",
      params: { bidSpread: 0.01, askSpread: 2, orderAmount: "0.1" },
    });
    expect(bad).toEqual({
      ok: false,
      errors: [expect.objectContaining({ field: "params.askSpread", message: expect.stringContaining("params.askSpread") })],
    });
    const good = validateDocument("strategies", {
      market: "btc-paper",
      strategy: "pure_market_making",
      params: { bidSpread: 0.01, askSpread: 0.02, orderAmount: "0.1" },
    });
    expect(good.ok && (good.value.params as Record<string, unknown>).orderLevels).toBe(1);
  });

  it("refuses amounts written as floats", () => {
    const result = validateDocument("risk", { maxOrderNotional: 1000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].field).toBe("maxOrderNotional");
  });

  it("takes a CEX venue only as a ccxt exchange id or paper, naming venue", () => {
    for (const venue of ["bin\u0000ance", "${jndi:ldap://127.0.0.1/x}", "nosuchexchange", "Binance", ""]) {
      const result = validateDocument("markets", { venue, kind: "cex", symbol: "BTC/USDT" });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(new Set(result.errors.map((e) => e.field))).toEqual(new Set(["venue"]));
    }
    expect(validateDocument("markets", { venue: "binance", kind: "cex", symbol: "BTC/USDT", sandbox: true, marketType: "spot", rateBudget: { weight: 600, intervalMs: 60000 } }).ok).toBe(true);
    expect(validateDocument("markets", { venue: "uniswap-v2", kind: "dex", symbol: "WETH/USDC" }).ok).toBe(true);
    const badBudget = validateDocument("markets", { venue: "binance", kind: "cex", symbol: "BTC/USDT", rateBudget: { weight: 0, intervalMs: 10 } });
    expect(badBudget.ok).toBe(false);
  });

  it("refuses a body that is not an object", () => {
    expect(validateDocument("alerts", [1, 2])).toEqual({ ok: false, errors: [expect.objectContaining({ field: "body" })] });
  });
});

describe("strategy capital", () => {
  const doc = { market: "btc-paper", strategy: "pure_market_making", params: { bidSpread: 0.01, askSpread: 0.02, orderAmount: "0.1" } };

  it("is an optional decimal string of the quote currency", () => {
    const with_ = validateDocument("strategies", { ...doc, capital: "25000" });
    expect(with_.ok && with_.value.capital).toBe("25000");
    const without = validateDocument("strategies", doc);
    expect(without.ok && "capital" in without.value).toBe(false);
  });

  it("refuses a float or a negative capital, naming the field", () => {
    for (const capital of [25000, "-5", "1e4"]) {
      const result = validateDocument("strategies", { ...doc, capital });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual(["capital"]);
    }
  });
});
