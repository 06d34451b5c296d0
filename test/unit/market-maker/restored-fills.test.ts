/** Which maker fills a cross-exchange bot hedges at start, and what it reports instead on a DEX taker. */
import type { BotSpec, MarketRef } from "../../../lib/market-maker/bot-spec";
import { restoredMakerFills, unhedgedAfter } from "../../../lib/market-maker/restored-fills";
import type { BookedFill, BotRow } from "../../../lib/market-maker/store";

const market: MarketRef = { name: "paper-btc", kind: "cex", venue: "paper", symbol: "BTC/USDT", base: "BTC", quote: "USDT" };
const cexTaker: MarketRef = { name: "binance-btc", kind: "cex", venue: "binance", symbol: "BTC/USDT", base: "BTC", quote: "USDT" };
const dexTaker: MarketRef = { name: "uni-btc", kind: "dex", venue: "uniswap", symbol: "BTC/USDT", base: "BTC", quote: "USDT", pool: "0xpool", keyId: "wallet" };
const spec = (strategy: BotSpec["strategy"], reference: MarketRef | null): BotSpec =>
  ({ name: "x", version: 1, enabled: true, strategy, params: {}, minRequoteIntervalMs: 0, deadManTimeoutMs: 0, market, reference, risk: {} }) as BotSpec;
const row = (strategy: string, fill_seq: number | null, hedged_seq?: number | null) => ({ name: "x", strategy, fill_seq, hedged_seq }) as BotRow;
const fill = (seq: number, role: "maker" | "hedge", side: "buy" | "sell", amount: string): BookedFill => ({
  bot: "x", exchange: role === "maker" ? "paper" : "binance", symbol: "BTC/USDT", tradeId: `t${seq}`, clientOrderId: null, side, price: "100", amount, feeCost: null, feeCurrency: null, ts: seq, role, seq,
});

describe("maker fills no running bot hedged", () => {
  it("start after hedged_seq, or after fill_seq on a row written before hedged_seq existed", () => {
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), row("cross_exchange", 9, 7))).toBe(7);
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), row("cross_exchange", 9, null))).toBe(9);
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), row("cross_exchange", 9))).toBe(9);
  });

  it("are none for a new bot, a bot that never ran as cross-exchange, another strategy, or a snapshot of before seq", () => {
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), null)).toBeNull();
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), row("pure_market_making", 9, 7))).toBeNull();
    expect(unhedgedAfter(spec("pure_market_making", null), row("pure_market_making", 9, 7))).toBeNull();
    expect(unhedgedAfter(spec("cross_exchange", cexTaker), row("cross_exchange", null, null))).toBeNull();
  });

  it("are hedged on a CEX taker: the maker fills only", () => {
    const r = restoredMakerFills(spec("cross_exchange", cexTaker), [fill(8, "maker", "buy", "0.002"), fill(9, "hedge", "sell", "0.002"), fill(10, "maker", "sell", "0.001")]);
    expect(r.kind).toBe("hedge");
    expect(r.kind === "hedge" && r.fills.map((f) => f.tradeId)).toEqual(["t8", "t10"]);
  });

  it("are reported on a DEX taker with the exposure they leave, never swapped", () => {
    const r = restoredMakerFills(spec("cross_exchange", dexTaker), [fill(8, "maker", "buy", "0.003"), fill(9, "maker", "sell", "0.001")]);
    expect(r).toEqual({ kind: "report", message: expect.stringContaining("t8, t9") });
    expect(r.kind === "report" && r.message).toMatch(/not hedged on uniswap .*Open exposure up to 0\.002 BTC/);
  });

  it("are nothing to do without maker fills", () => {
    expect(restoredMakerFills(spec("cross_exchange", cexTaker), [fill(9, "hedge", "sell", "0.002")])).toEqual({ kind: "none" });
  });
});
