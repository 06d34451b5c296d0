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
  bot: "x", exchange: role === "maker" ? "paper" : "binance", symbol: "BTC/USDT", tradeId: `t${seq}`, clientOrderId: null, side, price: "100", amount, feeCost: null, feeCurrency: null, ts: 100 * 86_400_000 - seq, role, seq,
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

  const NOW = 100 * 86_400_000;
  const daysAgo = (d: number) => NOW - d * 86_400_000;

  it("are hedged on a CEX taker: the maker fills only", () => {
    const r = restoredMakerFills(spec("cross_exchange", cexTaker), [fill(8, "maker", "buy", "0.002"), fill(9, "hedge", "sell", "0.002"), fill(10, "maker", "sell", "0.001")], NOW, 30);
    expect(r.hedge.map((f) => f.tradeId)).toEqual(["t8", "t10"]);
    expect(r.report).toBeNull();
  });

  it("are only reported on a CEX taker once older than the cex keeps orders, less a day: their hedge could be sent twice", () => {
    const old = { ...fill(8, "maker", "buy", "0.003"), ts: daysAgo(29.5) };
    const young = { ...fill(9, "maker", "buy", "0.001"), ts: daysAgo(28.5) };
    const r = restoredMakerFills(spec("cross_exchange", cexTaker), [old, young], NOW, 30);
    expect(r.hedge.map((f) => f.tradeId)).toEqual(["t9"]);
    expect(r.report).toMatch(/1 maker fill\(s\) .*not hedged on binance \(older than the 29 days .*\): t8\. Open exposure up to 0\.003 BTC/);
  });

  it("are reported on a DEX taker with the exposure they leave, never swapped", () => {
    const r = restoredMakerFills(spec("cross_exchange", dexTaker), [fill(8, "maker", "buy", "0.003"), fill(9, "maker", "sell", "0.001")].map((f) => ({ ...f, ts: NOW })), NOW, 30);
    expect(r.hedge).toEqual([]);
    expect(r.report).toMatch(/not hedged on uniswap \(a DEX swap is not repeated blindly\): t8, t9\. Open exposure up to 0\.002 BTC/);
  });

  it("are nothing to do without maker fills", () => {
    expect(restoredMakerFills(spec("cross_exchange", cexTaker), [fill(9, "hedge", "sell", "0.002")], NOW, 30)).toEqual({ hedge: [], report: null });
  });
});
