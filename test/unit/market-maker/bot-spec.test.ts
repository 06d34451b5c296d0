import { buildBotSpecs } from "../../../lib/market-maker/bot-spec";

describe("bot specs from config documents", () => {
  const markets = [{ name: "btc-paper", version: 1, body: { venue: "paper", kind: "cex" as const, symbol: "BTC/USDT" } }];
  const strategy = (body: Record<string, unknown>) => [{ name: "s1", version: 3, body: { market: "btc-paper", strategy: "pure_market_making", enabled: true, params: {}, ...body } }];

  it("carries the strategy's capital and the risk scope's drawdown limit to the bot", () => {
    const [result] = buildBotSpecs(strategy({ capital: "25000" }) as never, markets as never, [{ name: "r", version: 1, body: { scope: "s1", maxDrawdownPct: 0.1 } }] as never);
    expect(result).toMatchObject({ ok: true, spec: { name: "s1", capital: "25000", risk: expect.objectContaining({ maxDrawdownPct: 0.1 }) } });
  });

  it("leaves capital undefined when the document has none", () => {
    const [result] = buildBotSpecs(strategy({}) as never, markets as never, [] as never);
    expect(result.ok && result.spec.capital).toBeUndefined();
  });
});
